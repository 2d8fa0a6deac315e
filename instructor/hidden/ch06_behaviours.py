"""Hidden checks for exercises/ch06-behaviours.ipynb (instructors only).

An empty store and overwrites, two clients at once, failures of every kind in
one list of servers, and ledger timings other than the notebook's.

This module is data: each case names a public scenario (its observer lives in
labrt/grading/checks/) with its inputs, which are all that enter the sandbox,
and its expected outcome, which only the judge sees, outside the sandbox. The
cases near the end run several seeds and variants each and judge properties;
each is failed by at least one wrong answer in instructor/wrong_answers/.
"""
from labrt.grading import hidden
from labrt.grading.checks._kit import case_several
from labrt.grading.checks.ch06_behaviours import (
    FETCH, KV, LEDGER, fetch_scenario, kv_case, kv_pair_scenario, ledger_scenario)

kv_case(KV, 1, "an empty start, overwrites, and stats of an empty store", {}, [
    (("stats",), {"keys": 0, "calls": 0}),
    (("call", ("put", "a", 1)), "ok"),
    (("call", ("put", "a", 2)), "ok"),
    (("call", ("get", "a")), ("ok", 2)),
    (("stats",), {"keys": 1, "calls": 3}),
    (("call", ("delete", "a")), "ok"),
    (("call", ("delete", "a")), "ok"),
    (("call", ("get", "a")), ("error", "not_found")),
    (("stats",), {"keys": 0, "calls": 6}),
], hidden=True)

kv_case(KV, 1, "values of any kind, including None and tuples", {"n": None}, [
    (("call", ("get", "n")), ("ok", None)),
    (("call", ("put", ("x", 1), ("y", 2))), "ok"),
    (("call", ("get", ("x", 1))), ("ok", ("y", 2))),
    (("stats",), {"keys": 2, "calls": 3}),
], hidden=True)

hidden(KV, 1, "two clients at once, on a shuffled schedule", kv_pair_scenario, seed=4)

hidden(FETCH, 1, "two slow servers, then one that answers", fetch_scenario, key="k",
       servers=[("a", "slow"), ("b", "slow"), ("c", "ok")], timeout=0.25, want=("ok", "k@c"),
       want_at=0.5, asked=["a", "b", "c"])
hidden(FETCH, 1, "every way to fail in one list", fetch_scenario, key="k",
       servers=[("a", "crash"), ("b", None), ("c", "slow"), ("d", "crash")], timeout=1.0,
       want=("error", "unavailable"), want_at=1.0, asked=["a", "c", "d"])
hidden(FETCH, 1, "a crash, then not_found, on a shuffled schedule", fetch_scenario, key="k",
       servers=[("a", "crash"), ("b", "not_found"), ("c", "ok")], timeout=0.5,
       want=("error", "not_found"), want_at=0.0, asked=["a", "b"], seed=3)

hidden(LEDGER, 1, "writes 0.4 s apart: a batch, then an idle flush", ledger_scenario,
       plan=[(0.4 * i, f"e{i + 1}") for i in range(5)],
       flushes=[(0.8, ["e1", "e2", "e3"]), (2.6, ["e4", "e5"])])
case_several(LEDGER, 1, "stopped with an empty buffer: nothing more is sent", [
    (ledger_scenario, dict(plan=[(0.0, "a"), (0.0, "b"), (0.0, "c")],
                           flushes=[(0.0, ["a", "b", "c"])], stop="stop", stop_at=0.5)),
    (ledger_scenario, dict(plan=[(0.0, "a")], flushes=[(1.0, ["a"])], stop="supervisor",
                           stop_at=1.5))], hidden=True)
hidden(LEDGER, 1, "an idle flush, then a shutdown by the supervisor", ledger_scenario,
       plan=[(0.0, "a"), (2.0, "b")], flushes=[(1.0, ["a"]), (2.5, ["b"])],
       stop="supervisor", stop_at=2.5, seed=7)


# Checks that generalise: several seeds and variants per case, judged on properties.
from labrt.grading.checks._kit import case  # noqa: E402
from labrt.grading.checks.ch06_behaviours import fetch_runs, kv_runs, ledger_runs  # noqa: E402

