"""The code server: named modules, two versions each, and hot upgrade.

Erlang runs code by *module name*.  Loading a new version of a module keeps
the previous one as the *old* version, so processes that are in the middle
of running it can finish; a module never has more than two versions
(otp-semantics items 93-95).  labrt copies this with Python classes (or
modules, or any namespace object) loaded under a name::

    code.load("counter", CounterV1)        # version 1, current
    code.load("counter", CounterV2)        # version 2 current, version 1 old

Where a process is
------------------
Erlang decides which version a process runs by the *kind of call*:

* a **fully qualified** call ``counter:loop(N)`` goes to the current version;
* a **local** call ``loop(N)`` stays in the version that is running.

Python has no such distinction, so labrt makes the qualified call explicit:
``await code.apply("counter", "loop", n)`` looks the function up in the
current version and records that this process is now running that version.
Anything else (``self.loop(n)``, a ``while`` loop) is a local call: the
process stays where it is.  The process leaves the version when the call
returns.  A ``return await code.apply(...)`` is treated like Erlang's tail
call: while the inner call runs, the process counts as being only in the
version it jumped to, not in the one that is waiting for the return.

A gen_server works the same way: the generic loop calls each callback fully
qualified, so an idle server is in no version at all, and loading new code
makes the *next* callback run the new code on the old state (item 93).  That
is why an upgrade suspends the server first and converts the state with
``sys.change_code`` before resuming it; :func:`rolling_upgrade` does this.

Purging
-------
Loading a third version first purges the old one: processes still running
it are killed with reason ``"killed"`` (item 95).  :func:`purge` does the
same explicitly; :func:`soft_purge` refuses (returns False) while any process
still runs old code.

One code server per runtime
---------------------------
The code server is not a global: it lives in the runtime's ``ext`` slots,
so two runtimes in one notebook never see each other's modules.  Inside a
process the functions find the runtime themselves; from a notebook cell pass
``rt=``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import labrt
from labrt import LabrtError, NotInProcess

__all__ = [
    "CodeServer", "UndefinedModule", "Version", "apply", "current", "is_loaded", "load", "old",
    "purge", "rolling_upgrade", "server", "soft_purge", "spawn", "spawn_link", "users",
    "versions",
]


class UndefinedModule(LabrtError):
    """A module name that was never loaded (Erlang's ``undef``)."""


@dataclass(eq=False)
class Version:
    """One loaded version of a module.  ``obj`` is the class or module."""
    number: int
    obj: object

    def target(self):
        """What functions are looked up on: an instance for a class."""
        return self.obj() if isinstance(self.obj, type) else self.obj

    def __repr__(self):
        return f"<Version {self.number} {getattr(self.obj, '__name__', self.obj)!s}>"


@dataclass(eq=False)
class _Module:
    name: str
    versions: list = field(default_factory=list)   # [current] or [current, old]
    counter: int = 0


class CodeServer:
    """The modules of one runtime and which process runs which version.

    ``running[pid][name]`` is the version of module ``name`` that ``pid`` is
    executing right now (set by :func:`apply` and by gen_server around each
    callback).  Entries are removed when the call returns, also when the
    process is killed in the middle of it, so the table holds only live work.
    """

    def __init__(self, rt):
        self.rt = rt
        self.modules: dict[str, _Module] = {}
        self.running: dict = {}

    # -- versions ------------------------------------------------------------
    def load(self, name: str, obj) -> int:
        if not isinstance(name, str) or not name:
            raise labrt.BadArg(f"code.load: a module name must be a non-empty string, got {name!r}")
        mod = self.modules.get(name)
        if mod is None:
            mod = self.modules[name] = _Module(name)
        if len(mod.versions) == 2:
            self.purge(name)                    # item 95: at most two versions
        mod.counter += 1
        mod.versions.insert(0, Version(mod.counter, obj))
        return mod.counter

    def current(self, name: str) -> Version:
        mod = self.modules.get(name)
        if mod is None or not mod.versions:
            raise UndefinedModule(f"module {name!r} is not loaded: call "
                                  f"code.load({name!r}, cls) first")
        return mod.versions[0]

    def old(self, name: str):
        mod = self.modules.get(name)
        return mod.versions[1] if mod is not None and len(mod.versions) == 2 else None

    def ensure(self, obj) -> str:
        """The module name for a class given to gen_server.start; load it if new."""
        name = obj.__name__
        mod = self.modules.get(name)
        if mod is None or not mod.versions:
            self.load(name, obj)
        elif not any(v.obj is obj for v in mod.versions):
            raise LabrtError(
                f"a different class named {name!r} is already loaded in this runtime. "
                f"To upgrade to the new one, call code.load({name!r}, cls) (and "
                f"sys.change_code on running servers); otherwise give the class "
                f"another name")
        return name

    # -- who runs what -------------------------------------------------------
    def enter(self, pid, name: str):
        """``pid`` starts running the current version of ``name``.

        Returns ``(version, token)``; pass the token to :meth:`leave`.
        """
        v = self.current(name)
        mods = self.running.get(pid)
        if mods is None:
            mods = self.running[pid] = {}
        prev = mods.get(name)
        mods[name] = v
        return v, prev

    def leave(self, pid, name: str, prev):
        """Undo :meth:`enter`.  Plain dictionary work only: this also runs
        while a killed process unwinds, when no labrt call is allowed."""
        mods = self.running.get(pid)
        if mods is None:
            return
        if prev is None:
            mods.pop(name, None)
            if not mods:
                del self.running[pid]
        else:
            mods[name] = prev

    def users(self, version) -> list:
        """Live processes running ``version``, in pid order."""
        return sorted(pid for pid, mods in self.running.items()
                      if version in mods.values() and self.rt.is_alive(pid))

    # -- purging -------------------------------------------------------------
    def purge(self, name: str) -> bool:
        """Drop the old version, killing its users; True if any was killed."""
        old = self.old(name)
        if old is None:
            return False
        victims = self.users(old)
        self.modules[name].versions.pop()
        for pid in victims:
            _kill(self.rt, pid)
        return bool(victims)

    def soft_purge(self, name: str) -> bool:
        old = self.old(name)
        if old is None:
            return True
        if self.users(old):
            return False
        self.modules[name].versions.pop()
        return True


def _kill(rt, pid):
    try:
        labrt.exit(pid, "kill")            # from inside a process (maybe itself)
    except NotInProcess:
        rt.exit(pid, "kill")               # from a notebook cell


_SLOT = "labrt.code"


def server(rt=None) -> CodeServer:
    """The code server of ``rt`` (default: the runtime of the calling process)."""
    if rt is None:
        rt = labrt.current_runtime()
    cs = rt.ext.get(_SLOT)
    if cs is None:
        cs = rt.ext[_SLOT] = CodeServer(rt)
    return cs


# ---------------------------------------------------------------------------
# The public API.  Each function takes ``rt=`` for use from a notebook cell.

def load(name: str, obj, *, rt=None) -> int:
    """Load ``obj`` (a class or module) as the new current version of ``name``.

    Returns the new version number (1, 2, ...).  If two versions exist
    already, the old one is purged first: its processes are killed.
    """
    return server(rt).load(name, obj)


def current(name: str, *, rt=None):
    """The class or module that is the current version of ``name``."""
    return server(rt).current(name).obj


def old(name: str, *, rt=None):
    """The old version of ``name``, or None."""
    v = server(rt).old(name)
    return v.obj if v is not None else None


def is_loaded(name: str, *, rt=None) -> bool:
    mod = server(rt).modules.get(name)
    return mod is not None and bool(mod.versions)


def versions(name: str, *, rt=None) -> list:
    """``[(number, obj), ...]``, current first."""
    mod = server(rt).modules.get(name)
    return [(v.number, v.obj) for v in mod.versions] if mod else []


def users(name: str, *, rt=None) -> dict:
    """Which live processes run which version: ``{"current": [...], "old": [...]}``."""
    cs = server(rt)
    mod = cs.modules.get(name)
    out = {"current": [], "old": []}
    if mod:
        for key, v in zip(("current", "old"), mod.versions):
            out[key] = cs.users(v)
    return out


def purge(name: str, *, rt=None) -> bool:
    """Remove the old version, killing processes that still run it (``"killed"``).

    Returns True if a process was killed.
    """
    return server(rt).purge(name)


def soft_purge(name: str, *, rt=None) -> bool:
    """Remove the old version only if no process runs it; else return False."""
    return server(rt).soft_purge(name)


async def apply(name: str, function: str, *args):
    """The fully qualified call ``name:function(*args)``: run the *current* version.

    While the call runs, this process counts as running that version (so a
    purge of it kills the process); afterwards it is back where it was.
    """
    cs = server()
    pid = labrt.self()
    version, prev = cs.enter(pid, name)
    try:
        result = getattr(version.target(), function)(*args)
        if inspect.isawaitable(result):
            result = await result
        return result
    finally:
        cs.leave(pid, name, prev)


def _entry(name: str, function: str):
    async def run(*args):
        return await apply(name, function, *args)
    run.__qualname__ = run.__name__ = f"{name}:{function}"
    return run


def spawn(name: str, function: str, *args):
    """Start a process running ``name:function(*args)`` in the current version."""
    server()                 # fail here, in the caller, outside a process
    return labrt.spawn(_entry(name, function), *args)


def spawn_link(name: str, function: str, *args):
    """Like :func:`spawn`, linked to the caller."""
    return labrt.spawn_link(_entry(name, function), *args)


# ---------------------------------------------------------------------------

async def rolling_upgrade(servers, name: str, new_cls, extra=None, *, old_vsn=None,
                          timeout=5.0) -> list:
    """Upgrade the gen_servers ``servers`` that run module ``name`` to ``new_cls``.

    The release-handler recipe (items 90-93), with each server back in
    service as soon as its own state is converted:

    1. suspend every server, one at a time (a suspended server keeps
       queueing calls and casts; callers simply wait);
    2. load ``new_cls`` as the new current version of ``name``;
    3. for each server in turn: ``sys.change_code`` (its ``code_change``
       converts the state) and ``sys.resume``; the messages it queued are
       then handled by the new code on the new state.

    All servers are suspended *before* the load because a gen_server looks
    each callback up in the current version: a server still running after
    the load would call the new callbacks with its old state (item 93).

    ``old_vsn`` (given to ``code_change``) defaults to the old class's
    ``vsn`` attribute, else its version number.  Returns a list of
    ``(server, result)`` in the order given, where result is ``"ok"`` or
    ``("error", reason)``.  A server that fails is reported and the others
    are still upgraded.
    """
    from . import sys as labsys

    cs = server()
    before = cs.current(name)
    if old_vsn is None:
        old_vsn = getattr(before.obj, "vsn", before.number)
    results = {}
    suspended = []
    for s in servers:
        try:
            await labsys.suspend(s, timeout)
            suspended.append(s)
        except labrt.ProcessExit as e:
            results[s] = ("error", _why(e.reason))
    cs.load(name, new_cls)
    for s in suspended:
        try:
            result = await labsys.change_code(s, name, old_vsn, extra, timeout)
            await labsys.resume(s, timeout)
        except labrt.ProcessExit as e:
            result = ("error", _why(e.reason))
        results[s] = result
    return [(s, results[s]) for s in servers]


def _why(reason):
    """The Reason of a failed call's ``(Reason, (module, function, args))``."""
    if type(reason) is tuple and len(reason) == 2 and type(reason[1]) is tuple:
        return reason[0]
    return reason
