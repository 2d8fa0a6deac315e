"""The store server: one gen_server per node, holding that node's replicas.

Design
------
Mnesia is a handful of ordinary Erlang processes on each node (a
transaction manager, a lock manager, a controller that loads tables, a
monitor of the other nodes) plus ets tables that clients read directly.
labrt's store folds those processes into one gen_server per node,
registered as ``"labrt_store"``, and keeps the node's data in a
:class:`NodeStore` in the node's RAM (``rt.ext``), so that a crash of the
node loses it, exactly as it loses ets tables, and keeps ``node.disk``.
The state is described in ``nodestore.py``, the lock side of a
transaction in ``lockserving.py``.

What the server does, by the messages it gets:

* **locks** (``lock``, ``lock_read``): the node's :class:`LockTable`;
  a lock that must wait is answered later (``noreply``), when a release
  grants it.  ``lock_read`` also returns the locked records: reads go to
  the local replica when there is one.
* **commits**: ``commit1`` when the node is the only replica written;
  otherwise two phases, ``prepare`` (vote) then ``commit`` (apply, log,
  release) or ``abort``.  The coordinator is the client process (see
  ``tx.py``).  If a coordinator vanishes after this node voted yes, the
  node asks the other participants what was decided and follows anyone
  who committed; if nobody did, it aborts (Mnesia's ``sym_trans`` rule).
* **the log**: every commit touching a disc copy is appended to
  ``LATEST.LOG`` on the node's disk; every ``dump_threshold`` commits the
  disc tables are dumped to their table files (``<tab>.DCD``) and the log
  is emptied.  Appends reach the disk when synced: by ``sync_log``, by a
  ``sync_transaction``, at a dump, and every ``sync_interval`` seconds
  (the operating system writing its buffers back).
* **other nodes**: ``monitor_nodes``.  A nodedown of a running store node
  is logged (on disk) as a *mnesia_down*, the node leaves every table's
  ``where_to_write``, and subscribers get ``("mnesia_down", node)``.  When
  the connection comes back and both sides have logged the other down,
  both report ``("inconsistent_database", "running_partitioned_network",
  node)`` and stay apart: nothing is merged.
* **start**: rebuild every disc table from disk (table file, then the
  log), join the running db nodes (``join``), and load each table from a
  running node that has it active (a full copy: that is the catch-up),
  from a master node if ``set_master_nodes`` named some, else from the
  local disk (a RAM copy starts empty).  A copy is taken under a table
  read lock on the source, so no half-committed transaction is copied.
"""
from __future__ import annotations

import labrt
from labrt import Down, gen_server

from .disconly import new_replica
from .disk import SimDisk
from .locks import TABLE, LockTable  # noqa: F401 (LockTable: importable from here as before)
from .lockserving import LockServing
from .log import TransactionLog
from .membership import Membership
from .nodestore import LOG, SERVER, SLOT, NodeStore, _new_tid
from .replica import Replica, TableDef, def_from_data, match, run_select  # noqa: F401
from .schema import SchemaOps

__all__ = ["SERVER", "SLOT", "NodeStore", "StoreServer"]


