"""What a dying process tells the others, and what an exit signal does.

This is the part of the runtime that the Erlang reference manual's table of
exit signals describes, written as code in one place:

* :meth:`_exit_signal` decides what a signal does to its receiver: dropped
  (``normal`` from a link, to a process that does not trap exits), turned
  into an ``Exit`` message (the receiver traps exits), or fatal (anything
  else; ``kill`` sent with ``exit/2`` even through ``trap_exit``).
* :meth:`_terminate` ends a process in Erlang's order: its name goes first
  (item 19), then the signals it owes: demonitors for the monitors it held,
  an exit signal along each link, a DOWN to each watcher.
* Signals wait in a queue (``_signals``) and :meth:`_drain` lets them take
  effect one at a time, not by recursion, so a chain of ten thousand
  linked processes can die without overflowing the Python stack, and a
  process that causes a signal to itself handles it at its next receive
  (``pending``), as the BEAM does.
* :meth:`finish` is where the kernels report that a coroutine ended.

:class:`ExitSignals` is a part of :class:`labrt.kernel.core.Runtime` (a
mixin: the methods read the runtime's tables through ``self``).
"""
from __future__ import annotations

from . import process as _process
from .process import EXITED, _current, _reason_of
from .signals import Signal
from .values import Down, Exit, ProcessExit, format_reason


class ExitSignals:
    """The runtime's exit-signal semantics (see the module's text)."""

    __slots__ = ()

    # -- exit signals (the semantics table) ----------------------------------
    def _drain(self):
        """Let queued exit signals take effect until none are left."""
        if self._draining or not self._signals:
            return
        self._draining = True
        try:
            q = self._signals
            while q:
                sig = q.popleft()
                p = sig.target._proc
                if p is not None and p.rt is self:
                    self._exit_signal(sig, p)
        finally:
            self._draining = False

    def _exit_signal(self, sig, p):
        """What an exit signal ``sig`` does to ``p``: the table, as code.

        ``sig.link`` is true when the signal comes from a broken link (the
        sender died), false when it was sent with ``exit(pid, reason)``.
        """
        if p.status is EXITED:
            return
        sender, reason = sig.sender, sig.payload
        if sender != p.pid and p is _current() and p is not self._handling:
            # The running process caused this signal itself (say, by killing a
            # linked process).  Like the BEAM, it handles the signal at its next
            # receive, not in the middle of the call that caused it.
            if p.pending is None:
                p.pending = []
            p.pending.append(sig)
            return
        via_link = sig.link
        if via_link:
            if p.links is None or sender not in p.links:
                return                    # item 16: the link was removed first
            del p.links[sender]
        if self._tracing:
            self._ev("exit_signal", sender, p.pid, reason)
        if not via_link and reason == "kill" and type(reason) is str:
            self._terminate(p, "killed")  # item 6: untrappable, becomes killed
        elif p.trap:                                          # items 5, 8, 10
            msg = Exit(sender, reason)
            if self._tracing:
                self._ev("send", sender, p.pid, msg)
            self._deliver(p, msg)
        elif type(reason) is str and reason == "normal":
            if not via_link and sender == p.pid:
                self._terminate(p, "normal")                  # item 9
            # otherwise dropped (items 3, 8)
        else:
            self._terminate(p, reason)                        # items 4, 7, 10

    def _terminate(self, p, reason):
        """End process ``p`` with ``reason`` and tell everyone who cares."""
        if p.status is EXITED:
            return
        p.status = EXITED
        p.reason = reason
        p.waiting = None
        if p.timer is not None:
            p.timer[4] = False
            p.timer = None
        if p.name is not None:                 # item 19: name freed before signals
            del self.names[p.name]
            p.name = None
        if isinstance(reason, BaseException) and not isinstance(reason, ProcessExit):
            self._crash_report(p, reason)
        if self._tracing:
            self._ev("exit", p.pid, None, reason)
        pid = p.pid
        if p.monitors or p.links or p.watchers:
            self._tell_others(p, reason)
        if p.aliases:
            for ref in p.aliases:
                self.aliases.pop(ref, None)
        p.links = p.monitors = p.watchers = p.aliases = None
        p.mailbox = None
        del self.procs[pid.num]
        pid._proc = None
        if p.from_outside:      # keep results only for processes a cell started
            self.finished[pid] = (reason, p.result)
        self.kernel.discard(p)
        self._drain()

    def _tell_others(self, p, reason):
        """The signals a death sends: demonitors, link exits, DOWNs (in that order)."""
        pid = p.pid
        post = self._post
        draining, self._draining = self._draining, True   # exits take effect later,
        try:                                              # after the DOWNs
            if p.monitors:                     # monitors it held are gone too
                for ref, target in p.monitors.items():
                    post(Signal("demonitor", pid, target, ref))
            if p.links:
                for other in p.links:
                    post(Signal("exit", pid, other, reason, True))
            if p.watchers:
                for ref, (watcher, obj) in p.watchers.items():
                    post(Signal("down", pid, watcher, (ref, obj, reason)))
        finally:
            self._draining = draining

    def _send_down(self, wp, ref, obj, reason, from_pid):
        msg = Down(ref, obj, reason)
        if self._tracing:
            self._ev("send", from_pid, wp.pid, msg)
        self._deliver(wp, msg)

    def _crash_report(self, p, exc):
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            code = tb.tb_frame.f_code
            path = code.co_filename.replace("\\", "/")
            fname = path.rsplit("/", 1)[-1]
            if fname.startswith("<") or "/ipykernel_" in path:
                fname = "<cell>"      # a notebook cell: its temp path varies
            where = f" in {code.co_name} ({fname}, line {tb.tb_lineno})"
        self.report(f"=CRASH REPORT==== t={self.now:.3f} process {p.pid} "
                    f"({p.function}) crashed: {format_reason(exc)}{where}")

    # -- the end of a process (called by the kernels) ------------------------
    def finish(self, p, outcome, value=None):
        """A process's coroutine ended: ``outcome`` is the exception or None."""
        if _process._owed is not None:         # a recursion limit still to put back
            _process._pay()
        if p.status is EXITED:
            return
        if outcome is None:
            p.result = value
            self._terminate(p, "normal")
        else:
            self._terminate(p, _reason_of(outcome))
