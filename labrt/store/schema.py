"""Schema changes that remove things, and forcing a table to load.

Design
------
``create_table`` and ``add_table_copy`` live in ``api.py``; this module
holds the calls that take copies away (``delete_table``,
``del_table_copy``) and ``force_load_table``, each in two halves: the
function a process calls (it checks, then sends the change to every
running db node, its own first) and the store server's handler for it
(mixed into :class:`~labrt.store.server.StoreServer` as
:class:`SchemaOps`), which changes that node's definitions, drops its
replica and files and records the new schema on its disk.

The checks and their error forms are Mnesia's (``mnesia_schema``, and
``tests/differential_store/`` shows them on OTP 25):

* ``delete_table("schema")`` is ``("aborted", ("bad_type", "schema"))``;
  an unknown table ``("aborted", ("no_exists", tab))``.
* ``del_table_copy`` of an unknown table is ``("aborted", ("no_exists",
  (tab, "cstruct")))`` (Mnesia's own odd form: it looks the table's
  cstruct up first), and of a node that holds no copy ``("aborted",
  ("badarg", tab, "unknown"))`` (``unknown`` is that node's storage type).
* Both need every copy of the table active (Mnesia's ``ensure_active``):
  otherwise ``("aborted", ("not_active", "All replicas on diskfull nodes
  are not active yet", tab, [nodes]))``, so that a node that is down
  cannot come back with a copy the others have forgotten.
* Deleting the last copy deletes the table.

A deleted table's entries may still sit in the node's transaction log;
the handler dumps the log first (the other disc tables reach their table
files and the log is emptied), so that a table created later under the
same name does not replay them at the next start.

``force_load_table(tab)`` is Mnesia's answer to a table that waits at
start (for a master node, or for a node with a newer copy that went down
after this one, see ``membership.py``): it loads the local copy now and
returns ``"yes"``; ``("error", ("no_exists", tab))`` for an unknown table.

**Simplification:** Mnesia runs these as schema transactions (a write
lock on the table, so they wait for the transactions using it); labrt
sends them to each running node in turn.  Transactions still running on
a deleted table end with ``no_exists`` at their next operation or at
commit on a node that no longer knows the table.
"""
from __future__ import annotations

import labrt
from labrt import gen_server

__all__ = ["SchemaOps", "del_table_copy", "delete_table", "force_load_table"]

SERVER = "labrt_store"                  # as server.py (which imports this module)
SLOT = "labrt.store"
NOT_ACTIVE = "All replicas on diskfull nodes are not active yet"


def _ns():
    ns = labrt.current_runtime().ext.get(SLOT)
    if ns is None:
        labrt.exit(("aborted", ("node_not_running", labrt.current_runtime().node_name)))
    return ns


def _dest(ns, n):
    return SERVER if n == ns.name else (SERVER, n)


def _inactive(ns, d):
    active = {n for n in ns.active(d.name) if n in ns.running}
    return [n for n in d.nodes() if n not in active]


async def _everywhere(ns, req):
    for n in [ns.name] + sorted(ns.running - {ns.name}):
        await gen_server.call(_dest(ns, n), req, None)
    return ("atomic", "ok")


async def delete_table(tab):
    """Delete ``tab`` and every copy of it: ``("atomic", "ok")`` or ``("aborted", why)``."""
    ns = _ns()
    if tab == "schema":
        return ("aborted", ("bad_type", "schema"))
    d = ns.defs.get(tab)
    if d is None:
        return ("aborted", ("no_exists", tab))
    missing = _inactive(ns, d)
    if missing:
        return ("aborted", ("not_active", NOT_ACTIVE, tab, missing))
    return await _everywhere(ns, ("delete_table", tab))


async def del_table_copy(tab, node):
    """Remove ``node``'s copy of ``tab`` (the last copy: the table goes)."""
    ns = _ns()
    d = ns.defs.get(tab)
    if d is None:
        if tab == "schema":
            return ("aborted", ("active", "Mnesia is running", node))
        return ("aborted", ("no_exists", (tab, "cstruct")))
    if d.copy_type(node) is None:
        return ("aborted", ("badarg", tab, "unknown"))
    missing = _inactive(ns, d)
    if missing:
        return ("aborted", ("not_active", NOT_ACTIVE, tab, missing))
    if d.nodes() == [node]:
        return await _everywhere(ns, ("delete_table", tab))
    return await _everywhere(ns, ("del_copy", tab, node))


async def force_load_table(tab):
    """Load ``tab`` here now from the local copy if it is waiting: ``"yes"``."""
    ns = _ns()
    if tab not in ns.defs:
        return ("error", ("no_exists", tab))
    return await gen_server.call(SERVER, ("force_load", tab), None)


class SchemaOps:
    """The store server's handlers for the calls above (see the module doc)."""

    def _drop_replica(self, ns, tab):
        r = ns.replicas.pop(tab, None)
        ns.loaded.discard(tab)
        ns.loading.pop(tab, None)
        if r is not None and hasattr(r, "destroy"):
            r.destroy()
        ns.disk.delete(tab + ".DCD")

    def _delete_table(self, ns, tab):
        if tab not in ns.defs:
            return "ok"
        self._dump(ns)                      # no entry of tab is left in the log
        self._drop_replica(ns, tab)
        del ns.defs[tab]
        ns.w2w.pop(tab, None)
        if ns.masters.pop(tab, None) is not None:
            ns.disk.replace("masters", [dict(ns.masters)])
        self._persist_schema(ns)
        self._wake_waiters(ns)
        return "ok"

    def _del_copy(self, ns, tab, node):
        d = ns.defs.get(tab)
        if d is None or d.copy_type(node) is None:
            return "ok"
        ns.defs[tab] = d = d.with_copy(node, None)
        ns.w2w.get(tab, set()).discard(node)
        if node == ns.name:
            self._dump(ns)
            self._drop_replica(ns, tab)
        else:
            r = ns.replicas.get(tab)
            if r is not None:
                r.defn = d
        self._persist_schema(ns)
        return "ok"

    def _force_load(self, ns, tab):
        if tab in ns.replicas and tab not in ns.loaded and ns.loading.get(tab) is None:
            ns.stats["forced"] = ns.stats.get("forced", 0) + 1
            self._loaded(ns, tab)
        return "yes"

    def schema_call(self, ns, req):
        kind = req[0]
        if kind == "delete_table":
            return self._delete_table(ns, req[1])
        if kind == "del_copy":
            return self._del_copy(ns, req[1], req[2])
        return self._force_load(ns, req[1])
