"""Fault schedules ("nemesis"): a failure written down as data.

Design
------
A fault is a small frozen dataclass that knows one thing: how to apply
itself to a world (``Partition(("a@h",), ("b@h", "c@h")).apply(world)`` is
``world.partition(...)``).  A :class:`FaultSchedule` is a list of
``(time, fault)`` pairs in time order, with the four things one does with
data: write it by hand, generate it from a seed, save and load it (one JSON
object per line), and print it (a table).  ``world.apply(schedule)`` puts
each fault on the world's timer heap at its virtual time, so faults
interleave with the program's own events deterministically: the same
program, seed and schedule give the same trace, byte for byte.

Times are absolute virtual seconds on the world's clock.  Node names are
plain strings, so a schedule can be written before the world exists, saved
beside a notebook and replayed later.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, fields

__all__ = ["Crash", "Drop", "Fault", "FaultSchedule", "Heal", "Partition",
           "Restart", "Slow"]


def _names(x, what):
    if isinstance(x, str):
        return (x,)
    try:
        out = tuple(x)
    except TypeError:
        raise ValueError(f"{what}: expected a node name or a list of them, got {x!r}") from None
    if not out or not all(isinstance(n, str) for n in out):
        raise ValueError(f"{what}: expected node names (strings), got {x!r}")
    return out


class Fault:
    """Base class: every fault has a ``kind`` and ``apply(world)``."""

    kind = "fault"

    def apply(self, world):  # pragma: no cover - each fault overrides it
        raise NotImplementedError

    def describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in asdict(self).items())

    def as_data(self) -> dict:
        d = {"fault": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        return d


@dataclass(frozen=True)
class Partition(Fault):
    """Cut the links between ``side_a`` and ``side_b`` (None: all other nodes)."""
    side_a: tuple
    side_b: tuple | None = None
    oneway: bool = False
    kind = "partition"

    def __post_init__(self):
        object.__setattr__(self, "side_a", _names(self.side_a, "Partition side_a"))
        if self.side_b is not None:
            object.__setattr__(self, "side_b", _names(self.side_b, "Partition side_b"))

    def apply(self, world):
        world.partition(self.side_a, self.side_b, oneway=self.oneway)

    def describe(self):
        b = ", ".join(self.side_b) if self.side_b else "everyone else"
        arrow = " -> " if self.oneway else " | "
        return ", ".join(self.side_a) + arrow + b


@dataclass(frozen=True)
class Heal(Fault):
    """Reconnect every cut link, or only those between two sides."""
    side_a: tuple | None = None
    side_b: tuple | None = None
    kind = "heal"

    def __post_init__(self):
        for name in ("side_a", "side_b"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _names(v, f"Heal {name}"))

    def apply(self, world):
        world.heal(self.side_a, self.side_b)

    def describe(self):
        if self.side_a is None:
            return "every link"
        return ", ".join(self.side_a) + " | " + (", ".join(self.side_b or ()) or "everyone else")


@dataclass(frozen=True)
class Crash(Fault):
    """Crash a node (processes gone, disk kept); peers learn after ``detect`` s."""
    node: str
    detect: float | None = None
    kind = "crash"

    def apply(self, world):
        world.crash(self.node, detect=self.detect)

    def describe(self):
        return self.node + ("" if self.detect is None else f" (peers told after {self.detect} s)")


@dataclass(frozen=True)
class Restart(Fault):
    """Restart a crashed node: same name, new creation."""
    node: str
    kind = "restart"

    def apply(self, world):
        world.restart(self.node)

    def describe(self):
        return self.node


@dataclass(frozen=True)
class Slow(Fault):
    """Give the link between ``a`` and ``b`` a latency (seconds, [kind, a, b], or None: default)."""
    a: str
    b: str
    latency: object
    kind = "slow"

    def __post_init__(self):
        if isinstance(self.latency, list):
            object.__setattr__(self, "latency", tuple(self.latency))

    def apply(self, world):
        world.slow(self.a, self.b, self.latency)

    def describe(self):
        lat = self.latency
        shown = ("back to normal" if lat is None else f"{lat} s" if isinstance(lat, (int, float))
                 else f"{lat[0]} {lat[1]}-{lat[2]} s")
        return f"{self.a} <-> {self.b}: {shown}"


@dataclass(frozen=True)
class Drop(Fault):
    """Lose a share ``p`` of the messages between ``a`` and ``b``."""
    a: str
    b: str
    p: float
    kind = "drop"

    def apply(self, world):
        world.drop(self.a, self.b, self.p)

    def describe(self):
        return f"{self.a} <-> {self.b}: {self.p:.0%} of messages"


KINDS = {cls.kind: cls for cls in (Partition, Heal, Crash, Restart, Slow, Drop)}


class FaultSchedule:
    """Timed faults in time order: ``FaultSchedule([(30.0, Partition(...)), ...])``."""

    def __init__(self, entries=()):
        out = []
        for entry in entries:
            try:
                t, fault = entry
            except (TypeError, ValueError):
                raise ValueError(f"a schedule entry is (time, fault), got {entry!r}") from None
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not t >= 0:
                raise ValueError(f"a fault's time is virtual seconds >= 0, got {t!r}")
            if not isinstance(fault, Fault):
                raise ValueError(f"not a fault: {fault!r} (use Partition, Heal, Crash, "
                                 "Restart, Slow or Drop)")
            out.append((float(t), fault))
        out.sort(key=lambda e: e[0])          # stable: equal times keep their order
        self.entries = tuple(out)

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def __eq__(self, other):
        return isinstance(other, FaultSchedule) and self.entries == other.entries

    def __add__(self, other):
        return FaultSchedule(self.entries + tuple(other))

    def __repr__(self):
        return f"<FaultSchedule of {len(self)} faults>"

    # -- applying ------------------------------------------------------------------
    def apply(self, world):
        """Put each fault on ``world``'s clock at its time (which must not be past)."""
        for t, fault in self.entries:
            if t < world.now:
                raise ValueError(f"the schedule has a fault at t={t}, but the world is "
                                 f"already at t={world.now}; apply it earlier")
        for t, fault in self.entries:
            world._timer(t, fault.apply, world)

    # -- printing ------------------------------------------------------------------
    def table(self) -> str:
        """One line per fault: time, kind, what it does."""
        rows = [("time", "fault", "what")]
        rows += [(f"{t:.3f}", f.kind, f.describe()) for t, f in self.entries]
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        return "\n".join(f"{r[0]:>{w0}}  {r[1]:<{w1}}  {r[2]}".rstrip() for r in rows)

    def __str__(self):
        return self.table()

    # -- saving and loading --------------------------------------------------------
    def to_jsonl(self, path=None):
        """One JSON object per fault (``{"t": 30.0, "fault": "crash", "node": ...}``)."""
        text = "".join(json.dumps({"t": t, **f.as_data()}, sort_keys=False) + "\n"
                       for t, f in self.entries)
        if path is None:
            return text
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return None

    @classmethod
    def from_jsonl(cls, source) -> FaultSchedule:
        """Read :meth:`to_jsonl`'s text, or a file of it (a path)."""
        if isinstance(source, (str, os.PathLike)) and not str(source).lstrip().startswith("{") \
                and str(source).strip() and os.path.exists(source):
            with open(source, encoding="utf-8") as f:
                source = f.read()
        entries = []
        for n, line in enumerate(str(source).splitlines(), 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                t = d.pop("t")
                kind = d.pop("fault")
            except (ValueError, KeyError, AttributeError):
                raise ValueError(f"line {n} is not a fault: {line!r} (each line is a JSON "
                                 'object with "t" and "fault")') from None
            if kind not in KINDS:
                raise ValueError(f"line {n}: unknown fault {kind!r}; known: {sorted(KINDS)}")
            try:
                fault = KINDS[kind](**d)
            except TypeError as e:
                raise ValueError(f"line {n}: {kind} {e}") from None
            entries.append((t, fault))
        return cls(entries)

    # -- generating ----------------------------------------------------------------
    @classmethod
    def random(cls, nodes, seed=0, duration: float = 3600.0, every: float = 30.0,
               faults=("partition",), lasting=(1.0, 10.0), start: float = 0.0) -> FaultSchedule:
        """A seeded random schedule: one fault every ``every`` seconds for ``duration``.

        Each period starts a fault of a kind drawn from ``faults`` (any of
        ``"partition"``, ``"oneway"``, ``"crash"``, ``"slow"``, ``"drop"``)
        at a random moment in its first half, and undoes it (heal, restart,
        back to normal) after a time drawn from ``lasting``, within the
        period.  The same arguments always give the same schedule.
        """
        nodes = list(_names(nodes, "FaultSchedule.random nodes"))
        if len(nodes) < 2:
            raise ValueError("FaultSchedule.random needs at least two nodes")
        unknown = set(faults) - {"partition", "oneway", "crash", "slow", "drop"}
        if unknown or not faults:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; use partition, oneway, "
                             "crash, slow, drop")
        lo, hi = lasting
        if not 0 < lo <= hi or hi > every / 2:
            raise ValueError(f"lasting=(lo, hi) needs 0 < lo <= hi <= every/2 "
                             f"(= {every / 2}), got {lasting!r}")
        rng = random.Random(f"labrt.faults:{seed}")
        out = []
        t0 = start
        while t0 + every <= start + duration + 1e-9:
            t = round(t0 + rng.uniform(0, every / 2), 3)
            end = round(t + rng.uniform(lo, hi), 3)
            kind = rng.choice(list(faults))
            if kind in ("partition", "oneway"):
                k = rng.randint(1, len(nodes) - 1)
                side = sorted(rng.sample(nodes, k), key=nodes.index)
                rest = [n for n in nodes if n not in side]
                out.append((t, Partition(tuple(side), tuple(rest), oneway=kind == "oneway")))
                out.append((end, Heal()))
            elif kind == "crash":
                victim = rng.choice(nodes)
                out.append((t, Crash(victim)))
                out.append((end, Restart(victim)))
            else:
                a, b = rng.sample(nodes, 2)
                if kind == "slow":
                    out.append((t, Slow(a, b, round(rng.uniform(0.05, 0.5), 3))))
                    out.append((end, Slow(a, b, None)))
                else:
                    out.append((t, Drop(a, b, round(rng.uniform(0.1, 0.5), 2))))
                    out.append((end, Drop(a, b, 0.0)))
            t0 += every
        return cls(out)
