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

**JSPI** (Pyodide in a browser with JavaScript Promise Integration, such as
Chromium, where greenlet does not exist; on by default there, off with
``LABRT_EXPLORE_JSPI=0``): Pyodide's
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

**The cyclic GC stays off while a JSPI stack is suspended.**  In Chromium 156
with Pyodide 314.0.6 a collection that ran while other stacks were suspended in
``run_sync`` could end Pyodide with a fatal "memory access out of bounds"
after some thousand switches (intermittent; with the GC kept off as below,
five sessions of ~2,900 explorer runs each ran clean, and the same sessions with
the GC on crashed or stalled: tests/browser/JUPYTERLITE.md).  So the backend turns the
GC off when it starts its first carrier, and collects only from main when no
Python stack but main's exists: it *drains* the pool first (each carrier is
handed a last job that makes it return from its promising call).  That
happens when the outermost explorer call ends (:func:`session`: ``explore``,
``outcomes``, ``replay``, ``execute``), which also gives the GC back as it
was, and every :data:`COLLECT_EVERY` runs inside a long search, so its
garbage (about 16 kB of cycles a run) cannot pile up.

A stack left suspended when its run is over would hold its carrier forever;
the kernel unwinds every stack it started in ``close`` (it throws ``_Killed``
into it), so each carrier comes back to the pool.  The order of the switches
is the kernel's, whatever the backend: the same schedule gives the same run,
step for step, in a local kernel and in the browser.
"""
from __future__ import annotations

import functools
import gc
import os
import sys
from collections import deque

__all__ = ["make", "session", "available", "GreenletStacks", "JspiStacks"]

COLLECT_EVERY = 200     # runs between two collections (JSPI) while a search goes on


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
        if os.environ.get("LABRT_EXPLORE_JSPI", "1") != "0" and _can_suspend():
            return JspiStacks()
        raise ImportError(
            "labrt.explore needs a stack per process; in a browser that is "
            "WebAssembly's JavaScript Promise Integration (JSPI), which this browser "
            "lacks or this code cannot use (it must run in a notebook cell, not in a "
            "widget's callback). Open the page in a recent Chromium, or run it "
            "locally (make lab)")
    raise ImportError("labrt.explore needs the 'greenlet' package (one "
                      "stack per process): pip install greenlet")


def _can_suspend() -> bool:
    try:
        from pyodide.ffi import can_run_sync
    except ImportError:
        return False
    return bool(can_run_sync())


def available() -> bool:
    """Whether labrt.explore can run here (greenlet, or JSPI in Pyodide)."""
    try:
        make()
    except ImportError:
        return False
    return True


_depth = 0               # how many explorer calls (see session) are running


def session(fn):
    """Mark ``fn`` as an explorer entry point: when the outermost one returns,
    the JSPI backend ends its idle carriers and gives the GC back."""
    @functools.wraps(fn)
    def entry(*args, **kwargs):
        global _depth
        _depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            _depth -= 1
            if _depth == 0 and _gc_held:
                _release()
    return entry


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

    def closed(self):
        """A run is over (nothing to do: greenlets need no help from the GC)."""


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
_alive = 0                       # carriers started and not yet drained
_gc_held = False                 # did this backend turn the GC off?
_gc_was_on = True                # ... and was it on before?
_runs = 0                        # runs since the last collection
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


def _hold_gc():
    """No collection from now on, until no Python stack is suspended (see the essay)."""
    global _gc_held, _gc_was_on
    if not _gc_held:
        _gc_was_on = gc.isenabled()
        gc.disable()
        _gc_held = True


def _drain() -> bool:
    """From main, no process stack running: end every carrier in the pool, one at a
    time (each returns from its promising call before main goes on).  True when no
    carrier is left, so that main's is the only Python stack."""
    global _runs
    _runs = 0
    while _pool:
        carrier = _pool.pop()
        gone = _Baton()
        carrier.baton.set((None, gone))
        _wait_for(gone)
    return _alive == 0 and not _starting


def _release():
    """The outermost explorer call is over: drain, give the GC back, collect."""
    global _gc_held
    if not _drain():             # a carrier still holds a stack: keep the GC off
        _log(f"{_alive} carrier(s) still hold a process stack; the GC stays off")
        return
    _gc_held = False
    if _gc_was_on:
        gc.enable()
    gc.collect()


def _carrier_main():
    try:
        _carrier_loop()
    except BaseException as e:
        import traceback
        _log("carrier died " + "".join(traceback.format_exception(e)))
        raise


def _carrier_loop():
    global _alive
    carrier = _starting.popleft()
    _alive += 1
    while True:
        stack, args = carrier.job
        carrier.job = None
        if stack is None:               # drained: args is main's baton
            _alive -= 1
            args.set(None)              # main resumes after this call returns
            return
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
    """To the browser's console (the notebook shows nothing of a carrier's trouble)."""
    try:
        import js
        js.console.error("labrt.explore: " + text)
    except ImportError:
        print("labrt.explore: " + text, file=sys.stderr)


def _wait_for(b):
    """Suspend this stack until ``b`` is set (run_sync returns only then; the loop
    and the log are a guard, never seen to fire)."""
    while not b._done:
        try:
            _run_sync(b)
        except BaseException as e:
            _log("run_sync raised " + repr(e))
            raise
        if not b._done:
            _log("run_sync returned before its baton was set")


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
                _hold_gc()
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

    def closed(self):
        """A run is over and its stacks unwound: collect now and then, drained."""
        global _runs
        _runs += 1
        if _runs >= COLLECT_EVERY and _drain():
            gc.collect()

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
