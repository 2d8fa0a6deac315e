"""A wall-clock limit for code we do not trust to return.

Student code runs on the simulated kernel, whose clock is virtual: a process
that loops without awaiting anything, or two processes that send each other
messages forever at the same virtual instant, never let the kernel notice
that "time is up". So every check also runs under a limit in *real* seconds.

How it works: when the limit passes, :class:`WallClockExceeded` is raised in
the thread that runs the check. On POSIX, in the main thread (a Jupyter
cell, pytest, the grading worker), a ``SIGALRM`` timer raises it; it also
interrupts ``time.sleep`` and similar blocking calls. Elsewhere a watchdog
thread injects it with ``PyThreadState_SetAsyncExc``, which reaches Python
code only (not a blocking C call).

The exception is a ``BaseException``: ``except Exception`` in student code
does not swallow it. The simulated kernel does catch it (it turns any
exception raised inside a process into that process's exit reason), so once
the limit has passed the exception is raised again every
:data:`REPEAT` seconds until the guarded block has been left. A loop that
catches ``BaseException`` and carries on defeats this; the grading command's
per-notebook process limit is the last line of defence.
"""
from __future__ import annotations

import ctypes
import signal
import sys
import threading
from contextlib import contextmanager

REPEAT = 0.05  # seconds between repeated interruptions once the limit has passed


class WallClockExceeded(BaseException):
    """The guarded code ran for longer than its wall-clock limit."""


class _State:
    def __init__(self, seconds):
        self.seconds = seconds
        self.active = True
        self.fired = False


_local = threading.local()


def _use_signal() -> bool:
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread())


@contextmanager
def wall_clock_limit(seconds: float):
    """Run the block with a limit of ``seconds`` of real time.

    Yields a state object whose ``fired`` attribute tells afterwards whether
    the limit was reached. Nested uses keep the outer limit only.
    """
    if getattr(_local, "state", None) is not None or seconds is None:
        yield _State(seconds)       # already guarded (or no limit): nothing to add
        return
    state = _State(seconds)
    _local.state = state
    try:
        if _use_signal():
            with _signal_guard(state):
                yield state
        elif sys.platform == "emscripten":
            # Pyodide (JupyterLite) has neither SIGALRM nor threads: no real-time
            # limit there; the checks' virtual-time limits and Deadlock still apply.
            yield state
        else:
            with _thread_guard(state):
                yield state
    finally:
        _local.state = None


@contextmanager
def _signal_guard(state):
    def on_alarm(signum, frame):
        if not state.active:
            return
        state.fired = True
        signal.setitimer(signal.ITIMER_REAL, REPEAT)   # again, until disarmed
        raise WallClockExceeded(f"still running after {state.seconds:g} s of wall-clock time")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, state.seconds)
    try:
        yield
    finally:
        _disarm(lambda: (signal.setitimer(signal.ITIMER_REAL, 0),
                         signal.signal(signal.SIGALRM, old)), state)


def _disarm(action, state):
    # The alarm may fire while we are switching it off: retry until it is off.
    while True:
        try:
            state.active = False
            action()
            return
        except WallClockExceeded:
            continue


@contextmanager
def _thread_guard(state):
    target = threading.get_ident()
    stop = threading.Event()

    def watch():
        delay = state.seconds
        while not stop.wait(delay):
            if not state.active:
                return
            state.fired = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(target), ctypes.py_object(WallClockExceeded))
            delay = REPEAT

    watcher = threading.Thread(target=watch, name="labrt-grading-guard", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        def off():
            stop.set()
            watcher.join()
        _disarm(off, state)
        # An exception injected just before the watcher stopped may still be
        # pending: clear it.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
