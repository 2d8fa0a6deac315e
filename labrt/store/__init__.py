"""labrt.store: a small Mnesia on the nodes of a labrt.dist World.

Klarna's first system kept its data in Mnesia, replicated between the
nodes of a site, with transaction logs "to rebuild state after failures"
and regular backups.  This package is that store, built the way Mnesia is
built: ordinary processes (one gen_server per node, ``server.py``) plus
data in each node's RAM and on its disk, and transactions that run in the
caller's process (``tx.py``).  No global state: two worlds in one notebook
have two stores.

    import labrt
    from labrt import store

    world = labrt.World(seed=1)
    store.cluster(world, ["a@h", "b@h"])          # nodes that boot a store
    world.run()                                   # let the stores start and join

    async def main():
        await store.create_table("kv", disc_copies=["a@h", "b@h"])
        await store.transaction(lambda: store.write(("kv", "x", 1)))
        return await store.transaction(lambda: store.read("kv", "x"))

    pid = world["a@h"].spawn(main); world.run()
    world["a@h"].result(pid)                      # ("atomic", [("kv", "x", 1)])

.. warning:: A transaction's function **must be pure**: when it meets an
   older transaction's lock it is restarted and runs again (wait-die).

Reading order: ``replica`` (tables, records, patterns), ``locks``
(wait-die), ``disk`` (what is synced), ``disconly`` (a table that is its
file), ``log`` (commits applied, the log), ``server`` (the per-node
process: locks, commits, other nodes), ``membership`` (start, join, load,
one island), ``schema`` (deleting tables and copies, forcing a load),
``tx`` (transactions and dirty operations), ``api`` (schema, tables,
events, backups).  The design note is ``notes/labrt-store.md``.
"""
from .api import (
    add_table_copy, backup, boot, cluster, create_disk_schema, create_schema, create_table,
    dump_log, restore,
    set_master_nodes, start, subscribe, sync_log, system_info, table_info, unsubscribe,
    wait_for_tables,
)
from .disk import FileDisk, SimDisk
from .replica import TableDef
from .schema import del_table_copy, delete_table, force_load_table
from .server import SERVER
from .tx import (
    abort, all_keys, delete, delete_object, dirty_delete, dirty_delete_object,
    dirty_index_read, dirty_match_object, dirty_read, dirty_select, dirty_write, index_read,
    is_transaction, lock, match_object, read, select, sync_transaction, transaction, wread,
    write,
)

__all__ = [
    "FileDisk", "SERVER", "SimDisk", "TableDef", "abort", "add_table_copy", "all_keys",
    "backup", "boot", "cluster", "create_disk_schema", "create_schema", "create_table",
    "del_table_copy", "delete", "delete_object", "delete_table", "force_load_table",
    "dirty_delete", "dirty_delete_object", "dirty_index_read", "dirty_match_object",
    "dirty_read", "dirty_select", "dirty_write", "dump_log", "index_read", "is_transaction",
    "lock", "match_object", "read", "restore", "select", "set_master_nodes", "start",
    "subscribe", "sync_log", "sync_transaction", "system_info", "table_info", "transaction",
    "unsubscribe", "wait_for_tables", "wread", "write",
]
