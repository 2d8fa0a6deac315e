"""Litmus tests of the schedule mode: the outcomes found are exactly those Erlang allows.

Each scenario (labrt/explore/litmus.py) is explored systematically, without a
bound, and the set of its results must equal the set written here, no more
and no fewer.  The expected sets are reasoned from the semantics
(/work/shared/reference/otp-semantics.md, items cited), not from what the
explorer prints.  tests/test_explore_beam.py runs the same scenarios on a real
BEAM (OTP 25, two schedulers, some work before the second operation so that
the scheduler may switch): there every outcome below appears, except the
second order of `forwarded`, which needs distribution.
"""
import pytest

from labrt.explore import outcomes
from labrt.explore.litmus import CASES

EXPECTED = {
    # Item 31: only per-pair order is promised; the two senders are different
    # pairs, so either message may arrive first.  A multi-core BEAM shows both
    # orders on one node.
    "two_senders": {("a", "b"), ("b", "a")},
    # The message and the link request go from the scenario to the child in
    # that order (item 31, one pair).  The child may take the message and exit
    # before the link request arrives: the link then finds it gone and answers
    # with an exit signal `noproc` (item 13 for a trapping caller); or the
    # link is in place first and the EXIT carries `boom`.  On one BEAM node
    # `noproc` appears when the sender does some work between the send and
    # the link (the child runs meanwhile); between nodes it is common.
    "send_and_link": {"boom", "noproc"},
    # Item 23: a monitor on a process that is already gone gives DOWN `noproc`
    # at once; if the monitor request arrives first, DOWN `bye`.  The BEAM
    # shows `noproc` when the parent does some work between spawn and
    # monitor, which is why spawn_monitor exists (item 17).
    "exit_and_monitor": {"bye", "noproc"},
    # register is synchronous on the local node (item 35), and a name is freed
    # when its process dies (item 37), before DOWN (item 19).  The scenario
    # either takes the name first (the child's register raises badarg), or
    # finds it taken (the child still alive), or takes it after the child has
    # gone.  It can never find it taken *and* see the child crash.  All three
    # are reachable on a multi-core BEAM.
    "register_and_exit": {("ok", "BadArg"), ("badarg", "normal"), ("ok", "normal")},
    # One sender, one receiver: the message and the exit signal arrive in the
    # order they were sent (items 20, 31), on the BEAM as here.
    "message_then_signal": {("m", "EXIT")},
    # Causality is not delivery order: m1 (A to C) and m2 (A to B to C) travel
    # on different pairs, so m2 may arrive first.  On one BEAM node delivery is
    # immediate in practice and m1 always wins; the other order needs
    # distribution (A-C a slow connection), so labrt allows what Erlang allows.
    "forwarded": {("m1", "m2"), ("m2", "m1")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_litmus_outcomes_are_exactly_the_allowed_ones(name):
    """The systematic explorer covers the whole space and finds exactly the allowed outcomes."""
    found = outcomes(CASES[name])
    assert found.coverage.complete, str(found.coverage)
    assert set(found) == EXPECTED[name]


def test_default_schedule_shows_one_outcome_only():
    """With no deviation allowed, each litmus case gives the one outcome of the default kernel."""
    for name, fn in CASES.items():
        found = outcomes(fn, max_preemptions=0)
        assert len(found) == 1, (name, found)
        assert not found.coverage.complete or len(EXPECTED[name]) == 1, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_schedule_matches_the_default_kernel(name):
    """The explorer's schedule with no deviation gives what labrt.run gives today."""
    import labrt
    found = outcomes(CASES[name], max_preemptions=0)
    assert set(found) == {labrt.run(CASES[name], reports=None)}


def _search_outcomes(fn, search):
    from labrt.explore import _job
    seen = set()

    def record(run):
        if not (run.truncated or run.stopped):
            seen.add(run.result)
    *_, complete = search(_job(fn, (), 2000, "idle"), record)
    assert complete
    return seen


@pytest.mark.parametrize("name", sorted(CASES))
def test_dpor_and_sleep_sets_agree(name):
    """Source DPOR (the default) and plain sleep sets find the same outcomes."""
    from labrt.explore._dpor import dpor_search
    from labrt.explore._search import systematic_search
    dpor = _search_outcomes(CASES[name], lambda job, rec: dpor_search(job, rec, 10_000))
    sleep = _search_outcomes(CASES[name], lambda job, rec: systematic_search(job, rec, 10_000, None))
    assert dpor == sleep == EXPECTED[name]


@pytest.mark.parametrize("name", ["send_and_link", "exit_and_monitor", "register_and_exit",
                                  "message_then_signal"])
def test_reduction_misses_nothing_that_full_enumeration_finds(name):
    """Against every schedule, unreduced: the footprints forget nothing that changes an outcome."""
    from labrt.explore._search import systematic_search
    full = _search_outcomes(CASES[name], lambda job, rec: systematic_search(
        job, rec, 10_000, None, use_sleep=False))
    assert full == EXPECTED[name]
