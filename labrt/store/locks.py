"""Locks, and Mnesia's wait-die rule for deadlocks.

Design
------
Every node's store keeps a :class:`LockTable` for the replicas it holds
(Mnesia's ``mnesia_locker``).  A transaction asks for a lock on an *object*:
``(tab, key)`` for one record or ``(tab, TABLE)`` for the whole table, in
``"read"`` or ``"write"`` mode.  Read locks share; a write lock excludes
every lock of another transaction on the same record, and a table lock
conflicts with every record lock of the table (and the other way round).

Waiting for a lock can deadlock: T1 holds a and waits for b, T2 holds b and
waits for a.  Mnesia never lets that happen, with *wait-die*: every
transaction has an age (its id, given when it first starts and kept across
restarts), and when a request conflicts

* an **older** requester (smaller id) than every transaction it conflicts
  with *waits* in the object's queue;
* a **younger** one *dies*: the request answers ``("restart", holder)``,
  the transaction releases all its locks, and its function runs again from
  the start (see ``tx.py``).

Waits only ever go from older to younger, so no cycle of waits can form.
Queued requests count as holders for the decision, so a new request cannot
overtake older ones that wait.  A transaction's id is
``(virtual time, node index, serial)``: comparable across nodes, and the
same on every run with the same seed.

This module is pure data: no processes, no messages.  The store server
calls :meth:`acquire` and :meth:`release` and delivers what they grant.
"""
from __future__ import annotations

__all__ = ["LockTable", "TABLE"]

TABLE = "$table"            # the key of a whole-table lock object


def _conflicts(mode_a, mode_b) -> bool:
    return mode_a == "write" or mode_b == "write"


class LockTable:
    """Who holds which lock, who waits; see the module doc."""

    def __init__(self):
        self.held: dict = {}        # (tab, key) -> {tid: mode}
        self.by_tid: dict = {}      # tid -> set of objects held
        self.queue: list = []       # [(tid, obj, mode, token)] in arrival order

    def _holders(self, obj):
        """(tid, mode) pairs that ``obj`` conflicts with, held or queued."""
        tab, key = obj
        out = []
        if key == TABLE:
            for o, hs in self.held.items():
                if o[0] == tab:
                    out += hs.items()
        else:
            out += self.held.get(obj, {}).items()
            out += self.held.get((tab, TABLE), {}).items()
        for tid, o, mode, _ in self.queue:
            if o[0] == tab and (key == TABLE or o[1] in (key, TABLE)):
                out.append((tid, mode))
        return out

    def _blockers(self, tid, obj, mode, queued=True):
        hs = self._holders(obj) if queued else [
            h for h in self._holders_held(obj)]
        return [t for t, m in hs if t != tid and _conflicts(mode, m)]

    def _holders_held(self, obj):
        tab, key = obj
        if key == TABLE:
            return [h for o, hs in self.held.items() if o[0] == tab for h in hs.items()]
        return (list(self.held.get(obj, {}).items())
                + list(self.held.get((tab, TABLE), {}).items()))

    def acquire(self, tid, obj, mode, token=None):
        """``"granted"``, ``"queued"`` (token comes back from release) or
        ``("restart", older_tid)``."""
        mine = self.held.get(obj, {}).get(tid)
        if mine == "write" or mine == mode:
            return "granted"
        blockers = self._blockers(tid, obj, mode)
        if not blockers:
            self._grant(tid, obj, mode)
            return "granted"
        oldest = min(blockers)
        if tid < oldest:
            self.queue.append((tid, obj, mode, token))
            return "queued"
        return ("restart", oldest)

    def _grant(self, tid, obj, mode):
        hs = self.held.setdefault(obj, {})
        if hs.get(tid) != "write":
            hs[tid] = mode
        self.by_tid.setdefault(tid, set()).add(obj)

    def holds(self, tid) -> bool:
        return tid in self.by_tid or any(q[0] == tid for q in self.queue)

    def release(self, tid) -> list:
        """Drop every lock and queued request of ``tid``; return the tokens of
        the queued requests that are now granted, in queue order."""
        for obj in self.by_tid.pop(tid, ()):
            hs = self.held.get(obj)
            if hs is not None:
                hs.pop(tid, None)
                if not hs:
                    del self.held[obj]
        self.queue = [q for q in self.queue if q[0] != tid]
        return self._promote()

    def _promote(self) -> list:
        granted = []
        waiting = []
        for q in self.queue:
            tid, obj, mode, token = q
            # Blocked by a holder, or by an earlier request still waiting?
            held = [t for t, m in self._holders_held(obj) if t != tid and _conflicts(mode, m)]
            ahead = [w for w in waiting if w[1][0] == obj[0]
                     and (obj[1] == TABLE or w[1][1] in (obj[1], TABLE))
                     and w[0] != tid and _conflicts(mode, w[2])]
            if held or ahead:
                waiting.append(q)
            else:
                self._grant(tid, obj, mode)
                granted.append(token)
        self.queue = waiting
        return granted

    def tids(self) -> set:
        return set(self.by_tid) | {q[0] for q in self.queue}