class StoreServer(LockServing, Membership, SchemaOps, TransactionLog, gen_server.GenServer):
    """The callbacks; the state is the node's :class:`NodeStore`.

    Locks and the coordinators of transactions live in :class:`LockServing`
    (``lockserving.py``); starting, joining and loading tables in
    :class:`Membership` (``membership.py``); deleting tables and copies in
    :class:`SchemaOps` (``schema.py``); applying commits and the log in
    :class:`TransactionLog` (``log.py``).  The state, :class:`NodeStore`, and
    the names ``SERVER`` and ``SLOT`` are in ``nodestore.py`` (importable
    from here as before)."""

    # -- start -------------------------------------------------------------
    def init(self, opts):
        rt = labrt.current_runtime()
        disk = opts.get("disk")
        if disk is None:
            if not hasattr(rt, "disk"):
                return ("stop", ("no_disk", rt.node_name))
            disk = SimDisk(rt.disk)
        ns = NodeStore(rt, disk, opts)
        boot = disk.read("boot")
        if boot and boot[-1] != rt.creation:
            ns.stats["lost_in_power_cut"] = disk.power_cut()
        disk.replace("boot", [rt.creation])
        schema = disk.read("schema")
        if not schema:
            return ("stop", ("no_schema", rt.node_name))
        ns.db_nodes = list(schema[-1]["db_nodes"])
        for d in schema[-1]["tables"]:
            ns.defs[d["name"]] = def_from_data(d)
        down = disk.read("down")
        ns.down_log = set(down[-1]) if down else set()
        ns.boot_down = set(ns.down_log)
        masters = disk.read("masters")
        ns.masters = dict(masters[-1]) if masters else {}
        self._rebuild(ns)
        rt.ext[SLOT] = ns
        me = labrt.self()
        if rt.world is not None:
            labrt.monitor_nodes(True)
        for n in ns.db_nodes:
            if n != ns.name and rt.world is not None and labrt.connect_node(n):
                ns.joining.add(n)
                gen_server.cast((SERVER, n), ("join", ns.name, n in ns.down_log,
                                              dict(ns.masters)))
        if ns.joining:
            labrt.send_after(ns.join_timeout, me, ("$store", "join_timeout"))
        else:
            self._finish_boot(ns)           # nobody to ask: load from the local disk
        return ("ok", ns)

    # -- events ------------------------------------------------------------
    def _event(self, ns, ev):
        ns.events.append(ev)
        for pid in list(ns.subs):
            labrt.send(pid, ("mnesia_system_event", ev))

    def _persist_down(self, ns):
        ns.disk.replace("down", [sorted(ns.down_log)])

    def _persist_schema(self, ns):
        ns.disk.replace("schema", [{"db_nodes": list(ns.db_nodes),
                                    "tables": [d.as_data() for _, d in sorted(ns.defs.items())]}])

    # -- calls ---------------------------------------------------------------
    def handle_call(self, req, from_, ns):
        kind = req[0]
        if kind in ("lock", "lock_read"):
            return self._lock(ns, from_, req)
        if kind == "begin":
            return ("reply", _new_tid(ns), ns)
        if kind == "commit1":
            _, tid, ops, sync = req
            self._apply(ns, tid, ops, sync)
            ns.decisions[tid] = "committed"
            self._forget(ns, tid)
            return ("reply", "ok", ns)
        if kind == "prepare":
            _, tid, coord, ops, participants = req
            tabs = {t for t, _ in ops}
            if any(t in ns.loading for t in tabs):
                ns.stash.append((from_, req))
                return ("noreply", ns)
            bad = [t for t in tabs if t not in ns.loaded]
            if bad:
                return ("reply", ("no", ("bad_commit", ns.name)), ns)
            self._watch(ns, tid, coord)
            ns.pending[tid] = (ops, participants)
            return ("reply", "yes", ns)
        if kind == "commit":
            _, tid, sync = req
            p = ns.pending.pop(tid, None)
            if p is not None:
                self._apply(ns, tid, p[0], sync)
                ns.decisions[tid] = "committed"
            self._forget(ns, tid)
            return ("reply", "done", ns)
        if kind == "decision":
            tid = req[1]
            out = ns.decisions.get(tid) or ("pending" if tid in ns.pending else "unknown")
            return ("reply", out, ns)
        if kind == "dirty":
            self._dirty(ns, req[1])
            return ("reply", "ok", ns)
        if kind == "dirty_read":
            _, tab, key, filt = req
            if tab not in ns.loaded:
                return ("reply", ("no_exists", tab), ns)
            return ("reply", self._lock_answer(ns, tab, key, filt)[2], ns)
        if kind == "info":
            return ("reply", self._info(ns, req[1]), ns)
        if kind == "create_table":
            return ("reply", self._create(ns, req[1]), ns)
        if kind == "add_copy":
            return ("reply", self._add_copy(ns, *req[1:]), ns)
        if kind in ("delete_table", "del_copy", "force_load"):
            return ("reply", self.schema_call(ns, req), ns)
        if kind == "wait_for_tables":
            return self._wait_for_tables(ns, from_, req[1], req[2])
        if kind == "subscribe":
            pid = req[1]
            if pid not in ns.subs:
                ns.subs[pid] = labrt.monitor(pid)
            return ("reply", ("ok", ns.name), ns)
        if kind == "unsubscribe":
            ref = ns.subs.pop(req[1], None)
            if ref is not None:
                labrt.demonitor(ref, flush=True)
            return ("reply", ("ok", ns.name), ns)
        if kind == "set_master_nodes":
            _, tab, nodes = req
            if tab not in ns.defs:
                return ("reply", ("error", ("no_exists", tab)), ns)
            if nodes:
                ns.masters[tab] = list(nodes)
            else:
                ns.masters.pop(tab, None)
            ns.disk.replace("masters", [dict(ns.masters)])
            return ("reply", "ok", ns)
        if kind == "sync_log":
            self._sync(ns)
            return ("reply", "ok", ns)
        if kind == "dump_log":
            self._dump(ns)
            return ("reply", "dumped", ns)
        return ("reply", ("error", ("unknown_request", req)), ns)
    def _dirty(self, ns, ops):
        ops = [(t, op) for t, op in ops if t in ns.replicas]
        if ops:
            self._apply(ns, ("dirty", labrt.now()), ops)

    def _info(self, ns, what):
        if what == "running_db_nodes":
            return sorted(ns.running)
        if what == "db_nodes":
            return list(ns.db_nodes)
        if what == "tables":
            return sorted(ns.defs) + ["schema"]
        if what == "events":
            return list(ns.events)
        if what == "stats":
            return dict(ns.stats, log_entries=ns.log_count, unsynced=ns.disk.unsynced(LOG))
        if what == "is_running":
            return "yes"
        if what == "masters":
            return dict(ns.masters)
        return ("error", ("badarg", what))

    def _create(self, ns, d):
        if d.name in ns.defs:
            return ("aborted", ("already_exists", d.name))
        ns.defs[d.name] = d
        ns.w2w[d.name] = {n for n in d.nodes() if n in ns.running}
        if d.copy_type(ns.name) is not None:
            r = ns.replicas[d.name] = new_replica(d, ns.name, ns.disk)
            ns.loaded.add(d.name)
            if d.copy_type(ns.name) == "disc_copies":
                ns.disk.replace(d.name + ".DCD", [])
            elif d.copy_type(ns.name) == "disc_only_copies":
                r.load([])
        self._persist_schema(ns)
        self._wake_waiters(ns)
        return ("atomic", "ok")

    def _add_copy(self, ns, tab, node, kind):
        d = ns.defs.get(tab)
        if d is None:
            return ("aborted", ("no_exists", tab))
        if d.copy_type(node) is not None:
            return ("aborted", ("already_exists", tab, node))
        ns.defs[tab] = d = d.with_copy(node, kind)
        for t, r in ns.replicas.items():
            if t == tab:
                r.defn = d
        self._persist_schema(ns)
        if node == ns.name:
            ns.replicas[tab] = new_replica(d, ns.name, ns.disk)
            if ns.booted:
                self._load(ns, tab)
        return ("atomic", "ok")

    def _wait_for_tables(self, ns, from_, tabs, timeout):
        missing = [t for t in tabs if t not in ns.loaded]
        if not missing:
            return ("reply", "ok", ns)
        ns.serial += 1
        token = ns.serial
        ns.table_waiters.append([token, from_, list(tabs)])
        if timeout is not None:
            labrt.send_after(timeout, labrt.self(), ("$store", "wait_timeout", token))
        return ("noreply", ns)

    def _wake_waiters(self, ns):
        keep = []
        for w in ns.table_waiters:
            if all(t in ns.loaded for t in w[2]):
                gen_server.reply(w[1], "ok")
            else:
                keep.append(w)
        ns.table_waiters = keep

    # -- casts between store servers -------------------------------------------
    def handle_cast(self, msg, ns):
        kind = msg[0]
        if kind == "abort":
            tid = msg[1]
            if ns.pending.pop(tid, None) is not None:
                ns.decisions[tid] = "aborted"
            self._forget(ns, tid)
        elif kind == "release":
            if msg[1] not in ns.pending:
                self._forget(ns, msg[1])
        elif kind == "dirty":
            self._dirty(ns, msg[1])
        elif kind == "join":
            self._join(ns, msg[1], msg[2], msg[3])
        elif kind == "join_reply":
            self._join_reply(ns, *msg[1:])
        elif kind == "left":                       # a starting node kept another island
            node = msg[1]
            if node in ns.running:
                self._node_gone(ns, node)
                ns.down_log.add(node)
                self._persist_down(ns)
                self._event(ns, ("mnesia_down", node))
        elif kind == "peer_up":
            _, node, logged_me = msg
            if node not in ns.running and node in ns.down_log and logged_me:
                self._event(ns, ("inconsistent_database", "running_partitioned_network", node))
        elif kind == "copy_request":
            _, tab, node = msg
            if tab not in ns.loaded or node not in ns.running:
                gen_server.cast((SERVER, node), ("copy_refused", tab, ns.name))
            else:
                # The copier is older than every transaction: it waits for
                # the writers that hold the table, and never dies.
                tid = (-1.0,) + _new_tid(ns)[1:]
                token = ("copy", tab, node, tid)
                if ns.locks.acquire(tid, (tab, TABLE), "read", token) == "granted":
                    self._do_copy(ns, token)
        elif kind == "copy_refused":
            _, tab, node = msg
            if ns.loading.get(tab) == node:
                ns.loading.pop(tab)
                ns.w2w.get(tab, set()).discard(node)
                self._load(ns, tab)
        elif kind == "table_copy":
            _, tab, records, w2w = msg
            if tab in ns.loading:
                self._loaded(ns, tab, records, w2w)
        elif kind == "waiting":                    # tables another node cannot load yet
            _, node, tabs = msg
            if node in ns.running:
                ns.peer_waiting[node] = set(tabs)
                if ns.booted:
                    self._retry_waiting(ns)
        elif kind == "w2w_add":
            _, tab, node = msg
            ns.peer_waiting.get(node, set()).discard(tab)
            if node in ns.running:
                ns.w2w.setdefault(tab, set()).add(node)
                if ns.booted:
                    self._retry_waiting(ns)
        elif kind == "resolve":
            _, tid, outcome = msg
            p = ns.pending.pop(tid, None)
            if p is not None:
                if outcome == "committed":
                    self._apply(ns, tid, p[0])
                ns.decisions[tid] = outcome
            self._forget(ns, tid)
        return ("noreply", ns)

    # -- info: other nodes, coordinators, timers -------------------------------
    def handle_info(self, msg, ns):
        if type(msg) is Down:
            tid = ns.coord_of.pop(msg.ref, None)
            if tid is not None:
                ns.coords.pop(tid, None)
                self._coordinator_gone(ns, tid)
            elif msg.pid in ns.subs:
                del ns.subs[msg.pid]
            return ("noreply", ns)
        if type(msg) is tuple and msg[0] == "nodedown":
            node = msg[1]
            if node in ns.joining:
                ns.joining.discard(node)
                if not ns.joining:
                    self._finish_boot(ns)
            if node in ns.running and node != ns.name:
                self._node_gone(ns, node)
                ns.down_log.add(node)
                self._persist_down(ns)
                self._event(ns, ("mnesia_down", node))
            return ("noreply", ns)
        if type(msg) is tuple and msg[0] == "nodeup":
            node = msg[1]
            if node in ns.db_nodes:
                gen_server.cast((SERVER, node), ("peer_up", ns.name, node in ns.down_log))
            return ("noreply", ns)
        if type(msg) is tuple and msg[0] == "$store":
            what = msg[1]
            if what == "join_timeout":
                ns.joining.clear()
                self._finish_boot(ns)
            elif what == "sync_tick":
                ns.sync_timer = False
                if ns.unsynced_commits:
                    self._sync(ns)
            elif what == "wait_timeout":
                for w in ns.table_waiters:
                    if w[0] == msg[2]:
                        ns.table_waiters.remove(w)
                        gen_server.reply(w[1], ("timeout", [t for t in w[2]
                                                            if t not in ns.loaded]))
                        break
            return ("noreply", ns)
        return ("noreply", ns)
