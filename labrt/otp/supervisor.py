"""labrt.supervisor: OTP's supervisor, written as a gen_server callback module.

A supervisor is an ordinary process.  It traps exits, starts its children
(each start function *links* the child to it), and then waits.  When a child
dies, the EXIT message arrives in ``handle_info`` and one function,
:func:`restart_decision`, says what the child's restart type makes of the
exit reason.  The strategy says which children go down with it; the
restart intensity says when to give up.  Administration requests
(``start_child``, ``which_children``, ...) are plain gen_server calls.

Everything here follows OTP's ``supervisor.erl`` (OTP 25/26), and the
return values are OTP's terms in Python spelling: atoms are strings, tuples
are tuples, Erlang's ``undefined`` is the string ``"undefined"``.  Times are
seconds: a worker's default shutdown is ``5.0`` and ``None`` is infinity.

The child table
---------------
Static children live in ``_Sup.children`` (id -> :class:`_Child`) and
``_Sup.ids`` (the ids in *start* order; OTP keeps the reverse, which is why
``which_children`` lists the newest child first).  A
``simple_one_for_one`` supervisor keeps one template spec and a dict of
dynamic children keyed by pid; ``which_children`` lists them as OTP 25 does,
oldest first (ascending pid), with restarting children last.

Each child is in one of three explicit states (:class:`ChildState`):

* ``RUNNING``: ``pid`` is the child's pid (it may be dying; its EXIT is then
  on the way);
* ``RESTARTING``: a restart failed and is being retried (``which_children``
  shows ``"restarting"``); for a dynamic child ``pid`` is the old pid, which
  is its key;
* ``UNDEFINED``: stopped, spec kept; ``pid`` is ``None``.

Only :meth:`_Child.started`, :meth:`_Child.retrying` and
:meth:`_Child.stopped` change a child's state.

Restarts that fail are retried through a cast to the supervisor itself, so
calls queued meanwhile (a ``terminate_child``, a shutdown) are served between
attempts, as in OTP.  Each attempt counts toward the intensity.

The intensity window uses whole seconds of the runtime's clock and is
inclusive, exactly like OTP's ``add_restart``: a restart at second ``R`` is
still remembered at second ``Now`` while ``R >= Now - Period``.
"""
from __future__ import annotations

import enum
import inspect
import math
from dataclasses import dataclass, fields, replace

from .. import (
    TIMEOUT, Down, Exit, Pid, ProcessExit, cancel_timer, error_report, exit,
    format_reason, is_alive, make_ref, monitor, now, receive, send_after,
    trap_exit, unlink,
)
from .. import self as _self
from . import code, gen_server

__all__ = [
    "ChildSpec", "SupFlags", "ChildState", "InvalidSpec", "Supervisor",
    "start_link", "start_child", "terminate_child", "restart_child",
    "delete_child", "which_children", "count_children", "get_childspec",
    "get_flags", "check_childspecs", "restart_decision",
]

STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one")
RESTART_TYPES = ("permanent", "transient", "temporary")
AUTO_SHUTDOWN = ("never", "any_significant", "all_significant")
CHILD_TYPES = ("worker", "supervisor")
UNDEFINED = "undefined"


# ---------------------------------------------------------------------------
# Flags and child specs

class _Default:
    """Marks a field left at its default (the default depends on other fields)."""

    def __repr__(self):
        return "<default>"


_DEFAULT = _Default()


@dataclass(frozen=True)
class SupFlags:
    """How a supervisor restarts: OTP's sup_flags map with its defaults."""
    strategy: str = "one_for_one"
    intensity: int = 1
    period: int = 5
    auto_shutdown: str = "never"


