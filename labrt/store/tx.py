"""Transactions, as the calling process sees them.

Design
------
As in Mnesia, a transaction's function runs in the *caller's* process.
Each operation inside it asks a store server for a lock (and, for a read,
the records), and buffers its writes in the transaction's own store; at the
end the buffered writes are committed to every active replica of each
table written, in one step or two (``server.py``).  The transaction in
progress is this process's entry in ``rt.ext`` (Erlang's process
dictionary), so the operations need no handle: ``await read("kv", 1)``.

.. warning:: **fn must be pure.**  When a lock request meets an older
   transaction, *this* one dies: its locks are released and ``fn`` runs
   again from the start (Mnesia's wait-die).  A message sent, a counter
   bumped or a file written inside ``fn`` happens once per run, not once
   per transaction.  Do side effects after ``transaction`` returns
   ``("atomic", result)``.

Results are Mnesia's values in labrt's spelling:

``("atomic", result)``               fn returned result, everything committed
``("aborted", reason)``              ``abort(reason)``, or ``exit(reason)`` in fn
``("aborted", exc)``                 fn raised exception ``exc`` (Erlang: {E, Stack})
``("aborted", ("throw", v))``        fn raised ``Throw(v)``
``("aborted", ("no_exists", tab))``  a table that does not exist
``("aborted", ("bad_type", rec))``   a record that does not fit its table
``("aborted", ("no_majority", tab))``  a majority table without its majority
``("aborted", "nomore")``           ``retries`` restarts were not enough

An operation called outside a transaction exits the caller with
``("aborted", "no_transaction")``; a dirty operation that fails exits it
with ``("aborted", reason)``.  The dirty operations (no transaction, no
locks) are in ``dirty.py``, with the two helpers both share, and are
importable from here as before.

``retries`` is Mnesia's: ``None`` (infinity) or N, meaning fn runs at most
N times (at least once).  Between runs the transaction sleeps for Mnesia's
growing random time (a few ms), drawn from a generator seeded by the
transaction id, so runs are reproducible.  A transaction keeps its id
across restarts, so it ages and cannot starve.

Nested transactions share the top level's locks; a nested abort undoes
only the nested writes; nothing is committed before the top level is.
"""
from __future__ import annotations

import inspect
import random

import labrt
from labrt import Down, ProcessExit, gen_server
from labrt.gen_server import Tag, Throw

from .dirty import (_dest, _dirty_fail, _dirty_get, _dirty_ops, _ns,  # noqa: F401 (re-exported)
                    dirty_delete, dirty_delete_object, dirty_index_read, dirty_match_object,
                    dirty_read, dirty_select, dirty_write)
from .locks import TABLE
from .replica import apply_ops, match, run_select
from .server import SERVER, SLOT  # noqa: F401

__all__ = [
    "abort", "all_keys", "delete", "delete_object", "dirty_delete", "dirty_delete_object",
    "dirty_index_read", "dirty_match_object", "dirty_read", "dirty_select", "dirty_write",
    "index_read", "is_transaction", "lock", "match_object", "read", "select",
    "sync_transaction", "transaction", "wread", "write",
]

TX = "labrt.store.tx"


class _Restart(BaseException):
    """This run of fn is over: release the locks and run it again."""

    def __init__(self, why):
        self.why = why


class _Abort(BaseException):
    """abort(reason), or an error the store found: the transaction ends."""

    def __init__(self, reason):
        self.reason = reason


class _Tx:
    __slots__ = ("tid", "ops", "locked", "w2w", "lock_nodes", "sync", "level")

    def __init__(self, tid, sync):
        self.tid = tid
        self.ops: dict = {}          # (tab, key) -> [op, ...] in order
        self.locked: dict = {}       # (node, tab, key) -> mode
        self.w2w: dict = {}          # tab -> nodes written to (locked)
        self.lock_nodes: set = set()
        self.sync = sync
        self.level = 1


def _current():
    stack = labrt.current_runtime().ext.get(TX)
    if not stack:
        return None
    s = stack.get(labrt.self())
    return s[-1] if s else None


def _need_tx():
    tx = _current()
    if tx is None:
        labrt.exit(("aborted", "no_transaction"))
    return tx


def is_transaction() -> bool:
    """True inside a transaction's fn."""
    return _current() is not None


