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

We wrote the codec rather than use ``erlang-py`` from PyPI: that library
has no bounds (a 194 KB compressed frame inflates to 449 MB; a 100 KB big
integer takes 11 s to decode) and gives its own wrapper objects, which
labrt would have to translate again.  The measurements and the reasons are
in ``notes/labrt-erl.md`` ("The term codec").

A Python exception used as an exit reason (labrt's crash reasons) is sent
as ``{python_error, 'ZeroDivisionError', <<"division by zero">>}`` and comes
back as a :class:`RemoteError`; the exception class itself never crosses.
"""
from __future__ import annotations

# The codec lives in three modules that read in one sitting each; this one is
# their public face.
from .etf_values import (ATOM, ATOM_UTF8, BINARY, BIT_BINARY, BitBinary, COMPRESSED, Charlist,
    DEFAULT_LIMITS, ETFError, EXPORT, FLOAT, FUN, INTEGER, ImproperList, LARGE_BIG,
    LARGE_TUPLE, LIST, LOCAL, Limits, MAP, NEWER_REFERENCE, NEW_FLOAT, NEW_FUN, NEW_PID,
    NEW_PORT, NEW_REFERENCE, NIL, NodeTable, Opaque, PID, PORT, REFERENCE, Records,
    RemoteError, SMALL_ATOM, SMALL_ATOM_UTF8, SMALL_BIG, SMALL_INTEGER, SMALL_TUPLE, STRING,
    V4_PORT, VERSION)  # noqa: F401
from .etf_decode import decode, decode_from  # noqa: F401
from .etf_encode import encode  # noqa: F401
