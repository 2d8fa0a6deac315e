"""Membership: how a node's store starts, joins the others and loads its tables.

Design
------
This is the part of the store server (``server.py``) that Mnesia keeps in
``mnesia_controller``, ``mnesia_loader`` and ``mnesia_recover``: the methods
here are mixed into :class:`~labrt.store.server.StoreServer` and run in the
same process, on the same :class:`~labrt.store.server.NodeStore`.

At start a node rebuilds its disc tables from disk (table file, then the
log), then sends ``join`` to every db node it can reach.  A running node
answers with its schema, its view of where each table is active and its own
running set, and counts the joiner as running.  If both had logged the
other down (a partition), both report ``starting_partitioned_network``;
Mnesia (observed on OTP 25) still merges, and so does labrt, except for
majority tables, where the running node refuses unless the joiner named it
as a master.  When every answer is in (or after ``join_timeout``), each
table is loaded: from a master if any are set (waiting for one), else from
a running node where it is active (a full copy, taken under a table read
lock on the source, so no half-committed transaction is copied: that is the
catch-up), else from the local disk.  Requests for a table still loading
wait in a stash and are handled once it is loaded.

One island only.  Mnesia's majority check (a write needs a majority of
the table's copies among the nodes it can commit to) means something only
if no node is counted by two sides at once.  A node that starts while the
others are split into islands that have not merged again (each answer
carries the answering node's running set) could be accepted by both, and
both would count it towards a majority: two "majorities" of three writing
the same key (chaos seed 11).  So when the node has a majority table it
keeps one island, the one with a master for it (the operator's decision),
else the one that committed last, else one it did not log down, else the
larger, and tells the others it has gone (they log it down, as after a
partition).  The tables are then loaded from the island it kept.
"""
from __future__ import annotations

from labrt import gen_server

from .disconly import new_replica

SERVER = "labrt_store"
LOG = "LATEST.LOG"


