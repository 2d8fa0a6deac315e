"""A time limit for code we do not trust to return.

Student code runs on the simulated kernel, whose clock is virtual: a process
that loops without awaiting anything, or two processes that send each other
messages forever at the same virtual instant, never let the kernel notice
that "time is up". So every check also runs under a limit in real seconds.

Which seconds: the limit counts the *CPU time* the code uses, not the time on
the wall. A runaway loop burns CPU, so it is stopped as soon as it has had
its seconds; but a correct answer graded on a busy machine (a class graded
on a laptop, two test workers on two cores) gets the same seconds of work as
on an idle one, so the same submission always gets the same verdict. Code
that blocks without computing (``time.sleep``, a socket read) uses no CPU:
a second limit of :data:`BACKSTOP` times as many seconds on the wall stops it.

Whose work: only the check's own. Garbage that code before it left behind
(an earlier task, another notebook graded in the same process, another test)
is not collected while the limit runs: the objects that exist when it starts
are frozen (``gc.freeze``) until it ends, so a collection during the check
looks only at what the check made, and the finalizers of older garbage run
later, outside any limit. (CI, 2026-12-04: a collection inside ch07's rolling
upgrade case finalized coroutines left by a ch12 solution, and that case ran
out of its 3 s of CPU, which alone it uses a tenth of.)

How it works: when a limit passes, :class:`WallClockExceeded` is raised in
the thread that runs the check. On POSIX, in the main thread (a Jupyter
cell, pytest, the grading worker), a ``SIGPROF`` timer and a ``SIGALRM``
timer (the backstop) raise it. ``SIGPROF`` counts the whole process's CPU
time, so when it fires the handler reads the main thread's own clock
(``time.thread_time``) and, if another thread used part of those seconds,
sets the timer again for the rest: only the checked thread's work counts,
whatever else runs in the process. The signal also interrupts
``time.sleep`` and similar blocking calls. Elsewhere a watchdog thread reads
the checked thread's CPU clock and injects the exception with
``PyThreadState_SetAsyncExc``, which reaches Python code only (not a
blocking C call).

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
import gc
import signal
import sys
import threading
import time
from contextlib import contextmanager

REPEAT = 0.05  # seconds between repeated interruptions once the limit has passed
BACKSTOP = 10  # the wall-clock limit, as a multiple of the CPU-time limit
POLL = 0.02    # seconds between the watchdog thread's looks at the CPU clock


class WallClockExceeded(BaseException):
    """The guarded code ran for longer than its time limit (CPU seconds, or the
    wall-clock backstop for code that blocks)."""


class _State:
    def __init__(self, seconds):
        self.seconds = seconds
        self.active = True
        self.fired = False
        self.cause = None           # once fired: "cpu" (computing) or "wall" (blocked)


_local = threading.local()


def _use_signal() -> bool:
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread())


@contextmanager
def wall_clock_limit(seconds: float):
    """Run the block with a limit of ``seconds`` of CPU time (and, for code that
    blocks without computing, ``BACKSTOP * seconds`` on the wall).

    Yields a state object whose ``fired`` attribute tells afterwards whether
    the limit was reached, and ``cause`` which one: ``"cpu"`` (the code kept
    computing) or ``"wall"`` (it was blocked, waiting without computing).
    Nested uses keep the outer limit only.
    """
    if getattr(_local, "state", None) is not None or seconds is None:
        yield _State(seconds)       # already guarded (or no limit): nothing to add
        return
    state = _State(seconds)
    _local.state = state
    frozen = gc.get_freeze_count() == 0      # (someone else's freeze: leave it be)
    if frozen:
        gc.freeze()
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
        if frozen:
            gc.unfreeze()


def timeout_texts(limit: float, cause) -> dict:
    """expected/observed/hint of a case stopped by its time limit: one that kept
    computing (``cause`` "cpu") or one that was blocked without computing ("wall")."""
    expected = f"the check finishes within {limit:g} s of CPU time"
    if cause == "wall":
        return dict(expected=expected,
                    observed=f"it was blocked for {limit * BACKSTOP:g} s of wall-clock time "
                             f"without computing, and was stopped",
                    hint="something waits outside the simulated kernel: `time.sleep`, "
                         "`input()`, a lock, a socket or a thread; on the simulated kernel "
                         "wait with `await sleep(...)` or `await receive(...)`")
    return dict(expected=expected,
                observed=f"it was still running after {limit:g} s of CPU time and was stopped",
                hint="look for a loop that never awaits anything (a process gives up "
                     "control only at `await receive(...)` or `await sleep(...)`), or "
                     "processes that send each other messages forever")


@contextmanager
def _signal_guard(state):
    cpu0 = time.thread_time()               # the main thread's own CPU clock

    def on_limit(signum, frame):
        if not state.active:
            return
        if signum == signal.SIGPROF and not state.fired:
            left = state.seconds - (time.thread_time() - cpu0)
            if left > 0:                    # other threads' CPU time: not ours
                signal.setitimer(signal.ITIMER_PROF, max(left, 0.001))
                return
        if not state.fired:
            state.cause = "cpu" if signum == signal.SIGPROF else "wall"
        state.fired = True
        signal.setitimer(signal.ITIMER_REAL, REPEAT)   # again, until disarmed
        if signum == signal.SIGPROF:
            raise WallClockExceeded(f"still running after {state.seconds:g} s of CPU time")
        raise WallClockExceeded(f"still running after {state.seconds * BACKSTOP:g} s of "
                                f"wall-clock time (blocked, not computing)")

    old_alarm = signal.signal(signal.SIGALRM, on_limit)
    old_prof = signal.signal(signal.SIGPROF, on_limit)
    signal.setitimer(signal.ITIMER_PROF, state.seconds)
    signal.setitimer(signal.ITIMER_REAL, state.seconds * BACKSTOP)
    try:
        yield
    finally:
        _disarm(lambda: (signal.setitimer(signal.ITIMER_PROF, 0),
                         signal.setitimer(signal.ITIMER_REAL, 0),
                         signal.signal(signal.SIGPROF, old_prof),
                         signal.signal(signal.SIGALRM, old_alarm)), state)


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
    try:
        clock = time.pthread_getcpuclockid(target)      # the checked thread's CPU time
    except (AttributeError, OSError):
        clock = None                                     # no per-thread clock: wall time
    cpu0 = time.clock_gettime(clock) if clock is not None else None
    wall0 = time.monotonic()

    def over():
        if clock is not None and time.clock_gettime(clock) - cpu0 >= state.seconds:
            state.cause = "cpu"
            return True
        if time.monotonic() - wall0 >= state.seconds * (BACKSTOP if clock is not None else 1):
            state.cause = "wall" if clock is not None else "cpu"
            return True
        return False

    def watch():
        while not stop.wait(POLL):
            if not state.active:
                return
            if state.fired or over():
                state.fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(WallClockExceeded))
                if stop.wait(REPEAT):
                    return

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
