"""Erlang's external term format: labrt values to bytes and back.

Erlang nodes send each other terms encoded in the *external term format*
(the ERTS User's Guide, chapter "External Term Format"): a version byte 131,
then a tag byte per value followed by its contents.  This module is the one
place where bytes from another machine become Python values, so it is
written to be hostile-input safe:

* **Nothing is executed and nothing is looked up by name.**  A fun arrives
  as an :class:`Opaque` value that can be sent back but never called; a
  tuple becomes a dataclass only if that dataclass was registered with a
  :class:`Records` table by the program itself.
* **Everything is bounded** (:class:`Limits`): the size of the input, the
  nesting depth, the size of a big integer, the length of an atom, the size
  of a compressed term once inflated, and the element counts a header may
  claim (a list that claims four billion elements in a 20-byte frame is
  rejected before anything is allocated).
* **Atoms are not interned.**  An Erlang atom becomes a plain Python ``str``
  that is garbage-collected like any other, so a peer that sends a million
  distinct atoms costs memory only while they are in use.
* Every failure is an :class:`ETFError` that says what was wrong and at which
  byte offset; the caller (a connection) logs it and closes the connection.

The mapping follows labrt's conventions (``notes/labrt-api.md``), in which an
Erlang atom is a short Python string:

=====================  =========================================
Erlang                 Python
=====================  =========================================
atom                   ``str`` (``true``/``false`` → ``bool``,
                       ``undefined`` → ``None``)
integer (any size)     ``int``
float                  ``float``
tuple                  ``tuple`` (``{'EXIT',P,R}`` → :class:`Exit`,
                       ``{'DOWN',Ref,process,P,R}`` → :class:`Down`,
                       a registered record tag → its dataclass)
proper list            ``list`` (a string of bytes → :class:`Charlist`)
improper list          :class:`ImproperList`
binary                 ``bytes``; a bit string → :class:`BitBinary`
map                    ``dict``
pid, reference         :class:`~labrt.Pid`, :class:`~labrt.Ref`
                       through a :class:`NodeTable`
port, fun              :class:`Opaque` (round-trips unchanged)
=====================  =========================================

A Python exception used as an exit reason (labrt's crash reasons) is sent
as ``{python_error, 'ZeroDivisionError', <<"division by zero">>}`` and comes
back as a :class:`RemoteError`; the exception class itself never crosses.
"""
from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass, fields, is_dataclass

from ..kernel.values import Down, Exit, Pid, Ref

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


# ---------------------------------------------------------------------------
# Decoding

class _Reader:
    __slots__ = ("buf", "pos", "end", "limits", "nodes", "records")

    def __init__(self, buf, pos, limits, nodes, records):
        self.buf = buf
        self.pos = pos
        self.end = len(buf)
        self.limits = limits
        self.nodes = nodes
        self.records = records

    def fail(self, what):
        raise ETFError(f"{what} (at byte {self.pos})")

    def take(self, n):
        p = self.pos
        if n < 0 or p + n > self.end:
            self.fail(f"truncated: {n} more bytes needed, {self.end - p} left")
        self.pos = p + n
        return self.buf[p:p + n]

    def u8(self):
        p = self.pos
        if p >= self.end:
            self.fail("truncated: a byte is missing")
        self.pos = p + 1
        return self.buf[p]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def count(self, n, min_each, what):
        """A claimed element count must fit in the bytes that are left."""
        if n * min_each > self.end - self.pos:
            self.fail(f"{what} claims {n} elements but only {self.end - self.pos} "
                      "bytes are left")
        return n


def _atom_text(r: _Reader, tag: int) -> str:
    if tag in (ATOM_UTF8, ATOM):
        n = r.u16()
    else:
        n = r.u8()
    raw = r.take(n)
    if tag in (ATOM, SMALL_ATOM):
        text = raw.decode("latin-1")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            r.fail("an atom that is not valid UTF-8")
    if len(text) > r.limits.max_atom_chars:
        r.fail(f"an atom of {len(text)} characters (at most {r.limits.max_atom_chars})")
    return text


_ATOM_TAGS = (ATOM_UTF8, SMALL_ATOM_UTF8, ATOM, SMALL_ATOM)


def _node_atom(r: _Reader) -> str:
    tag = r.u8()
    if tag not in _ATOM_TAGS:
        r.fail(f"a node name must be an atom, got tag {tag}")
    return _atom_text(r, tag)


def _atom_value(text: str):
    if text == "true":
        return True
    if text == "false":
        return False
    if text == "undefined":
        return None
    return text


