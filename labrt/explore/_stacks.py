"""One stack per process: greenlet where it exists, JSPI in the browser.

Design
------
The schedule kernel (``_kernel.py``) stops a process in the middle of a plain
function call (``send``, ``register``, ...), so each process needs a Python
stack of its own that can be left and re-entered.  It asks for very little:
the explorer's own stack (*main*) starts or resumes one process stack at a
time and waits until that stack hands control back, by stopping
(:meth:`suspend`) or by finishing.  A process stack never switches to
another process stack.  That asymmetric shape (coroutines with one
scheduler) is the whole interface:

* ``stacks.new(run, ctx)``: a stack that will call ``run`` in the
  ``contextvars`` context ``ctx``;
* ``stack.switch(*args)``: from main, start it (``run(*args)``) or resume it
  (its :meth:`suspend` returns ``args[0]``); returns when it stops or ends;
* ``stack.throw(exc)``: from main, resume it by raising ``exc`` at its stop;
* ``stack.dead``; ``stacks.current()`` (the process stack running now);
  ``stacks.suspend()``: from a process stack, back to main.

An exception that escapes ``run`` is raised in main, where ``switch`` or
``throw`` was called.

**greenlet** (CPython): the greenlet objects are the stacks, so the local
explorer pays nothing for the indirection.

**JSPI** (Pyodide in Chromium, where greenlet does not exist): Pyodide's
``run_sync`` suspends the WebAssembly stack it is called on until a promise
settles (JavaScript Promise Integration), and every stack entered through
``callPromising`` (or a notebook cell, which Pyodide runs as a coroutine) can
be suspended that way.  So a process stack is a promising call, a stop is
``run_sync`` on a promise that main resolves to resume it, and main waits
for the stack with ``run_sync`` on a promise of its own.  Two details make
it fast enough for thousands of schedules (about 70 us a round trip instead
of 1.5 ms):

* the promises are :class:`_Baton` objects, not asyncio futures.
  ``run_sync`` takes any future-like object and registers a done callback on
  it; an asyncio future would run that callback through the event loop
  (``call_soon``: a macrotask, and in Pyodide one more promising call for each
  callback), while a baton calls it at once, so a resumed stack runs in the
  next microtask;
* the promising calls are *carriers*, kept in a pool: a carrier runs one
  process stack's ``run`` after the other, and goes back to the pool when one
  ends.  A new promising call costs a macrotask before it starts; a carrier
  from the pool is resumed like any stop.

**Status of the JSPI backend: experimental, off by default.**  In Chromium 156
with Pyodide 314.0.6 it gives the local outputs (ch03's explorer cells, step
for step) at ~70 us a switch, but after several thousand switches Pyodide
can stop with a fatal "memory access out of bounds" (intermittent: ch03's
``tally`` cell ran clean in some sessions and crashed in others; no Python
exception, no early return of ``run_sync`` before it).  The cyclic GC is the
trigger as far as measured: with ``gc.disable()`` the same sessions ran clean
(tests/browser/JUPYTERLITE.md).  Until the backend keeps the GC off while
process stacks are suspended (and that is verified), ``make()`` picks it only
when ``LABRT_EXPLORE_JSPI=1``.

A stack left suspended when its run is over would hold its carrier forever;
the kernel unwinds every stack it started in ``close`` (it throws ``_Killed``
into it), so each carrier comes back to the pool.  The order of the switches
is the kernel's, whatever the backend: the same schedule gives the same run,
step for step, in a local kernel and in the browser.
"""
from __future__ import annotations

import os
import sys
from collections import deque

__all__ = ["make", "GreenletStacks", "JspiStacks"]


def make():
    """The backend for this interpreter: greenlet if it imports, else JSPI
    (Pyodide, when the current stack can be suspended)."""
    try:
        import greenlet
    except ImportError:
        greenlet = None
    if greenlet is not None:
        return GreenletStacks(greenlet)
    if sys.platform == "emscripten":
        try:
            from pyodide.ffi import can_run_sync
        except ImportError:
            can_run_sync = None
        if (os.environ.get("LABRT_EXPLORE_JSPI") == "1" and can_run_sync is not None
                and can_run_sync()):
            return JspiStacks()         # experimental: see the note in the essay
        raise ImportError(
            "labrt.explore needs one stack per process (greenlet), which Pyodide "
            "does not ship; run this page locally (make lab). An experimental "
            "backend on WebAssembly stack switching is there with "
            "os.environ['LABRT_EXPLORE_JSPI'] = '1' (Chromium), but it can crash "
            "Pyodide 314.0.6 after some thousand switches")
    raise ImportError("labrt.explore needs the 'greenlet' package (one "
                      "stack per process): pip install greenlet")


class GreenletStacks:
    """Stacks as greenlets (CPython)."""

    name = "greenlet"

    def __init__(self, greenlet):
        self._greenlet = greenlet.greenlet
        self.main = greenlet.getcurrent()
        self.current = greenlet.getcurrent
        self.suspend = self.main.switch

    def new(self, run, ctx):
        g = self._greenlet(run, parent=self.main)
        g.gr_context = ctx
        return g


