"""The runtime seen from outside: notebooks, tests, widgets, graders.

A notebook cell is not a process, so it cannot call ``send`` or
``receive``.  It drives a :class:`~labrt.kernel.core.Runtime` with these
methods instead: start a process (``rt.spawn``), send it a message or an
exit signal, run the simulated clock (``run``, ``run_until``, ``run_for``),
and look at what is there (``processes``, ``process_info``, ``whereis``,
``registered``, ``is_alive``) and at how a process it started ended
(``exit_reason``, ``result``, ``outcome``).  On the trio kernel ``start``
and ``stop`` run the processes in the notebook's own event loop.

Everything here goes through ``self.kernel.outside``, which refuses to run
from inside a process: there, use the functions of ``labrt`` itself.

:class:`Outside` is a part of :class:`labrt.kernel.core.Runtime` (a mixin).
"""
from __future__ import annotations

from .process import EXITED, ProcessInfo
from .values import BadArg, Pid, ProcessExit


class Outside:
    """The runtime's methods for callers outside any process."""

    __slots__ = ()

    def info(self, p) -> ProcessInfo:
        watchers = tuple(w for w, _ in p.watchers.values()) if p.watchers else ()
        return ProcessInfo(
            pid=p.pid, name=p.name, function=p.function, status=p.status,
            mailbox=tuple(p.mailbox or ()), links=tuple(p.links or ()),
            monitors=tuple(p.monitors or ()), monitored_by=watchers,
            trap_exit=p.trap, reason=p.reason)

    # -- the outside world: notebooks, tests, widgets ----------------------------
    def spawn(self, fn, *args) -> Pid:
        """Start a process from outside any process."""
        return self.kernel.outside(lambda: self._spawn(None, fn, args)[0])

    def send(self, dest, msg):
        """Send a message from outside any process (the sender shows as ``None``)."""
        return self.kernel.outside(lambda: self._send(None, dest, msg))

    def exit(self, pid, reason):
        """Send an exit signal from outside, like ``exit(pid, reason)``."""
        return self.kernel.outside(lambda: self._exit2(None, pid, reason))

    def run(self):
        """Run until no process can run and no timer is pending (simulated kernel)."""
        self.kernel.run()

    def run_until(self, t: float):
        """Run until the virtual clock reaches ``t`` (simulated kernel)."""
        self.kernel.run(until=t)

    def run_for(self, d: float):
        """Run for ``d`` seconds of virtual time (simulated kernel)."""
        self.kernel.run(until=self.now + d)

    def processes(self) -> list[ProcessInfo]:
        """Snapshots of all live processes, in pid order."""
        return [self.info(p) for _, p in sorted(self.procs.items())]

    def process_info(self, pid) -> ProcessInfo | None:
        p = self.lookup(pid)
        return self.info(p) if p is not None else None

    def whereis(self, name):
        p = self.names.get(name)
        return p.pid if p is not None else None

    def registered(self) -> list[str]:
        return sorted(self.names)

    def is_alive(self, pid) -> bool:
        if type(pid) is Pid and self._remote(pid):
            raise BadArg(f"is_alive: {pid} is a process on node "
                         f"{self.world.name_of(pid.node)}; like Erlang's "
                         "is_process_alive it only answers for local pids (monitor "
                         "a remote process to learn when it ends)")
        p = self.lookup(pid)
        return p is not None and p.status is not EXITED

    def exit_reason(self, pid):
        """Why a process started with ``rt.spawn`` ended (KeyError while it runs)."""
        return self.finished[pid][0]

    def result(self, pid):
        """What a process started with ``rt.spawn`` returned (KeyError while it runs)."""
        return self.finished[pid][1]

    def start(self):
        """Trio kernel in a notebook: run processes in the background (guest mode)."""
        self.kernel.start_guest()

    def stop(self):
        """Stop a runtime started with :meth:`start`."""
        self.kernel.stop_guest()

    def run_main(self, fn, *args):
        """Spawn ``fn`` and run until it ends; return its result or raise its exit."""
        if self.world is not None:               # a node: the world's kernel
            return self.kernel.run_main(fn, args, self)
        return self.kernel.run_main(fn, args)

    def outcome(self, pid):
        reason, result = self.finished[pid]
        if type(reason) is str and reason == "normal":
            return result
        if isinstance(reason, BaseException) and not isinstance(reason, ProcessExit):
            raise reason
        from .values import Exited
        raise Exited(reason)
