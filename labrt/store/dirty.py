"""Dirty operations: the store with no transaction and no locks.

Mnesia's ``dirty_*`` functions read and write a table's replicas directly.
They take no lock, so two dirty writes of one key may reach two replicas in
different orders, and a dirty read may see a transaction's commit on one
replica before it reaches another; in exchange each costs one call to one store
server instead of a lock round and a commit (:mod:`labrt.store.tx` is what
the locks buy).

A dirty write goes to every active replica of its table on a running node:
a call to one of them (this node's own if it holds a copy), so that the
caller returns ``"ok"`` once that replica has applied it, and a cast to each
of the others.  A majority table refuses the write unless more than half of
its copies are reachable.  A dirty read is answered by the local replica
when there is one, else by the first active replica's server; a match,
select or index read is the same read over the whole table (``TABLE`` as
the key).

Failures exit the caller with ``("aborted", reason)``, as in Mnesia:
``("no_exists", tab)`` for a table that is not there or has no active
replica, ``("node_not_running", node)`` when the store is not running here
or the replica's node went away during the call, ``("bad_type", record)``
for a record that does not fit its table, ``("no_majority", tab)``.

The two helpers at the top, the local node's store state (``_ns``) and the
address of a node's store server (``_dest``), are shared with the
transactions, which are built on the same calls.
"""
from __future__ import annotations

import labrt
from labrt import ProcessExit, gen_server

from .locks import TABLE
from .replica import match, run_select
from .server import SERVER, SLOT


def _ns():
    ns = labrt.current_runtime().ext.get(SLOT)
    return ns



def _dest(ns, node):
    return SERVER if node == ns.name else (SERVER, node)



def _dirty_fail(reason):
    labrt.exit(("aborted", reason))


async def _dirty_ops(tab, ops):
    ns = _ns()
    if ns is None:
        _dirty_fail(("node_not_running", labrt.current_runtime().node_name))
    d = ns.defs.get(tab)
    if d is None:
        _dirty_fail(("no_exists", tab))
    nodes = [n for n in ns.active(tab) if n in ns.running]
    if not nodes:
        _dirty_fail(("no_exists", tab))
    if d.majority and 2 * len(nodes) <= len(d.copies):
        _dirty_fail(("no_majority", tab))
    first = ns.name if ns.name in nodes else nodes[0]
    ops = [(tab, op) for op in ops]
    for n in nodes:
        if n != first:
            gen_server.cast(_dest(ns, n), ("dirty", ops))
    try:
        await gen_server.call(_dest(ns, first), ("dirty", ops), None)
    except ProcessExit:
        _dirty_fail(("node_not_running", first))
    return "ok"


async def dirty_write(record, table=None):
    """Write without locks or a transaction; replicated to every active replica."""
    ns = _ns()
    tab = table if table is not None else (record[0] if type(record) is tuple and record
                                           else None)
    d = ns.defs.get(tab) if ns is not None and type(tab) is str else None
    if d is not None and not d.is_record(record):
        _dirty_fail(("bad_type", record))
    return await _dirty_ops(tab, [("write", record)])


async def dirty_delete(tab, key):
    return await _dirty_ops(tab, [("delete", key)])


async def dirty_delete_object(record):
    return await _dirty_ops(record[0], [("delete_object", record)])


async def _dirty_get(tab, key, filt, what):
    ns = _ns()
    if ns is None or tab not in ns.defs:
        _dirty_fail(("no_exists", what))
    if tab in ns.loaded:
        r = ns.replicas[tab]
        if key != TABLE:
            return r.read(key)
        if filt[0] == "match":
            return [x for x in r.records() if match(filt[1], x) is not None]
        if filt[0] == "select":
            return run_select(filt[1], r.records())
        return r.index_read(filt[1], filt[2])
    nodes = [n for n in ns.active(tab) if n in ns.running]
    if not nodes:
        _dirty_fail(("no_exists", what))
    try:
        got = await gen_server.call((SERVER, nodes[0]), ("dirty_read", tab, key, filt), None)
    except ProcessExit:
        _dirty_fail(("node_not_running", nodes[0]))
    if type(got) is tuple and got and got[0] == "no_exists":
        _dirty_fail(("no_exists", what))
    return got


async def dirty_read(tab, key):
    """Read from a replica (the local one if there is one), without a lock."""
    return await _dirty_get(tab, key, "key", [tab, key])


async def dirty_match_object(pattern):
    return await _dirty_get(pattern[0], TABLE, ("match", pattern), pattern[0])


async def dirty_select(tab, spec):
    return await _dirty_get(tab, TABLE, ("select", spec), tab)


async def dirty_index_read(tab, value, attr):
    ns = _ns()
    if ns is None or tab not in ns.defs:
        _dirty_fail(("no_exists", tab))
    return await _dirty_get(tab, TABLE, ("index", ns.defs[tab].position(attr), value), tab)
