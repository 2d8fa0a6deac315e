"""Counters: the anomalies a chapter wants to put a number on.

The linearizability checker gives one verdict and one piece of evidence.
A chapter about partitions also wants to say *how much* went wrong: "the
minority side acknowledged 14 writes that are gone after the heal". The
counters here each look for one kind of anomaly and return the operations
(or keys) at fault, so a number always comes with its examples.

Every counter is *sound*: what it reports is certainly an anomaly, whatever
order the operations really ran in. It may miss some (the full checker
finds every violation; these find the common, nameable ones).

``lost_writes(history, final)``
    Acknowledged writes whose value cannot be in the final state. For a
    register or a map key: the final value was written only by writes that
    completed before this one began (or by none), so this one must have been
    overwritten by an earlier write, which is impossible. For a set: an
    acknowledged ``add`` missing from the final set.
``stale_reads(history)``
    Reads that returned a value already overwritten before the read began:
    some acknowledged write W of another value completed before the read
    was invoked, and every write of the value read (and the initial value,
    if that is what was read) completed before W was invoked. For a set: a
    read missing an element whose ``add`` was acknowledged before it began.
``duplicated_effects(history, final)``
    For collections that keep duplicates (a log, a queue, a list): values
    present more often than operations that could have added them (ok or
    unknown; failed ones cannot). A retried non-idempotent call looks so.
    For a counter: a final value above the sum of every increment that may
    have happened.
``divergent_replicas(replicas)``
    After a partition heals, the keys on which replicas still disagree
    (Mnesia's default: no merge, an ``inconsistent_database`` event).

The operations are read by name: ``write``/``read`` (a register, key
``None``), ``put``/``get`` (a map: ``put([k, v])``, ``get(k)``), ``add``
and ``append`` (collections), and ``read`` of a collection returning a list.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .history import History, Operation

WRITES = ("write", "put")
READS = ("read", "get")
ADDS = ("add", "append")


def _key(op: Operation) -> Any:
    if op.f == "put":
        return op.value[0]
    if op.f == "get":
        return op.value
    return None


def _written(op: Operation) -> Any:
    return op.value[1] if op.f == "put" else op.value


def _writes_by_key(history: History) -> dict[Any, list[Operation]]:
    out: dict[Any, list[Operation]] = {}
    for op in history:
        if op.f in WRITES and op.status != "fail":
            out.setdefault(_key(op), []).append(op)
    return out


def _is_set(history: History) -> bool:
    return any(op.f in ADDS for op in history)


def lost_writes(history: History, final: Any, initial: Any = None) -> list[Operation]:
    """Acknowledged writes that cannot be in ``final`` (see the module doc).

    ``final`` is the value of a register, a ``{key: value}`` dict for a map
    (a missing key has ``initial``), or the elements of a set.
    """
    if any(op.f == "incr" for op in history):
        raise ValueError("lost_writes cannot tell which increments were lost; compare the "
                         "final value with the sum of the acknowledged increments")
    if _is_set(history):
        have = set(final)
        return [op for op in history if op.f in ADDS and op.status == "ok"
                and op.value not in have]
    lost = []
    for key, writes in _writes_by_key(history).items():
        now = final.get(key, initial) if isinstance(final, dict) else final
        sources = [w for w in writes if _written(w) == now]
        for w in writes:
            if w.status == "ok" and _written(w) != now and all(s.precedes(w) for s in sources):
                lost.append(w)
    return sorted(lost, key=lambda op: op.id)


def stale_reads(history: History, initial: Any = None) -> list[Operation]:
    """Reads that returned an overwritten value (see the module doc)."""
    if _is_set(history):
        adds = [op for op in history if op.f in ADDS and op.status == "ok"]
        return [r for r in history if r.f == "read" and r.status == "ok"
                and any(a.precedes(r) and a.value not in r.result for a in adds)]
    writes = _writes_by_key(history)
    stale = []
    for r in history:
        if r.f not in READS or r.status != "ok":
            continue
        ws = writes.get(_key(r), [])
        sources = [w for w in ws if _written(w) == r.result]
        if not sources and r.result != initial:
            continue                      # a value from nowhere: not "stale"
        for w2 in ws:
            if (w2.status == "ok" and w2.precedes(r) and _written(w2) != r.result
                    and all(s.precedes(w2) for s in sources)):
                stale.append(r)
                break
    return stale


def duplicated_effects(history: History, final: Any) -> list[tuple[Any, Any, int, int]]:
    """``(key, value, present, added)`` for values present more often than
    they could have been added. ``final`` is a list, or ``{key: list}``.

    For a counter (``incr`` operations, ``final`` a number) the one entry is
    ``(None, "incr", final, most)`` if ``final`` exceeds ``most``, the sum of
    every increment that may have happened (positive increments only).
    """
    if isinstance(final, (int, float)) and not isinstance(final, bool):
        incrs = [op for op in history if op.f == "incr" and op.status != "fail"]
        most = sum(1 if op.value is None else op.value for op in incrs)
        return [(None, "incr", final, most)] if incrs and final > most else []
    added: Counter = Counter()
    for op in history:
        if op.f in ADDS and op.status != "fail":
            key, value = (op.value if isinstance(op.value, tuple) and isinstance(final, dict)
                          else (None, op.value))
            added[(key, value)] += 1
    collections = final.items() if isinstance(final, dict) else [(None, final)]
    out = []
    for key, items in collections:
        for value, n in sorted(Counter(items).items(), key=lambda kv: repr(kv[0])):
            if n > added[(key, value)]:
                out.append((key, value, n, added[(key, value)]))
    return out


def divergent_replicas(replicas: dict[Any, Any]) -> dict[Any, dict[Any, Any]]:
    """``{key: {replica: value}}`` for the keys on which replicas disagree.

    ``replicas`` maps a replica's name to its state: a dict of keys, or any
    other value (then the only key is ``None``). A key missing on a replica
    shows as ``None`` there.
    """
    if not replicas:
        return {}
    if not all(isinstance(s, dict) for s in replicas.values()):
        states = {name: s for name, s in replicas.items()}
        return {} if len({repr(s) for s in states.values()}) <= 1 else {None: states}
    keys = []
    for state in replicas.values():
        keys += [k for k in state if k not in keys]
    out = {}
    for key in keys:
        values = {name: state.get(key) for name, state in replicas.items()}
        if len({repr(v) for v in values.values()}) > 1:
            out[key] = values
    return out


@dataclass
class Counts:
    """All four counters at once; ``None`` where the input to compute one
    was not given."""
    lost: list[Operation] | None = None
    stale: list[Operation] = field(default_factory=list)
    duplicated: list[tuple] | None = None
    divergent: dict | None = None

    def __str__(self) -> str:
        def n(x):
            return "not measured" if x is None else str(len(x))
        return "\n".join([
            f"lost acknowledged writes: {n(self.lost)}",
            f"stale reads: {n(self.stale)}",
            f"duplicated effects: {n(self.duplicated)}",
            f"divergent keys after heal: {n(self.divergent)}",
        ])


def count(history: History, final: Any = None, replicas: dict | None = None,
          initial: Any = None) -> Counts:
    """Every counter that the arguments allow."""
    return Counts(
        lost=None if final is None else lost_writes(history, final, initial),
        stale=stale_reads(history, initial),
        duplicated=(duplicated_effects(history, final)
                    if final is not None and any(op.f in ADDS + ("incr",) for op in history)
                    and not isinstance(final, (set, frozenset)) else None),
        divergent=None if replicas is None else divergent_replicas(replicas),
    )
