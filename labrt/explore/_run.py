"""One run of a scenario under one schedule, and what it leaves behind.

Design
------
A *scenario* is an ``async def`` function, run as the first process, exactly
as ``labrt.run(main)`` would run it.  :func:`execute` builds a fresh
runtime in schedule mode (``_kernel.py``), spawns the scenario and then asks
a *chooser* for an action at every state until no action is left.  The
chooser is a function ``choose(run, actions, default) -> action``; it may
return ``None`` to stop the run early (the systematic search does this when
every remaining action would repeat a schedule it has already explored).

Everything the run did is kept in a :class:`Run`: the scenario's result and
exit reason, the runtime's trace and crash reports, and the list of
:class:`Step` records, one per choice, which says what was chosen, what the
default kernel would have done instead, and whether the choice was a
*deviation* from it (a ``preemption``: another process ran while the last
one could have gone on; a ``delay``: something else happened while a signal
was ready to be delivered; a ``reorder``: another runnable process went
first).  The number of deviations is the measure the explorer minimises:
the default schedule has none.

An action passed over by a deviation is *demoted*: from then on the default
is taken among the other actions while there are any (as when PCT lowers a
thread's priority).  So a message that is delayed once stays in transit
until nothing else can happen or a later choice delivers it, and one
deviation is enough to express "this signal was slow"; without demotion
every later step would deliver it again by default, and a long delay would
cost one deviation per step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..kernel import core as _core, values as _values
from ..kernel.values import Pid
from ..kernel.sim import deadlock_report
from ..kernel.trace import Trace, _plain, show
from . import _stacks
from ._kernel import ScheduleError, ScheduleKernel


@dataclass(frozen=True)
class Step:
    """One choice of a run: ``action`` was taken out of ``options`` actions."""
    index: int
    action: tuple
    who: str            # the process that acts (run) or receives (deliver)
    op: str             # the operation, or "deliver <signal kind>"
    value: str          # its arguments, or the signal's content and sender
    deviation: str | None = None    # None, "preemption", "delay" or "reorder"
    instead: str = ""   # what happened to what the default kernel would have done
    options: int = 1
    at_event: int = 0   # len(trace) when the step was taken (for drawing)
    passed: tuple = ()  # the default action this deviation passed over

    def text(self, who: int = 16, op: int = 16) -> str:
        """One numbered line; ``who`` and ``op`` are the column widths."""
        line = f"{self.index + 1:>3}. {self.who:<{who}} {self.op:<{op}} {self.value}"
        if self.deviation:
            line += f"   <- {self.deviation}: {self.instead}"
        return line.rstrip()


@dataclass
class Run:
    """What one run of a scenario did (passed to the user's check)."""
    result: object = None          # the scenario's return value
    reason: object = None          # its exit reason ("normal" when it returned)
    finished: bool = False         # False: it was still waiting when nothing could run
    trace: Trace = None
    reports: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    truncated: bool = False        # stopped by max_steps
    stopped: bool = False          # the chooser stopped it early
    deadlock: str = ""
    rt: object = None
    fps: list = field(default_factory=list, repr=False)       # footprint of each step
    enablers: list = field(default_factory=list, repr=False)  # the step that enabled it
    barriers: list = field(default_factory=list, repr=False)  # steps after an idle timer

    @property
    def choices(self) -> list:
        return [s.action for s in self.steps]

    @property
    def deviations(self) -> list:
        return [s for s in self.steps if s.deviation]

    @property
    def exits(self) -> dict:
        """Exit reason of every process that ended, by pid text."""
        return {show(e.pid): e.data for e in self.trace if e.kind == "exit"}


def _fmt(value) -> str:
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__
    return show(value)


def _short_name(function: str) -> str:
    """A process's function name for a step listing: its last part, at most 10 characters."""
    name = function.replace(":", ".").rsplit(".", 1)[-1]
    return name if len(name) <= 10 else name[:9] + "~"


def _describe_run(st) -> tuple[str, str, str]:
    p = st.p
    who = f"{p.pid} {_short_name(p.function)}"
    args = dict(st.args)
    if st.op == "end":
        return who, "end", _plain(args["reason"])
    if st.op == "receive":
        clauses = args.get("clauses") or ()
        parts = [_fmt(c) for c in clauses] or ["any"]
        if args.get("timeout") is not None:
            parts.append(f"timeout={_fmt(args['timeout'])}")
        return who, "receive", ", ".join(parts)
    parts = []
    for name, v in st.args:
        if name == "args" and type(v) is tuple:      # *args
            parts.extend(_fmt(x) for x in v)
        elif (name in ("flush", "info") and v is False) or (name == "node" and v is None):
            continue
        else:
            parts.append(_fmt(v))
    return who, st.op, ", ".join(parts)


def describe_action(kernel, act) -> tuple[str, str, str]:
    """(who, op, value) of an action in the current state."""
    if act[0] == "run":
        return _describe_run(kernel.ps[act[1]])
    if act[0] == "timer":
        entry = kernel.rt.next_timer()
        return "clock", "timer", f"t={entry[0]:g} s fires"
    sig = kernel.head(act)
    kind = getattr(sig, "kind", "signal")
    target = getattr(sig, "target", None)
    sender = getattr(sig, "sender", None)
    payload = getattr(sig, "payload", None)
    src = "outside" if sender is None else show(sender)
    q = kernel.rt.lookup(target) if type(target) is Pid else None
    if q is not None:
        target = f"{q.pid} {_short_name(q.function)}"
    if kind in ("link", "unlink"):
        what = f"from {src}"
    elif kind == "exit":
        what = f"{_fmt(payload)} from {src}" + (" (link)" if getattr(sig, "link", False) else "")
    elif kind == "down" and type(payload) is tuple and len(payload) == 3:
        what = f"DOWN {_fmt(payload[2])} from {src}"
    else:
        what = f"{_fmt(payload)} from {src}"
    return target if type(target) is str else show(target), f"deliver {kind}", what


def _passed_over(kernel, act, kind) -> str:
    """What the deviation of ``kind`` did to the default action ``act``."""
    if act[0] == "timer":
        return "the timer waits"
    who, op, value = describe_action(kernel, act)
    if act[0] == "run":
        pid = who.split()[0]
        return f"{pid} was about to {op}" if kind == "preemption" else f"{pid} {op} goes later"
    sender = value.rsplit(" from ", 1)
    text = sender[0] if len(sender) == 2 else value
    src = sender[1] if len(sender) == 2 else "?"
    return f"{op[len('deliver '):]} {text} {src} -> {who.split()[0]} stays in transit"


def _classify(kernel, act, default) -> str | None:
    if act == default:
        return None
    if act[0] == "timer":
        return "early timeout"
    if default[0] == "deliver":
        return "delay"
    if default[1] == kernel.last:
        return "preemption"
    return "reorder"


@_stacks.session
def execute(scenario, args, choose, max_steps=2000, race_timers=False) -> Run:
    """Run ``scenario(*args)`` in schedule mode, asking ``choose`` at each state."""
    rt = _core.Runtime(kernel="sim", trace=True, reports=None)
    kernel = ScheduleKernel(rt, max_steps, race_timers)
    rt.kernel = kernel
    rt.transit = kernel
    rt.preempt = kernel.preempt
    run = Run(trace=rt.trace, reports=rt.reports, rt=rt)
    low = set()                  # actions passed over by a deviation: they go last
    try:
        pid = rt.spawn(scenario, *args)
        kernel.settle()
        while True:
            acts = kernel.enabled()
            if not acts:
                entry = rt.next_timer()
                if entry is None:
                    break
                run.barriers.append(len(run.steps))
                kernel.fire_next()
                kernel.settle()
                continue
            if len(run.steps) >= max_steps:
                run.truncated = True
                break
            default = kernel.default(acts)
            if default in low:
                rest = [a for a in acts if a not in low]
                if rest:
                    default = kernel.default(rest)
            act = choose(run, acts, default)
            if act is None:
                run.stopped = True
                break
            if act not in acts:
                raise ScheduleError(
                    f"step {len(run.steps) + 1}: the schedule asks for {act!r}, but "
                    f"only {acts!r} can happen here; the schedule was made for "
                    "another scenario, or the scenario does not behave the same "
                    "way on every run (does it read a clock, a random generator "
                    "without a seed, or a global that an earlier run changed?)")
            who, op, value = describe_action(kernel, act)
            dev = _classify(kernel, act, default)
            if dev:
                low.add(default)
            run.steps.append(Step(len(run.steps), act, who, op, value, dev,
                                  _passed_over(kernel, default, dev) if dev else "",
                                  len(acts), len(rt.trace), default if dev else ()))
            run.fps.append(kernel.footprint(act))
            run.enablers.append(kernel.enabler(act))
            kernel.step = len(run.steps) - 1
            kernel.do(act)
        if pid in rt.finished:
            run.finished = True
            run.reason, run.result = rt.finished[pid]
        elif not (run.truncated or run.stopped):
            run.deadlock = deadlock_report(rt)
    finally:
        kernel.close()
    return run


def normal(reason) -> bool:
    return _values.is_normal(reason)
