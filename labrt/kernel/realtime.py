"""The real-time kernel: the same semantics, on trio and the wall clock.

Each labrt process is a trio task.  A process that waits in ``receive``
parks its task with ``wait_task_rescheduled``; whoever delivers a matching
message reschedules it with that message, so a message costs one trio
reschedule, not a channel round trip.  Timers (receive timeouts, ``sleep``,
``send_after``) live in the runtime's shared timer heap, served by one trio
task that sleeps until the earliest deadline.  Killing a process cancels its
task's cancel scope; it also checks, whenever it wakes, that it is still
alive, so a killed process runs no more of its own code.

Two ways to run:

* ``rt.run_main(main)`` / ``labrt.run(main, kernel="trio")``: ``trio.run``
  from a plain script or test.
* ``rt.start()`` inside Jupyter: trio's guest mode on the notebook's asyncio
  loop, so cells and widget callbacks keep working while processes run.
  ``rt.spawn``/``rt.send``/``rt.exit`` from a cell are handed to trio safely.
"""
from __future__ import annotations

import math

import outcome
import trio

from . import core as _core
from . import process as _process
from .values import Deadlock, _Killed


class TrioKernel:
    def __init__(self, rt, seed=None):
        self.rt = rt
        self.seed = seed            # unused: trio's scheduler decides the order
        self.nursery = None
        self.token = None
        self.t0 = None
        self._last = 0.0
        self._sleep_scope = None
        self._pending = []          # processes spawned before trio started
        self._guest_done = None
        self._main_pid = None
        self._clock = None
        self._defer = False         # True while a notebook cell calls in from outside
        self._main_done = None
        #: Long-lived tasks started with the kernel, each ``async fn(task_status=)``
        #: (a real node's listener: labrt.erl). The kernel waits until each has started.
        self.services = []
        self._parked = set()        # processes whose task waits in suspend()

    def now(self) -> float:
        if self.t0 is None:
            return self._last
        self._last = self._clock.current_time() - self.t0
        return self._last

    def _in_trio(self) -> bool:
        try:
            trio.lowlevel.current_task()
            return True
        except RuntimeError:
            return False

    # -- the kernel interface used by the core --------------------------------
    def _later(self, fn, *args):
        """Run ``fn(*args)`` inside trio: now if we are in trio, else soon."""
        if self._defer:
            self.token.run_sync_soon(fn, *args)
            return True
        return False

    def start(self, p):
        if self._later(self.start, p):
            return
        if self.nursery is None:
            self._pending.append(p)
        else:
            self.nursery.start_soon(self._task, p, name=f"{p.pid} {p.function}")

    async def _task(self, p):
        _process._task_process.set(p)
        p.task = trio.lowlevel.current_task()
        if p.status == "runnable":
            p.status = "running"
        with trio.CancelScope() as scope:
            p.scope = scope
            if p.coro is None:
                return
            try:
                result = await p.coro
            except _Killed:
                pass
            except trio.Cancelled:
                if p.status != "exited":
                    raise
            except BaseException as e:
                self.rt.finish(p, e)
            else:
                self.rt.finish(p, None, result)

    def wake(self, p, value):
        if self._later(self.wake, p, value):
            return
        # Only a task parked in suspend() may be rescheduled, and only once: a
        # task that trio has already woken (cancelled, as when run_main ends)
        # must not be woken again, or trio's own bookkeeping breaks.
        if p.task is not None and p.status != "exited" and p in self._parked:
            self._parked.discard(p)
            trio.lowlevel.reschedule(p.task, outcome.Value(value))

    def suspend(self, p):
        parked = self._parked
        parked.add(p)

        def abort(_raise_cancel):
            parked.discard(p)
            return trio.lowlevel.Abort.SUCCEEDED

        try:
            value = yield from trio.lowlevel.wait_task_rescheduled(abort).__await__()
        finally:
            parked.discard(p)
        if p.status == "exited":
            raise _Killed()
        p.status = "running"
        return value

    def discard(self, p):
        if self._later(self.discard, p):
            return
        coro, p.coro = p.coro, None
        if p.task is None and coro is not None:
            coro.close()            # never started: nothing to unwind
        if p.pid == self._main_pid:
            self._main_done.set()
        if p.scope is not None:
            p.scope.cancel()

    def timer_added(self, when):
        if self._later(self.timer_added, when):
            return
        s = self._sleep_scope
        if s is not None and self.t0 is not None and when + self.t0 < s.deadline:
            s.deadline = when + self.t0

    def outside(self, fn):
        if self.token is not None and not self._in_trio():
            # A notebook cell while trio runs as a guest: the bookkeeping
            # happens now; whatever touches trio is handed to it, in order.
            self._defer = True
            try:
                return fn()
            finally:
                self._defer = False
        return fn()

    # -- the loop ----------------------------------------------------------
    async def _timer_loop(self):
        rt = self.rt
        while True:
            entry = rt.next_timer()
            deadline = self.t0 + entry[0] if entry is not None else math.inf
            with trio.CancelScope(deadline=deadline) as scope:
                self._sleep_scope = scope
                await trio.sleep_forever()
            self._sleep_scope = None
            rt.fire_due(self.now())

    async def _deadlock_watch(self, stop):
        """Raise Deadlock when every process waits in receive and no timer is set."""
        rt = self.rt
        while not stop():
            await trio.testing.wait_all_tasks_blocked(0.01)
            if stop():
                return
            procs = list(rt.procs.values())
            if (procs and all(p.status == "waiting" for p in procs)
                    and rt.next_timer() is None):
                from .sim import deadlock_report
                raise Deadlock(deadlock_report(rt))
            await trio.sleep(0.01)

    async def _open(self, nursery):
        self.nursery = nursery
        self.token = trio.lowlevel.current_trio_token()
        self._clock = trio.lowlevel.current_clock()
        self.t0 = self._clock.current_time() - self._last
        nursery.start_soon(self._timer_loop)
        for service in self.services:
            await nursery.start(service)
        pending, self._pending = self._pending, []
        for p in pending:
            self.start(p)

    def run(self, until=None, stop=None):
        raise _core.LabrtError(
            "rt.run()/run_until()/run_for() drive the simulated kernel; a trio "
            "runtime runs in real time: use rt.run_main(main), or rt.start() "
            "in a notebook")

    def run_main(self, fn, args, rt=None):
        import trio.testing  # noqa: F401  (the deadlock watch uses it)
        rt = self.rt
        box = {}

        async def host():
            self._main_done = trio.Event()
            async with trio.open_nursery() as nursery:
                await self._open(nursery)
                pid = box["pid"] = self._main_pid = rt._spawn(None, fn, args)[0]
                done = lambda: pid in rt.finished
                if not done():
                    if rt.world is None:     # a real node hears from the network too
                        nursery.start_soon(self._deadlock_watch, done)
                    await self._main_done.wait()
                nursery.cancel_scope.cancel()
            self.nursery = self.token = self._main_pid = None

        try:
            trio.run(host)
        except BaseExceptionGroup as group:
            raise _single(group) from None
        self.now()
        return rt.outcome(box["pid"])

    # -- guest mode, for notebooks ------------------------------------------------
    def start_guest(self):
        """Run trio as a guest of the running asyncio loop (Jupyter)."""
        import asyncio
        loop = asyncio.get_running_loop() if _has_running_loop() else asyncio.get_event_loop()
        ready = []

        async def host():
            async with trio.open_nursery() as nursery:
                await self._open(nursery)
                ready.append(True)
                await trio.sleep_forever()

        def done(result):
            self.nursery = None
            self.token = None
            self._guest_done = result

        trio.lowlevel.start_guest_run(
            host, run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            done_callback=done)

    def stop_guest(self):
        if self.nursery is not None:
            n = self.nursery
            self.token.run_sync_soon(n.cancel_scope.cancel)


def _has_running_loop() -> bool:
    import asyncio
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _single(group):
    """The one real error inside trio's nested exception groups."""
    while isinstance(group, BaseExceptionGroup) and len(group.exceptions) == 1:
        group = group.exceptions[0]
    return group
