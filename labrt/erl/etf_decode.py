"""Decoding the external term format: bytes from the wire to Python values.

Part of :mod:`labrt.erl.etf` (``etf.decode`` and ``etf.decode_from`` are
these).  A :class:`_Reader` walks the buffer with a position and the
:class:`~labrt.erl.etf_values.Limits` it must respect (depth, sizes, a
compressed term's inflated size), so a hostile peer gets an
:class:`~labrt.erl.etf_values.ETFError`, never a crash or a huge
allocation; pids and references are turned into labrt's through the
connection's :class:`~labrt.erl.etf_values.NodeTable`, and tuples whose
first element is a registered record tag into their dataclasses.
"""
from __future__ import annotations

import math
import struct
import zlib

from ..kernel.values import Down, Exit, Pid, Ref
from .etf_values import (ATOM, ATOM_UTF8, BINARY, BIT_BINARY, BitBinary, COMPRESSED, Charlist,
    DEFAULT_LIMITS, ETFError, EXPORT, FLOAT, FUN, INTEGER, ImproperList, LARGE_BIG,
    LARGE_TUPLE, LIST, LOCAL, Limits, MAP, NEWER_REFERENCE, NEW_FLOAT, NEW_FUN, NEW_PID,
    NEW_PORT, NEW_REFERENCE, NIL, NodeTable, Opaque, PID, PORT, REFERENCE, Records,
    RemoteError, SMALL_ATOM, SMALL_ATOM_UTF8, SMALL_BIG, SMALL_INTEGER, SMALL_TUPLE, STRING,
    V4_PORT, VERSION)


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
