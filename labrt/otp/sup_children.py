"""The child table and what a supervisor does with it: start, restart, stop.

:class:`_Sup` is the state of one supervisor process (its gen_server state,
changed in place), and its methods are the procedures of OTP's
``supervisor.erl``: start the children left to right, handle a child's
EXIT (restart it, and the others its strategy names, while the restart
intensity allows), and stop children right to left, each with its shutdown
(``brutal_kill``, a timeout after which it is killed, or infinity).

Each child is a :class:`_Child` in one of three explicit states
(:class:`ChildState`); only its ``started``, ``retrying`` and ``stopped``
methods change the state.  The gen_server callbacks that drive all this are
in :mod:`labrt.otp.supervisor`; the data they read is in
:mod:`labrt.otp.childspec`.
"""
from __future__ import annotations

import enum
import inspect
import math
from dataclasses import dataclass

from .. import (
    TIMEOUT, Down, Exit, Pid, ProcessExit, cancel_timer, error_report, exit,
    format_reason, make_ref, monitor, now, receive, send_after, unlink,
)
from .. import self as _self
from . import code, gen_server
from .childspec import (UNDEFINED, ChildSpec, SupFlags, _key, add_restart, is_clean,
                        restart_decision)

# ---------------------------------------------------------------------------
# Children

class ChildState(enum.Enum):
    """The three states a supervised child can be in."""
    RUNNING = "running"
    RESTARTING = "restarting"
    UNDEFINED = "undefined"


@dataclass(eq=False)
class _Child:
    spec: ChildSpec
    pid: Pid | None = None        # RUNNING: its pid; RESTARTING (dynamic): old pid
    state: ChildState = ChildState.UNDEFINED

    def started(self, pid):
        """A start returned: ``pid`` (now running) or None (ignored: stopped)."""
        self.pid = pid
        self.state = ChildState.RUNNING if pid is not None else ChildState.UNDEFINED

    def retrying(self):
        """A restart failed; it will be tried again."""
        self.state = ChildState.RESTARTING
        if not isinstance(self.pid, Pid):
            self.pid = None

    def stopped(self):
        self.pid = None
        self.state = ChildState.UNDEFINED

    @property
    def shown(self):
        """What which_children shows for it: pid, "restarting" or "undefined"."""
        if self.state is ChildState.RUNNING:
            return self.pid
        return self.state.value


async def _apply_start(start) -> tuple:
    """Call a start function; normalise its result like OTP's do_start_child_i.

    Returns ``("ok", pid)``, ``("ok", pid, info)``, ``("ok", None)`` (ignore)
    or ``("error", R)``.  A start function that raises gives
    ``("error", ("EXIT", reason))``, as Erlang's ``catch`` would.
    """
    fn, args = start
    try:
        res = fn(*args)
        if inspect.isawaitable(res):
            res = await res
    except ProcessExit as e:
        return ("error", ("EXIT", e.reason))
    except Exception as e:
        return ("error", ("EXIT", e))
    match res:
        case ("ok", Pid() as pid):
            return ("ok", pid)
        case ("ok", Pid(), _):
            return res
        case "ignore":
            return ("ok", None)
        case ("error", _):
            return res
        case _:
            return ("error", res)


def _shown_pid(pid):
    return UNDEFINED if pid is None else pid


# ---------------------------------------------------------------------------
# The supervisor's state and its procedures

