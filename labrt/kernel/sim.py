"""The simulated-time kernel: a run queue, a virtual clock, nothing else.

Processes are coroutines.  The kernel resumes one at a time with
``coro.send(value)``; a process gives control back only when it suspends in
``receive`` or ``sleep``, which yield to this loop.  When no process can run,
the clock jumps to the next timer.  Nothing here reads the wall clock, so the
same program gives the same run, event for event.

Ties: processes woken at the same virtual time run in the order they were
woken (FIFO).  With a ``seed``, the kernel instead picks the next process at
random among the runnable ones, using its own seeded generator: a different
but equally legal interleaving, the same one for the same seed.
"""
from __future__ import annotations

import random
from collections import deque
from heapq import heappop

from . import core as _core
from . import process as _process
from .values import Deadlock, _Killed


class SimKernel:
    def __init__(self, rt, seed=None):
        self.rt = rt
        self.clock = 0.0
        self.ready: deque = deque()
        self.rng = random.Random(seed) if seed is not None else None

    def now(self) -> float:
        return self.clock

    # -- the kernel interface used by the core --------------------------------
    def start(self, p):
        self.ready.append(p)

    def wake(self, p, value):
        self.ready.append(p)        # first: the one step that can fail (see core)
        p.wake_value = value

    @staticmethod
    def suspend(p):
        return (yield)

    def discard(self, p):
        coro = p.coro
        p.coro = None
        if coro is not None and _process._running is not p:
            coro.close()            # a killed process runs no more code

    def timer_added(self, when):
        pass

    def outside(self, fn):
        if _process._running is not None:
            raise _core.NotInProcess(
                "Runtime methods drive a runtime from outside; inside a process "
                "use spawn/send/exit directly")
        return fn()

    # -- the loop ----------------------------------------------------------
    def _step(self):
        """Run runnable processes until none is left."""
        ready = self.ready
        rng = self.rng
        while ready:
            if rng is not None and len(ready) > 1:
                i = rng.randrange(len(ready))
                ready.rotate(-i)
                p = ready.popleft()
                ready.rotate(i)
            else:
                p = ready.popleft()
            coro = p.coro
            if coro is None:
                continue                    # killed while it waited to run
            value = p.wake_value
            p.wake_value = None
            p.status = "running"
            _process._running = p
            try:
                coro.send(value)
            except StopIteration as e:
                p.rt.finish(p, None, e.value)     # (p.rt: in a world, its node)
            except _Killed:
                pass
            except BaseException as e:
                p.rt.finish(p, e)
            finally:
                _process._running = None
            if p.status == "running":       # it awaited something foreign
                _process._running = p
                try:
                    p.coro.close()
                finally:
                    _process._running = None
                p.rt.finish(p, _core.LabrtError(
                    f"process {p.pid} ({p.function}) awaited something that is not "
                    "a labrt operation; on the simulated kernel a process may only "
                    "await labrt's receive, sleep and the behaviours built on them"))

    def run(self, until=None, stop=None):
        """Run until idle, or until the clock reaches ``until``, or ``stop()``."""
        saved = _process._running
        _process._running = None
        try:
            rt = self.rt
            timers = rt.timers
            step = self._step
            while True:
                step()
                if stop is not None and stop():
                    return
                # rt.next_timer(), inline: drop cancelled entries off the top
                while timers and not timers[0][4]:
                    heappop(timers)
                if not timers:
                    break
                when = timers[0][0]
                if until is not None and when > until:
                    break
                self.clock = when
                rt.fire_due(when)
            if until is not None and until > self.clock:
                self.clock = until
        finally:
            _process._running = saved

    def run_main(self, fn, args, rt=None):
        rt = rt or self.rt
        pid = rt.spawn(fn, *args)
        self.run(stop=lambda: pid in rt.finished)
        if pid not in rt.finished:
            raise Deadlock(deadlock_report(self.rt))
        return rt.outcome(pid)


def deadlock_report(rt) -> str:
    """Say which processes wait, for what, and what their mailboxes hold."""
    lines = [f"deadlock at t={rt.now:.3f}: no process can run and no timer is "
             "pending, but these processes are still waiting:"]
    nodes = getattr(rt, "live_nodes", None)          # a world: every node's
    procs = ([p for n in nodes() for _, p in sorted(n.procs.items())] if nodes
             else [p for _, p in sorted(rt.procs.items())])
    for p in procs:
        if p.status != "waiting":
            continue
        name = f" ({p.name})" if p.name else ""
        mb = list(p.mailbox or ())
        shown = ", ".join(repr(m) for m in mb[:5]) + (", ..." if len(mb) > 5 else "")
        lines.append(f"  {p.pid}{name} {p.function}: waits for "
                     f"{_core.describe_clauses(p.wait_clauses)}; "
                     f"mailbox ({len(mb)}): [{shown}]")
    return "\n".join(lines)
