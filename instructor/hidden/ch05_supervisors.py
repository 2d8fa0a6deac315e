"""Hidden checks for exercises/ch05-supervisors.ipynb (instructors only).

The intensity window at its inclusive edge and at zero, killed workers,
other crash times for the storage, the intensity of the storage over a long
run, shuffled schedules, and a client's mailbox after several requests.

This module is data: each case names a public scenario (its observer lives in
labrt/grading/checks/) with its inputs, which are all that enter the sandbox,
and its expected outcome, which only the judge sees, outside the sandbox. The
cases near the end run several seeds and variants each and judge properties;
each is failed by at least one wrong answer in instructor/wrong_answers/.
"""
from labrt.grading import hidden
from labrt.grading.checks._kit import case_several
from labrt.grading.checks.ch05_supervisors import (
    HANDLERS, STORAGE, SUPERVISE, intensity_scenario, pool_case, storage_crash_scenario,
    stray_scenario, supervise_scenario, warmup_scenario)

hidden(SUPERVISE, 1, "the window includes its edge (crash every 1 s, max_r=2, max_t=2)",
       supervise_scenario, worker=("crashes_every", 1.0, None), max_r=2, max_t=2.0,
       restarts=[1.0, 2.0], gives_up=True)
case_several(SUPERVISE, 1, "max_r=0 gives up at the first crash; killed workers count too", [
    (supervise_scenario, dict(worker=("crashes_every", 1.0, None), max_r=0, max_t=5.0,
                              restarts=[], gives_up=True)),
    (supervise_scenario, dict(worker=("crashes_every", 1.0, 2.0), max_r=5, max_t=5.0,
                              restarts=[0.5, 1.5, 1.7], kill_at=(0.5, 1.7)))], hidden=True)
case_several(SUPERVISE, 1, "fast crashes on a shuffled schedule (every 0.5 s, max_r=4, max_t=4)", [
    (supervise_scenario, dict(worker=("crashes_every", 0.5, None), max_r=4, max_t=4.0,
                              restarts=[0.5, 1.0, 1.5, 2.0], gives_up=True, seed=5)),
    (supervise_scenario, dict(worker=("crashes_every", 3.0, 20.0), max_r=1, max_t=2.5,
                              restarts=[3.0, 6.0, 9.0, 12.0, 15.0, 18.0], seed=9))], hidden=True)

case_several(STORAGE, 1, "the db crashes while the warmup is still running", [
    (storage_crash_scenario, dict(crash="db", at=0.75, seed=3)),
    (storage_crash_scenario, dict(crash="cache", at=0.25, seed=4))], hidden=True)
case_several(STORAGE, 1, "crashes 4 s apart never add up to 4 in 10 s; 3 s apart they do", [
    (intensity_scenario, dict(crash_times=[1.5, 5.5, 9.5, 13.5, 17.5])),
    (intensity_scenario, dict(crash_times=[1.0, 4.0, 7.0, 10.0], gives_up_at=10.0))],
    hidden=True)
hidden(STORAGE, 1, "two warmup crashes, then it finishes and stays finished", warmup_scenario,
       crash_at=0.75, until=6.0, seed=2)

pool_case(HANDLERS, 1, "many bad requests among good ones, on a shuffled schedule",
          [(0.0, ("slow", 1.5), 3.0, (1.6, ("ok", "done"))),
           (0.9, ("total", ["hat", "hat"]), 1.0, (1.0, ("ok", 50)))]
          + [(0.2 + 0.05 * i, ("price", f"nothing-{i}"), 1.0, (0.3 + 0.05 * i, ("error", KeyError)))
             for i in range(6)], hidden=True, seed=11)
pool_case(HANDLERS, 1, "two slow requests time out, a third one finishes in time",
          [(0.0, ("slow", 3.0), 0.5, (0.5, ("error", "timeout"))),
           (0.1, ("slow", 3.0), 2.0, (2.1, ("error", "timeout"))),
           (0.2, ("slow", 1.0), 2.0, (1.3, ("ok", "done")))], hidden=True, seed=6)
hidden(HANDLERS, 1, "nothing left in the mailbox after a crash, an answer and a timeout",
       stray_scenario, plan=[(("price", "unicorn"), 1.0), (("price", "socks"), 1.0),
                             (("slow", 5.0), 0.5)])


# Checks that generalise: several seeds and variants per case, judged on properties.
from labrt.grading.checks._kit import case  # noqa: E402
from labrt.grading.checks.ch05_supervisors import (  # noqa: E402
    pool_runs, storage_runs, supervise_runs)

case(SUPERVISE, 1, "the worker is linked to supervise: supervise killed at t=1.5 and t=4.5 "
     "(two workers, two seeds)", supervise_runs, hidden=True, runs=[
         dict(worker=("crashes_every", 1.0, 3.5), max_r=5, max_t=10.0, kill_at=1.5),
         dict(worker=("crashes_every", 2.0, 20.0), max_r=3, max_t=5.0, kill_at=4.5, seed=4)],
     wants=[("killed",), ("killed",)])

