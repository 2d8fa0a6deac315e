"""Hidden checks for exercises/ch04-links.ipynb (instructors only).

Other mixes of exits, kills arriving from outside, limits at their edges,
and watchdog timings other than the notebook's.

This module is data: each case names a public scenario (its observer lives in
labrt/grading/checks/) with its inputs, which are all that enter the sandbox,
and its expected outcome, which only the judge sees, outside the sandbox. The
cases near the end run several seeds and variants each and judge properties;
each is failed by at least one wrong answer in instructor/wrong_answers/.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch04_links import (
    COLLECT, KEEP_ALIVE, WATCHDOG, collect_scenario, keep_alive_scenario, watchdog_scenario)

hidden(COLLECT, 1, "no functions, nothing to wait for", collect_scenario, funs=[], order=[])
hidden(COLLECT, 1, "an exit at once and a crash, on a shuffled schedule", collect_scenario,
       funs=["divides_by_zero", "quits_at_once", "finishes_late"], order=[1, 0, 2], seed=8)

hidden(KEEP_ALIVE, 1, "a killed worker is restarted too", keep_alive_scenario,
       worker=("flaky_until", 2.0), restarts_limit=10, workers=4, gives_up=False, end_time=2.7,
       kill_at=(0.5, 1.7))
hidden(KEEP_ALIVE, 1, "limit=0 gives up at the first crash", keep_alive_scenario,
       worker="always_crashes", restarts_limit=0, workers=1, gives_up=True, end_time=1.0)
hidden(KEEP_ALIVE, 1, "fifty instant crashes, then it gives up", keep_alive_scenario,
       worker="crashes_at_once", restarts_limit=50, workers=51, gives_up=True, end_time=0.0, seed=12)

hidden(WATCHDOG, 1, "faster probes: a hang, then a crash", watchdog_scenario,
       services=[{"hang_at": 1.2}, {"crash_at": 2.3}, {}], interval=0.5, timeout=0.1,
       duration=4.0, incidents=[(1.6, 0, "killed"), (2.3, 1, RuntimeError)], seed=1)
hidden(WATCHDOG, 1, "two hangs in a row", watchdog_scenario,
       services=[{"hang_at": 1.1}, {"hang_at": 2.5}, {}], interval=1.0, timeout=0.25,
       duration=5.0, incidents=[(2.25, 0, "killed"), (3.25, 1, "killed")], availability=0.55)
hidden(WATCHDOG, 1, "a crash before the first probe, then a hang", watchdog_scenario,
       services=[{"crash_at": 0.5}, {"hang_at": 0.7}, {}], interval=1.0, timeout=0.25,
       duration=3.0, incidents=[(0.5, 0, RuntimeError), (1.25, 1, "killed")])


# Checks that generalise: several seeds and variants per case, judged on properties.
from labrt.grading.checks._kit import case  # noqa: E402
from labrt.grading.checks.ch04_links import (  # noqa: E402
    collect_runs, keep_alive_runs, watchdog_runs)

case(COLLECT, 1, "collect's processes are linked to it: collect killed at t=2 and t=0.25 "
     "(two seeds); those still running die with it", collect_runs, hidden=True, runs=[
         dict(funs=["naps_long", "naps_short", "gets_tired"], kill_at=2.0, seed=None),
         dict(funs=["naps_long", "naps_long"], kill_at=0.25, seed=3)],
     want_orders=[[], []])

case(COLLECT, 1, "other messages reach collect meanwhile (junk, a tuple that looks like an "
     "exit; two seeds)", collect_runs, hidden=True, runs=[
         dict(funs=["finishes_late", "gets_tired", "divides_by_zero"],
              noise=["hello", ("EXIT", 1), 42], seed=2),
         dict(funs=["naps_short", "quits_at_once"], noise=[("done", 0)], seed=5)],
     want_orders=[[1, 2, 0], [1, 0]])

case(COLLECT, 1, "collect started linked by a process that ends normally at t=2 or t=1: "
     "its Exit is not one of collect's processes", collect_runs, hidden=True, runs=[
         dict(funs=["gets_tired", "finishes_late"], owner_until=2.0, seed=None),
         dict(funs=["naps_short", "divides_by_zero", "quits_at_once"], owner_until=1.0, seed=4)],
     want_orders=[[0, 1], [2, 0, 1]])

case(KEEP_ALIVE, 1, "the worker is linked to keep_alive: keep_alive killed at t=2 and t=2.5 "
     "(two workers, two seeds)", keep_alive_runs, hidden=True, runs=[
         dict(worker=("naps", 10.0), limit=3, kill_at=2.0),
         dict(worker=("exits", "boom", 5.0), limit=10, kill_at=2.5, seed=6)],
     wants=[(1, "killed", None), (3, "killed", None)])

case(KEEP_ALIVE, 1, "other exit reasons are abnormal too: 'shutdown', ('shutdown', ...), "
     "'tired' (three seeds)", keep_alive_runs, hidden=True, runs=[
         dict(worker=("exits", "shutdown", 2.5), limit=5),
         dict(worker=("exits", ("shutdown", "maintenance"), 1.5), limit=5, seed=3),
         dict(worker=("exits", "tired", 10.0), limit=2, seed=8)],
     wants=[(3, 2, 3.0), (2, 1, 2.0), (3, "gives_up", 3.0)])

case(KEEP_ALIVE, 1, "keep_alive started linked by a process that ends normally at t=1.5 or "
     "t=0.5: that Exit is not its worker's", keep_alive_runs, hidden=True, runs=[
         dict(worker=("exits", "boom", 3.5), limit=5, owner_until=1.5),
         dict(worker=("exits", ("bad", 1), 2.5), limit=5, owner_until=0.5, seed=2)],
     wants=[(4, 3, 4.0), (3, 2, 3.0)])

case(WATCHDOG, 1, "a duration that is not a whole number of intervals (5.5 s by 1 s; "
     "3.2 s by 0.75 s)", watchdog_runs, hidden=True, runs=[
         dict(services=[{"crash_at": 5.2}, {}], interval=1.0, timeout=0.25, duration=5.5),
         dict(services=[{"hang_at": 1.8}, {}], interval=0.75, timeout=0.2, duration=3.2,
              seed=2)],
     wants=[[(5.2, 0, "RuntimeError")], [(2.45, 0, "killed")]])

case(WATCHDOG, 1, "a crash while a probe waits for its pong (a service slow to answer; "
     "two timings, two seeds)", watchdog_runs, hidden=True, runs=[
         dict(services=[{"delay": 0.2, "crash_at": 3.1}, {}], interval=1.0, timeout=0.25,
              duration=5.0, client=False),
         dict(services=[{"delay": 0.1, "crash_at": 1.05}, {"delay": 0.1, "crash_at": 2.55}, {}],
              interval=0.5, timeout=0.2, duration=3.0, seed=4, client=False)],
     wants=[[(3.1, 0, "RuntimeError")], [(1.05, 0, "RuntimeError"), (2.55, 1, "RuntimeError")]])

case(WATCHDOG, 1, "the watchdog is killed from outside (t=2.5, t=0.75): the service it "
     "watched, which does not trap exits, goes on", watchdog_runs, hidden=True, runs=[
         dict(services=[{"trap": False}], interval=1.0, timeout=0.25, duration=5.0, kill_at=2.5),
         dict(services=[{"trap": False}], interval=0.5, timeout=0.1, duration=3.0, kill_at=0.75,
              seed=3)],
     wants=["survives", "survives"])


# Under exploration (issue 11): the student's collect under 200 random schedules
# (seed fixed, at most 2 deviations each), workers that die at once; the first
# schedule with another outcome than the default one is the feedback.
from labrt.grading.checks.ch04_links import collect_explored  # noqa: E402

case(COLLECT, 1, "under 200 random schedules (explored): workers that exit and crash at "
     "once, beside one that naps", collect_explored, hidden=True, limit=5.0,
     funs=["naps_short", "quits_at_once", "crashes_at_once"], runs=200, seed=0)

from labrt.grading.checks.ch04_links import keep_alive_explored  # noqa: E402

case(KEEP_ALIVE, 1, "under 200 random schedules (explored): a worker that crashes as it "
     "starts (limit=3)", keep_alive_explored, hidden=True, limit=5.0,
     worker="crashes_at_once", restarts_limit=3, runs=200, seed=0)