@dataclass(frozen=True)
class ChildSpec:
    """One child: OTP's child_spec map with its defaults.

    ``start`` is ``(function, args)``; the function (plain or ``async``) must
    start a process *linked* to the caller (the supervisor) and return
    ``("ok", pid)``, ``("ok", pid, info)``, ``"ignore"`` or ``("error", R)``.
    ``shutdown`` is seconds, ``"brutal_kill"`` or ``None`` (infinity); by
    default 5.0 for a worker and ``None`` for a supervisor.  ``modules``
    defaults to ``(M,)`` where M names the callback module: the class passed
    as the first start argument (as in ``(gen_server.start_link, (Counter, 0))``),
    else the start function's module.

    Constructing a spec checks nothing; :func:`check_childspecs` and the
    supervisor do, and answer with OTP's error terms.
    """
    id: object
    start: tuple
    restart: str = "permanent"
    significant: bool = False
    shutdown: object = _DEFAULT
    type: str = "worker"
    modules: object = None

    def __post_init__(self):
        if self.shutdown is _DEFAULT:
            default = None if self.type == "supervisor" else 5.0
            object.__setattr__(self, "shutdown", default)
        elif self.shutdown == "infinity":
            object.__setattr__(self, "shutdown", None)
        start = self.start
        if type(start) is list:
            start = tuple(start)
        if type(start) is tuple and len(start) == 2 and type(start[1]) is list:
            start = (start[0], tuple(start[1]))
        object.__setattr__(self, "start", start)
        if self.modules is None:
            object.__setattr__(self, "modules", _default_modules(start))
        elif type(self.modules) is list:
            object.__setattr__(self, "modules", tuple(self.modules))

    @classmethod
    def from_dict(cls, d: dict) -> "ChildSpec":
        """A spec from an OTP-style map; unknown keys are ignored."""
        if "id" not in d:
            raise InvalidSpec("missing_id")
        if "start" not in d:
            raise InvalidSpec("missing_start")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _default_modules(start) -> tuple:
    if type(start) is not tuple or len(start) != 2:
        return ()
    fn, args = start
    if isinstance(args, tuple) and args and isinstance(args[0], type):
        return (args[0].__name__,)
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type):
        return (owner.__name__,)
    return (getattr(fn, "__module__", None) or repr(fn),)


class InvalidSpec(ValueError):
    """A bad flag or child spec; ``term`` is OTP's error term for it."""

    def __init__(self, term):
        super().__init__(term)
        self.term = term


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_flags(flags) -> SupFlags:
    """Validate supervisor flags (a SupFlags, a dict or OTP's old 3-tuple)."""
    if isinstance(flags, dict):
        known = {f.name for f in fields(SupFlags)}
        flags = SupFlags(**{k: v for k, v in flags.items() if k in known})
    elif type(flags) is tuple and len(flags) == 3:
        flags = SupFlags(*flags)
    elif not isinstance(flags, SupFlags):
        raise InvalidSpec(("invalid_type", flags))
    if flags.strategy not in STRATEGIES:
        raise InvalidSpec(("invalid_strategy", flags.strategy))
    if not (_is_count(flags.intensity) and flags.intensity >= 0):
        raise InvalidSpec(("invalid_intensity", flags.intensity))
    if not (_is_count(flags.period) and flags.period > 0):
        raise InvalidSpec(("invalid_period", flags.period))
    if flags.auto_shutdown not in AUTO_SHUTDOWN:
        raise InvalidSpec(("invalid_auto_shutdown", flags.auto_shutdown))
    return flags


def _check_childspec(spec, auto_shutdown) -> ChildSpec:
    """Validate one child spec, in OTP's order; raise InvalidSpec(term)."""
    if isinstance(spec, dict):
        spec = ChildSpec.from_dict(spec)
    elif not isinstance(spec, ChildSpec):
        raise InvalidSpec(("invalid_child_spec", spec))
    start = spec.start
    if not (type(start) is tuple and len(start) == 2 and callable(start[0])
            and type(start[1]) is tuple):
        raise InvalidSpec(("invalid_mfa", start))
    if spec.restart not in RESTART_TYPES:
        raise InvalidSpec(("invalid_restart_type", spec.restart))
    if spec.significant is True:
        if auto_shutdown == "never":
            raise InvalidSpec(("bad_combination",
                               [("auto_shutdown", "never"), ("significant", True)]))
        if spec.restart == "permanent":
            raise InvalidSpec(("bad_combination",
                               [("restart", "permanent"), ("significant", True)]))
    elif spec.significant is not False:
        raise InvalidSpec(("invalid_significant", spec.significant))
    if spec.type not in CHILD_TYPES:
        raise InvalidSpec(("invalid_child_type", spec.type))
    sd = spec.shutdown
    if not (sd is None or sd == "brutal_kill"
            or (isinstance(sd, (int, float)) and not isinstance(sd, bool) and sd >= 0)):
        raise InvalidSpec(("invalid_shutdown", sd))
    mods = spec.modules
    if mods != "dynamic":
        if type(mods) is not tuple:
            raise InvalidSpec(("invalid_modules", mods))
        for m in mods:
            if not isinstance(m, str):
                raise InvalidSpec(("invalid_module", m))
    return spec


def _check_startspec(specs, auto_shutdown) -> list[ChildSpec]:
    if not isinstance(specs, (list, tuple)):
        raise InvalidSpec(("invalid_child_specs", specs))
    seen, out = set(), []
    for s in specs:
        spec = _check_childspec(s, auto_shutdown)
        key = _key(spec.id)
        if key in seen:
            raise InvalidSpec(("duplicate_child_name", spec.id))
        seen.add(key)
        out.append(spec)
    return out


