"""labrt.explore: known races found, fixes covered, determinism, shrinking, schedules as data."""
import json

import pytest

import labrt
from labrt import receive, self, send, spawn
from labrt.explore import (
    Counterexample, Coverage, Schedule, ScheduleError, explore, outcomes, replay,
)
from labrt.explore import examples as ex


def _lines(trace):
    return [str(e) for e in trace]


# -- known races and their fixes ------------------------------------------------

@pytest.mark.parametrize("name", sorted(ex.PAIRS))
@pytest.mark.parametrize("mode", ["random", "systematic"])
def test_known_race_is_found(name, mode):
    """Each buggy example passes on the default kernel but the explorer finds a failing schedule."""
    buggy, _fixed = ex.PAIRS[name]
    check = ex.CHECKS[name]
    default = explore(buggy, check, mode=mode, max_preemptions=0)
    assert not default.found, "the bug must be invisible on the default schedule"
    found = explore(buggy, check, mode=mode, seed=0)
    assert isinstance(found, Counterexample), str(found)
    assert found.deviations, "a failing schedule deviates from the default one"
    assert found.minimal


@pytest.mark.parametrize("name", sorted(ex.PAIRS))
def test_default_kernel_passes_the_buggy_version(name):
    """Each buggy example works on the default kernel (labrt.run), as the book shows it."""
    buggy, _fixed = ex.PAIRS[name]
    check = ex.CHECKS[name]
    rt = labrt.Runtime(reports=None)
    result = rt.run_main(buggy)
    assert not rt.reports
    if check is not None:
        assert check(type("R", (), {"result": result})())


@pytest.mark.parametrize("name", sorted(ex.PAIRS))
def test_fixed_version_is_covered(name):
    """The fixed version of each example passes under every schedule (the whole space)."""
    _buggy, fixed = ex.PAIRS[name]
    result = explore(fixed, ex.CHECKS[name], mode="systematic")
    assert isinstance(result, Coverage), str(result)
    assert result.complete and "the whole space" in str(result)


def test_trap_exit_race_counterexample_reads_as_steps():
    """trap_exit after spawn_link: the shrunk schedule is the worker ending before the flag is set."""
    found = explore(ex.keeper, ex.CHECKS["keeper"], seed=3)
    assert found.failure == "the scenario ended abnormally: 'boom'"
    assert [(s.op, s.deviation) for s in found.steps] == [
        ("spawn_link", None), ("end", "preemption"), ("deliver exit", None)]
    text = str(found)
    assert "1 deviation from the default schedule (1 preemption)" in text
    assert "  1. <0.1.0> keeper" in text and "<- preemption: <0.1.0> was about to trap_exit" in text


def test_causal_order_race_is_one_delay():
    """The bank's audit fails when only the deposit is late: one delay, no preemption."""
    found = explore(ex.bank, ex.CHECKS["bank"], seed=0)
    assert [s.deviation for s in found.deviations] == ["delay"]
    assert "('deposit', 100)" in found.deviations[0].instead
    assert found.run.result == 0


def test_check_then_register_needs_two_preemptions():
    """whereis/register: the minimal failing schedule has two preemptions and a BadArg crash."""
    found = explore(ex.claim, mode="systematic")
    assert [s.deviation for s in found.deviations] == ["preemption", "preemption"]
    assert found.minimal
    assert "a process crashed" in found.failure and "BadArg" in found.failure


# -- determinism ---------------------------------------------------------------

def test_same_seed_same_schedule_and_trace():
    """Two explorations with the same seed find the same schedule and the same trace."""
    a = explore(ex.bank, ex.CHECKS["bank"], seed=7)
    b = explore(ex.bank, ex.CHECKS["bank"], seed=7)
    assert a.schedule == b.schedule and a.runs == b.runs
    assert _lines(a.trace) == _lines(b.trace)
    assert str(a) == str(b)


def test_shrinking_is_deterministic():
    """Shrinking the same unshrunk counterexample twice gives the same schedule."""
    a = explore(ex.claim, seed=5, shrink=False)
    b = explore(ex.claim, seed=5)
    c = explore(ex.claim, seed=5)
    assert b.schedule == c.schedule
    assert len(b.deviations) <= len(a.deviations) == b.original_deviations


def test_exploring_leaves_the_default_kernel_alone():
    """After an exploration, labrt.run gives the same result and trace as before."""
    async def main():
        me = self()
        spawn(lambda: None)
        spawn(ex.depositor, me, me)
        return [await receive(), await receive()]
    rt1 = labrt.Runtime(reports=None)
    before = rt1.run_main(main)
    explore(ex.bank, ex.CHECKS["bank"], seed=1)
    rt2 = labrt.Runtime(reports=None)
    assert rt2.run_main(main) == before
    assert _lines(rt2.trace) == _lines(rt1.trace)


# -- schedules as data --------------------------------------------------------------

def test_schedule_save_load_replay(tmp_path):
    """A saved schedule loads back equal and replays the same run, event for event."""
    found = explore(ex.bank, ex.CHECKS["bank"], seed=2)
    path = tmp_path / "bank.json"
    found.schedule.save(path)
    loaded = Schedule.load(path)
    assert loaded == found.schedule
    run = replay(ex.bank, loaded)
    assert run.result == found.run.result == 0
    assert _lines(run.trace) == _lines(found.trace)
    assert _lines(found.replay().trace) == _lines(found.trace)


def test_replay_against_another_scenario_says_so():
    """Replaying a schedule on a scenario it was not made for raises a clear ScheduleError."""
    found = explore(ex.bank, ex.CHECKS["bank"], seed=2)
    with pytest.raises(ScheduleError, match="made for another scenario"):
        replay(ex.keeper, found.schedule)


