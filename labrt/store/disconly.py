"""Disc-only copies: a table that lives in a file, and is read from it.

Design
------
Mnesia has three kinds of copy.  A ``ram_copies`` table is an ets table
(lost with the node); a ``disc_copies`` table is an ets table too, with
every commit also appended to the transaction log and now and then dumped
to a table file, so reads are RAM-fast and the disk is only for recovery
(``Replica`` in ``replica.py``, plus the log in ``server.py``).  A
``disc_only_copies`` table is a dets file and nothing else: no copy in
RAM, every read goes to the disk, every write changes the file.  It is
slower, and it is how a table larger than the node's memory is kept.

:class:`DiscOnlyReplica` is that third kind with the interface of
:class:`~labrt.store.replica.Replica` (``read``, ``records``, ``size``,
``index_read``, ``apply``, ``load``), so the store server and the
transactions use it without knowing.  What it keeps in RAM is its file's
name; the records are in ``<tab>.DAT`` on the node's disk (a
:class:`~labrt.store.disk.SimDisk` or a real
:class:`~labrt.store.disk.FileDisk`).  The file is a sequence of
operations, the same ``("write", rec)`` / ``("delete", key)`` /
``("delete_object", rec)`` a transaction log holds; a read replays it (so
a read really costs a pass over the file: ``reads`` counts them) and
when it has grown past twice the table's size it is rewritten as one
write per record.

Each change is appended and synced at once, and commits to a disc-only
table do not go through ``LATEST.LOG``.  **Simplification:** dets is not
fsynced on each write (and Mnesia logs disc-only commits in the
transaction log too); labrt makes the file the durable copy so that a
power cut of the simulated disk loses nothing from a disc-only table, and
says so here.  After a crash there is nothing to rebuild: the table is
its file.  Loading it from another node (``load``) rewrites the file.
"""
from __future__ import annotations

from .replica import Replica

__all__ = ["DiscOnlyReplica", "new_replica"]


class DiscOnlyReplica:
    """One node's disc-only copy of a table: its file (see the module doc)."""

    def __init__(self, defn, disk):
        self.defn = defn
        self.disk = disk
        self.file = defn.name + ".DAT"
        self.reads = 0
        self._ops = len(disk.read(self.file))

    def _table(self) -> Replica:
        self.reads += 1
        r = Replica(self.defn)
        for op in self.disk.read(self.file):
            r.apply(op)
        return r

    # -- reading: every call reads the file ----------------------------------------
    def read(self, key) -> list:
        return self._table().read(key)

    def records(self):
        return iter(list(self._table().records()))

    def size(self) -> int:
        return self._table().size()

    def index_read(self, pos, value) -> list:
        return [r for r in self._table().records() if r[pos] == value]

    # -- changing ------------------------------------------------------------------
    def apply(self, op):
        self.disk.append(self.file, op)
        self.disk.sync(self.file)
        self._ops += 1
        if self._ops > 16 and self._ops > 2 * self.size():
            self.load(list(self.records()))

    def load(self, records):
        records = list(records)
        self.disk.replace(self.file, [("write", r) for r in records])
        self._ops = len(records)

    def destroy(self):
        self.disk.delete(self.file)


def new_replica(defn, node, disk):
    """The replica for ``node``'s copy of a table: disc-only, or RAM (ram and disc copies)."""
    if defn.copy_type(node) == "disc_only_copies":
        return DiscOnlyReplica(defn, disk)
    return Replica(defn)
