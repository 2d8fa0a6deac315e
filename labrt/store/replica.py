"""Tables: their definitions, one node's copy of their records, and patterns.

Design
------
A record is a tuple whose first element names its table, as in Mnesia
(``("person", "ann", 42)`` is Erlang's ``{person, ann, 42}``).  A table's
definition (:class:`TableDef`) says what its records look like (the
attribute names), which element is the key (``keypos``: a Python tuple
index, 1 by default, which is Erlang's ``{keypos, 2}``, the first
attribute), whether it is a ``set`` (one record per key) or a ``bag``
(several distinct records per key), which attributes are indexed, and where
its copies live: a ``{node: "ram_copies" | "disc_copies" |
"disc_only_copies"}`` mapping (a disc-only copy is ``disconly.py``'s).

A :class:`Replica` is one node's copy of a table's records: a dict from key
to record (set) or to a list of records (bag), plus one dict per index from
attribute value to keys.  It is plain data in the node's RAM (Erlang keeps
it in an ets table); the node's store server is the only process that
changes it, by applying *operations*, the unit a transaction log records:

    ("write", record)          insert, replacing the key's record in a set
    ("delete", key)            remove every record with that key
    ("delete_object", record)  remove exactly that record

Patterns are Erlang's match patterns spelled in Python: ``"_"`` matches
anything, ``"$1"``, ``"$2"`` ... match anything and bind a variable (the
same variable must match equal values), tuples match element by element,
and anything else matches an equal value.  ``select`` takes Mnesia's match
specification, a list of ``(head, guards, results)``, with the guards as
tuples in prefix form (``(">", "$2", 30)``, ``("andalso", g1, g2)``) and the
results ``"$_"`` (the record), ``"$$"`` (the bound variables in order),
a variable, or a tuple of these.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..kernel.values import ANY

__all__ = ["TableDef", "Replica", "match", "run_select", "COPY_TYPES"]

COPY_TYPES = ("ram_copies", "disc_copies", "disc_only_copies")
TYPES = ("set", "bag")


@dataclass(frozen=True)
class TableDef:
    """What a table is: its shape, its type and where its copies live."""
    name: str
    attributes: tuple = ("key", "val")
    type: str = "set"
    keypos: int = 1
    index: tuple = ()                  # tuple positions of indexed attributes
    copies: tuple = ()                 # ((node, copy type), ...), sorted by node
    majority: bool = False
    record_name: str = ""

    @property
    def arity(self) -> int:
        return len(self.attributes) + 1

    def nodes(self, kind=None) -> list[str]:
        return [n for n, k in self.copies if kind is None or k == kind]

    def copy_type(self, node) -> str | None:
        for n, k in self.copies:
            if n == node:
                return k
        return None

    def with_copy(self, node, kind) -> TableDef:
        copies = dict(self.copies)
        if kind is None:
            copies.pop(node, None)
        else:
            copies[node] = kind
        return TableDef(self.name, self.attributes, self.type, self.keypos, self.index,
                        tuple(sorted(copies.items())), self.majority, self.record_name)

    def is_record(self, rec) -> bool:
        """Mnesia's bad_type test: a tuple of the right arity and record name."""
        return (type(rec) is tuple and len(rec) == self.arity
                and rec[0] == (self.record_name or self.name))

    def key_of(self, rec):
        return rec[self.keypos]

    def position(self, attr) -> int:
        """An attribute's tuple position (an int is taken as a position)."""
        if type(attr) is int:
            return attr
        return self.attributes.index(attr) + 1

    def as_data(self) -> dict:
        return {"name": self.name, "attributes": list(self.attributes), "type": self.type,
                "keypos": self.keypos, "index": list(self.index),
                "copies": [list(c) for c in self.copies], "majority": self.majority,
                "record_name": self.record_name}


def make_def(name, attributes=("key", "val"), type="set", index=(), ram_copies=(),
             disc_copies=(), majority=False, keypos=1, record_name=None, disc_only_copies=()):
    """A checked :class:`TableDef` from create_table's options, or raise ValueError."""
    if type not in TYPES:
        raise ValueError(("bad_type", name, type))
    attributes = tuple(attributes)
    if len(attributes) < 1 or len(set(attributes)) != len(attributes):
        raise ValueError(("bad_type", name, ("attributes", list(attributes))))
    if not 1 <= keypos <= len(attributes):
        raise ValueError(("bad_type", name, ("keypos", keypos)))
    copies = {}
    for kind, nodes in (("ram_copies", ram_copies), ("disc_copies", disc_copies),
                        ("disc_only_copies", disc_only_copies)):
        for n in ([nodes] if isinstance(nodes, str) else nodes):
            if n in copies:
                raise ValueError(("combine_error", name, n))
            copies[n] = kind
    d = TableDef(name, attributes, type, keypos, (), tuple(sorted(copies.items())),
                 bool(majority), record_name or name)
    idx = []
    for a in index:
        try:
            pos = d.position(a)
        except ValueError:
            raise ValueError(("bad_type", name, ("index", a))) from None
        if pos == keypos or not 1 <= pos <= len(attributes):
            raise ValueError(("bad_type", name, ("index", a)))
        idx.append(pos)
    return TableDef(name, attributes, type, keypos, tuple(sorted(set(idx))), d.copies,
                    bool(majority), record_name or name)


