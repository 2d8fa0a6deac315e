"""The checks of the chapter 8 workbook (nodes, fail-over, the disk, backups): the reference
answers get full marks under every public and hidden run, verdicts are deterministic, the
feedback says what was run, the worlds really lose what the tasks say, and the judges fail
on observations of the wrong shape."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from labrt.grading import TASKS, load_checks, load_hidden, run_task, task_text
from labrt.grading.checks import ch08_nodes as ch08
from labrt.grading.core import Fail, Trial

from test_grading_wrong_answers import solved_namespace

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")
NAMES = ("failover_client", "rebuild_from_disk", "backup_restore")


def _wrong(label):
    path = ROOT / "instructor" / "wrong_answers" / "ch08_nodes.py"
    spec = importlib.util.spec_from_file_location("wrong_ch08", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(e for e in module.WRONG if e["label"] == label)


def _graded(name, label=None, hidden=True):
    ns = solved_namespace("ch08-nodes")
    if label:
        exec(_wrong(label)["code"], ns)
    return run_task(TASKS[name], ns, include_hidden=hidden)


def test_three_tasks_each_with_public_and_hidden_runs():
    """The notebook has three tasks in order, each graded on one public and three hidden runs."""
    for name in NAMES:
        task = TASKS[name]
        assert task.notebook == "ch08-nodes"
        assert len(task.public_cases()) >= 1 and len(task.hidden_cases()) >= 3
    assert [TASKS[n].number for n in NAMES] == [1, 2, 3]


def test_every_case_runs_several_seeds_or_several_faults():
    """No case is one fixed run: each public case runs two seeds."""
    for name in NAMES:
        for case in TASKS[name].public_cases():
            assert len(case.params.get("seeds", (1, 2))) >= 2, case.title


def test_reference_answers_get_full_marks_twice_alike():
    """The solution passes every case, and a second grading gives the same text."""
    for name in NAMES:
        first, again = _graded(name), _graded(name)
        assert first.points == first.max_points, task_text(first)
        assert task_text(first) == task_text(again)


def test_a_sticky_client_is_named_with_the_request_and_the_run():
    """A client that stays on the slave: the text names a request after the restart and the faults."""
    text = task_text(_graded("failover_client", "stays on the slave after failing over", False))
    assert "answered by the master while the master is up" in text
    assert "'slave@site2')" in text and "restart master at 9.2 s" in text and "seed 1" in text


def test_a_short_timeout_passes_the_crash_and_fails_the_cut():
    """A 1 s timeout handled as a crash: full public marks, the cut-off case names the timeout."""
    result = _graded("failover_client", "a 1 s timeout on the call, and only nodedown handled")
    failed = [c for c in result.cases if c.status != "passed"]
    assert failed and all(c.hidden for c in failed)
    assert any("cut off" in c.title and "timeout" in c.observed for c in failed), \
        task_text(result)


def _observe(scenario, task, **inputs):
    return scenario.observe(Trial(TASKS[task], solved_namespace("ch08-nodes")), **inputs)


def test_the_power_cut_loses_the_unsynced_commits_and_nothing_else():
    """In the public runs the node comes back with less than it confirmed; fully synced, with all."""
    for seed, o in _observe(ch08.rebuild_run, "rebuild_from_disk").items():
        assert o["unsynced"] == 6 and o["acked"] != o["actual"], seed
    for seed, o in _observe(ch08.rebuild_run, "rebuild_from_disk", seeds=(9,),
                            sync_after=(5,), last_sync=True).items():
        assert o["unsynced"] == 0 and o["acked"] == o["actual"], seed


def test_an_unsynced_replay_names_the_missing_records_and_the_run():
    """Replaying unsynced entries: the text counts the records and says which syncs were run."""
    text = task_text(_graded("rebuild_from_disk", "replays the whole log, unsynced entries too",
                             False))
    assert "rebuild gives the" in text and "6 log entries were unsynced" in text
    assert "14 transactions on orders" in text and "sync_log after 8" in text


def test_another_tables_operations_pass_public_and_are_named_by_the_hidden_run():
    """Replaying every table's commits: full public marks; the two-table run names the record."""
    result = _graded("rebuild_from_disk", "applies every table's operations")
    failed = [c for c in result.cases if c.status != "passed"]
    assert failed and all(c.hidden for c in failed)
    assert any("two tables" in c.title and "a record of another table" in c.hint
               and "('refunds'," in c.hint for c in failed), task_text(result)


def test_a_local_backup_is_lost_with_its_machine():
    """A backup only on a@site1: the repair on b@site1 finds none, and the text says so."""
    text = task_text(_graded("backup_restore", "the backup only on the node that takes it",
                             False))
    assert "('aborted', ('no_backup', 'nightly'))" in text
    assert "crash a at 7 s" in text and "repair at 8 s on b@site1" in text


def test_the_backup_world_buys_before_and_after_the_backup():
    """The public runs have purchases on both sides of the backup, and the bad job is undone."""
    for seed, o in _observe(ch08.backup_run, "backup_restore",
                            faults=[[7.0, "crash", "a@site1"]]).items():
        b0, b1 = o["times"]["backup"]
        assert any(p[5] <= b0 for p in o["bought"]) and any(p[4] >= b1 for p in o["bought"])
        assert sorted(o["final"]) == ["b@site1", "c@site2"], seed
        assert o["repair"][0] == "atomic", seed


@pytest.mark.parametrize("judge, inputs", [
    (ch08._failover, dict(faults=[])),
    (ch08._rebuild, dict()),
    (ch08._backup, dict(faults=[])),
])
@pytest.mark.parametrize("obs", [{}, [], {1: {}, 2: {}},
                                 {1: {"rows": [], "predicted": [], "actual": [],
                                      "repair": ("atomic", []), "final": {}}}])
def test_judges_fail_on_observations_of_the_wrong_shape(judge, inputs, obs):
    """An empty or malformed observation never passes a judge."""
    with pytest.raises((Fail, KeyError, TypeError, AttributeError, ValueError)):
        judge(obs, **inputs)
