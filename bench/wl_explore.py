"""Race explorer workloads (labrt.explore, issue 11): schedules per second, litmus coverage.

* ``explore_rate``: n random schedules (PCT-like, up to 3 deviations) of a
  3-process scenario (two senders and a receiver that also links and
  monitors); the figure is schedules per second.
* ``explore_litmus``: the wall seconds to cover, systematically and without a
  bound, every litmus scenario of ``labrt.explore.litmus`` once (n is the
  number of times the whole suite is covered; the figure is the mean).

Both run in schedule mode only; the default kernel's figures are the other
workloads' business and must not move.
"""
import time


def explore_rate(n):
    from labrt import link, monitor, receive, self, send, spawn, trap_exit
    from labrt.explore import explore

    async def sender(to, x):
        send(to, x)

    async def main():
        me = self()
        trap_exit(True)           # a link to a sender that is already gone: EXIT noproc
        a = spawn(sender, me, 1)
        b = spawn(sender, me, 2)
        link(a)
        monitor(b)
        return (await receive(int), await receive(int))

    t0 = time.perf_counter()
    result = explore(main, lambda run: run.result in ((1, 2), (2, 1)), runs=n, seed=1)
    elapsed = time.perf_counter() - t0
    assert not result.found and result.runs == n, str(result)
    return elapsed


def explore_litmus(n):
    from labrt.explore import outcomes
    from labrt.explore.litmus import CASES

    t0 = time.perf_counter()
    for _ in range(n):
        for fn in CASES.values():
            found = outcomes(fn)
            assert found.coverage.complete, str(found.coverage)
    return (time.perf_counter() - t0) / n
