"""The operations a process asks of its runtime, besides send and spawn.

Link and unlink, monitor and demonitor, ``exit/2``, register and
unregister, ``send_after`` and ``cancel_timer``: each is a method that
``labrt.kernel.api`` calls for the process that called it (``p``).  Each one
first checks its arguments, raising the error Erlang would (``badarg``,
``noproc`` for a link to a dead process that does not trap exits), then
makes its change on this side and posts a :class:`~labrt.kernel.signals.Signal`
for the other side, which takes effect when it arrives (at once on one node;
later, or never, across a network).  Every method that can be called by a
process runs under :func:`~labrt.kernel.process._roomy`, so running out of
stack never leaves it half done.

The first two methods are gen_server.call's hot path: for a live local
server with nothing traced, ``_call_open`` and ``_call_close`` do exactly
what monitor + alias + send, and unalias + demonitor(flush), do, in one
step each.

:class:`Operations` is a part of :class:`labrt.kernel.core.Runtime` (a mixin).
"""
from __future__ import annotations

from .match import _IMMUTABLE, isolate
from .process import EXITED, RUNNABLE, _check_timeout, _roomy
from .signals import Signal
from .values import BadArg, BadTimeout, Down, Exit, NoProc, Pid, Ref, _Killed


class Operations:
    """Process-side operations of the runtime (see the module's text)."""

    __slots__ = ()

    # -- gen_server.call's hot path ------------------------------------------
    # A call monitors the server, makes an alias, sends its request, and when
    # the answer is in, drops the alias and the monitor.  For a live server on
    # this node with nothing traced or held in transit (``_inline``), these two
    # methods do exactly what monitor() + alias() + send(), and unalias() +
    # demonitor(flush=True), do on that path (the same refs, the same order,
    # the same effects), in one guarded step each instead of five.

    @_roomy
    def _call_open(self, p, tp, kind, request, make_tag):
        """Monitor ``tp``, alias ``p``, send ``(kind, (p.pid, tag), request)``.

        Returns ``(mref, aref, tag)``; ``tag = make_tag(aref, aref)``.
        """
        self._refs += 2                        # _new_ref() twice: mref, then aref
        mref = Ref(self.node, self._refs - 1)  # monitor(tp): both halves at once
        if p.monitors is None:
            p.monitors = {}
        p.monitors[mref] = tp.pid
        if tp.watchers is None:
            tp.watchers = {}
        tp.watchers[mref] = (p.pid, tp.pid)
        aref = Ref(self.node, self._refs)      # alias()
        self.aliases[aref] = p
        if p.aliases is None:
            p.aliases = []
        p.aliases.append(aref)
        tag = make_tag(aref, aref)            # OTP 24+: the alias is the ref too
        if type(request) not in _IMMUTABLE:
            request = isolate(request)         # the envelope itself is immutable
        msg = (kind, (p.pid, tag), request)
        if tp.waiting is True:                 # send(tp.pid, msg), as in api.send
            self.kernel.wake(tp, msg)
            tp.waiting = None
            if tp.timer is not None:
                tp.timer[4] = False
                tp.timer = None
            tp.status = RUNNABLE
        else:
            self._deliver(tp, msg)
        return mref, aref, tag

    @_roomy
    def _call_close(self, p, mref, aref):
        """``unalias(aref)`` then ``demonitor(mref, flush=True)``, untraced."""
        if self.aliases.pop(aref, None) is not None:      # (only p has aref)
            al = p.aliases
            if al[-1] is aref:
                al.pop()
            else:
                al.remove(aref)
        target = p.monitors.pop(mref, None) if p.monitors else None
        if target is not None:
            tp = target._proc if type(target) is Pid else None
            if tp is not None and tp.rt is self:          # the demonitor arrives
                if tp.watchers:
                    tp.watchers.pop(mref, None)
            else:
                self._post(Signal("demonitor", p.pid, target, mref))
        mb = p.mailbox
        if mb:
            for i, m in enumerate(mb):
                if type(m) is Down and m.ref == mref:
                    del mb[i]
                    break

    # -- process-side operations -------------------------------------------
    @_roomy
    def _link(self, p, target):
        r = self._link1(p, target)
        self._drain()
        return r

    def _link1(self, p, target):
        if type(target) is not Pid:
            raise BadArg(f"link: {target!r} is not a pid")
        if target == p.pid:
            return True                                     # item 12
        if not self._remote(target):
            tp = self.lookup(target)
            if tp is None or tp.status is EXITED:
                if p.trap:                                  # item 13
                    self._deliver(p, Exit(target, "noproc"))
                    return True
                raise NoProc(f"link: process {target} does not exist (it has "
                             "exited). Trap exits, or use monitor(), to learn "
                             "about a dead process without crashing")
        # (a remote pid is not checked here: a dead one answers with an exit
        # signal "noproc", and an unreachable node with "noconnection")
        if p.links is None:
            p.links = {}
        if target not in p.links:
            p.links[target] = None             # our half now, theirs on arrival
            if self._tracing:
                self._ev("link", p.pid, target, None)
            self._post(Signal("link", p.pid, target))
        return True

    @_roomy
    def _handle_pending(self, p):
        """Handle exit signals that arrived while ``p`` itself was running."""
        pending, p.pending = p.pending, None
        self._signals.extend(pending)
        self._handling = p
        try:
            self._drain()
        finally:
            self._handling = None
        if p.status is EXITED:
            raise _Killed()

    @_roomy
    def _unlink(self, p, target):
        if type(target) is not Pid:
            raise BadArg(f"unlink: {target!r} is not a pid")
        if p.links and target in p.links:
            del p.links[target]
            self._post(Signal("unlink", p.pid, target))
            if self._tracing:
                self._ev("unlink", p.pid, target, None)
        return True

    @_roomy
    def _monitor(self, p, target):
        ref = self._new_ref()
        kind = "monitor"
        if type(target) is str:
            tp = self.names.get(target)
            obj = (target, self.node_name)                  # item 24
        elif type(target) is tuple and len(target) == 2 and type(target[0]) is str:
            obj = target
            if target[1] == self.node_name:
                tp = self.names.get(target[0])
            elif self.world is not None:
                tp, kind = None, "monitor_name"             # resolved over there
            else:
                tp = None
        elif type(target) is Pid:
            tp = self.lookup(target)
            obj = target
            if tp is None and self._remote(target):
                kind = "remote"
        else:
            raise BadArg(f"monitor: {target!r} is not a pid or a registered name")
        if p.monitors is None:
            p.monitors = {}
        if kind == "monitor_name":
            p.monitors[ref] = target
            if self._tracing:
                self._ev("monitor", p.pid, None, ref)
            self._post(Signal("monitor_name", p.pid, target, ref))
        elif kind == "remote":
            p.monitors[ref] = target
            if self._tracing:
                self._ev("monitor", p.pid, target, ref)
            self._post(Signal("monitor", p.pid, target, (ref, obj)))
        elif tp is None or tp.status is EXITED:             # item 23
            p.monitors[ref] = obj                           # until the DOWN comes
            if self._tracing:
                self._ev("monitor", p.pid, obj if type(obj) is Pid else None, ref)
            self._post(Signal("down", target if type(target) is Pid else None,
                              p.pid, (ref, obj, "noproc")))
        else:
            p.monitors[ref] = tp.pid
            if self._tracing:
                self._ev("monitor", p.pid, tp.pid, ref)
            self._post(Signal("monitor", p.pid, tp.pid, (ref, obj)))
        return ref

    @_roomy
    def _demonitor(self, p, ref, flush=False, info=False):
        found = False
        if p.monitors and ref in p.monitors:
            target = p.monitors.pop(ref)
            self._post(Signal("demonitor", p.pid, target, ref))
            found = True
            if self._tracing:
                self._ev("demonitor", p.pid, target if type(target) is Pid else None, ref)
        if flush and p.mailbox:
            for i, m in enumerate(p.mailbox):
                if type(m) is Down and m.ref == ref:
                    del p.mailbox[i]
                    break
        return found if info else True

    @_roomy
    def _exit2(self, p_pid, target, reason):
        if type(target) is not Pid:
            raise BadArg(f"exit: {target!r} is not a pid")
        self._post(Signal("exit", p_pid, target, reason))
        self._drain()
        return True

    @_roomy
    def _register(self, name, target):
        if type(name) is not str or name == "undefined" or not name:
            raise BadArg(f"register: the name must be a non-empty string other "
                         f"than 'undefined', got {name!r}")
        if name in self.names:
            raise BadArg(f"register: the name {name!r} is already taken by "
                         f"{self.names[name].pid}")
        tp = self.lookup(target) if type(target) is Pid else None
        if tp is None or tp.status is EXITED:
            raise BadArg(f"register: {target!r} is not a live local process")
        if tp.name is not None:
            raise BadArg(f"register: {target} already has the name {tp.name!r}")
        self.names[name] = tp
        tp.name = name
        if self._tracing:
            self._ev("register", tp.pid, None, name)
        return True

    @_roomy
    def _unregister(self, name):
        p = self.names.pop(name, None) if type(name) is str else None
        if p is None:
            raise BadArg(f"unregister: no process is registered as {name!r}")
        p.name = None
        if self._tracing:
            self._ev("unregister", p.pid, None, name)
        return True

    @_roomy
    def _send_after(self, t, dest, msg, sender):
        if _check_timeout(t) is None:
            raise BadTimeout("send_after needs a finite number of seconds")
        ref = self._new_ref()
        msg = isolate(msg)
        entry = self._timer(self.now + t, self._timer_fire, (ref, dest, msg, sender))
        self.timer_refs[ref] = entry
        return ref

    def _timer_fire(self, arg):
        ref, dest, msg, sender = arg
        self.timer_refs.pop(ref, None)
        try:
            self._send(sender, dest, msg)
        except BadArg:
            pass                      # a name that is gone by then: Erlang drops it

    @_roomy
    def _cancel_timer(self, ref):
        entry = self.timer_refs.pop(ref, None)
        if entry is None or not entry[4]:
            return False
        entry[4] = False
        return max(0.0, entry[0] - self.now)
