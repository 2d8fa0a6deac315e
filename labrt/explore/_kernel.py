"""The schedule mode of the simulated kernel: every runtime operation is a choice.

Design
------
The default simulated kernel runs a process until it waits in ``receive``,
and a ``send`` puts the message in the receiver's mailbox at once.  That is
one legal interleaving; Erlang allows many more.  In a program whose
processes share nothing, the only places where the interleaving can change
the outcome are the runtime operations (spawn, send, receive, link, monitor,
register, whereis, trap_exit, exit, ...) and the arrival of each signal.  So
this kernel stops a process *before each operation* and keeps every signal
*in transit* until the explorer decides to deliver it.  A state of the run
offers a list of *actions*:

* ``("run", n)``: let process ``<0.n.0>`` perform the operation it is
  stopped at, and then its plain Python code up to its next operation;
* ``("deliver", s, r)``: deliver the oldest signal in transit from ``<0.s.0>``
  to ``<0.r.0>`` (``s`` is 0 for code outside any process).  Signals of one
  pair arrive in the order they were sent, which is all Erlang promises;
  signals of different pairs overtake each other freely.

A *chooser* (random, systematic, replay: see ``_search.py``) picks one action
at each state; the list of picks is the *schedule*, and the same schedule
always gives the same run.

How can a plain function such as ``register`` stop in the middle of a
coroutine step?  A coroutine can only suspend where it ``await``\\ s, and
``register`` is not awaited.  So each process's coroutine steps run on a
*greenlet* of their own (a stack that can be switched to and from, in one
thread; ``_stacks.py`` also has a JSPI backend for the browser),
and the hook in ``labrt.kernel.process._me()`` (the function every
operation calls first) switches back to this kernel, which decides who goes
next.  Exactly one greenlet runs at a time and every switch is an explicit
call, so runs are deterministic by construction.  We preferred greenlets to
one OS thread per process with a baton (the other way to keep a stack per
process): a switch costs a fraction of a microsecond instead of tens, no
thread can be left behind blocked when a run ends, and there is no second
scheduler (the operating system's) whose timing could leak in.  A trampoline
(re-running a process from its start, feeding it its recorded results) needs
no extra stack but repeats any side effect outside labrt, such as a test's
``print`` or recorder list, so we rejected it.

Local code between two operations is invisible to other processes, so a
process that has just been spawned or woken is run at once, up to its first
operation, as part of the action that started or woke it.  The end of a
process (its function returned or raised) is one more stop, ``end``, so
that its exit signals and the release of its name can be delayed too.

A signal a process sends to itself arrives at once (the BEAM does this too:
a process's own signals never wait behind anyone).  By default timers fire
only when no action is left (virtual time advances only when the system is
idle), so a timeout never beats a message that is still on its way.  With
``race_timers`` the earliest timer is one more action, ``("timer",)``,
possible at any time: a timeout is then what it is in Erlang, a guess about
how long others take, and the explorer shows what happens when the guess is
wrong.
"""
from __future__ import annotations

import contextvars
import sys
from collections import deque

from ..kernel import core as _core
from ..kernel import process as _process
from . import _footprint, _stacks
from ..kernel.values import LabrtError, Pid, _Killed
from ..kernel.trace import show

# Operations that read or change nothing another process can see: they are
# not stopping points (fewer stops, smaller search space).
LOCAL_OPS = frozenset({"self", "now", "make_ref", "current_runtime", "error_report",
                       "_me"})

FRESH, PAUSED, BLOCKED, WOKEN, DONE = "fresh", "paused", "blocked", "woken", "done"


class ScheduleError(LabrtError):
    """A schedule does not fit the scenario, or the scenario misbehaves under exploration."""


class _PState:
    """What the schedule kernel knows about one process (beside the core's Process)."""
    __slots__ = ("p", "g", "state", "op", "args", "ready", "wake", "born", "ran",
                 "woken_by")

    def __init__(self, p, ready, born):
        self.p = p
        self.g = None          # its stack (see _stacks.py), once it has run
        self.state = FRESH
        self.op = None         # the operation it is stopped before (when PAUSED)
        self.args = ()         # that operation's arguments, as (name, value) pairs
        self.ready = ready     # when it last became runnable (the default order)
        self.wake = None       # the value receive returns when it is resumed
        self.born = born       # the step that spawned it (it enables its first run)
        self.ran = False       # has it taken a step of its own yet?
        self.woken_by = None   # the step that woke it, until its next step


def _num(pid):
    return 0 if pid is None else pid.num