def abort(reason):
    """End the transaction: ``transaction`` returns ``("aborted", reason)``."""
    if _current() is None:
        labrt.exit(("aborted", reason))
    raise _Abort(reason)


# -- talking to store servers ------------------------------------------------------

async def _call(ns, node, req):
    try:
        return await gen_server.call(_dest(ns, node), req, None)
    except ProcessExit as e:
        r = e.reason
        if type(r) is tuple and len(r) == 2 and (
                r[0] == "noproc" or (type(r[0]) is tuple and r[0][0] == "nodedown")):
            raise _Restart(("node_not_running", node)) from None
        raise


async def _multicall(ns, nodes, make):
    """Ask every node at once (gen_server's call protocol); node -> reply or Down.

    A reply comes back as ``(tag, value)``; older gen_servers answer with the
    tag's ref, so both are recognised.
    """
    me = labrt.self()
    refs, keys = {}, {}
    for n in nodes:
        dest = _dest(ns, n)
        mref = labrt.monitor(dest)
        tag = Tag(mref, me)
        refs[mref] = n
        keys[tag] = keys[mref] = mref
        labrt.send(dest, ("$gen_call", (me, tag), make(n)))
    out = {}
    while refs:
        m = await labrt.receive(
            lambda m: (type(m) is tuple and len(m) == 2 and m[0] in keys
                       and keys[m[0]] in refs)
            or (type(m) is Down and m.ref in refs))
        if type(m) is tuple:
            mref = keys[m[0]]
            out[refs.pop(mref)] = m[1]
            labrt.demonitor(mref, flush=True)
        else:
            out[refs.pop(m.ref)] = m
    return out


def _check(reply):
    """Turn a server's refusal into a restart or an abort."""
    tag = reply[0]
    if tag == "ok":
        return reply
    if tag == "restart":
        raise _Restart(("cyclic", reply[1]))
    if tag == "not_active":
        raise _Restart(("not_active", reply[1], reply[2]))
    raise _Abort((tag, reply[1]))


def _defn(ns, tab):
    d = ns.defs.get(tab)
    if d is None:
        raise _Abort(("no_exists", tab))
    return d


def _read_node(ns, tab):
    if tab in ns.loaded:
        return ns.name
    nodes = [n for n in ns.active(tab) if n in ns.running]
    if not nodes:
        raise _Abort(("no_exists", tab))
    return nodes[0]


async def _read_locked(tx, ns, tab, key, filt):
    node = _read_node(ns, tab)
    me = labrt.self()
    reply = _check(await _call(ns, node, ("lock_read", tx.tid, me, tab, key, "read", filt)))
    tx.locked.setdefault((node, tab, key), "read")
    tx.lock_nodes.add(node)
    return reply[2] if len(reply) > 2 else None


async def _write_lock(tx, ns, tab, key):
    """A write lock on every active replica (and on any that the answers name)."""
    d = _defn(ns, tab)
    nodes = set(tx.w2w.get(tab, ())) | {n for n in ns.active(tab) if n in ns.running}
    if d.majority and 2 * len(nodes) <= len(d.copies):
        raise _Abort(("no_majority", tab))
    if not nodes:
        raise _Abort(("no_exists", tab))
    done = set()
    me = labrt.self()
    while nodes - done:
        for n in sorted(nodes - done):
            done.add(n)
            if tx.locked.get((n, tab, key)) == "write":
                continue
            reply = _check(await _call(ns, n, ("lock", tx.tid, me, tab, key, "write", None)))
            tx.locked[(n, tab, key)] = "write"
            tx.lock_nodes.add(n)
            nodes |= set(reply[1])
    tx.w2w[tab] = sorted(nodes)
    return d


def _buffered(tx, tab, key, stored, d):
    ops = tx.ops.get((tab, key))
    return apply_ops(d, stored, ops) if ops else stored


# -- operations inside a transaction -------------------------------------------------

async def read(tab, key, lock="read"):
    """The records with ``key`` (a list; a set gives at most one)."""
    tx = _need_tx()
    ns = _ns()
    d = _defn(ns, tab)
    if lock == "write":
        await _write_lock(tx, ns, tab, key)
    stored = await _read_locked(tx, ns, tab, key, "key")
    return _buffered(tx, tab, key, stored, d)


