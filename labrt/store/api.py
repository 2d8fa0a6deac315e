"""Schema and administration: schemas, starting, tables, events, backups.

Design
------
The calls a Mnesia user makes around transactions, in labrt's spelling.
``create_schema`` is the one call made from outside the world (a notebook
cell), because it writes each node's disk before anything runs, as
``mnesia:create_schema/1`` does before ``mnesia:start()``.  Everything
else runs inside a process on some node and talks to that node's store
server (``server.py``), which talks to the others.

Schema changes (``create_table``, ``add_table_copy``) are sent to every
running db node in turn, each of which records the new definition on its
disk; a node that is down learns it when it next joins.  Mnesia runs these
as schema transactions with a table lock on the schema; labrt's simpler
rule is enough for tables created before traffic starts, which is how the
chapters use them.

Backups are checkpoints taken in a transaction: a table read lock on every
table, all records read at one instant, written to a file on the node's
disk.  ``restore`` writes them back in one transaction (clearing the tables
first, Mnesia's ``{default_op, clear_tables}``).
"""
from __future__ import annotations

import labrt
from labrt import gen_server

from . import tx as _tx
from .disk import SimDisk
from .locks import TABLE
from .replica import COPY_TYPES, make_def
from .server import SERVER, SLOT, StoreServer

__all__ = [
    "add_table_copy", "backup", "boot", "cluster", "create_disk_schema", "create_schema",
    "create_table",
    "dump_log", "restore", "set_master_nodes", "start", "subscribe", "sync_log",
    "system_info", "table_info", "unsubscribe", "wait_for_tables",
]


def create_schema(world, nodes) -> str:
    """Write an empty schema naming ``nodes`` on each node's disk (from outside).

    ``("error", ("already_exists", node))`` if a node has one already.
    """
    nodes = sorted(nodes)
    for n in nodes:
        if SimDisk(world.node(n).disk).read("schema"):
            return ("error", ("already_exists", n))
    for n in nodes:
        SimDisk(world.node(n).disk).replace("schema", [{"db_nodes": nodes, "tables": []}])
    return "ok"


def create_disk_schema(disk, nodes) -> str:
    """Write a schema on one disk (a :class:`FileDisk` for a real node, or a
    :class:`SimDisk`): what ``create_schema`` does for each node of a World."""
    if disk.read("schema"):
        return ("error", ("already_exists", list(nodes)))
    disk.replace("schema", [{"db_nodes": sorted(nodes), "tables": []}])
    return "ok"


def boot(**opts):
    """A node's boot function that starts its store (``world.node(n, boot=...)``).

    Options: ``dump_threshold`` (commits between dumps, 1000),
    ``sync_interval`` (seconds between write-backs of the log, 5.0; None:
    only on sync_log, sync_transaction and dumps), ``join_timeout`` (1.0 s).
    """
    async def store_boot():
        await start(**opts)
    return store_boot


async def start(**opts):
    """Start this node's store server: ``"ok"`` or ``("error", reason)``."""
    got = await gen_server.start(StoreServer, opts, name=SERVER)
    if got[0] == "ok":
        return "ok"
    return got


def cluster(world, nodes, **opts):
    """Nodes that boot a store, and a schema on their disks: a chapter's one-liner.

    Returns the nodes (Runtimes).  Run the world to let them start.
    """
    rts = [world.node(n, boot=boot(**opts)) for n in nodes]
    create_schema(world, nodes)
    return rts


def _ns():
    ns = labrt.current_runtime().ext.get(SLOT)
    if ns is None:
        labrt.exit(("aborted", ("node_not_running", labrt.current_runtime().node_name)))
    return ns


async def _local(req):
    _ns()
    return await gen_server.call(SERVER, req, None)


async def create_table(name, attributes=("key", "val"), type="set", index=(), ram_copies=(),
                       disc_copies=(), majority=False, keypos=1, record_name=None,
                       disc_only_copies=()):
    """Mnesia's create_table: ``("atomic", "ok")`` or ``("aborted", reason)``.

    With no copies given, a RAM copy on this node (Mnesia's default).
    """
    ns = _ns()
    if not ram_copies and not disc_copies and not disc_only_copies:
        ram_copies = [ns.name]
    try:
        d = make_def(name, attributes, type, index, ram_copies, disc_copies, majority,
                     keypos, record_name, disc_only_copies)
    except ValueError as e:
        return ("aborted", e.args[0])
    if name in ns.defs:
        return ("aborted", ("already_exists", name))
    bad = [n for n in d.nodes() if n not in ns.db_nodes]
    if bad:
        return ("aborted", ("bad_type", name, ("nodes", bad)))
    result = ("atomic", "ok")
    for n in [ns.name] + sorted(ns.running - {ns.name}):
        got = await gen_server.call(_tx._dest(ns, n), ("create_table", d), None)
        if n == ns.name:
            result = got
            if got[0] != "atomic":
                return got
    return result


