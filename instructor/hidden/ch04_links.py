"""Hidden checks for exercises/ch04-links.ipynb (instructors only).

Other mixes of exits, kills arriving from outside, limits at their edges,
and watchdog timings other than the notebook's.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch04_links import (
    COLLECT, KEEP_ALIVE, WATCHDOG, always_crashes, collect_scenario, crashes_at_once,
    divides_by_zero, finishes_late, flaky_until, keep_alive_scenario, quits_at_once,
    service_for, watchdog_scenario)


@hidden(COLLECT, points=1, title="no functions, nothing to wait for")
def _collect_empty(t):
    collect_scenario(t, [], [])


@hidden(COLLECT, points=1, title="an exit at once and a crash, on a shuffled schedule")
def _collect_mixed(t):
    collect_scenario(t, [divides_by_zero, quits_at_once, finishes_late], [1, 0, 2], seed=8)


@hidden(KEEP_ALIVE, points=1, title="a killed worker is restarted too")
def _keep_alive_killed(t):
    keep_alive_scenario(t, flaky_until(2.0), limit=10, workers=4, gives_up=False,
                        end_time=2.7, kill_at=(0.5, 1.7))


@hidden(KEEP_ALIVE, points=1, title="limit=0 gives up at the first crash")
def _keep_alive_zero(t):
    keep_alive_scenario(t, always_crashes, limit=0, workers=1, gives_up=True, end_time=1.0)


@hidden(KEEP_ALIVE, points=1, title="fifty instant crashes, then it gives up")
def _keep_alive_instant(t):
    keep_alive_scenario(t, crashes_at_once, limit=50, workers=51, gives_up=True,
                        end_time=0.0, seed=12)


@hidden(WATCHDOG, points=1, title="faster probes: a hang, then a crash")
def _watchdog_fast(t):
    watchdog_scenario(t, [service_for(hang_at=1.2), service_for(crash_at=2.3), service_for()],
                      0.5, 0.1, 4.0, [(1.6, 0, "killed"), (2.3, 1, RuntimeError)], seed=1)


@hidden(WATCHDOG, points=1, title="two hangs in a row")
def _watchdog_two_hangs(t):
    watchdog_scenario(t, [service_for(hang_at=1.1), service_for(hang_at=2.5), service_for()],
                      1.0, 0.25, 5.0, [(2.25, 0, "killed"), (3.25, 1, "killed")],
                      availability=0.55)


@hidden(WATCHDOG, points=1, title="a crash before the first probe, then a hang")
def _watchdog_crash_then_hang(t):
    watchdog_scenario(t, [service_for(crash_at=0.5), service_for(hang_at=0.7), service_for()],
                      1.0, 0.25, 3.0, [(0.5, 0, RuntimeError), (1.25, 1, "killed")])
