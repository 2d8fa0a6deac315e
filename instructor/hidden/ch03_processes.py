"""Hidden checks for exercises/ch03-processes.ipynb.

Loaded by the grading command (`--hidden instructor/hidden`), never shipped to
students. Each case reuses a public scenario with parameters the notebook does
not show: other sizes, edge cases, and seeded schedules (a seed makes the
simulated kernel pick among runnable processes at random, the same way every
run), which catch code that only works for the one order the default
scheduler happens to use.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch03_processes import (
    COUNTER, PING_PONG, RING, counter_conversation, counter_idle, counter_priority,
    ping_scenario, pong_scenario)


@hidden(PING_PONG, points=1, title="ping(0) plays no round and still stops its pong")
def _ping_zero(t):
    ping_scenario(t, 0)


@hidden(PING_PONG, points=1, title="ping(40) on a shuffled schedule")
def _ping_many(t):
    ping_scenario(t, 40, seed=3)


@hidden(PING_PONG, points=1, title="pong answers 25 pings")
def _pong_many(t):
    pong_scenario(t, 25, seed=5)


@hidden(RING, points=1, title="ring(1, 4): a ring of one")
def _ring_one(t):
    from labrt.grading.checks.ch03_processes import ring_scenario
    ring_scenario(t, 1, 4)


@hidden(RING, points=1, title="ring(2, 1)")
def _ring_two(t):
    from labrt.grading.checks.ch03_processes import ring_scenario
    ring_scenario(t, 2, 1)


@hidden(RING, points=2, title="ring(40, 25) on a shuffled schedule")
def _ring_big(t):
    from labrt.grading.checks.ch03_processes import ring_scenario
    ring_scenario(t, 40, 25, seed=11)


@hidden(COUNTER, points=1, title="a counter nobody talks to ends after idle seconds")
def _counter_silence(t):
    counter_idle(t, 2.5, [])


@hidden(COUNTER, points=1, title="'stop' jumps ahead of a 'get' too")
def _counter_stop_first(t):
    counter_priority(t, before=[("add", 5), ("get", None)], after=[])


@hidden(COUNTER, points=1, title="many adds, then gets, on a shuffled schedule")
def _counter_many(t):
    counter_conversation(t, idle=0.5, seed=9, adds=tuple(range(1, 301)))