def _key(x):
    """A hashable stand-in for a child id (ids may be any term)."""
    try:
        hash(x)
        return x
    except TypeError:
        return ("$unhashable", repr(x))


def check_childspecs(specs, auto_shutdown=None):
    """``"ok"`` or ``("error", term)``, like OTP's ``supervisor:check_childspecs``."""
    if not isinstance(specs, list):
        return ("error", ("badarg", specs))
    if auto_shutdown is not None and auto_shutdown not in AUTO_SHUTDOWN:
        return ("error", ("badarg", auto_shutdown))
    try:
        _check_startspec(specs, auto_shutdown)
    except InvalidSpec as e:
        return ("error", e.term)
    return "ok"


# ---------------------------------------------------------------------------
# The restart decision and the intensity window (pure functions)

def is_clean(reason) -> bool:
    """``normal``, ``shutdown`` and ``("shutdown", _)``: a child that meant to stop."""
    if type(reason) is str:
        return reason in ("normal", "shutdown")
    return type(reason) is tuple and len(reason) == 2 and reason[0] == "shutdown"


def restart_decision(restart: str, reason) -> tuple[bool, bool]:
    """What a child's exit means: ``(restart it?, report it?)``.

    This is OTP's ``do_restart/3`` as a table (items 48-50)::

        restart type   exit reason                    restart  report
        permanent      anything                       yes      yes
        transient      normal | shutdown | {shutdown,_}  no     no
        transient      anything else                  yes      yes
        temporary      normal | shutdown | {shutdown,_}  no     no
        temporary      anything else                  no       yes

    A child that is not restarted keeps its spec (pid ``undefined``), except a
    temporary child, whose spec is deleted.
    """
    if restart == "permanent":
        return True, True
    if is_clean(reason):
        return False, False
    return restart == "transient", True


def add_restart(restarts: list[int], now_s: int, period: int) -> list[int]:
    """OTP's add_restart: the new restart list, newest first.

    ``now_s`` is the clock in whole seconds; restarts older than
    ``now_s - period`` are forgotten (the window is inclusive).
    """
    threshold = now_s - period
    kept = []
    for r in restarts:
        if r < threshold:
            break
        kept.append(r)
    return [now_s] + kept


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


# ---------------------------------------------------------------------------
# The gen_server callback module

class Supervisor:
    """Optional base class for a supervisor's callback module.

    Override ``init(self, arg)`` to return ``("ok", (flags, [child_specs]))``
    or ``"ignore"``.
    """

    def init(self, arg):
        raise NotImplementedError("a supervisor callback module must define init(arg)")