def def_from_data(d: dict) -> TableDef:
    return TableDef(d["name"], tuple(d["attributes"]), d["type"], d["keypos"],
                    tuple(d["index"]), tuple(tuple(c) for c in d["copies"]), d["majority"],
                    d["record_name"])


@dataclass
class Replica:
    """One node's records of one table (see the module doc)."""
    defn: TableDef
    data: dict = field(default_factory=dict)
    indexes: dict = field(default_factory=dict)     # position -> {value: {key: n}}

    def __post_init__(self):
        for pos in self.defn.index:
            self.indexes.setdefault(pos, {})

    # -- reading ------------------------------------------------------------
    def read(self, key) -> list:
        v = self.data.get(key)
        if v is None:
            return []
        return [v] if self.defn.type == "set" else list(v)

    def records(self):
        if self.defn.type == "set":
            yield from self.data.values()
        else:
            for recs in self.data.values():
                yield from recs

    def size(self) -> int:
        if self.defn.type == "set":
            return len(self.data)
        return sum(len(v) for v in self.data.values())

    def index_read(self, pos, value) -> list:
        if pos in self.indexes:
            keys = self.indexes[pos].get(value, {})
            out = []
            for k in keys:
                out += [r for r in self.read(k) if r[pos] == value]
            return out
        return [r for r in self.records() if r[pos] == value]

    # -- changing -------------------------------------------------------------
    def apply(self, op):
        kind = op[0]
        if kind == "write":
            rec = op[1]
            key = self.defn.key_of(rec)
            if self.defn.type == "set":
                self._unindex(key)
                self.data[key] = rec
            else:
                recs = self.data.setdefault(key, [])
                if rec in recs:
                    return
                self._unindex(key)
                recs.append(rec)
            self._index(key)
        elif kind == "delete":
            self._unindex(op[1])
            self.data.pop(op[1], None)
        elif kind == "delete_object":
            rec = op[1]
            key = self.defn.key_of(rec)
            if self.defn.type == "set":
                if self.data.get(key) == rec:
                    self._unindex(key)
                    del self.data[key]
            else:
                recs = self.data.get(key)
                if recs and rec in recs:
                    self._unindex(key)
                    recs.remove(rec)
                    if not recs:
                        del self.data[key]
                    else:
                        self._index(key)
        elif kind == "clear":
            self.data.clear()
            for ix in self.indexes.values():
                ix.clear()
        else:                                            # pragma: no cover
            raise ValueError(f"unknown operation {op!r}")

    def _index(self, key):
        for pos, ix in self.indexes.items():
            for r in self.read(key):
                ix.setdefault(r[pos], {})[key] = True

    def _unindex(self, key):
        for pos, ix in self.indexes.items():
            for r in self.read(key):
                keys = ix.get(r[pos])
                if keys is not None:
                    keys.pop(key, None)
                    if not keys:
                        del ix[r[pos]]

    def load(self, records):
        self.apply(("clear",))
        for r in records:
            self.apply(("write", r))


def apply_ops(defn: TableDef, stored: list, ops: list) -> list:
    """The records of one key after a transaction's own buffered ``ops``."""
    tmp = Replica(TableDef(defn.name, defn.attributes, defn.type, defn.keypos))
    for r in stored:
        tmp.apply(("write", r))
    for op in ops:
        tmp.apply(op)
    out = []
    for v in tmp.data.values():
        out += [v] if defn.type == "set" else v
    return out


# -- patterns -------------------------------------------------------------------

def _is_var(p) -> bool:
    return type(p) is str and len(p) > 1 and p[0] == "$" and p[1:].isdigit()


def match(pattern, term, binds=None) -> dict | None:
    """Bindings if ``term`` matches ``pattern`` (see the module doc), else None."""
    binds = {} if binds is None else binds
    return binds if _match(pattern, term, binds) else None


def _match(p, t, b) -> bool:
    if p == "_" or p is ANY:
        return True
    if _is_var(p):
        if p in b:
            return b[p] == t
        b[p] = t
        return True
    if type(p) is tuple:
        return type(t) is tuple and len(p) == len(t) and all(
            _match(x, y, b) for x, y in zip(p, t))
    return p == t


_CMP = {
    "==": lambda a, b: a == b, "=:=": lambda a, b: a == b,
    "/=": lambda a, b: a != b, "=/=": lambda a, b: a != b,
    "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "=<": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}


def _value(x, b, rec):
    if x == "$_":
        return rec
    if x == "$$":
        return [b[k] for k in sorted(b, key=lambda v: int(v[1:]))]
    if _is_var(x):
        return b[x]
    if type(x) is tuple:
        return tuple(_value(y, b, rec) for y in x)
    return x


def _guard(g, b, rec) -> bool:
    op = g[0]
    if op == "andalso" or op == "and":
        return all(_guard(x, b, rec) for x in g[1:])
    if op == "orelse" or op == "or":
        return any(_guard(x, b, rec) for x in g[1:])
    if op == "not":
        return not _guard(g[1], b, rec)
    try:
        return bool(_CMP[op](_value(g[1], b, rec), _value(g[2], b, rec)))
    except TypeError:
        return False


def run_select(spec, records) -> list:
    """Mnesia's select over ``records`` with a match specification."""
    out = []
    for rec in records:
        for head, guards, results in spec:
            b = match(head, rec)
            if b is None or not all(_guard(g, b, rec) for g in guards):
                continue
            out += [_value(r, b, rec) for r in results]
            break
    return out
