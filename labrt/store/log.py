"""The transaction log: applying a commit on one node, logging it, syncing, dumping.

Design
------
Mnesia appends each commit that touches a ``disc_copies`` table to
``LATEST.LOG`` (a disk_log) and, every ``dump_log_write_threshold``
commits, the dumper writes the tables into their files (``<tab>.DCD``)
and starts an empty log.  The store server does the same in the methods
here, mixed into :class:`~labrt.store.server.StoreServer`:

* ``_apply`` applies a commit's operations to this node's replicas, and
  appends the operations on disc copies to the log as one entry
  ``("commit", tid, [(tab, op), ...])``.  RAM copies are not logged;
  disc-only copies are their own file (``disconly.py``).
* The append reaches the operating system's buffer, not the disk: the
  entry becomes durable at ``_sync`` (``sync_log``, a ``sync_transaction``,
  a dump), or when the write-back timer fires ``sync_interval`` seconds
  after the first unsynced entry (the OS flushing its buffers).  The timer
  runs only while something is unsynced, so an idle world comes to rest.
* ``_dump`` writes every loaded disc table to its table file (a durable
  replace) and empties the log.

At the next start ``membership._rebuild`` reads the table files and
replays the log on top of them.
"""
from __future__ import annotations

import labrt

__all__ = ["LOG", "TransactionLog"]

LOG = "LATEST.LOG"


class TransactionLog:
    """Commits applied here, the log, syncs and dumps (see the module doc)."""

    def _apply(self, ns, tid, ops, sync=False):
        """Apply a commit's operations here; log those on disc copies."""
        logged = []
        for tab, op in ops:
            r = ns.replicas.get(tab)
            if r is None:
                continue
            r.apply(op)
            if ns.defs[tab].copy_type(ns.name) == "disc_copies":
                logged.append((tab, op))
        ns.stats["commits"] += 1
        if type(tid[0]) is float and tid > ns.last_commit:
            ns.last_commit = tid
        if logged:
            ns.disk.append(LOG, ("commit", tid, logged))
            ns.log_count += 1
            ns.unsynced_commits += 1
            if sync:
                self._sync(ns)
            elif ns.sync_interval and not ns.sync_timer:
                # The OS writes its buffers back a while after they fill; a
                # timer only while something is unsynced, so an idle world stops.
                ns.sync_timer = True
                labrt.send_after(ns.sync_interval, labrt.self(), ("$store", "sync_tick"))
            if ns.log_count >= ns.dump_threshold:
                self._dump(ns)

    def _sync(self, ns):
        ns.disk.sync(LOG)
        ns.unsynced_commits = 0

    def _dump(self, ns):
        for tab, r in sorted(ns.replicas.items()):
            if ns.defs[tab].copy_type(ns.name) == "disc_copies" and tab not in ns.loading:
                ns.disk.replace(tab + ".DCD", list(r.records()))
        ns.disk.replace(LOG, [])
        ns.log_count = 0
        ns.unsynced_commits = 0
        ns.stats["dumps"] += 1