class _SupervisorServer(gen_server.GenServer):
    """The generic part: OTP's supervisor.erl callbacks."""

    async def init(self, arg):
        name, module, user_arg = arg
        trap_exit(True)
        module = _load(module)
        res = await _user_init(module, user_arg)
        match res:
            case ("ok", (flags, specs)):
                pass
            case "ignore":
                return "ignore"
            case _:
                return ("stop", ("bad_return", (_module_name(module), "init", res)))
        try:
            flags = _check_flags(flags)
        except InvalidSpec as e:
            return ("stop", ("supervisor_data", e.term))
        sup = _Sup(name, module, user_arg, flags)
        if sup.simple:
            if not (isinstance(specs, (list, tuple)) and len(specs) == 1):
                return ("stop", ("bad_start_spec", specs))
        try:
            specs = _check_startspec(specs, flags.auto_shutdown)
        except InvalidSpec as e:
            return ("stop", ("start_spec", e.term))
        if sup.simple:
            sup.template = specs[0]
            return ("ok", sup)
        failure = await sup.start_children(specs)
        if failure is not None:
            await sup.terminate_children(sup.in_order())
            return ("stop", ("shutdown", failure))
        return ("ok", sup)

    async def handle_call(self, request, from_, sup: _Sup):
        match request:
            case ("start_child", arg):
                reply = await (_start_dynamic(sup, arg) if sup.simple
                               else _start_static(sup, arg))
            case ("terminate_child", key):
                reply = await _terminate_child(sup, key)
            case ("restart_child", cid):
                reply = await _restart_child(sup, cid)
            case ("delete_child", cid):
                reply = _delete_child(sup, cid)
            case ("get_childspec", key):
                reply = _get_childspec(sup, key)
            case "which_children":
                reply = _which_children(sup)
            case "count_children":
                reply = _count_children(sup)
            case "get_flags":
                reply = sup.flags
            case _:
                reply = ("error", ("badcall", request))
        return ("reply", reply, sup)

    async def handle_cast(self, msg, sup: _Sup):
        match msg:
            case ("try_again_restart", key):
                if not await sup.try_again(key):
                    return ("stop", "shutdown", sup)
        return ("noreply", sup)

    async def handle_info(self, msg, sup: _Sup):
        if type(msg) is Exit:
            if not await sup.child_exited(msg.pid, msg.reason):
                return ("stop", "shutdown", sup)
        else:
            error_report(f"=SUPERVISOR REPORT==== t={now():.3f} supervisor "
                         f"{sup.label} received unexpected message: {msg!r}")
        return ("noreply", sup)

    async def terminate(self, reason, sup: _Sup):
        await sup.terminate_all()

    async def code_change(self, old_vsn, sup: _Sup, extra):
        """Re-run init with the original argument and take the new flags and specs."""
        res = await _user_init(sup.module, sup.arg)
        match res:
            case "ignore":
                return ("ok", sup)
            case ("ok", (flags, specs)):
                pass
            case _:
                return ("error", ("bad_return", (_module_name(sup.module), "init", res)))
        try:
            flags = _check_flags(flags)
            specs = _check_startspec(specs, flags.auto_shutdown)
        except InvalidSpec as e:
            return ("error", e.term)
        sup.flags = flags
        if sup.simple:
            if len(specs) != 1:
                return ("error", ("bad_start_spec", specs))
            sup.template = specs[0]
            return ("ok", sup)
        new_ids, new_children = [], {}
        for spec in specs:                  # new specs keep the old child's pid
            old = sup.child(spec.id)
            c = _Child(spec, old.pid, old.state) if old else _Child(spec)
            new_ids.append(spec.id)
            new_children[_key(spec.id)] = c
        for cid in sup.ids:                 # children no longer in the spec stay
            if _key(cid) not in new_children:
                new_ids.append(cid)
                new_children[_key(cid)] = sup.child(cid)
        sup.ids, sup.children = new_ids, new_children
        return ("ok", sup)


# In OTP the generic callback module is called ``supervisor``; so it is here
# (it is the name the code server and process listings show).
_SupervisorServer.__name__ = _SupervisorServer.__qualname__ = "supervisor"


# -- admin requests (run inside the supervisor) ----------------------------------

async def _start_static(sup: _Sup, spec):
    try:
        spec = _check_childspec(spec, sup.flags.auto_shutdown)
    except InvalidSpec as e:
        return ("error", e.term)
    old = sup.child(spec.id)
    if old is not None:
        if old.state is ChildState.RUNNING:
            return ("error", ("already_started", old.pid))
        return ("error", "already_present")
    res = await _apply_start(spec.start)
    if res[0] == "error":
        return ("error", (res[1], spec))
    if res[1] is None and spec.restart == "temporary":
        return ("ok", UNDEFINED)
    child = _Child(spec)
    child.started(res[1])
    sup.save(child)
    return ("ok", _shown_pid(res[1])) + res[2:]


async def _start_dynamic(sup: _Sup, extra):
    if not isinstance(extra, (list, tuple)):
        return ("error", ("badarg", extra))
    fn, args = sup.template.start
    spec = replace(sup.template, start=(fn, tuple(args) + tuple(extra)))
    res = await _apply_start(spec.start)
    if res[0] == "error":
        return res
    if res[1] is None:
        return ("ok", UNDEFINED)
    child = _Child(spec)
    child.started(res[1])
    sup.dynamic[res[1]] = child
    return res


def _find(sup: _Sup, key) -> tuple[bool, _Child | None]:
    """OTP's find_child: (found?, child); a dead unknown pid counts as found."""
    if sup.simple and isinstance(key, Pid):
        c = sup.dynamic.get(key)
        if c is not None:
            return True, c
        return (not is_alive(key)), None
    if sup.simple:
        return (sup.template.id == key), None
    c = sup.child(key)
    return c is not None, c


async def _terminate_child(sup: _Sup, key):
    if sup.simple and not isinstance(key, Pid):
        return ("error", "simple_one_for_one")
    found, child = _find(sup, key)
    if not found:
        return ("error", "not_found")
    if child is not None:
        if child.state is ChildState.RUNNING:
            await sup.shutdown(child)
        sup.del_child(child)
    return "ok"


