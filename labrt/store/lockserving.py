"""The store server's side of a transaction: locks and coordinators.

A transaction runs in its caller's process (:mod:`labrt.store.tx`), which
is its *coordinator*; the store servers of the nodes it touches only grant
locks and take part in the commit.  This mixin of
:class:`~labrt.store.server.StoreServer` holds the lock side:

* ``lock`` and ``lock_read`` requests go to the node's
  :class:`~labrt.store.locks.LockTable`.  Granted, the answer is the table's
  ``where_to_write`` (and, for a read, the records, from the local
  replica); queued, the server answers nothing now (``noreply``) and keeps
  the caller in ``waiting`` until a release grants the lock; refused by
  wait-die, the answer is ``("restart", ...)`` and the transaction runs
  again.  A request for a table still loading waits in ``stash``.
* The first lock of a transaction makes the server monitor its coordinator.
  When the transaction ends (commit, abort, or the coordinator's DOWN) its
  locks are released, which may grant queued requests and table copies
  waiting for a read lock (``_do_copy``, in ``membership.py``).
* A coordinator that vanishes after this node voted yes in a two-phase
  commit leaves the node unsure.  :meth:`LockServing._coordinator_gone` asks
  the other participants, from a helper process so the server keeps
  serving, what was decided, and follows anyone who committed; if nobody
  did, the transaction is aborted (Mnesia's ``sym_trans`` rule).
"""
from __future__ import annotations

import labrt
from labrt import gen_server

from .locks import TABLE
from .nodestore import SERVER
from .replica import match, run_select


class LockServing:
    """Locks, coordinators and their release (see the module's essay)."""

    def _watch(self, ns, tid, coord):
        if tid not in ns.coords and coord is not None:
            ref = labrt.monitor(coord)
            ns.coords[tid] = ref
            ns.coord_of[ref] = tid

    def _unwatch(self, ns, tid):
        ref = ns.coords.pop(tid, None)
        if ref is not None:
            ns.coord_of.pop(ref, None)
            labrt.demonitor(ref, flush=True)

    def _release(self, ns, tid):
        for token in ns.locks.release(tid):
            w = ns.waiting.pop(token, None)
            if w is not None:
                from_, tab, key, mode, filt = w
                gen_server.reply(from_, self._lock_answer(ns, tab, key, filt))
            elif type(token) is tuple and token[0] == "copy":
                self._do_copy(ns, token)

    def _lock_answer(self, ns, tab, key, filt):
        w2w = ns.active(tab)
        if filt is None:
            return ("ok", w2w)
        r = ns.replicas[tab]
        if key != TABLE:
            return ("ok", w2w, r.read(key))
        if filt == "all":
            return ("ok", w2w, list(r.records()))
        if filt[0] == "match":
            return ("ok", w2w, [x for x in r.records() if match(filt[1], x) is not None])
        if filt[0] == "select":
            return ("ok", w2w, run_select(filt[1], r.records()))
        if filt[0] == "index":
            return ("ok", w2w, r.index_read(filt[1], filt[2]))
        return ("ok", w2w, sorted({ns.defs[tab].key_of(x) for x in r.records()},
                                  key=repr))       # keys

    def _lock(self, ns, from_, req):
        _, tid, coord, tab, key, mode, filt = req
        if tab not in ns.defs:
            return ("reply", ("no_exists", tab), ns)
        if tab in ns.loading:
            ns.stash.append((from_, req))
            return ("noreply", ns)
        if tab not in ns.loaded:
            return ("reply", ("not_active", tab, ns.name), ns)
        if not ns.has_majority(tab):
            return ("reply", ("no_majority", tab), ns)
        self._watch(ns, tid, coord)
        token = object()
        got = ns.locks.acquire(tid, (tab, key), mode, token)
        if got == "granted":
            return ("reply", self._lock_answer(ns, tab, key, filt), ns)
        if got == "queued":
            ns.waiting[token] = (from_, tab, key, mode, filt)
            return ("noreply", ns)
        return ("reply", ("restart", got[1]), ns)
    def _forget(self, ns, tid):
        if len(ns.decisions) > 5000:
            for old in list(ns.decisions)[:1000]:
                del ns.decisions[old]
        self._unwatch(ns, tid)
        self._release(ns, tid)
    def _coordinator_gone(self, ns, tid):
        """The process running transaction ``tid`` is gone (or unreachable)."""
        p = ns.pending.get(tid)
        if p is None:
            self._release(ns, tid)
            return
        others = [n for n in p[1] if n != ns.name]
        me = labrt.self()

        async def resolver():
            outcome = "aborted"
            for n in others:
                try:
                    got = await gen_server.call((SERVER, n), ("decision", tid), 2.0)
                except labrt.ProcessExit:
                    continue
                if got == "committed":
                    outcome = "committed"
                    break
            gen_server.cast(me, ("resolve", tid, outcome))

        labrt.spawn(resolver)
