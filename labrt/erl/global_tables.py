"""global's two tables on a labrt node: locks, and the global names it was told of.

:class:`Locks` is global.erl's ``global_locks`` (with ``global_pid_ids``):
a resource id maps to one requester id and the set of pids that hold the
lock under it.  ``{set_lock, {Res, Req}}`` from a pid succeeds when the
resource is free or held under the same requester id (the pid joins the
holders), and fails when another requester holds it; ``{del_lock, Id}``
takes the pid out, and the lock goes with its last holder.  Each holder is
monitored, so a holder that dies, or whose node goes down (a monitor of a
remote pid fires ``noconnection``), lets go without asking: global's rule
that a lock never outlives its holders.  The locker reads the table
(``can_set``, ``is_set``) as global's locker reads the ETS table; only the
server changes it.

:class:`NameTable` is the server's half for global names.  labrt processes
register none, but a node of a BEAM cluster must still keep the cluster's:
it is told of them in a sync session (``exchange``, ``resolved``,
``new_nodes``: operations ``{insert, {Name, Pid, Method}}`` and ``{delete,
Name}``) and by a BEAM registrar's ``{register, ...}`` calls, and it offers
them in its own sessions.  A name's resolve ``Method`` is an Erlang fun,
kept opaque and sent back as it came, never called: on a clash the smaller
node keeps the other side's registration and logs it (what global does when
the resolve call fails).  Each name's pid is monitored; a name goes when its
process does.
"""
from __future__ import annotations

import labrt

from . import global_proto as P

MAX_LOCKS = 10000           # lock holders a peer can make this node keep


class Locks:
    """global_locks: resource id -> [requester id, {pid: monitor ref}]."""

    def __init__(self):
        self.table: dict = {}
        self.by_ref: dict = {}          # monitor ref -> (resource, pid)

    def can_set(self, lid):
        res, req = lid
        e = self.table.get(res)
        if e is None:
            return (True, {})
        return (True, e[1]) if e[0] == req else False

    def is_set(self, res) -> bool:
        return res in self.table

    def set(self, lid, pid) -> bool:
        ok = self.can_set(lid)
        if ok is False or len(self.by_ref) >= MAX_LOCKS:
            return False
        if pid not in ok[1]:
            ref = labrt.monitor(pid)
            self.table.setdefault(lid[0], [lid[1], {}])[1][pid] = ref
            self.by_ref[ref] = (lid[0], pid)
        return True

    def delete(self, lid, pid):
        e = self.table.get(lid[0])
        if e is not None and e[0] == lid[1]:
            self._remove(lid[0], pid)

    def down(self, ref, pid) -> bool:
        """A holder died (or its node went down); True if that released global's lock."""
        what = self.by_ref.get(ref)
        if what is None or what[1] != pid:
            return False
        self._remove(*what, demonitor=False)
        return what[0] == P.GLOBAL_RID and what[0] not in self.table

    def _remove(self, res, pid, demonitor=True):
        e = self.table[res]
        ref = e[1].pop(pid, None)
        if ref is not None:
            self.by_ref.pop(ref, None)
            if demonitor:
                labrt.demonitor(ref, flush=True)
        if not e[1]:
            del self.table[res]


class NameTable:
    """The name half of :class:`~labrt.erl.global_server.Server` (a mixin)."""

    def ins_name(self, name, pid, method):
        self.del_name(name)
        if len(self.names) >= P.MAX_NAMES:
            self.log(f"labrt.erl: global_name_server on {self.me} holds {P.MAX_NAMES} names; "
                     f"not adding {_short(name)}")
            return
        ref = labrt.monitor(pid)
        self.names[name] = (pid, method, ref)
        self.name_refs[ref] = name

    def del_name(self, name):
        e = self.names.pop(name, None)
        if e is not None:
            self.name_refs.pop(e[2], None)
            labrt.demonitor(e[2], flush=True)

    def name_list(self):
        return [(n, pid, method) for n, (pid, method, _r) in self.names.items()]

    def down(self, ref, pid):
        """A DOWN: the process (or the node) of a lock holder or a name is gone."""
        if self.locks.down(ref, pid):
            self.global_lock_down = True
        name = self.name_refs.get(ref)
        if name is not None and self.names[name][0] == pid:
            del self.name_refs[ref]
            del self.names[name]

    def do_ops(self, ops, extra):
        lid = _extra_lock(extra)
        for op in ops:
            if op[0] == "insert":
                name, pid, method = op[1]
                self.ins_name(name, pid, method)
                if not self.lock_still_set(lid):
                    self.del_name(name)
            else:
                self.del_name(op[1])

    def lock_still_set(self, lid):
        e = self.locks.table.get(P.GLOBAL_RID)
        if e is not None:
            return lid is not None and e[0] == lid[1]
        return not self.global_lock_down

    def exchange_names(self, names, node):
        ops, resolved = [], []
        for name, pid, method in names:
            mine = self.names.get(name)
            if mine is None:
                ops.append(("insert", (name, pid, method)))
            elif mine[0] != pid and self.me < node:
                # global calls the name's resolve fun here; labrt cannot run it
                self.log(f"labrt.erl: global name {_short(name)} is registered in both "
                         f"partitions ({mine[0]!r} here, {pid!r} at {node}); keeping {node}'s")
                ops.append(("insert", (name, pid, method)))
        return ops, resolved


def _extra_lock(extra):
    for e in extra if type(extra) is list else ():
        if type(e) is tuple and len(e) == 2 and e[0] == "lock":
            return P.lock_id(e[1])
    return None


def _short(x, n=200):
    r = repr(x)
    return r if len(r) <= n else r[:n] + "..."