def _decode(r: _Reader, depth: int):
    if depth > r.limits.max_depth:
        r.fail(f"nested deeper than {r.limits.max_depth} levels")
    start = r.pos
    tag = r.u8()
    if tag == SMALL_INTEGER:
        return r.u8()
    if tag == INTEGER:
        return r.i32()
    if tag in _ATOM_TAGS:
        return _atom_value(_atom_text(r, tag))
    if tag in (SMALL_TUPLE, LARGE_TUPLE):
        n = r.u8() if tag == SMALL_TUPLE else r.u32()
        r.count(n, 1, "a tuple")
        items = tuple(_decode(r, depth + 1) for _ in range(n))
        return _tuple_value(r, items)
    if tag == NIL:
        return []
    if tag == STRING:
        n = r.u16()
        return Charlist(r.take(n).decode("latin-1"))
    if tag == LIST:
        n = r.count(r.u32(), 1, "a list")
        items = [_decode(r, depth + 1) for _ in range(n)]
        tail = _decode(r, depth + 1)
        if tail == [] and type(tail) is list:
            return items
        if type(tail) is list:                 # a non-flat encoding of a proper list
            return items + tail
        if isinstance(tail, ImproperList):
            return ImproperList(tuple(items) + tail.items, tail.tail)
        if n == 1 and items[0] == "alias" and type(tail) is Ref:
            return _call_tag(tail)          # gen's call tag, [alias | Ref] (OTP 24+)
        return ImproperList(tuple(items), tail)
    if tag == BINARY:
        n = r.u32()
        return bytes(r.take(n))
    if tag == BIT_BINARY:
        n = r.u32()
        bits = r.u8()
        if not 1 <= bits <= 8 or n == 0:
            r.fail(f"a bit string with {bits} bits in its last of {n} bytes")
        data = bytes(r.take(n))
        return data if bits == 8 else BitBinary(data, bits)
    if tag == MAP:
        n = r.count(r.u32(), 2, "a map")
        out = {}
        for _ in range(n):
            k = _decode(r, depth + 1)
            v = _decode(r, depth + 1)
            try:
                out[k] = v
            except TypeError:
                r.fail(f"a map key of type {type(k).__name__} that Python cannot "
                       "use as a dict key")
        return out
    if tag == NEW_FLOAT:
        x = struct.unpack(">d", r.take(8))[0]
        if not math.isfinite(x):
            r.fail("a float that is not finite")
        return x
    if tag == FLOAT:
        text = r.take(31).split(b"\0", 1)[0]
        try:
            return float(text.decode("ascii"))
        except ValueError:
            r.fail("a malformed old-style float")
    if tag in (SMALL_BIG, LARGE_BIG):
        n = r.u8() if tag == SMALL_BIG else r.u32()
        if n > r.limits.max_big_bytes:
            r.fail(f"an integer of {n} bytes (at most {r.limits.max_big_bytes})")
        sign = r.u8()
        if sign > 1:
            r.fail(f"an integer with sign byte {sign}")
        value = int.from_bytes(r.take(n), "little")
        return -value if sign else value
    if tag in (NEW_PID, PID):
        node = _node_atom(r)
        num = r.u32()
        serial = r.u32()
        creation = r.u32() if tag == NEW_PID else r.u8()
        return _pid(r, node, num, serial, creation)
    if tag in (NEWER_REFERENCE, NEW_REFERENCE):
        n = r.u16()
        if not 1 <= n <= 5:
            r.fail(f"a reference with {n} id words (1 to 5 allowed)")
        node = _node_atom(r)
        creation = r.u32() if tag == NEWER_REFERENCE else r.u8()
        ids = struct.unpack(f">{n}I", r.take(4 * n))
        return _ref(r, node, creation, ids)
    if tag in (NEW_PORT, PORT, V4_PORT):
        _node_atom(r)
        r.take({NEW_PORT: 8, PORT: 5, V4_PORT: 12}[tag])
        return Opaque("port", bytes(r.buf[start:r.pos]))
    if tag == EXPORT:
        _decode(r, depth + 1)
        _decode(r, depth + 1)
        _decode(r, depth + 1)
        return Opaque("fun", bytes(r.buf[start:r.pos]))
    if tag == NEW_FUN:
        size = r.u32()
        if size < 5:
            r.fail("a fun of impossible size")
        r.take(size - 4)
        return Opaque("fun", bytes(r.buf[start:r.pos]))
    if tag == REFERENCE:
        _node_atom(r)
        r.take(5)
        return Opaque("reference", bytes(r.buf[start:r.pos]))
    if tag in (FUN, LOCAL):
        r.fail(f"tag {tag} (an old fun or a local term) is not accepted")
    if tag == COMPRESSED:
        r.fail("a compressed term inside a term")
    r.fail(f"unknown tag {tag}")