class ScheduleKernel:
    """A kernel (see labrt/kernel/sim.py for the interface) driven by a chooser, one action at a time."""

    def __init__(self, rt, max_steps=2000, race_timers=False):
        self.stacks = _stacks.make()             # greenlet, or JSPI in the browser
        self.rt = rt
        self.clock = 0.0
        self.ps: dict[int, _PState] = {}
        self.queues: dict[tuple, deque] = {}     # (sender num, target key) -> signals
        self.post_seq = 0
        self.ready_seq = 0
        self.advance: list = []                  # started or woken: run to their next stop
        self.unwind: list = []                   # killed while stopped: unwind their code
        self.last = None                         # num of the process that ran last
        self.max_steps = max_steps
        self.closing = False
        self.race_timers = race_timers           # may a timer fire while work is left?
        self.step = None                         # the index of the step being taken
        # Does the core hand every signal to post() (its transit hook)?  If
        # not, a send takes effect at once and reads the receiver's state.
        self.signals = hasattr(rt, "_arrive")

    # -- the kernel interface used by the core -----------------------------------
    def now(self):
        return self.clock

    def start(self, p):
        self.ready_seq += 1
        self.ps[p.pid.num] = _PState(p, self.ready_seq, self.step)
        self.advance.append(p)

    def wake(self, p, value):
        st = self.ps[p.pid.num]
        st.wake = value
        st.state = WOKEN
        st.woken_by = self.step
        self.ready_seq += 1
        st.ready = self.ready_seq
        self.advance.append(p)

    @staticmethod
    def suspend(p):
        return (yield)

    def discard(self, p):
        st = self.ps.get(p.pid.num)
        if st is None or st.state is DONE:
            return
        if st.g is not None and st.g is self.stacks.current():
            return                 # it killed itself: the core unwinds it (_Killed)
        self.unwind.append(st)

    def timer_added(self, when):
        pass

    def outside(self, fn):
        if _core._current() is not None:
            raise _core.NotInProcess(
                "Runtime methods drive a runtime from outside; inside a process "
                "use spawn/send/exit directly")
        return fn()

    # -- transit: every signal waits here until it is delivered -----------------
    def post(self, rt, sig):
        sender = _num(sig.sender)
        target = sig.target
        if type(target) is Pid and target.num == sender:
            rt._arrive(sig)          # to oneself: at once
            return
        key = (sender, target.num if type(target) is Pid else show(target))
        q = self.queues.get(key)
        if q is None:
            q = self.queues[key] = deque()
        self.post_seq += 1
        # The default order is the default kernel's: the order of posting,
        # except that link exits a dying process sends take effect after its
        # DOWNs there (they wait in the core's exit queue while it drains).
        late = sig.kind == "exit" and rt._draining
        step = -1 if self.step is None else self.step
        q.append(((step, late, self.post_seq), sig, self.step))

    # -- the stop before each operation (called from _core._me) -----------------
    def preempt(self, p):
        st = self.ps.get(p.pid.num)
        if st is None or st.g is None or st.g is not self.stacks.current():
            return                   # a plain-function child running inside spawn
        if self.closing or p.status is _core.EXITED:
            raise _Killed()          # a killed process runs no more operations
        frame = sys._getframe(2)
        code = frame.f_code
        op = code.co_name
        if op in LOCAL_OPS:
            return
        n = code.co_argcount + code.co_kwonlyargcount
        n += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
        loc = frame.f_locals
        args = tuple((name, loc.get(name)) for name in code.co_varnames[:n])
        self._stop(st, op, args)

    def _stop(self, st, op, args):
        p = st.p
        st.state, st.op, st.args = PAUSED, op, args
        p.status = _core.RUNNABLE
        self.stacks.suspend()        # back to the explorer; returns when chosen
        p.status = _core.RUNNING

    # -- running one process's code on its greenlet --------------------------------
    def _body(self, st, value):
        p, rt = st.p, self.rt
        coro = p.coro
        while True:
            p.status = _core.RUNNING
            try:
                coro.send(value)
            except StopIteration as e:
                outcome, result = None, e.value
                break
            except _Killed:
                st.state = DONE
                return
            except BaseException as e:
                outcome, result = e, None
                break
            if p.status is _core.RUNNING:       # it awaited something foreign
                _close(coro)
                outcome, result = _core.LabrtError(
                    f"process {p.pid} ({p.function}) awaited something that is not "
                    "a labrt operation; a process may only await labrt's receive, "
                    "sleep and the behaviours built on them"), None
                break
            st.state = BLOCKED
            try:
                value = self.stacks.suspend()   # until a signal wakes it
            except _Killed:
                _close(coro)
                st.state = DONE
                return
        try:
            self._stop(st, "end", (("reason", "normal" if outcome is None
                                    else _core._reason_of(outcome)),))
        except _Killed:
            st.state = DONE
            return
        st.state = DONE
        rt.finish(p, outcome, result)

    def _resume(self, st, value=None):
        if st.g is None:
            ctx = contextvars.Context()
            ctx.run(_process._task_process.set, st.p)
            g = st.g = self.stacks.new(self._body, ctx)
            g.switch(st, value)
        else:
            st.g.switch(value)

    def settle(self):
        """Unwind killed processes, then run started/woken ones to their next stop."""
        while self.unwind or self.advance:
            if self.unwind:
                st = self.unwind.pop(0)
                if st.state is not DONE:
                    g = st.g
                    st.state = DONE
                    if g is None or g.dead:
                        _close(st.p.coro)
                    else:
                        g.throw(_Killed())
                continue
            p = self.advance.pop(0)
            st = self.ps[p.pid.num]
            if p.status is _core.EXITED or st.state is DONE:
                continue
            if st.state is FRESH:
                self._resume(st, None)
            elif st.state is WOKEN:
                value, st.wake = st.wake, None
                self._resume(st, value)

    # -- the actions ------------------------------------------------------------
    def enabled(self):
        """Every action possible now, in a fixed order (runs by pid, then deliveries)."""
        acts = [("run", n) for n, st in sorted(self.ps.items()) if st.state is PAUSED]
        acts += [("deliver",) + key for key, q in sorted(self.queues.items(),
                                                         key=_qkey) if q]
        if self.race_timers and acts and self.rt.next_timer() is not None:
            acts.append(("timer",))
        return acts

    def default(self, acts):
        """What today's kernel would do: deliver the oldest signal, else keep
        running the last process, else the one that became runnable first."""
        best = None
        for a in acts:
            if a[0] == "deliver":
                seq = self.queues[a[1:]][0][0]
                if best is None or seq < best[0]:
                    best = (seq, a)
        if best is not None:
            return best[1]
        if ("run", self.last) in acts:
            return ("run", self.last)
        runs = [a for a in acts if a[0] == "run"]
        if not runs:
            return acts[0]                   # only the timer is left
        return min(runs, key=lambda a: self.ps[a[1]].ready)

    def do(self, act):
        """Perform one action and run everything it started or woke to its next stop."""
        if act[0] == "run":
            st = self.ps[act[1]]
            self.last = act[1]
            st.ran = True
            st.woken_by = None
            self._resume(st)
        elif act[0] == "timer":
            self.fire_next()
        else:
            _seq, sig, _by = self.queues[act[1:]].popleft()
            self.rt._arrive(sig)
        self.settle()

    def footprint(self, act):
        """What ``act`` may read and write (see ``_footprint.py``)."""
        return _footprint.footprint(self, act)

    def enabler(self, act):
        """The step that made ``act`` possible: the post of the signal it
        delivers, the spawn of a process's first run, or the step that woke a
        process waiting in receive (None if none of these)."""
        if act[0] == "deliver":
            return self.queues[act[1:]][0][2]
        if act[0] == "run":
            st = self.ps[act[1]]
            return st.born if not st.ran else st.woken_by
        return None

    def fire_next(self):
        """Move the clock to the earliest timer and fire every timer due then."""
        entry = self.rt.next_timer()
        self.clock = max(self.clock, entry[0])
        self.rt.fire_due(self.clock)

    def head(self, act):
        """The signal a deliver action would deliver."""
        return self.queues[act[1:]][0][1]

    def close(self):
        """End the run: unwind every process that is still stopped or waiting."""
        self.closing = True
        for st in self.ps.values():
            if st.state in (PAUSED, BLOCKED) and st.g is not None and not st.g.dead:
                st.state = DONE
                try:
                    st.g.throw(_Killed())
                except _Killed:
                    pass
            elif st.state in (FRESH, WOKEN):
                st.state = DONE
                _close(st.p.coro)
        # No stack outlives its run (a woken one still waits where it blocked;
        # in the browser a suspended stack would hold its carrier for good).
        for st in self.ps.values():
            if st.g is not None and not st.g.dead:
                try:
                    st.g.throw(_Killed())
                except _Killed:
                    pass
        self.stacks.closed()


def _qkey(item):
    (s, r), _q = item
    return (s, r if type(r) is int else 1 << 40, str(r))


def _close(coro):
    if coro is None:
        return
    try:
        coro.close()
    except BaseException:        # a finally block that misbehaves while unwinding
        pass