class _Sup:
    """The gen_server state of one supervisor (mutated in place)."""

    def __init__(self, name, module, arg, flags: SupFlags):
        self.name = name
        self.module = module                # a code server module name, or an object
        self.arg = arg
        self.flags = flags
        self.ids: list = []                 # static children, start order
        self.children: dict = {}            # _key(id) -> _Child
        self.template: ChildSpec | None = None
        self.dynamic: dict = {}             # pid -> _Child, start order
        self.restarts: list[int] = []       # restart times, whole seconds, newest first
        self.label = f"{name if name is not None else _self()} ({_module_name(module)})"

    @property
    def simple(self) -> bool:
        return self.flags.strategy == "simple_one_for_one"

    # -- reports -----------------------------------------------------------
    def _report(self, kind, context, child=None, pid=None, reason=None, extra=""):
        parts = [f"={kind} REPORT==== t={now():.3f} supervisor {self.label} {context}:"]
        if child is not None:
            cid = UNDEFINED if self.simple else child.spec.id
            parts.append(f"id={cid if isinstance(cid, str) else repr(cid)}")
        if pid is not None:
            parts.append(f"pid={pid}")
        if reason is not None:
            parts.append(f"reason={format_reason(reason)}")
        if extra:
            parts.append(extra)
        error_report(" ".join(parts))

    # -- lookups -----------------------------------------------------------
    def child(self, cid) -> _Child | None:
        return self.children.get(_key(cid))

    def by_pid(self, pid) -> _Child | None:
        """The running child with this pid, if any."""
        if self.simple:
            c = self.dynamic.get(pid)
            return c if c is not None and c.state is ChildState.RUNNING else None
        for cid in self.ids:
            c = self.children[_key(cid)]
            if c.state is ChildState.RUNNING and c.pid == pid:
                return c
        return None

    def in_order(self) -> list[_Child]:
        """All static children, in start order."""
        return [self.children[_key(cid)] for cid in self.ids]

    def save(self, child: _Child):
        self.ids.append(child.spec.id)
        self.children[_key(child.spec.id)] = child

    def remove(self, child: _Child):
        cid = child.spec.id
        self.ids = [i for i in self.ids if _key(i) != _key(cid)]
        del self.children[_key(cid)]

    def del_child(self, child: _Child):
        """A child is gone for good: temporary specs vanish, others stay stopped."""
        if self.simple:
            self.dynamic.pop(child.pid, None)
        elif child.spec.restart == "temporary":
            self.remove(child)
        else:
            child.stopped()

    # -- starting ----------------------------------------------------------
    async def start_children(self, specs) -> object:
        """Start ``specs`` left to right; on failure return OTP's abort term."""
        for spec in specs:
            res = await _apply_start(spec.start)
            if res[0] == "error":
                self._report("SUPERVISOR", "start_error", _Child(spec), reason=res[1])
                return ("failed_to_start_child", spec.id, res[1])
            if res[1] is None and spec.restart == "temporary":
                continue
            child = _Child(spec)
            child.started(res[1])
            self.save(child)
        return None

    # -- a child died ---------------------------------------------------------
    async def child_exited(self, pid, reason) -> bool:
        """Handle an EXIT from a child; False means: shut the supervisor down."""
        child = self.by_pid(pid)
        if child is None:
            return True                     # not (or no longer) ours
        restart, report = restart_decision(child.spec.restart, reason)
        if report:
            self._report("SUPERVISOR", "child_terminated", child, pid, reason)
        if restart:
            return await self.restart(child)
        self.del_child(child)
        return not self.auto_shutdown(child)

    def auto_shutdown(self, child: _Child) -> bool:
        """Does this child's end for good shut the supervisor down? (items 68-69)"""
        mode = self.flags.auto_shutdown
        if mode == "never" or not child.spec.significant:
            return False
        if mode == "any_significant":
            return True
        if self.simple:
            return not self.dynamic
        return not any(c.spec.significant and c.state is not ChildState.UNDEFINED
                       for c in self.in_order())

    async def restart(self, child: _Child) -> bool:
        """Count a restart and restart by strategy; False: intensity exceeded."""
        self.restarts = add_restart(self.restarts, math.floor(now()), self.flags.period)
        if len(self.restarts) > self.flags.intensity:
            self._report("SUPERVISOR", "shutdown", child,
                         reason="reached_max_restart_intensity",
                         extra=f"(intensity {self.flags.intensity} in "
                               f"{self.flags.period} s)")
            self.del_child(child)
            return False
        strategy = self.flags.strategy
        if strategy == "simple_one_for_one":
            retry = await self._restart_dynamic(child)
        elif strategy == "one_for_one":
            retry = await self._restart_one(child)
        else:
            if strategy == "one_for_all":
                group = list(self.ids)
            else:                                   # rest_for_one
                at = [_key(i) for i in self.ids].index(_key(child.spec.id))
                group = self.ids[at:]
            retry = await self._restart_group(child, group)
        if retry is not None:
            gen_server.cast(_self(), ("try_again_restart", retry))
        return True

    async def _restart_one(self, child: _Child):
        res = await _apply_start(child.spec.start)
        if res[0] == "error":
            child.retrying()
            self._report("SUPERVISOR", "start_error", child, reason=res[1])
            return ("id", child.spec.id)
        child.started(res[1])
        self._restarted(child)
        return None

    async def _restart_dynamic(self, child: _Child):
        self.dynamic.pop(child.pid, None)
        res = await _apply_start(child.spec.start)
        if res[0] == "error":
            child.retrying()
            self.dynamic[child.pid] = child
            self._report("SUPERVISOR", "start_error", child, reason=res[1])
            return ("pid", child.pid)
        if res[1] is not None:
            new = _Child(child.spec)
            new.started(res[1])
            self.dynamic[res[1]] = new
            self._restarted(new)
        return None

    async def _restart_group(self, child: _Child, group: list):
        """one_for_all / rest_for_one: stop the group in reverse, start it in order."""
        child.stopped()
        await self.terminate_children([self.children[_key(i)] for i in group])
        for cid in group:
            c = self.child(cid)
            if c is None:                           # a temporary child: gone
                continue
            res = await _apply_start(c.spec.start)
            if res[0] == "error":
                c.retrying()
                self._report("SUPERVISOR", "start_error", c, reason=res[1])
                return ("id", cid)
            if res[1] is None and c.spec.restart == "temporary":
                self.remove(c)
                continue
            c.started(res[1])
            self._restarted(c)
        return None

    def _restarted(self, child: _Child):
        if child.state is ChildState.RUNNING:
            self._report("PROGRESS", "child_restarted", child, child.pid)

    async def try_again(self, key) -> bool:
        """A cast asked to retry a failed restart; False: give up (intensity)."""
        kind, value = key
        if kind == "pid":
            child = self.dynamic.get(value)
        else:
            child = self.child(value)
        if child is None or child.state is not ChildState.RESTARTING:
            return True                 # terminated or deleted meanwhile
        return await self.restart(child)

    # -- stopping --------------------------------------------------------------
    async def terminate_children(self, children: list[_Child]):
        """Stop ``children`` (given in start order) right to left."""
        for c in reversed(children):
            if c.state is ChildState.RUNNING:
                await self.shutdown(c)
            if c.spec.restart == "temporary":
                self.remove(c)
            else:
                c.stopped()

    async def shutdown(self, child: _Child):
        """Stop one child the OTP way: monitor, exit signal, wait, maybe kill."""
        pid, spec = child.pid, child.spec
        ref = monitor(pid)
        is_down = lambda m: type(m) is Down and m.ref == ref  # noqa: E731
        if spec.shutdown == "brutal_kill":
            exit(pid, "kill")
        else:
            exit(pid, "shutdown")
        msg = await receive(is_down, timeout=None if spec.shutdown == "brutal_kill"
                            else spec.shutdown)
        if msg is TIMEOUT:
            exit(pid, "kill")
            msg = await receive(is_down)
        reason = await _unlink_flush(pid, msg.reason)
        if not _shutdown_ok(spec, reason):
            self._report("SUPERVISOR", "shutdown_error", child, pid, reason)

    async def terminate_dynamic(self):
        """Stop all dynamic children at once, then wait for them (item 47)."""
        spec = self.template
        brutal = spec.shutdown == "brutal_kill"
        waiting = {}                                    # monitor ref -> pid
        early = {}                                      # pid -> reason it already died with
        # As OTP's monitor_child: monitor and unlink every child first, and take
        # the EXITs of children that died on their own; only then send the
        # signals.  No EXIT piles up behind the DOWNs, so shutting down N
        # children costs O(N), not O(N^2) mailbox scans.
        for c in list(self.dynamic.values()):
            if c.state is ChildState.RUNNING:
                waiting[monitor(c.pid)] = c.pid
                unlink(c.pid)
        pids = set(waiting.values())
        while (m := await receive(lambda m: type(m) is Exit and m.pid in pids,
                                  timeout=0)) is not TIMEOUT:
            early[m.pid] = m.reason
        for pid in waiting.values():
            exit(pid, "kill" if brutal else "shutdown")
        tag = make_ref()
        timer = None
        if not brutal and spec.shutdown is not None and waiting:
            timer = send_after(spec.shutdown, _self(), ("$shutdown_timeout", tag))
        is_timeout = lambda m: m == ("$shutdown_timeout", tag)  # noqa: E731
        errors: list = []                               # [(reason, [pids])]
        while waiting:
            msg = await receive(
                lambda m: (type(m) is Down and m.ref in waiting) or is_timeout(m))
            if type(msg) is Down:
                pid = waiting.pop(msg.ref)
                reason = early.get(pid, msg.reason)
                if not _shutdown_ok(spec, reason):
                    for r, pids in errors:
                        if r == reason:
                            pids.append(pid)
                            break
                    else:
                        errors.append((reason, [pid]))
            else:
                timer = None
                for pid in waiting.values():
                    exit(pid, "kill")
        if timer is not None:
            cancel_timer(timer)
            await receive(is_timeout, timeout=0)
        for reason, pids in errors:
            self._report("SUPERVISOR", "shutdown_error", reason=reason,
                         extra=f"nb_children={len(pids)}")
        self.dynamic.clear()

    async def terminate_all(self):
        if self.simple:
            await self.terminate_dynamic()
        else:
            await self.terminate_children(self.in_order())


