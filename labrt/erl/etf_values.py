"""The values of the external term format: tags, limits, and the Python types
that stand for Erlang terms Python has no type of its own for.

Part of :mod:`labrt.erl.etf` (which re-exports every public name here): the
tag bytes of the format, :class:`Limits` on what a decoder accepts,
:class:`Charlist`, :class:`ImproperList`, :class:`BitBinary`,
:class:`Opaque`, :class:`RemoteError`, the record registry
:class:`Records` and the :class:`NodeTable` that maps node names to the
indexes labrt pids carry.  The codec itself is in :mod:`labrt.erl.etf_decode`
and :mod:`labrt.erl.etf_encode`; the table of which term becomes which value
is in :mod:`labrt.erl.etf`'s essay.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass

from ..kernel.values import Pid, Ref


VERSION = 131

# Tags (ERTS User's Guide, "External Term Format").
NEW_FLOAT = 70
BIT_BINARY = 77
COMPRESSED = 80
NEW_PID = 88
NEW_PORT = 89
NEWER_REFERENCE = 90
SMALL_INTEGER = 97
INTEGER = 98
FLOAT = 99
ATOM = 100
REFERENCE = 101
PORT = 102
PID = 103
SMALL_TUPLE = 104
LARGE_TUPLE = 105
NIL = 106
STRING = 107
LIST = 108
BINARY = 109
SMALL_BIG = 110
LARGE_BIG = 111
NEW_FUN = 112
EXPORT = 113
NEW_REFERENCE = 114
SMALL_ATOM = 115
MAP = 116
FUN = 117
ATOM_UTF8 = 118
SMALL_ATOM_UTF8 = 119
V4_PORT = 120
LOCAL = 121


class ETFError(ValueError):
    """Bytes that are not a valid term, or a value that cannot be encoded."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what a decoder accepts from a peer.

    The defaults are generous for the course's messages and small enough that
    no single frame can make a node allocate more than a few megabytes.
    """
    max_bytes: int = 8 * 1024 * 1024        # one encoded term
    max_depth: int = 200                    # nesting of tuples, lists, maps
    max_big_bytes: int = 1024               # an integer of up to 8192 bits
    max_atom_chars: int = 255               # Erlang's own limit
    max_inflated: int = 8 * 1024 * 1024     # a compressed term, once inflated


DEFAULT_LIMITS = Limits()


# ---------------------------------------------------------------------------
# Values that have no natural Python type

class Charlist(str):
    """An Erlang string (a list of character codes), kept apart from atoms.

    It compares equal to the ``str`` of the same text, so a pattern written
    as ``"hello"`` matches both the atom and the string, and it can be a dict
    key; it encodes back as a list, not an atom.  On the wire a list of
    integers below 256 *is* a string (Erlang does not tell them apart), so
    ``[1, 2, 3]`` from Erlang arrives as ``Charlist("\\x01\\x02\\x03")``,
    which compares equal to ``[1, 2, 3]`` too; :meth:`codes` gives the list.
    """
    __slots__ = ()

    def __repr__(self):
        return f"Charlist({str.__repr__(self)})"

    def codes(self) -> list[int]:
        """The character codes: Erlang's list itself."""
        return [ord(c) for c in self]

    # Erlang does not tell "ab" from [97, 98]; neither does a Charlist.
    def __eq__(self, other):
        if type(other) is list:
            return len(other) == len(self) and all(
                type(c) is int and c == ord(ch) for c, ch in zip(other, self))
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


@dataclass(frozen=True)
class ImproperList:
    """``[a, b | tail]``: the items and a tail that is not a list."""
    items: tuple
    tail: object


@dataclass(frozen=True)
class BitBinary:
    """A bit string whose last byte holds only ``bits`` (1-7) significant bits."""
    data: bytes
    bits: int


@dataclass(frozen=True)
class Opaque:
    """A port, fun or other term labrt does not interpret: sent back as it came."""
    kind: str
    raw: bytes           # the encoded term, tag byte included

    def __repr__(self):
        return f"<Erlang {self.kind}>"