async def _restart_child(sup: _Sup, cid):
    if sup.simple:
        return ("error", "simple_one_for_one")
    child = sup.child(cid)
    if child is None:
        return ("error", "not_found")
    if child.state is ChildState.RESTARTING:
        return ("error", "restarting")
    if child.state is ChildState.RUNNING:
        return ("error", "running")
    res = await _apply_start(child.spec.start)
    if res[0] == "error":
        return res
    child.started(res[1])
    return ("ok", _shown_pid(res[1])) + res[2:]


def _delete_child(sup: _Sup, cid):
    if sup.simple:
        return ("error", "simple_one_for_one")
    child = sup.child(cid)
    if child is None:
        return ("error", "not_found")
    if child.state is ChildState.RESTARTING:
        return ("error", "restarting")
    if child.state is ChildState.RUNNING:
        return ("error", "running")
    sup.remove(child)
    return "ok"


def _get_childspec(sup: _Sup, key):
    found, child = _find(sup, key)
    if not found:
        return ("error", "not_found")
    return ("ok", child.spec if child is not None and not sup.simple else sup.template)


def _modules(spec: ChildSpec):
    return spec.modules if spec.modules == "dynamic" else list(spec.modules)


def _which_children(sup: _Sup) -> list:
    if sup.simple:
        # OTP 25 keeps dynamic children in a map keyed by pid (a restarting
        # child by {restarting, OldPid}, a tuple, which sorts after every pid),
        # so for a pool of up to 32 children which_children lists running
        # children in ascending pid order (oldest first) and restarting ones
        # last.  Larger OTP pools come back in hash order; labrt keeps this
        # order at every size.
        t = sup.template
        order = sorted(sup.dynamic.values(),
                       key=lambda c: (c.state is ChildState.RESTARTING, c.pid))
        return [(UNDEFINED, c.shown, t.type, _modules(t)) for c in order]
    return [(c.spec.id, c.shown, c.spec.type, _modules(c.spec))
            for c in reversed(sup.in_order())]


def _count_children(sup: _Sup) -> list:
    if sup.simple:
        size = len(sup.dynamic)
        active = sum(1 for c in sup.dynamic.values() if c.state is ChildState.RUNNING)
        sups = size if sup.template.type == "supervisor" else 0
        return [("specs", 1), ("active", active), ("supervisors", sups),
                ("workers", size - sups)]
    children = sup.in_order()
    active = sum(1 for c in children
                 if c.state is ChildState.RUNNING and is_alive(c.pid))
    sups = sum(1 for c in children if c.spec.type == "supervisor")
    return [("specs", len(children)), ("active", active), ("supervisors", sups),
            ("workers", len(children) - sups)]


# ---------------------------------------------------------------------------
# The public API

async def start_link(module, arg, name=None):
    """Start a supervisor linked to the caller; returns when all children run.

    ``module`` is the callback module (a class is instantiated once) whose
    ``init(arg)`` returns ``("ok", (flags, [child_specs]))`` or ``"ignore"``.
    Result: ``("ok", pid)``, ``"ignore"`` or ``("error", R)``, e.g.
    ``("error", ("shutdown", ("failed_to_start_child", id, R)))``.
    """
    return await gen_server.start_link(_SupervisorServer, (name, module, arg), name=name)


async def _call(sup, request):
    return await gen_server.call(sup, request, timeout=None)


async def start_child(sup, spec_or_args):
    """Add and start a child (a spec; for simple_one_for_one, a list of extra args)."""
    return await _call(sup, ("start_child", spec_or_args))


async def terminate_child(sup, id_or_pid):
    """Stop a child: ``"ok"`` or ``("error", "not_found" | "simple_one_for_one")``."""
    return await _call(sup, ("terminate_child", id_or_pid))


async def restart_child(sup, child_id):
    """Start a stopped child again: ``("ok", pid)`` or ``("error", R)``."""
    return await _call(sup, ("restart_child", child_id))


async def delete_child(sup, child_id):
    """Forget a stopped child's spec: ``"ok"`` or ``("error", R)``."""
    return await _call(sup, ("delete_child", child_id))


async def which_children(sup) -> list:
    """``[(id, pid | "restarting" | "undefined", type, modules)]``, newest first."""
    return await _call(sup, "which_children")


async def count_children(sup) -> list:
    """``[("specs", n), ("active", n), ("supervisors", n), ("workers", n)]``."""
    return await _call(sup, "count_children")


async def get_childspec(sup, id_or_pid):
    """``("ok", ChildSpec)`` with every default filled in, or ``("error", "not_found")``."""
    return await _call(sup, ("get_childspec", id_or_pid))


async def get_flags(sup) -> SupFlags:
    """The supervisor's flags (a labrt extension, used to draw trees)."""
    return await _call(sup, "get_flags")
