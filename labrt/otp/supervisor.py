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

The module is in three parts, each readable in one sitting:
:mod:`labrt.otp.childspec` (flags, specs, their checks and the restart
decision), :mod:`labrt.otp.sup_children` (the child table and the start,
restart and stop procedures) and this one (the gen_server callbacks, the
administration requests and the public API).  Every public name is here.
"""
from __future__ import annotations

from dataclasses import replace

from .. import Exit, Pid, error_report, is_alive, now, trap_exit
from . import gen_server
from .childspec import (  # noqa: F401  (re-exported: supervisor's public names, tests)
    AUTO_SHUTDOWN, CHILD_TYPES, RESTART_TYPES, STRATEGIES, UNDEFINED, ChildSpec, InvalidSpec,
    SupFlags, _check_childspec, _check_flags, _check_startspec, _key, add_restart, check_childspecs,
    is_clean, restart_decision,
)
from .sup_children import (  # noqa: F401
    ChildState, _Child, _Sup, _apply_start, _load, _module_name, _shown_pid, _user_init,
)

__all__ = [
    "ChildSpec", "SupFlags", "ChildState", "InvalidSpec", "Supervisor",
    "start_link", "start_child", "terminate_child", "restart_child",
    "delete_child", "which_children", "count_children", "get_childspec",
    "get_flags", "check_childspecs", "restart_decision",
]


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
