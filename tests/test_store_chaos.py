"""Chaos runs: a replicated key-value map on 3 nodes under a seeded fault schedule for a
simulated hour, checked with labrt.check (zero lost writes and linearizable in majority
mode; Mnesia's default mode caught out)."""
import pytest

from labrt.store import chaos


@pytest.fixture(scope="module")
def runs():
    # majority mode for an hour; the default mode is caught within half an hour
    return {m: chaos.run(majority=m, seed=1, duration=3600.0 if m else 1800.0) for m in (True, False)}


def test_majority_mode_loses_nothing_and_is_linearizable(runs):
    """majority=True: no acknowledged write lost, and the history is linearizable."""
    r = runs[True]
    print(r.report())
    assert len(r.schedule) > 100 and r.acknowledged_writes > 1000
    assert any(op.status == "fail" for op in r.history)        # the minority refused
    assert r.lost == []
    assert r.linear.linearizable


def test_default_mode_is_caught_by_the_checker(runs):
    """Mnesia's default: both sides write; the checker finds lost writes or a bad read, and prints it."""
    r = runs[False]
    text = r.report()
    print(text)
    assert r.lost or not r.linear.linearizable
    if not r.linear.linearizable:
        assert "cannot be placed" in text and len(r.linear.violation) <= 5


def test_chaos_runs_are_deterministic():
    """The same seed gives the same history, operation for operation."""
    a = chaos.run(majority=False, seed=3, duration=150.0)
    b = chaos.run(majority=False, seed=3, duration=150.0)
    assert a.history.dumps() == b.history.dumps() and a.restarts == b.restarts


def test_majority_mode_seed_3_has_no_stale_read():
    """Seed 3 (half an hour) once found a stale read: a restarting master loaded its own stale disk."""
    r = chaos.run(majority=True, seed=3, duration=1800.0)
    assert r.lost == [] and r.acknowledged_writes > 500
    assert r.linear.linearizable, r.report()