class Membership:
    """Start, join, load; see the module doc."""

    def _rebuild(self, ns):
        """Disc tables from the table files, then the log on top."""
        for tab, d in ns.defs.items():
            kind = d.copy_type(ns.name)
            if kind is not None:
                r = ns.replicas[tab] = new_replica(d, ns.name, ns.disk)
                if kind == "disc_copies":
                    for rec in ns.disk.read(tab + ".DCD"):
                        r.apply(("write", rec))
        for entry in ns.disk.read(LOG):
            ns.stats["replayed"] += 1
            for tab, op in entry[2]:
                r = ns.replicas.get(tab)
                if r is not None and ns.defs[tab].copy_type(ns.name) == "disc_copies":
                    r.apply(op)
        ns.log_count = ns.stats["replayed"]

    def _finish_boot(self, ns):
        if ns.booted:
            return
        ns.booted = True
        self._one_island(ns)
        for tab in sorted(ns.replicas):
            self._load(ns, tab)

    def _load(self, ns, tab):
        """Choose where ``tab`` is loaded from, and start loading it."""
        if tab in ns.loaded:
            return
        masters = ns.masters.get(tab)
        others = [n for n in ns.active(tab) if n != ns.name and n in ns.running]
        if masters:
            # A running master where the table is active is at least as new as
            # this node's disk (this node was down while it ran), so copy from it
            # even if this node is a master too; only a master alone loads its
            # own disk.  (Before this, a master loaded its disk unconditionally
            # and dropped commits that had not reached it: chaos seed 3.)
            others = [n for n in others if n in masters]
            if not others and ns.name in masters:
                return self._loaded(ns, tab)
            if not others:
                ns.loading[tab] = None          # wait for a master to come up
                return
        if others:
            ns.loading[tab] = others[0]
            gen_server.cast((SERVER, others[0]), ("copy_request", tab, ns.name))
            return
        if self._may_load_local(ns, tab):
            return self._loaded(ns, tab)
        ns.loading[tab] = None                  # wait for a better copy (see the doc)
        self._tell_waiting(ns)

    def _may_load_local(self, ns, tab):
        """Mnesia's last_consistent_replica and orphan rules, when no copy is active."""
        d = ns.defs[tab]
        disc = [n for n in d.nodes() if n != ns.name and d.copy_type(n) != "ram_copies"]
        if not disc:
            return True                         # nobody else has it on disc
        if d.copy_type(ns.name) == "ram_copies":
            return False                        # an empty RAM copy waits for a disc one
        if not [n for n in disc if n not in ns.boot_down]:
            return True                         # every other disc copy went down first
        return ns.name < min(disc) and all(     # all of them here and waiting: smallest
            n in ns.running and tab in ns.peer_waiting.get(n, ()) for n in disc)

    def _waiting(self, ns):
        return sorted(t for t, src in ns.loading.items() if src is None)

    def _tell_waiting(self, ns):
        now = self._waiting(ns)
        if now != ns.told_waiting:
            ns.told_waiting = now
            for n in sorted(ns.running - {ns.name}):
                gen_server.cast((SERVER, n), ("waiting", ns.name, now))

    def _loaded(self, ns, tab, records=None, w2w=()):
        r = ns.replicas[tab]
        ns.loading.pop(tab, None)          # first: _dump leaves tables still loading out
        if records is not None:
            r.load(records)
            ns.stats["copied"] += 1
            if ns.defs[tab].copy_type(ns.name) == "disc_copies":
                self._dump(ns)             # the copy reaches this node's own disk
        ns.loaded.add(tab)
        ns.w2w.setdefault(tab, set()).update(w2w)
        ns.w2w[tab].add(ns.name)
        for n in sorted(ns.running - {ns.name}):
            gen_server.cast((SERVER, n), ("w2w_add", tab, ns.name))
        self._wake_waiters(ns)
        stash, ns.stash = ns.stash, []
        for from_, req in stash:
            self._redo(from_, req, ns)

    def _redo(self, from_, req, ns):
        res = self.handle_call(req, from_, ns)
        if res[0] == "reply":
            gen_server.reply(from_, res[1])

    def _retry_waiting(self, ns):
        for tab in sorted(t for t, src in ns.loading.items() if src is None):
            ns.loading.pop(tab)
            self._load(ns, tab)

    def _do_copy(self, ns, token):
        _, tab, node, tid = token
        if node in ns.running and tab in ns.loaded:
            ns.w2w[tab].add(node)
            for n in sorted(ns.running - {ns.name, node}):
                gen_server.cast((SERVER, n), ("w2w_add", tab, node))
            gen_server.cast((SERVER, node), ("table_copy", tab, list(ns.replicas[tab].records()),
                                             ns.active(tab)))
        self._release(ns, tid)

    def _join(self, ns, node, logged_me, masters):
        if node in ns.running:                     # it restarted before we noticed
            self._node_gone(ns, node)
        inconsistent = node in ns.down_log and logged_me
        if inconsistent:
            # Both sides logged the other down: the network was partitioned.
            # Mnesia reports it, and (as observed on OTP 25) the starting node
            # still joins and loads its tables from the running ones.
            self._event(ns, ("inconsistent_database", "starting_partitioned_network", node))
            # labrt's majority mode goes further: two sides that may both hold
            # a majority table's data are not merged unless the starting node
            # named this one as a master for it (the operator's decision).
            major = [t for t, d in ns.defs.items() if d.majority]
            if major and not all(ns.name in masters.get(t, ()) for t in major):
                gen_server.cast((SERVER, node), ("join_reply", ns.name, "refused", None))
                return
        ns.running.add(node)
        if node in ns.down_log:
            ns.down_log.discard(node)
            self._persist_down(ns)
        info = {"defs": dict(ns.defs), "w2w": {t: ns.active(t) for t in ns.defs},
                "db_nodes": list(ns.db_nodes), "running": sorted(ns.running - {node}),
                "last": ns.last_commit, "waiting": self._waiting(ns)}
        gen_server.cast((SERVER, node), ("join_reply", ns.name,
                                         "inconsistent" if inconsistent else "ok", info))

    def _join_reply(self, ns, node, status, info):
        ns.joining.discard(node)
        if status in ("inconsistent", "refused"):
            self._event(ns, ("inconsistent_database", "starting_partitioned_network", node))
        if status in ("ok", "inconsistent"):
            if ns.booted and not self._same_island(ns, node, info["running"]):
                self._leave(ns, node)              # a late answer from another island
                return
            ns.peers[node] = info
            ns.peer_waiting[node] = set(info["waiting"])
            ns.running.add(node)
            if node in ns.down_log:
                ns.down_log.discard(node)
                self._persist_down(ns)
            changed = False
            for tab, d in info["defs"].items():
                if ns.defs.get(tab) != d:
                    ns.defs[tab] = d
                    changed = True
                    if d.copy_type(ns.name) is not None and tab not in ns.replicas:
                        ns.replicas[tab] = new_replica(d, ns.name, ns.disk)
                ns.w2w.setdefault(tab, set()).update(
                    n for n in info["w2w"][tab] if n != ns.name)
            if changed:
                self._persist_schema(ns)
            if ns.booted:                          # a late answer: tables still waiting
                self._retry_waiting(ns)
        if not ns.joining:
            self._finish_boot(ns)

    def _node_gone(self, ns, node):
        ns.running.discard(node)
        ns.peer_waiting.pop(node, None)
        for s in ns.w2w.values():
            s.discard(node)
        for tab, src in list(ns.loading.items()):
            if src == node:
                ns.loading.pop(tab)
                self._load(ns, tab)

    # -- one island only (see the module doc) --------------------------------------
    def _same_island(self, ns, node, running):
        mine = ns.running - {ns.name}
        return (not mine or not any(d.majority for d in ns.defs.values())
                or node in mine or bool(mine & set(running)))

    def _one_island(self, ns):
        if not any(d.majority for d in ns.defs.values()):
            return
        seen = {n: set(info["running"]) for n, info in ns.peers.items() if n in ns.running}
        islands: list = []
        for n in sorted(seen):
            near = [i for i in islands if any(n in seen[m] or m in seen[n] for m in i)]
            islands = [i for i in islands if i not in near] + [set().union({n}, *near)]
        if len(islands) < 2:
            return
        masters = {m for t, ms in ns.masters.items() if ns.defs.get(t) and ns.defs[t].majority
                   for m in ms}

        def rank(isl):
            newest = max(ns.peers[n]["last"] for n in isl)
            return (not (isl & masters), tuple(-x for x in newest[:1]),
                    not (isl - ns.down_log), -len(isl), sorted(isl))
        keep = min(islands, key=rank)
        for isl in islands:
            if isl is not keep:
                for n in sorted(isl):
                    self._leave(ns, n)

    def _leave(self, ns, node):
        """Stay out of ``node``'s island: both sides log the other down."""
        gen_server.cast((SERVER, node), ("left", ns.name))
        ns.peers.pop(node, None)
        self._node_gone(ns, node)
        ns.down_log.add(node)
        self._persist_down(ns)
        self._event(ns, ("inconsistent_database", "starting_partitioned_network", node))
