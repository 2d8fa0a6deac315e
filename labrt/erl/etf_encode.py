"""Encoding Python values into the external term format.

Part of :mod:`labrt.erl.etf` (``etf.encode`` is :func:`encode`).  It writes
the smallest tag for each value as OTP 25 does (atoms as UTF-8, integers as
small, 32-bit or big, floats as ``NEW_FLOAT``), labrt's :class:`Exit` and
:class:`Down` and registered dataclasses as the tuples they stand for, and
a Python exception as ``{python_error, Kind, Message}``.
"""
from __future__ import annotations

import math
import struct
from dataclasses import fields

from ..kernel.values import Down, Exit, Pid, Ref
from .etf_values import (ATOM_UTF8, BINARY, BIT_BINARY, BitBinary, Charlist, ETFError, INTEGER,
    ImproperList, LARGE_BIG, LARGE_TUPLE, LIST, MAP, NEWER_REFERENCE, NEW_FLOAT, NEW_PID, NIL,
    NodeTable, Opaque, Records, RemoteError, SMALL_ATOM_UTF8, SMALL_BIG, SMALL_INTEGER,
    SMALL_TUPLE, STRING, VERSION)


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