case(KV, 1, "values that are false are values: 0, '', False, [], 0.0 (two seeds)", kv_runs,
     hidden=True, runs=[
         dict(initials=[{"z": 0, "e": ""}], ops=[
             (0, ("get", "z")), (0, ("get", "e")), (0, ("put", "f", False)), (0, ("get", "f")),
             (0, ("put", "n", [])), (0, ("get", "n")), (0, "stats")]),
         dict(initials=[{}], ops=[(0, ("put", "a", 0.0)), (0, ("get", "a")), (0, "stats")], seed=6)],
     wants=[[("ok", 0), ("ok", ""), "ok", ("ok", False), "ok", ("ok", []), {"keys": 4, "calls": 6}],
            ["ok", ("ok", 0.0), {"keys": 1, "calls": 2}]])

case(KV, 1, "two Kv servers at once keep their own data and counts (two seeds)", kv_runs,
     hidden=True, runs=[
         dict(initials=[{"a": 1}, {"b": 2}], ops=[
             (0, ("put", "x", 1)), (1, ("get", "x")), (1, ("get", "b")), (0, ("get", "b")),
             (0, "stats"), (1, "stats")]),
         dict(initials=[{}, {}], ops=[(1, ("put", "k", "one")), (0, ("get", "k")),
                                      (0, ("put", "k", "zero")), (1, ("get", "k")),
                                      (0, "stats"), (1, "stats")], seed=2)],
     wants=[["ok", ("error", "not_found"), ("ok", 2), ("error", "not_found"),
             {"keys": 2, "calls": 2}, {"keys": 1, "calls": 2}],
            ["ok", ("error", "not_found"), "ok", ("ok", "one"),
             {"keys": 1, "calls": 2}, {"keys": 1, "calls": 2}]])

case(FETCH, 1, "replies other than ('ok', ...) and ('error', 'not_found') are answers too: "
     "('error', 'overloaded'), None, 0 (three seeds)", fetch_runs, hidden=True, runs=[
         dict(key="k", servers=[("a", ("reply", ("error", "overloaded"))), ("b", "ok")],
              timeout=0.5),
         dict(key="k", servers=[("a", None), ("b", ("reply", None)), ("c", "ok")], timeout=0.5,
              seed=3),
         dict(key="k", servers=[("a", "crash"), ("b", ("reply", 0)), ("c", "ok")], timeout=0.5,
              seed=8)],
     wants=[(("error", "overloaded"), 0.0, ["a"]), (None, 0.0, ["b"]), (0, 0.0, ["a", "b"])])

case(FETCH, 1, "calls that fail with other reasons: 'shutdown', ('shutdown', ...), 'normal' "
     "(two seeds)", fetch_runs, hidden=True, runs=[
         dict(key="k", servers=[("a", ("stop", "shutdown")), ("b", "ok")], timeout=0.5),
         dict(key="k", servers=[("a", ("exit", ("shutdown", "maintenance"))),
                                ("b", ("stop", "normal")), ("c", "ok")], timeout=0.5, seed=5)],
     wants=[(("ok", "k@b"), 0.0, ["a", "b"]), (("ok", "k@c"), 0.0, ["a", "b", "c"])])

case(LEDGER, 1, "stray messages reach the ledger while it is idle (two timelines, two seeds)",
     ledger_runs, hidden=True, runs=[
         dict(plan=[(0.0, "a"), (0.0, "b")], strays=[(0.5, "ping")], until=5.0),
         dict(plan=[(0.0, "a"), (1.2, "b")], strays=[(0.6, ("noise", 1)), (0.9, "hello")],
              until=5.0, seed=4)],
     wants=[[(1.5, ["a", "b"])], [(2.2, ["a", "b"])]])

case(LEDGER, 1, "stopped with other reasons: ('shutdown', ...), 'upgrade', a supervisor's "
     "shutdown (three seeds)", ledger_runs, hidden=True, runs=[
         dict(plan=[(0.0, "a"), (0.1, "b")], stop="stop", stop_at=0.3,
              reason=("shutdown", "maintenance")),
         dict(plan=[(0.0, "a")], stop="stop", stop_at=0.2, reason="upgrade", seed=2),
         dict(plan=[(0.0, "a")], stop="supervisor", stop_at=0.4, reason=("shutdown", "node down"),
              seed=5)],
     wants=[[(0.3, ["a", "b"])], [(0.2, ["a"])], [(0.4, ["a"])]])
