"""The checks of the chapter 10 workbook (Klarna's first system): the reference nodes get
full marks under every public and hidden fault schedule, the feedback says what was run,
verdicts are deterministic, and the judges fail on observations of the wrong shape."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from labrt.grading import TASKS, load_checks, load_hidden, run_task, task_text
from labrt.grading.checks import ch10_first_system as ch10
from labrt.grading.core import Fail

from test_grading_wrong_answers import solved_namespace

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")
NAMES = ("failover", "sync_on_contact", "restart_window")


def _wrong(label):
    path = ROOT / "instructor" / "wrong_answers" / "ch10_first_system.py"
    spec = importlib.util.spec_from_file_location("wrong_ch10", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(e for e in module.WRONG if e["label"] == label)


def test_three_tasks_each_with_public_and_hidden_schedules():
    """The notebook has three tasks, each graded on at least one public and two hidden runs."""
    for name in NAMES:
        task = TASKS[name]
        assert task.notebook == "ch10-first-system"
        assert len(task.public_cases()) >= 1 and len(task.hidden_cases()) >= 2
    assert [TASKS[n].number for n in NAMES] == [1, 2, 3]


def test_reference_nodes_get_full_marks_twice_alike():
    """The solution's nodes pass every case, and a second grading gives the same text."""
    ns = solved_namespace("ch10-first-system")
    for name in NAMES:
        first = run_task(TASKS[name], ns, include_hidden=True)
        again = run_task(TASKS[name], ns, include_hidden=True)
        assert first.points == first.max_points, task_text(first)
        assert task_text(first) == task_text(again)


def test_a_ram_only_ledger_loses_purchases_and_says_what_was_run():
    """Task 2's nodes in task 3 lose purchases; the feedback names the schedule and seed."""
    ns = solved_namespace("ch10-first-system")
    exec(_wrong("the ledger lives in RAM only (task 2's answer)")["code"], ns)
    result = run_task(TASKS["restart_window"], ns, include_hidden=False)
    text = task_text(result)
    assert result.points == 0, text
    assert "lost purchases" in text
    assert "faults: crash master at 6 s, crash slave at 12 s" in text and "seed 1" in text


def test_judge_fails_on_empty_observations():
    """A scenario made to return nothing scores nothing: the judge demands every purchase."""
    empty = {"sent": {}, "decided": {}, "announced": [], "ledgers": {}, "crashes": []}
    try:
        ch10._purchases(empty, "careful_node", [], lossless=True)
    except Fail as fail:
        assert "the shop sent 60 purchases" in fail.expected
    else:
        raise AssertionError("the judge passed an empty run")


def test_judge_fails_when_a_ledger_is_missing():
    """Every purchase decided but no ledger answered: a lossless case fails, naming the node."""
    n = 4
    obs = {"sent": {i: i * 0.5 for i in range(n)},
           "decided": {i: [(("accept" if ch10.amount(i, 1) <= ch10.LIMIT else "reject"),
                            ch10.MASTER, i * 0.5)] for i in range(n)},
           "announced": [], "ledgers": {}, "crashes": []}
    ch10._purchases(obs, "careful_node", [], n=n)            # not lossless: passes
    try:
        ch10._purchases(obs, "careful_node", [], lossless=True, n=n)
    except Fail as fail:
        assert "answers ('ledger', pid)" in fail.expected
    else:
        raise AssertionError("a missing ledger passed")


def test_amounts_cover_both_decisions_on_every_seed():
    """Each graded seed sends purchases on both sides of the limit."""
    for seed in (1, 2, 3, 4, 5, 6, 7, 9):
        amounts = [ch10.amount(i, seed) for i in range(60)]
        assert min(amounts) <= ch10.LIMIT < max(amounts)
