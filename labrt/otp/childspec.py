"""Supervisor flags, child specs and the restart decision: the data, checked.

A supervisor is configured by data: :class:`SupFlags` (the strategy, the
restart intensity and period, auto_shutdown) and one :class:`ChildSpec` per
child (how to start it, when to restart it, how long to wait when stopping
it).  This module holds that data and checks it the way OTP's
``supervisor:check_childspecs/1`` does, with OTP's error terms
(:class:`InvalidSpec`), so that a wrong spec fails when the supervisor
starts, not when a child first dies.

It also holds the supervisor's two pure functions, kept apart so that they
can be read (and tested) as tables: :func:`restart_decision` (what a child's
restart type makes of its exit reason) and :func:`add_restart` (the sliding
window that restart intensity counts in, whole seconds, inclusive, exactly
like OTP's).  Nothing here runs a process; :mod:`labrt.otp.supervisor`
re-exports every public name.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

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