def _call_tag(ref):
    from ..otp.gen_server import Tag            # the OTP layer, above this codec's imports
    return Tag(ref, ref)


def _tuple_value(r: _Reader, items: tuple):
    n = len(items)
    if n == 3 and items[0] == "EXIT" and type(items[1]) is Pid:
        return Exit(items[1], items[2])
    if n == 5 and items[0] == "DOWN" and items[2] == "process" and type(items[1]) is Ref:
        return Down(items[1], items[3], items[4])
    if n == 3 and items[0] == "python_error" and type(items[1]) is str and \
            type(items[2]) is bytes:
        return RemoteError(items[1], items[2].decode("utf-8", "replace"))
    if n >= 1 and type(items[0]) is str and r.records is not None:
        cls = r.records.lookup(items[0], n - 1)
        if cls is not None:
            return cls(*items[1:])
    return items


def _pid(r, node, num, serial, creation):
    table = r.nodes
    if table is None:
        r.fail("a pid arrived but this decoder has no node table")
    return table.pid(node, num, serial, creation)


def _ref(r, node, creation, ids):
    table = r.nodes
    if table is None:
        r.fail("a reference arrived but this decoder has no node table")
    return table.ref(node, creation, ids)


def decode(data: bytes, *, nodes: NodeTable | None = None,
           records: Records | None = None, limits: Limits = DEFAULT_LIMITS):
    """Decode one term (starting with the version byte 131) from ``data``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ETFError(f"decode needs bytes, got {type(data).__name__}")
    buf = bytes(data)
    if len(buf) > limits.max_bytes:
        raise ETFError(f"a term of {len(buf)} bytes (at most {limits.max_bytes})")
    value, end = decode_from(buf, 0, nodes=nodes, records=records, limits=limits)
    if end != len(buf):
        raise ETFError(f"{len(buf) - end} bytes left over after the term (at byte {end})")
    return value


def decode_from(buf: bytes, pos: int, *, nodes=None, records=None,
                limits: Limits = DEFAULT_LIMITS):
    """Decode one term starting at ``pos``; return ``(value, next position)``."""
    r = _Reader(buf, pos, limits, nodes, records)
    if r.u8() != VERSION:
        r.pos -= 1
        r.fail("not an external term (the version byte 131 is missing)")
    if r.pos < r.end and buf[r.pos] == COMPRESSED:
        r.pos += 1
        size = r.u32()
        if size > limits.max_inflated:
            r.fail(f"a compressed term of {size} bytes once inflated "
                   f"(at most {limits.max_inflated})")
        d = zlib.decompressobj()
        try:
            inner = d.decompress(buf[r.pos:], size + 1)
        except zlib.error as e:
            r.fail(f"a compressed term that does not inflate ({e})")
        if len(inner) != size:
            r.fail(f"a compressed term that inflates to {len(inner)} bytes, "
                   f"not the {size} its header says")
        used = len(buf) - r.pos - len(d.unused_data)
        sub = _Reader(inner, 0, limits, nodes, records)
        value = _decode(sub, 0)
        if sub.pos != len(inner):
            sub.fail("bytes left over inside a compressed term")
        return value, r.pos + used
    value = _decode(r, 0)
    return value, r.pos


# ---------------------------------------------------------------------------
# Encoding

def _enc_atom(out: bytearray, text: str):
    raw = text.encode("utf-8")
    if len(text) > 255:
        raise ETFError(f"the atom {text[:20]!r}... has {len(text)} characters; Erlang "
                       "atoms have at most 255 (send long text as bytes: a binary)")
    if len(raw) < 256:
        out += bytes((SMALL_ATOM_UTF8, len(raw)))
    else:
        out += struct.pack(">BH", ATOM_UTF8, len(raw))
    out += raw


def _enc(out: bytearray, x, nodes, records, depth):
    if depth > 1000:
        raise ETFError("the value is nested more than 1000 levels deep")
    t = type(x)
    if t is bool:
        _enc_atom(out, "true" if x else "false")
    elif x is None:
        _enc_atom(out, "undefined")
    elif t is int:
        if 0 <= x < 256:
            out += bytes((SMALL_INTEGER, x))
        elif -2**31 <= x < 2**31:
            out += struct.pack(">Bi", INTEGER, x)
        else:
            mag = abs(x)
            digits = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
            if len(digits) < 256:
                out += bytes((SMALL_BIG, len(digits), x < 0))
            else:
                out += struct.pack(">BIB", LARGE_BIG, len(digits), x < 0)
            out += digits
    elif t is float:
        if not math.isfinite(x):
            raise ETFError(f"{x!r} has no Erlang form (Erlang floats are finite)")
        out += struct.pack(">Bd", NEW_FLOAT, x)
    elif t is Charlist:
        raw = str(x)
        if len(raw) < 65536 and all(ord(c) < 256 for c in raw):
            out += struct.pack(">BH", STRING, len(raw))
            out += raw.encode("latin-1")
        else:
            _enc_list(out, [ord(c) for c in raw], [], nodes, records, depth)
    elif t is str or isinstance(x, str):
        _enc_atom(out, str(x))
    elif t is bytes or t is bytearray:
        out += struct.pack(">BI", BINARY, len(x))
        out += x
    elif t is tuple:
        _enc_tuple(out, x, nodes, records, depth)
    elif t is list:
        _enc_list(out, x, [], nodes, records, depth)
    elif t is dict:
        out += struct.pack(">BI", MAP, len(x))
        for k, v in x.items():
            _enc(out, k, nodes, records, depth + 1)
            _enc(out, v, nodes, records, depth + 1)
    elif t is Pid:
        _enc_pid(out, x, nodes)
    elif t is Ref:
        _enc_ref(out, x, nodes)
    elif t is Exit:
        _enc_tuple(out, ("EXIT", x.pid, x.reason), nodes, records, depth)
    elif t is Down:
        _enc_tuple(out, ("DOWN", x.ref, "process", x.pid, x.reason), nodes, records, depth)
    elif t is ImproperList:
        _enc_list(out, list(x.items), x.tail, nodes, records, depth)
    elif t is BitBinary:
        out += struct.pack(">BIB", BIT_BINARY, len(x.data), x.bits)
        out += x.data
    elif t is Opaque:
        out += x.raw
    elif t is _tag_type():
        # gen_server's call tag: OTP's [alias | Ref] when the reply goes to an
        # alias, else the plain ref (the reply then goes to the caller's pid).
        if type(x.to) is Ref:
            _enc_list(out, ["alias"], x.to, nodes, records, depth)
        else:
            _enc_ref(out, x.ref, nodes)
    elif isinstance(x, RemoteError):
        _enc_tuple(out, ("python_error", x.kind, x.message.encode()), nodes, records, depth)
    elif isinstance(x, BaseException):
        _enc_tuple(out, ("python_error", type(x).__name__, str(x).encode()),
                   nodes, records, depth)
    elif records is not None and records.tag_of(t) is not None:
        _enc_tuple(out, (records.tag_of(t),) + tuple(getattr(x, f.name) for f in fields(x)),
                   nodes, records, depth)
    else:
        raise ETFError(f"a {t.__name__} has no Erlang form; send numbers, strings "
                       "(atoms), bytes, tuples, lists, dicts, pids and refs, or register "
                       "a frozen dataclass with Records.register")


def _tag_type():
    from ..otp.gen_server import Tag
    return Tag


def _enc_tuple(out, items, nodes, records, depth):
    n = len(items)
    out += bytes((SMALL_TUPLE, n)) if n < 256 else struct.pack(">BI", LARGE_TUPLE, n)
    for y in items:
        _enc(out, y, nodes, records, depth + 1)


def _enc_list(out, items, tail, nodes, records, depth):
    if not items and type(tail) is list and not tail:
        out.append(NIL)
        return
    out += struct.pack(">BI", LIST, len(items))
    for y in items:
        _enc(out, y, nodes, records, depth + 1)
    if type(tail) is list and not tail:
        out.append(NIL)
    else:
        _enc(out, tail, nodes, records, depth + 1)


def _enc_pid(out, pid, nodes):
    if nodes is None:
        raise ETFError("encoding a pid needs a node table")
    name, num, serial, creation = nodes.pid_ext(pid)
    out.append(NEW_PID)
    _enc_atom(out, name)
    out += struct.pack(">III", num, serial, creation)


def _enc_ref(out, ref, nodes):
    if nodes is None:
        raise ETFError("encoding a reference needs a node table")
    name, creation, words = nodes.ref_ext(ref)
    out += struct.pack(">BH", NEWER_REFERENCE, len(words))
    _enc_atom(out, name)
    out += struct.pack(f">I{len(words)}I", creation, *words)


def encode(value, *, nodes: NodeTable | None = None, records: Records | None = None) -> bytes:
    """Encode ``value`` as an external term (version byte included)."""
    out = bytearray((VERSION,))
    _enc(out, value, nodes, records, 0)
    return bytes(out)