case(SUPERVISE, 1, "other exit reasons are crashes too: 'shutdown', ('shutdown', ...), "
     "'tired' (three seeds)", supervise_runs, hidden=True, runs=[
         dict(worker=("exits_every", 1.0, "shutdown", 2.5), max_r=5, max_t=10.0),
         dict(worker=("exits_every", 1.0, ("shutdown", "maintenance"), 10.0), max_r=2,
              max_t=10.0, seed=3),
         dict(worker=("exits_every", 0.5, "tired", 1.2), max_r=5, max_t=5.0, seed=7)],
     wants=[([1.0, 2.0], "returns", 3.0), ([1.0, 2.0], "gives_up", 3.0),
            ([0.5, 1.0], "returns", 1.5)])

case(SUPERVISE, 1, "supervise started linked by a process that ends normally (t=1.5, t=0.5): "
     "that Exit is not its worker's", supervise_runs, hidden=True, runs=[
         dict(worker=("crashes_every", 1.0, 3.5), max_r=5, max_t=10.0, owner_until=1.5),
         dict(worker=("crashes_every", 1.0, 10.0), max_r=2, max_t=10.0, owner_until=0.5, seed=5)],
     wants=[([1.0, 2.0, 3.0], "returns", 4.0), ([1.0, 2.0], "gives_up", 3.0)])

case(SUPERVISE, 1, "max_t=0: a window of no time, so one restart at a time is always allowed "
     "(two workers, two seeds)", supervise_runs, hidden=True, runs=[
         dict(worker=("crashes_every", 1.0, 4.5), max_r=1, max_t=0.0),
         dict(worker=("crashes_every", 0.5, 2.2), max_r=1, max_t=0.0, seed=2)],
     wants=[([1.0, 2.0, 3.0, 4.0], "returns", 5.0), ([0.5, 1.0, 1.5, 2.0], "returns", 2.5)])

case(STORAGE, 1, "the db stopped with 'shutdown' or ('shutdown', ...) is restarted, with what "
     "depends on it (two times, two seeds)", storage_runs, hidden=True, runs=[
         dict(events=[(2.0, "db", "shutdown")], until=4.0),
         dict(events=[(2.5, "db", ("shutdown", "disk"))], until=4.5, seed=3)],
     wants=[{"db": [0.0, 2.0], "cache": [0.0, 2.0], "warmup": [0.0, 2.0]},
            {"db": [0.0, 2.5], "cache": [0.0, 2.5], "warmup": [0.0, 2.5]}])

case(STORAGE, 1, "the cache stopped with ('shutdown', ...) or 'shutdown' is restarted (two "
     "times, two seeds)", storage_runs, hidden=True, runs=[
         dict(events=[(2.5, "cache", ("shutdown", "maintenance"))], until=4.5),
         dict(events=[(1.5, "cache", "shutdown")], until=3.5, seed=6)],
     wants=[{"db": [0.0], "cache": [0.0, 2.5], "warmup": [0.0, 2.5]},
            {"db": [0.0], "cache": [0.0, 1.5], "warmup": [0.0, 1.5]}])

case(HANDLERS, 1, "the client also monitors a process that crashes during its request "
     "(two timings, two seeds)", pool_runs, hidden=True, runs=[
         dict(customers=[(0.5, ("price", "socks"), 1.0), (0.0, ("slow", 1.0), 3.0)],
              doomed_at=0.55, until=5.0),
         dict(customers=[(0.2, ("price", "unicorn"), 1.0)], doomed_at=0.25, until=3.0, seed=3)],
     wants=[[(0.6, ("ok", 5)), (1.1, ("ok", "done"))],
            [(0.3, ("error", "crash:KeyError"))]])

case(HANDLERS, 1, "other messages reach the client during its request (junk, a pair that "
     "looks like a reply; two seeds)", pool_runs, hidden=True, runs=[
         dict(customers=[(0.0, ("price", "hat"), 1.0)],
              noise=[(0.05, ("x", 1)), (0.06, "fake_reply"), (0.07, "hello")], until=3.0),
         dict(customers=[(0.3, ("total", ["socks", "shoes"]), 1.0), (0.0, ("slow", 0.5), 2.0)],
              noise=[(0.35, "fake_reply"), (0.36, ("ok", 1))], until=3.0, seed=9)],
     wants=[[(0.1, ("ok", 25))], [(0.4, ("ok", 65)), (0.6, ("ok", "done"))]])

case(HANDLERS, 1, "a timed-out handler is stopped through the pool (one and two slow "
     "requests, two seeds)", pool_runs, hidden=True, runs=[
         dict(customers=[(0.0, ("slow", 5.0), 0.5), (0.2, ("price", "socks"), 1.0)], until=7.0),
         dict(customers=[(0.0, ("slow", 4.0), 0.3), (0.1, ("slow", 4.0), 1.0)], until=6.0,
              seed=4)],
     wants=[[(0.5, ("error", "timeout")), (0.3, ("ok", 5))],
            [(0.3, ("error", "timeout")), (1.1, ("error", "timeout"))]],
     stopped=[1, 2])


# Under exploration (issue 11): the student's supervise under 200 random schedules
# (seed fixed, at most 2 deviations each) with a worker that crashes as it starts.
from labrt.grading.checks._kit import case as _case  # noqa: E402
from labrt.grading.checks.ch05_supervisors import supervise_explored  # noqa: E402

_case(SUPERVISE, 1, "under 200 random schedules (explored): a worker that crashes as it "
      "starts (max_r=2)", supervise_explored, hidden=True, limit=5.0,
      max_r=2, max_t=5.0, runs=200, seed=0)