# -- JSPI ------------------------------------------------------------------------------

class _Baton:
    """A one-shot future-like object for ``run_sync``: its done callback runs at
    once when it is set, not through the event loop.  The value travels in
    ``value`` (``result()`` is None, so nothing is converted to JavaScript)."""

    _asyncio_future_blocking = False
    __slots__ = ("_cb", "_done", "value")

    def __init__(self):
        self._cb = None
        self._done = False
        self.value = None

    def set(self, value):
        self.value = value
        self._done = True
        cb, self._cb = self._cb, None
        if cb is not None:
            cb(self)

    # what run_sync (asyncio.ensure_future, then a done callback) uses
    def add_done_callback(self, cb, *, context=None):
        if self._done:
            cb(self)
        else:
            self._cb = cb

    def remove_done_callback(self, cb):
        return 0

    def done(self):
        return self._done

    def cancelled(self):
        return False

    def exception(self):
        return None

    def result(self):
        return None

    def get_loop(self):
        import asyncio
        return asyncio.get_event_loop()

    def __await__(self):
        if not self._done:
            yield self
        return None


class _Throw:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


class _Stack:
    __slots__ = ("owner", "run", "ctx", "dead", "started", "baton")

    def __init__(self, owner, run, ctx):
        self.owner = owner
        self.run = run
        self.ctx = ctx
        self.dead = False
        self.started = False
        self.baton = None        # what its stop waits on, while it is suspended

    def switch(self, *args):
        return self.owner._enter(self, args, None)

    def throw(self, exc):
        return self.owner._enter(self, None, exc)


class _Carrier:
    """A promising call that runs process stacks one after the other."""
    __slots__ = ("job", "baton", "future")

    def __init__(self, job):
        self.job = job
        self.baton = None
        self.future = None


_pool: list = []                 # carriers waiting for a stack to run
_starting: deque = deque()       # carriers created, not yet started
# Pyodide's two primitives, looked up when the first JSPI stack starts (tests/
# test_explore_stacks.py puts stand-ins made of greenlets here):
_run_sync = None                 # run_sync(awaitable): suspend this stack until it is done
_start = None                    # start(fn): call fn() on a new promising stack, soon


def _platform():
    global _run_sync, _start
    if _run_sync is None:
        from pyodide.ffi import create_proxy, run_sync
        proxy = create_proxy(_carrier_main)
        _run_sync, _start = run_sync, lambda fn: proxy.callPromising()
    return _run_sync


def _carrier_main():
    try:
        _carrier_loop()
    except BaseException as e:
        import traceback
        _log("carrier died " + "".join(traceback.format_exception(e)))
        raise


def _carrier_loop():
    carrier = _starting.popleft()
    while True:
        stack, args = carrier.job
        carrier.job = None
        try:
            outcome = ("done", stack.ctx.run(stack.run, *args))
        except BaseException as e:      # raised in main, as greenlet does
            outcome = ("raise", e)
        stack.dead = True
        owner = stack.owner
        del stack, args
        carrier.baton = b = _Baton()
        _pool.append(carrier)
        owner._back(outcome)
        _wait_for(b)                    # until main gives it the next stack
        carrier.job = b.value


def _log(text):
    import js
    js.console.error("labrt.explore: " + text)


def _wait_for(b):
    import sys as _s
    n = 0
    while not b._done:
        n += 1
        try:
            _run_sync(b)
        except BaseException as e:
            _log("run_sync raised " + repr(e))
            raise
        if not b._done:
            _log(f"run_sync returned early {n}")


class JspiStacks:
    """Stacks as suspended WebAssembly stacks (Pyodide's run_sync, JSPI)."""

    name = "jspi"

    def __init__(self):
        self._run_sync = _platform()
        self.running = None          # the process stack running now (None: main)
        self._wait = None            # main's baton while a process stack runs

    def current(self):
        return self.running

    def new(self, run, ctx):
        return _Stack(self, run, ctx)

    def _enter(self, stack, args, exc):
        if stack.dead:
            if exc is not None:
                raise exc
            return None
        wait = self._wait = _Baton()
        if not stack.started:
            stack.started = True
            if exc is not None:          # thrown into before it ran: it never runs
                stack.dead = True
                raise exc
            self.running = stack
            if _pool:
                carrier = _pool.pop()
                carrier.baton.set((stack, args))
            else:
                carrier = _Carrier((stack, args))
                _starting.append(carrier)
                carrier.future = _start(_carrier_main)
        else:
            self.running = stack
            stack.baton.set(_Throw(exc) if exc is not None else
                            (args[0] if len(args) == 1 else args or None))
        _wait_for(wait)
        self.running = None
        kind, value = wait.value
        if kind == "raise":
            raise value
        return value

    def _back(self, outcome):
        """Called on a process stack: hand ``outcome`` to main."""
        self.running = None
        wait, self._wait = self._wait, None
        wait.set(outcome)

    def suspend(self):
        stack = self.running
        b = stack.baton = _Baton()
        self._back(("yield", None))
        _wait_for(b)
        stack.baton = None
        got = b.value
        if type(got) is _Throw:
            raise got.exc
        return got