async def add_table_copy(tab, node, copy_type="ram_copies"):
    """Add a replica of ``tab`` on ``node``, which loads it from an active one."""
    ns = _ns()
    if copy_type not in COPY_TYPES:
        return ("aborted", ("bad_type", tab, copy_type))
    if tab not in ns.defs:
        return ("aborted", ("no_exists", tab))
    if node not in ns.running:
        return ("aborted", ("not_active", tab, node))
    result = None
    for n in [ns.name] + sorted(ns.running - {ns.name}):
        got = await gen_server.call(_tx._dest(ns, n), ("add_copy", tab, node, copy_type), None)
        if result is None:
            result = got
            if got[0] != "atomic":
                return got
    return result


_INFO = ("all", "arity", "attributes", "disc_copies", "disc_only_copies", "index", "majority",
         "master_nodes", "storage_type",
         "ram_copies", "record_name", "size", "type", "where_to_read", "where_to_write")


def table_info(tab, item):
    """Mnesia's table_info; an unknown table exits ``("aborted", ("no_exists", tab, item))``."""
    ns = _ns()
    d = ns.defs.get(tab)
    if d is None or item not in _INFO:
        labrt.exit(("aborted", ("no_exists", tab, item) if d is None else ("badarg", tab, item)))
    if item == "all":
        return {i: table_info(tab, i) for i in _INFO if i != "all"}
    if item in COPY_TYPES:
        return d.nodes(item)
    if item == "size":
        r = ns.replicas.get(tab)
        return r.size() if r is not None and tab in ns.loaded else 0
    if item == "where_to_write":
        return [n for n in ns.active(tab) if n in ns.running]
    if item == "where_to_read":
        if tab in ns.loaded:
            return ns.name
        nodes = [n for n in ns.active(tab) if n in ns.running]
        return nodes[0] if nodes else "nowhere"
    if item == "attributes":
        return list(d.attributes)
    if item == "storage_type":
        return d.copy_type(ns.name) or "unknown"
    if item == "index":
        return list(d.index)
    if item == "master_nodes":
        return list(ns.masters.get(tab, []))
    return getattr(d, item)


async def wait_for_tables(tabs, timeout=None):
    """``"ok"`` once every table is loaded here, or ``("timeout", [not loaded])``."""
    return await _local(("wait_for_tables", list(tabs), timeout))


def system_info(item):
    """``"running_db_nodes"``, ``"db_nodes"``, ``"tables"``, ``"is_running"``,
    ``"events"`` (every system event so far, labrt's), ``"stats"`` (labrt's)."""
    ns = labrt.current_runtime().ext.get(SLOT)
    if ns is None:
        return "no" if item == "is_running" else labrt.exit(("aborted", "node_not_running"))
    return StoreServer._info(None, ns, item)


async def subscribe(what="system"):
    """System events come as ``("mnesia_system_event", event)`` messages:
    ``("mnesia_down", N)``, ``("inconsistent_database", why, N)``."""
    if what != "system":
        return ("error", ("badarg", what))
    return await _local(("subscribe", labrt.self()))


async def unsubscribe(what="system"):
    return await _local(("unsubscribe", labrt.self()))


async def set_master_nodes(tab, nodes):
    """At this node's next start, load ``tab`` from one of ``nodes`` (local setting)."""
    return await _local(("set_master_nodes", tab, list(nodes)))


async def sync_log():
    """Make every commit logged on this node durable (fsync)."""
    return await _local(("sync_log",))


async def dump_log():
    """Dump the log into the table files now: ``"dumped"``."""
    return await _local(("dump_log",))


async def backup(name, tables=None):
    """A checkpoint of ``tables`` (default all) in file ``backup.<name>`` on this
    node's disk: ``"ok"`` or ``("error", reason)``."""
    ns = _ns()
    tabs = sorted(ns.defs) if tables is None else list(tables)

    async def snap():
        out = {}
        for t in tabs:
            await _tx.lock(("table", t), "read")
            out[t] = await _tx._read_locked(_tx._current(), ns, t, TABLE, "all")
        return out

    got = await _tx.transaction(snap)
    if got[0] != "atomic":
        return ("error", got[1])
    ns.disk.replace("backup." + name, [got[1]])
    return "ok"


async def restore(name):
    """Put a backup's records back: ``("atomic", [tables])`` or ``("aborted", why)``."""
    ns = _ns()
    data = ns.disk.read("backup." + name)
    if not data:
        return ("aborted", ("no_backup", name))
    snapshot = data[-1]

    async def put():
        for t in sorted(snapshot):
            await _tx.lock(("table", t), "write")
            for k in await _tx.all_keys(t):
                await _tx.delete(t, k)
            for rec in snapshot[t]:
                await _tx.write(rec, table=t)
        return sorted(snapshot)

    return await _tx.transaction(put)
