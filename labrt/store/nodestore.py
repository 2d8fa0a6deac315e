"""One node's store in its RAM: the state the store server keeps.

Mnesia keeps a node's tables in ets, owned by its processes: when the node
dies the tables die with it, and only what reached the disk survives.
labrt does the same with one object, :class:`NodeStore`, kept in the
node's runtime (``rt.ext[SLOT]``): a crash of the node drops it, a restart
builds a new one from ``node.disk``.  The store server
(:mod:`labrt.store.server`) is the only process that changes it; client
processes on the same node read it directly, the way Mnesia's clients read
ets (:meth:`NodeStore.active` for where to write a table,
:meth:`NodeStore.has_majority`, the local replicas for a dirty read).

The fields, grouped as the server uses them: the schema (``db_nodes``,
``defs``) and the replicas (``replicas``, ``loaded``, ``loading``); the
view of other nodes (``w2w``: where each table is active, ``running``,
``down_log``: the nodes logged down, ``masters``); locks and transactions
(``locks``, ``waiting``: lock requests answered later, ``coords``: the
monitored coordinators, ``pending``: prepared commits, ``decisions``); the
log and its counters; the state of the start (``joining``, ``peers``,
``booted``, ``stash``: requests for tables still loading).

A transaction id is ``(time, node, serial)`` (:func:`_new_tid`): ordered by
age first, which is what wait-die needs, and unique across nodes.
"""
from __future__ import annotations

import labrt

from .locks import LockTable
from .replica import Replica, TableDef

SERVER = "labrt_store"
SLOT = "labrt.store"
LOG = "LATEST.LOG"                 # as log.py


class NodeStore:
    """One node's store in its RAM: replicas, schema, views of other nodes."""

    def __init__(self, rt, disk, opts):
        self.rt = rt
        self.name = rt.node_name
        self.disk = disk
        self.dump_threshold = opts.get("dump_threshold", 1000)
        self.sync_interval = opts.get("sync_interval", 5.0)
        self.join_timeout = opts.get("join_timeout", 1.0)
        self.db_nodes: list[str] = []
        self.defs: dict[str, TableDef] = {}
        self.replicas: dict[str, Replica] = {}
        self.loaded: set = set()
        self.loading: dict = {}             # tab -> source node (None: waiting)
        self.w2w: dict[str, set] = {}       # tab -> nodes where the table is active
        self.running: set = {self.name}
        self.down_log: set = set()
        self.masters: dict = {}
        self.locks = LockTable()
        self.waiting: dict = {}             # token -> (from_, tab, key, mode, filt)
        self.coords: dict = {}              # tid -> coordinator monitor ref
        self.coord_of: dict = {}            # monitor ref -> tid
        self.pending: dict = {}             # tid -> prepared (ops, participants)
        self.decisions: dict = {}           # tid -> "committed" | "aborted"
        self.subs: dict = {}                # subscriber pid -> monitor ref
        self.events: list = []
        self.serial = 0
        self.log_count = 0
        self.stats = {"commits": 0, "dumps": 0, "replayed": 0, "lost_in_power_cut": 0,
                      "copied": 0}
        self.table_waiters: list = []       # [token, from_, tabs]
        self.joining: set = set()
        self.peers: dict = {}               # node -> its join answer (running set, last)
        self.boot_down: set = set()         # nodes logged down before this start
        self.peer_waiting: dict = {}        # node -> tables it waits to load
        self.told_waiting: list = []
        self.booted = False
        self.stash: list = []               # requests for tables still loading
        self.unsynced_commits = 0
        self.sync_timer = False
        self.last_commit = (-1.0, 0, 0)     # the newest transaction applied here

    # -- what clients may read directly (ets-like) --------------------------
    def active(self, tab) -> list[str]:
        return sorted(self.w2w.get(tab, ()))

    def has_majority(self, tab) -> bool:
        d = self.defs[tab]
        if not d.majority:
            return True
        w2w = self.w2w.get(tab, ())
        live = [n for n in d.nodes() if (n in w2w and n in self.running) or
                (n == self.name and tab in self.loaded)]
        return 2 * len(live) > len(d.copies)


def _new_tid(ns):
    ns.serial += 1
    return (labrt.now(), ns.rt.node, ns.serial)