class RemoteError(Exception):
    """A crash reason from another node: the exception's class name and text."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __repr__(self):
        return f"RemoteError({self.kind!r}, {self.message!r})"

    def __eq__(self, other):
        return (isinstance(other, RemoteError) and self.kind == other.kind
                and self.message == other.message)

    def __hash__(self):
        return hash((self.kind, self.message))


class Records:
    """Dataclasses allowed to travel as Erlang records (``{tag, Field1, ...}``).

    Only classes registered here are ever built from a tuple: a peer cannot
    name a class to instantiate.  The tag is the class's ``__erlang_record__``
    attribute, or its name in snake case.
    """

    def __init__(self):
        self._by_tag: dict[tuple[str, int], type] = {}
        self._tag: dict[type, str] = {}

    def register(self, cls, tag: str | None = None):
        if not is_dataclass(cls) or not cls.__dataclass_params__.frozen:
            raise TypeError(f"{cls!r} is not a frozen dataclass; only frozen "
                            "dataclasses can travel as Erlang records")
        tag = tag or getattr(cls, "__erlang_record__", None) or _snake(cls.__name__)
        self._by_tag[(tag, len(fields(cls)))] = cls
        self._tag[cls] = tag
        return cls

    def tag_of(self, cls):
        return self._tag.get(cls)

    def lookup(self, tag, arity):
        return self._by_tag.get((tag, arity))


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class NodeTable:
    """How pids and refs map to Erlang's (node name, numbers, creation).

    labrt's :class:`~labrt.Pid` holds a small node index; Erlang's pids name
    their node.  A table gives each node name an index (the local node is
    ``local_index``), remembers each node's *creation* (which incarnation of
    the node a pid belongs to), and is shared by the encoder and the decoder
    of one node's connections.
    """

    def __init__(self, local_name: str, local_creation: int = 1, local_index: int = 0,
                 max_nodes: int = 4096, max_details: int = 100_000):
        self._details: dict = {}
        self.max_details = max_details
        self.local_index = local_index
        self.names: dict[int, str] = {local_index: local_name}
        self.index: dict[str, int] = {local_name: local_index}
        self.creation: dict[str, int] = {local_name: local_creation}
        self.local_name = local_name
        self.max_nodes = max_nodes

    def index_of(self, name: str) -> int:
        i = self.index.get(name)
        if i is None:
            if len(self.index) >= self.max_nodes:
                raise ETFError(f"more than {self.max_nodes} node names seen; refusing more")
            i = max(self.names) + 1
            self.index[name] = i
            self.names[i] = name
        return i

    def name_of(self, index: int) -> str:
        try:
            return self.names[index]
        except KeyError:
            raise ETFError(f"pid or ref of unknown node index {index}") from None


    # Erlang's pids carry a serial and a creation; labrt's Pid carries the
    # creation and one number (the serial goes in its high bits, and is 0 for
    # every pid a node makes in practice).  Erlang's refs have one to five
    # words and a creation; labrt's Ref has one number, so the table keeps the
    # word count and creation of the refs it has seen (bounded: oldest
    # forgotten first), and a ref from a peer goes back to it unchanged.

    #: Set by a node: ``resolve_local(pid) -> Pid`` gives the live pid object
    #: (the one holding its process) for a pid of this node, if there is one.
    resolve_local = None

    def pid(self, node: str, num: int, serial: int, creation: int) -> Pid:
        index = self.index_of(node)
        pid = Pid(index, num | (serial << 32), None, creation)
        if index == self.local_index and self.resolve_local is not None:
            pid = self.resolve_local(pid)
        return pid

    def pid_ext(self, pid: Pid):
        name = self.name_of(pid.node)
        return name, pid.num & 0xFFFFFFFF, (pid.num >> 32) & 0xFFFFFFFF, pid.creation

    def ref(self, node: str, creation: int, ids) -> Ref:
        index = self.index_of(node)
        num = 0
        for i, w in enumerate(ids):
            num |= w << (32 * i)
        if node != self.local_name:
            self._remember(("ref", index, num), (len(ids), creation))
        return Ref(index, num)

    def ref_ext(self, ref: Ref):
        name = self.name_of(ref.node)
        words, creation = self._details.get(("ref", ref.node, ref.num),
                                            (3, self.creation.get(name, 0)))
        words = max(words, (ref.num.bit_length() + 31) // 32)
        if words > 5:
            raise ETFError(f"the reference {ref!r} does not fit in five words")
        return name, creation, [(ref.num >> (32 * i)) & 0xFFFFFFFF for i in range(words)]

    def _remember(self, key, value):
        d = self._details
        if key in d:
            d.pop(key)
        elif len(d) >= self.max_details:
            d.pop(next(iter(d)))
        d[key] = value
