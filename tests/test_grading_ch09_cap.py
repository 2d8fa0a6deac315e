"""The checks of the chapter 9 workbook (CAP): the reference answers get full marks under
every public and hidden run, verdicts are deterministic, the feedback says what was run and
the judges fail on observations of the wrong shape."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from labrt.grading import TASKS, load_checks, load_hidden, run_task, task_text
from labrt.grading.checks import ch09_cap as ch09
from labrt.grading.core import Fail

from test_grading_wrong_answers import solved_namespace

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")
NAMES = ("table_modes", "linear_register", "split_report")


def _wrong(label):
    path = ROOT / "instructor" / "wrong_answers" / "ch09_cap.py"
    spec = importlib.util.spec_from_file_location("wrong_ch09", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(e for e in module.WRONG if e["label"] == label)


def _graded(name, label=None):
    ns = solved_namespace("ch09-cap")
    if label:
        exec(_wrong(label)["code"], ns)
    return run_task(TASKS[name], ns, include_hidden=True)


def test_three_tasks_each_with_public_and_hidden_runs():
    """The notebook has three tasks in order, each graded on one public and two hidden runs."""
    for name in NAMES:
        task = TASKS[name]
        assert task.notebook == "ch09-cap"
        assert len(task.public_cases()) >= 1 and len(task.hidden_cases()) >= 2
    assert [TASKS[n].number for n in NAMES] == [1, 2, 3]


def test_reference_answers_get_full_marks_twice_alike():
    """The solution passes every case, and a second grading gives the same text."""
    for name in NAMES:
        first, again = _graded(name), _graded(name)
        assert first.points == first.max_points, task_text(first)
        assert task_text(first) == task_text(again)


def test_a_local_read_is_caught_by_the_checker_with_its_evidence():
    """dirty_read on the minority: the text names the violation's operations and the run."""
    text = task_text(_graded("linear_register", "reads the local replica with dirty_read"))
    assert "the checker finds a violation" in text and "read() ->" in text
    assert "sites a@site1 | b@site2+c@site2" in text and "seed 1" in text


def test_the_bigger_side_rule_passes_public_and_fails_the_fast_writer_run():
    """Keeping the bigger side scores the public points only; the hidden run names the counts."""
    result = _graded("split_report", "the bigger side always survives")
    failed = [c for c in result.cases if c.status != "passed"]
    assert failed and all(c.hidden for c in failed)
    assert any("four times" in c.title and "writes" in c.hint for c in failed)


def test_a_default_mode_money_table_is_not_linearizable_in_every_run():
    """Every run (public and hidden) finds a violation in a money table in default mode."""
    result = _graded("table_modes", "every table in default mode")
    assert result.points == 0, task_text(result)
    assert all("stays linearizable" in c.expected for c in result.cases), task_text(result)


@pytest.mark.parametrize("judge, inputs", [
    (ch09._modes, dict(tables={"cart": ch09.CART}, site1=["a"], site2=["b"])),
    (ch09._register, dict(site1=["a"], site2=["b", "c"])),
    (ch09._split, dict(site1=["a"], site2=["b", "c"], winner=["b", "c"])),
])
@pytest.mark.parametrize("obs", [{}, [], {"ops": [], "events": {}, "reports": [],
                                          "cart": {"choice": True, "ops": []}}])
def test_judges_fail_on_observations_of_the_wrong_shape(judge, inputs, obs):
    """An empty or malformed observation never passes a judge."""
    with pytest.raises((Fail, KeyError, TypeError, AttributeError)):
        judge(obs, **inputs)