def test_loading_garbage_is_a_clear_error(tmp_path):
    """A file that is not a schedule, or a malformed step, is refused with what was wrong."""
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(ScheduleError, match="not a saved labrt.explore schedule"):
        Schedule.load(bad)
    bad.write_text(json.dumps({"choices": [["jump", 1]]}))
    with pytest.raises(ScheduleError, match="not a schedule step"):
        Schedule.load(bad)


# -- what is reported ---------------------------------------------------------------

def test_drawing_marks_the_choice_points():
    """draw() gives a sequence diagram with a note at each deviation."""
    found = explore(ex.bank, ex.CHECKS["bank"], seed=0)
    svg = found.draw().svg
    assert "step " in svg and "delay, message from" in svg
    assert svg.startswith("<svg")


def test_bounded_search_does_not_claim_the_whole_space():
    """With max_preemptions the coverage says which branches were skipped."""
    result = explore(ex.bank_fixed, ex.CHECKS["bank"], mode="systematic", max_preemptions=1)
    assert not result.complete and result.pruned > 0
    assert "not the whole space" in str(result) and "more than 1 deviations" in str(result)


def test_random_coverage_is_called_a_sample():
    """A random exploration that finds nothing says it was a sample."""
    result = explore(ex.keeper_fixed, ex.CHECKS["keeper"], runs=20)
    assert isinstance(result, Coverage) and result.runs == 20
    assert "a sample, not the whole space" in str(result)


def test_max_steps_cuts_and_is_reported():
    """Runs longer than max_steps are cut, and the space is then not covered."""
    result = explore(ex.bank_fixed, ex.CHECKS["bank"], mode="systematic", max_steps=5, runs=50)
    assert not result.complete and result.truncated > 0


def test_a_scenario_that_never_finishes_fails():
    """A scenario left waiting when nothing can happen is a failure naming the waiting process."""
    async def lost():
        pid = spawn(ex.worker)
        labrt.monitor(pid)
        return await receive("never sent")
    found = explore(lost, mode="systematic")
    assert found.failure.startswith("the scenario never finished")
    assert "waits for 'never sent'" in found.failure


def test_timers_race_finds_a_timeout_guess():
    """With timers='race', a receive timeout can fire before a reply that is on its way."""
    async def replier(to):
        send(to, "hi")

    async def impatient():
        spawn(replier, self())
        return await receive(timeout=1.0)
    check = lambda run: run.result == "hi"  # noqa: E731
    assert explore(impatient, check, mode="systematic").complete
    found = explore(impatient, check, mode="systematic", timers="race")
    assert found.run.result is labrt.TIMEOUT
    # one deviation: the timer fires while the reply is still on its way
    assert [s.deviation for s in found.deviations] in (["delay"], ["early timeout"])
    assert "timer" in [s.op for s in found.steps]


def test_outcomes_collects_results_over_the_space():
    """outcomes() gives the set of results and says the space was covered."""
    found = outcomes(ex.keeper)
    assert set(found) == {"boom", ("abnormal", "boom")}
    assert found.coverage.complete


# -- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,error,text", [
    ({"scenario": 42}, TypeError, "needs a scenario function"),
    ({"check": "yes"}, TypeError, "check must be a function"),
    ({"mode": "dfs"}, ValueError, "mode must be 'random' or 'systematic'"),
    ({"runs": 0}, ValueError, "runs must be a whole number >= 1"),
    ({"max_preemptions": -1}, ValueError, "max_preemptions must be None"),
    ({"timers": "fast"}, ValueError, "timers must be 'idle' or 'race'"),
    ({"args": [1]}, TypeError, "args must be a tuple"),
    ({"seed": 1.5}, TypeError, "seed must be an int or a str"),
])
def test_bad_arguments_say_what_was_wrong(kwargs, error, text):
    """Each bad argument to explore raises an error that names it and what to pass."""
    kw = {"scenario": ex.keeper, **kwargs}
    with pytest.raises(error, match=text):
        explore(kw.pop("scenario"), **kw)


def test_a_check_must_return_a_verdict():
    """A check that returns something other than a bool or None is a TypeError."""
    with pytest.raises(TypeError, match="a check must return True, False or None"):
        explore(ex.keeper_fixed, lambda run: "fine", runs=2)


def test_same_result_in_another_interpreter():
    """Exploration does not depend on hash randomisation: two interpreters print the same thing."""
    import subprocess
    import sys
    code = ("import labrt; from labrt.explore import examples as ex; "
            "r = labrt.explore(ex.bank, ex.CHECKS['bank'], seed=4); "
            "c = labrt.explore(ex.restart, ex.CHECKS['restart'], mode='systematic'); "
            "print(r); print(r.trace.to_jsonl()); print(c, c.runs)")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
                           timeout=120, check=True).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1] and "counterexample" in outs[0]


def test_outcomes_needs_hashable_results_and_counts_equal_crashes_once():
    """outcomes() says what to do with a list result; equal crashes in many runs count once."""
    async def listing():
        return [1]
    with pytest.raises(TypeError, match="return a tuple instead of a list"):
        outcomes(listing)

    async def crasher():
        labrt.spawn_link(ex.worker)          # exits "boom": may kill us first
        labrt.spawn_link(ex.worker)
        raise ValueError("x")
    found = outcomes(crasher)
    assert found.coverage.runs > 2
    assert found == {("abnormal", "ValueError('x')"), ("abnormal", "boom")}