async def wread(tab, key):
    """read with a write lock (Mnesia's wread), for read-modify-write."""
    return await read(tab, key, lock="write")


async def write(record, table=None):
    """Write ``record`` (its first element names the table, unless ``table``)."""
    tx = _need_tx()
    ns = _ns()
    tab = table if table is not None else (record[0] if type(record) is tuple and record
                                           else None)
    if type(tab) is not str:
        raise _Abort(("bad_type", record))
    d = _defn(ns, tab)
    if not d.is_record(record):
        raise _Abort(("bad_type", record))
    key = d.key_of(record)
    await _write_lock(tx, ns, tab, key)
    tx.ops.setdefault((tab, key), []).append(("write", record))
    return "ok"


async def delete(tab, key):
    """Delete every record with ``key``."""
    tx = _need_tx()
    ns = _ns()
    await _write_lock(tx, ns, tab, key)
    tx.ops.setdefault((tab, key), []).append(("delete", key))
    return "ok"


async def delete_object(record):
    """Delete exactly ``record`` (in a bag, the others with its key stay)."""
    tx = _need_tx()
    ns = _ns()
    tab = record[0] if type(record) is tuple and record else None
    d = _defn(ns, tab)
    if not d.is_record(record):
        raise _Abort(("bad_type", record))
    key = d.key_of(record)
    await _write_lock(tx, ns, tab, key)
    tx.ops.setdefault((tab, key), []).append(("delete_object", record))
    return "ok"


async def lock(item, mode):
    """``lock(("table", tab), "read"|"write")`` or ``lock(("record", tab, key), mode)``."""
    tx = _need_tx()
    ns = _ns()
    if item[0] == "table":
        tab, key = item[1], TABLE
    else:
        tab, key = item[1], item[2]
    _defn(ns, tab)
    if mode == "write":
        await _write_lock(tx, ns, tab, key)
    else:
        await _read_locked(tx, ns, tab, key, None if key == TABLE else "key")
    return "ok"


async def _scan(tab, filt, keep):
    """A table read lock, then the records the filter keeps (own writes included)."""
    tx = _need_tx()
    ns = _ns()
    d = _defn(ns, tab)
    mine = [k for (t, k) in tx.ops if t == tab]
    if not mine:
        return await _read_locked(tx, ns, tab, TABLE, filt)
    records = await _read_locked(tx, ns, tab, TABLE, "all")
    by_key: dict = {}
    for r in records:
        by_key.setdefault(d.key_of(r), []).append(r)
    out = []
    for k, recs in by_key.items():
        if k not in mine:
            out += recs
    for k in mine:
        out += apply_ops(d, by_key.get(k, []), tx.ops[(tab, k)])
    return keep(out)


async def match_object(pattern):
    """Records matching ``pattern`` (``"_"`` and ``"$N"`` match anything)."""
    tab = pattern[0]
    return await _scan(tab, ("match", pattern),
                       lambda rs: [r for r in rs if match(pattern, r) is not None])


async def select(tab, spec):
    """Mnesia's select with a match specification ``[(head, guards, results)]``."""
    return await _scan(tab, ("select", spec), lambda rs: run_select(spec, rs))


async def index_read(tab, value, attr):
    """Records whose attribute ``attr`` (a name or a tuple position) is ``value``."""
    ns = _ns()
    _need_tx()
    pos = _defn(ns, tab).position(attr)
    return await _scan(tab, ("index", pos, value), lambda rs: [r for r in rs if r[pos] == value])


async def all_keys(tab):
    """Every key of the table."""
    ns = _ns()
    _need_tx()
    d = _defn(ns, tab)
    recs = await _scan(tab, "all", lambda rs: rs)
    return sorted({d.key_of(r) for r in recs}, key=repr)


# -- the transaction ------------------------------------------------------------

async def _run(fn, args):
    value = fn(*args)
    if inspect.isawaitable(value):
        value = await value
    return value


def _stack():
    rt = labrt.current_runtime()
    stacks = rt.ext.setdefault(TX, {})
    return stacks.setdefault(labrt.self(), [])


def _pop(rt, me):
    stacks = rt.ext.get(TX, {})
    s = stacks.get(me)
    if s:
        s.pop()
    if not s:
        stacks.pop(me, None)


