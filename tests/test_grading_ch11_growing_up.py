"""The checks of the chapter 11 workbook (the second system's parts): the reference answers
get full marks under every public and hidden run, the feedback says what was run, verdicts
are deterministic, and the judges fail on observations of the wrong shape."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from labrt.grading import TASKS, load_checks, load_hidden, run_task, task_text
from labrt.grading.checks import ch11_growing_up as ch11
from labrt.grading.core import Fail

from test_grading_wrong_answers import solved_namespace

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")
NAMES = ("ordered_queue", "risk_failover", "front_capacity")


def _wrong(label):
    path = ROOT / "instructor" / "wrong_answers" / "ch11_growing_up.py"
    spec = importlib.util.spec_from_file_location("wrong_ch11", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(e for e in module.WRONG if e["label"] == label)


def test_three_tasks_each_with_public_and_hidden_runs():
    """The notebook has three tasks in order, each graded on one public and three hidden runs."""
    for name in NAMES:
        task = TASKS[name]
        assert task.notebook == "ch11-growing-up"
        assert len(task.public_cases()) >= 1 and len(task.hidden_cases()) >= 3
    assert [TASKS[n].number for n in NAMES] == [1, 2, 3]


def test_reference_answers_get_full_marks_twice_alike():
    """The solution passes every case, and a second grading gives the same text."""
    ns = solved_namespace("ch11-growing-up")
    for name in ("ordered_queue", "risk_failover"):
        first = run_task(TASKS[name], ns, include_hidden=True)
        again = run_task(TASKS[name], ns, include_hidden=True)
        assert first.points == first.max_points, task_text(first)
        assert task_text(first) == task_text(again)


def test_a_ram_queue_loses_orders_and_says_what_was_run():
    """A front whose queue is in RAM passes the public run and loses orders when the front
    crashes while the back end is down; the feedback names the schedule and the seed."""
    ns = solved_namespace("ch11-growing-up")
    exec(_wrong("the front's queue lives in RAM")["code"], ns)
    result = run_task(TASKS["ordered_queue"], ns, include_hidden=True)
    text = task_text(result)
    assert result.cases[0].status == "passed", text
    assert "lost orders" in text
    assert "crash back at 4 s, crash front at 6 s" in text and "seed 3" in text


def test_capacity_feedback_names_the_measurement():
    """Too few fronts: the message gives the measured p99 with the fronts that were up."""
    ns = solved_namespace("ch11-growing-up")
    exec(_wrong("forgets the front that is down for the upgrade")["code"], ns)
    result = run_task(TASKS["front_capacity"], ns, include_hidden=False)
    text = task_text(result)
    assert result.points == 0, text
    assert "with 5 up the p99 is 0.299 s" in text and "40 purchases/s" in text


def test_queue_judge_fails_on_empty_observations():
    """A scenario made to return nothing scores nothing: the judge demands every order."""
    empty = {"sent": {}, "queued": {}, "books": None, "crashes": []}
    try:
        ch11._queue(empty, [])
    except Fail as fail:
        assert "the shop sent 60 orders" in fail.expected
    else:
        raise AssertionError("the judge passed an empty run")


def test_queue_judge_checks_the_order_of_the_books():
    """Every order queued and booked once, but two swapped: the judge names the pair."""
    n = 4
    obs = {"sent": {i: i * 0.25 for i in range(n)},
           "queued": {i: [[i + 1, i * 0.25]] for i in range(n)},
           "books": [0, 2, 1, 3], "crashes": []}
    try:
        ch11._queue(obs, [], n=n)
    except Fail as fail:
        assert "queue order" in fail.expected and "order 2 (seq 3)" in fail.observed
    else:
        raise AssertionError("books out of order passed")
    obs["books"] = [0, 1, 2, 3]
    ch11._queue(obs, [], n=n)


def test_risk_judge_fails_on_empty_observations():
    """No decisions at all: the judge fails, naming the purchases the shop sent."""
    empty = {"sent": {}, "decided": {}, "announced": [], "crashes": []}
    try:
        ch11._risk(empty, [])
    except Fail as fail:
        assert "the shop sent 80 purchases" in fail.expected
    else:
        raise AssertionError("the judge passed an empty run")


def test_capacity_judge_demands_a_measurement():
    """An int answer without the kernel's measurement fails instead of passing."""
    try:
        ch11._capacity({"answer": 7}, 40.0, 0.1, 0.24)
    except Fail as fail:
        assert "measured with 6 fronts up" in fail.expected
    else:
        raise AssertionError("an answer without a measurement passed")


def test_amounts_cover_both_decisions_on_every_seed():
    """Each graded seed sends purchases on both sides of the risk limit."""
    for seed in (1, 3, 5, 7):
        amounts = [ch11.amount(i, seed) for i in range(80)]
        assert min(amounts) <= ch11.LIMIT < max(amounts)
