"""Fault rows: the one converter from a check's faults, written as data, to a
``labrt.dist.FaultSchedule``.

The checks of chapters 8 to 12 take their schedules as data, one row a fault,
``[time, kind, *args]`` (seconds from the start of the run), so that a hidden case is
another list of rows, not another piece of code. This module is the one place that
turns rows into faults (:func:`fault_rows`, :func:`fault_schedule`) and into words for a
message (:func:`describe_faults`). A row is checked before it is used: whoever writes one
(an instructor's hidden case, a student trying a schedule in a notebook) learns which
row is wrong and what a row of that kind looks like (:data:`FAULT_ROWS`), not a bare
IndexError from deep inside a run. A crash or a restart may name one node or a list of
nodes (a power cut of a site is one row); a partition names one side (cut from every
other node) or two, and ``"oneway"`` after the sides cuts one direction only.
"""
from __future__ import annotations


#: What a row of each kind looks like (for the messages).
FAULT_ROWS = {
    "crash": '[t, "crash", node] (or a list of nodes)',
    "restart": '[t, "restart", node] (or a list of nodes)',
    "partition": '[t, "partition", side_a] (cut from every other node), '
                 '[t, "partition", side_a, side_b] or [t, "partition", side_a, side_b, "oneway"]',
    "heal": '[t, "heal"]',
    "drop": '[t, "drop", node_a, node_b, share] (share of the messages lost, 0..1)',
    "slow": '[t, "slow", node_a, node_b, latency] (seconds; None: the default)',
    "unslow": '[t, "unslow", node_a, node_b]',
}


class BadFaultRow(ValueError):
    """A fault row that cannot be turned into a fault (the message names it)."""


def _bad(i, row, why, kind=None):
    shape = (f"a {kind} row looks like {FAULT_ROWS[kind]}" if kind in FAULT_ROWS else
             "a row is [time, kind, *args] with kind one of " + ", ".join(FAULT_ROWS))
    return BadFaultRow(f"fault row {i} {row!r}: {why}; {shape}")


def _nodes(value, i, row, kind):
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names or \
            not all(isinstance(n, str) and "@" in n for n in names):
        raise _bad(i, row, f"{value!r} is not a node name (name@host) or a list of them", kind)
    return tuple(names)


def _number(value, i, row, kind, what, low=0.0, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
            or (high is not None and value > high) or value != value:
        raise _bad(i, row, f"{what} {value!r} is not a number"
                   + (f" from {low:g} to {high:g}" if high is not None else f" >= {low:g}"), kind)
    return float(value)


def fault_rows(rows, t0: float = 0.0) -> list:
    """``[(time, fault), ...]`` from fault rows (``t0`` added to every time); a bad row
    raises :class:`BadFaultRow` naming it."""
    from labrt.dist import Crash, Drop, Heal, Partition, Restart, Slow
    if not isinstance(rows, (list, tuple)):
        raise BadFaultRow(f"the faults {rows!r} are not a list of rows; "
                          "a row is [time, kind, *args]")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) < 2 or not isinstance(row[1], str):
            raise _bad(i, row, "not a [time, kind, *args] row")
        t, kind, args = row[0], row[1], list(row[2:])
        if kind not in FAULT_ROWS:
            raise _bad(i, row, f"unknown kind {kind!r}")
        t = t0 + _number(t, i, row, kind, "the time")
        want = {"crash": (1, 1), "restart": (1, 1), "partition": (1, 3), "heal": (0, 0),
                "drop": (3, 3), "slow": (3, 3), "unslow": (2, 2)}[kind]
        if not want[0] <= len(args) <= want[1]:
            raise _bad(i, row, f"{len(args)} arguments after the kind", kind)
        if kind in ("crash", "restart"):
            cls = Crash if kind == "crash" else Restart
            out += [(t, cls(n)) for n in _nodes(args[0], i, row, kind)]
        elif kind == "partition":
            side_a = _nodes(args[0], i, row, kind)
            side_b = _nodes(args[1], i, row, kind) if len(args) > 1 else None
            if len(args) == 3 and args[2] != "oneway":
                raise _bad(i, row, f"the fifth item {args[2]!r} is not \"oneway\"", kind)
            if side_b is not None and set(side_a) & set(side_b):
                raise _bad(i, row, f"{sorted(set(side_a) & set(side_b))} on both sides", kind)
            out.append((t, Partition(side_a, side_b, oneway=len(args) == 3)))
        elif kind == "heal":
            out.append((t, Heal()))
        else:
            a, b = (_nodes(x, i, row, kind)[0] for x in args[:2])
            if isinstance(args[0], list) or isinstance(args[1], list):
                raise _bad(i, row, "a link is between two nodes, not lists", kind)
            if kind == "drop":
                out.append((t, Drop(a, b, _number(args[2], i, row, kind, "the share", 0.0, 1.0))))
            elif kind == "slow":
                lat = args[2] if args[2] is None else _number(args[2], i, row, kind, "the latency")
                out.append((t, Slow(a, b, lat)))
            else:
                out.append((t, Slow(a, b, None)))
    return out


def fault_schedule(rows, t0: float = 0.0):
    """The ``labrt.dist.FaultSchedule`` of fault rows (see :data:`FAULT_ROWS`)."""
    from labrt.dist import FaultSchedule
    return FaultSchedule(fault_rows(rows, t0))


def describe_faults(rows) -> str:
    """Fault rows in words for a message ("crash master at 10 s, partition a | b at
    12 s, ..."), node names without their host."""
    def short(value):
        names = [value] if isinstance(value, str) else list(value)
        return "+".join(str(n).split("@")[0] for n in names)
    parts = []
    for t, kind, *args in rows:
        if kind == "partition" and len(args) == 1:
            parts.append(f"{short(args[0])} cut off at {t:g} s")
        elif kind == "partition":
            way = " one way" if len(args) > 2 else ""
            parts.append(f"partition {short(args[0])} | {short(args[1])}{way} at {t:g} s")
        elif kind == "drop":
            parts.append(f"{args[2]:.0%} of the messages between {short(args[0])} and "
                         f"{short(args[1])} lost from {t:g} s")
        elif args:
            parts.append(f"{kind} {short(args[0])} at {t:g} s")
        else:
            parts.append(f"{kind} at {t:g} s")
    return ", ".join(parts) or "no faults"
