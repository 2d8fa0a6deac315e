"""Hidden checks for exercises/ch06-behaviours.ipynb (instructors only).

An empty store and overwrites, two clients at once, failures of every kind in
one list of servers, and ledger timings other than the notebook's.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch06_behaviours import (
    FETCH, KV, LEDGER, fetch_scenario, kv_pair_scenario, kv_scenario, ledger_scenario)


@hidden(KV, points=1, title="an empty start, overwrites, and stats of an empty store")
def _kv_overwrite(t):
    kv_scenario(t, {}, [
        (("stats",), {"keys": 0, "calls": 0}),
        (("call", ("put", "a", 1)), "ok"),
        (("call", ("put", "a", 2)), "ok"),
        (("call", ("get", "a")), ("ok", 2)),
        (("stats",), {"keys": 1, "calls": 3}),
        (("call", ("delete", "a")), "ok"),
        (("call", ("delete", "a")), "ok"),
        (("call", ("get", "a")), ("error", "not_found")),
        (("stats",), {"keys": 0, "calls": 6}),
    ])


@hidden(KV, points=1, title="values of any kind, including None and tuples")
def _kv_values(t):
    kv_scenario(t, {"n": None}, [
        (("call", ("get", "n")), ("ok", None)),
        (("call", ("put", ("x", 1), ("y", 2))), "ok"),
        (("call", ("get", ("x", 1))), ("ok", ("y", 2))),
        (("stats",), {"keys": 2, "calls": 3}),
    ])


@hidden(KV, points=1, title="two clients at once, on a shuffled schedule")
def _kv_pair(t):
    kv_pair_scenario(t, seed=4)


@hidden(FETCH, points=1, title="two slow servers, then one that answers")
def _fetch_two_slow(t):
    fetch_scenario(t, "k", [("a", "slow"), ("b", "slow"), ("c", "ok")], 0.25, ("ok", "k@c"),
                   0.5, ["a", "b", "c"])


@hidden(FETCH, points=1, title="every way to fail in one list")
def _fetch_all_fail(t):
    fetch_scenario(t, "k", [("a", "crash"), ("b", None), ("c", "slow"), ("d", "crash")], 1.0,
                   ("error", "unavailable"), 1.0, ["a", "c", "d"])


@hidden(FETCH, points=1, title="a crash, then not_found, on a shuffled schedule")
def _fetch_crash_not_found(t):
    fetch_scenario(t, "k", [("a", "crash"), ("b", "not_found"), ("c", "ok")], 0.5,
                   ("error", "not_found"), 0.0, ["a", "b"], seed=3)


@hidden(LEDGER, points=1, title="writes 0.4 s apart: a batch, then an idle flush")
def _ledger_spaced(t):
    ledger_scenario(t, [(0.4 * i, f"e{i + 1}") for i in range(5)],
                    [(0.8, ["e1", "e2", "e3"]), (2.6, ["e4", "e5"])])


@hidden(LEDGER, points=1, title="stopped with an empty buffer: nothing more is sent")
def _ledger_empty_stop(t):
    ledger_scenario(t, [(0.0, "a"), (0.0, "b"), (0.0, "c")], [(0.0, ["a", "b", "c"])],
                    stop="stop", stop_at=0.5)
    ledger_scenario(t, [(0.0, "a")], [(1.0, ["a"])], stop="supervisor", stop_at=1.5)


@hidden(LEDGER, points=1, title="an idle flush, then a shutdown by the supervisor")
def _ledger_idle_then_shutdown(t):
    ledger_scenario(t, [(0.0, "a"), (2.0, "b")], [(1.0, ["a"]), (2.5, ["b"])],
                    stop="supervisor", stop_at=2.5, seed=7)