def _shutdown_ok(spec: ChildSpec, reason) -> bool:
    """Is this the exit we asked for?  (otherwise OTP reports a shutdown_error)"""
    expected = "killed" if spec.shutdown == "brutal_kill" else "shutdown"
    if type(reason) is str and reason == expected:
        return True
    return spec.restart != "permanent" and is_clean(reason)


async def _unlink_flush(pid, default):
    """Unlink a dead child and take its EXIT, if any: its reason wins."""
    unlink(pid)
    msg = await receive(lambda m: type(m) is Exit and m.pid == pid, timeout=0)
    return default if msg is TIMEOUT else msg.reason


def _module_name(module) -> str:
    if isinstance(module, str):
        return module
    return getattr(module, "__name__", None) or type(module).__name__


def _load(module):
    """Register the user's callback module with the code server, as gen_server does.

    A class or a Python module is loaded under its name (so a later
    ``code.load(name, NewVersion)`` is what ``code_change`` runs); a string
    names an already loaded module; any other object is used as it is.
    """
    if isinstance(module, str):
        code.current(module)                # UndefinedModule if it was never loaded
        return module
    if hasattr(module, "__name__"):
        return code.server().ensure(module)
    return module


async def _user_init(module, arg):
    """Call the *current* version of the user's ``init(arg)`` (a qualified call)."""
    if isinstance(module, str):
        return await code.apply(module, "init", arg)
    return await _maybe_await(module.init(arg))


async def _maybe_await(x):
    return await x if inspect.isawaitable(x) else x