def _failure(e):
    if isinstance(e, _Abort):
        return e.reason
    if isinstance(e, ProcessExit):
        return e.reason
    if isinstance(e, Throw):
        return ("throw", e.value)
    return e


async def transaction(fn, *args, retries=None, sync=False):
    """Run ``fn(*args)`` as a transaction: ``("atomic", r)`` or ``("aborted", why)``.

    **fn must be pure**: it may run more than once (see the module doc).
    """
    ns = _ns()
    if ns is None:
        return ("aborted", ("node_not_running", labrt.current_runtime().node_name))
    parent = _current()
    if parent is not None:
        return await _nested(parent, fn, args)
    tid = await gen_server.call(SERVER, ("begin",), None)
    rt, me = labrt.current_runtime(), labrt.self()
    left = retries
    factor = 1
    while True:
        tx = _Tx(tid, sync)
        _stack().append(tx)
        try:
            result = await _run(fn, args)
            await _commit(tx, ns)
            return ("atomic", result)
        except _Restart as r:
            why = r.why
            _release(tx, ns)
        except (_Abort, ProcessExit, Exception) as e:
            _release(tx, ns)
            return ("aborted", _failure(e))
        finally:
            _pop(rt, me)
        if left is not None and left <= 1:
            return ("aborted", "nomore")
        if left is not None:
            left -= 1
        f = 1 if why[0] in ("bad_commit", "node_not_running") else factor
        factor += 1
        await labrt.sleep(_backoff(tid, f))


def _backoff(tid, factor) -> float:
    """Mnesia's random_time: factor² + uniform(1..max) milliseconds."""
    dup = factor * factor
    hi = max(1, int(500 * (1 - 50 / (dup + 50))))
    rng = random.Random(f"labrt.store:{tid}:{factor}")
    return (dup + rng.randint(1, hi)) / 1000.0


async def sync_transaction(fn, *args, retries=None):
    """A transaction whose commit is synced to every replica's disk before it returns."""
    return await transaction(fn, *args, retries=retries, sync=True)


async def _nested(parent, fn, args):
    saved = {k: list(v) for k, v in parent.ops.items()}
    parent.level += 1
    try:
        return ("atomic", await _run(fn, args))
    except _Restart:
        raise
    except (_Abort, ProcessExit, Exception) as e:
        parent.ops = saved
        return ("aborted", _failure(e))
    finally:
        parent.level -= 1


def _release(tx, ns):
    for n in sorted(tx.lock_nodes):
        gen_server.cast(_dest(ns, n), ("release", tx.tid))


async def _commit(tx, ns):
    ops_of = {}
    for (tab, key), ops in tx.ops.items():
        for n in tx.w2w.get(tab, ()):
            ops_of.setdefault(n, []).extend((tab, op) for op in ops)
    if not ops_of:
        _release(tx, ns)
        return
    parts = sorted(ops_of)
    if len(parts) == 1:
        n = parts[0]
        got = await _call(ns, n, ("commit1", tx.tid, ops_of[n], tx.sync))
        assert got == "ok"
    else:
        me = labrt.self()
        votes = await _multicall(ns, parts,
                                 lambda n: ("prepare", tx.tid, me, ops_of[n], parts))
        lost = [n for n in parts if type(votes[n]) is Down]
        no = [votes[n] for n in parts if type(votes[n]) is tuple]
        problem = None
        if lost:
            problem = _Restart(("bad_commit", lost[0]))
        elif no:
            problem = _Restart(no[0][1])
        else:
            for tab in sorted({t for (t, _k) in tx.ops}):
                d = ns.defs[tab]
                if d.majority:
                    yes = [n for n in parts if d.copy_type(n) is not None]
                    if 2 * len(yes) <= len(d.copies):
                        problem = _Abort(("no_majority", tab))
                        break
        if problem is not None:
            for n in parts:
                gen_server.cast(_dest(ns, n), ("abort", tx.tid))
            raise problem
        await _multicall(ns, parts, lambda n: ("commit", tx.tid, tx.sync))
    rest = tx.lock_nodes - set(parts)
    for n in sorted(rest):
        gen_server.cast(_dest(ns, n), ("release", tx.tid))
