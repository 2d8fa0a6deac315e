"""The words on a sequence diagram: how a term becomes a label that fits.

A label on the chart is a Python value written out (``show``), and values
can be long: a ``gen_server`` call is ``('$gen_call', (<0.3.0>, #Tag<2>),
('get', 'alice'))``.  Labels get the room they need first: every event has
a row of its own, so a label may run past the lifelines next to it (a white
halo keeps it readable over them), and the chart widens for its widest
label up to ``MAX_LABEL`` pixels.  A label that still does not fit is
shortened by :func:`abbreviate`, by its structure rather than at its end:
the deepest, then the largest, bracketed part becomes ``…`` one at a time,
so the call above reads ``('$gen_call', (…), ('get', 'alice'))``, and words
outside brackets (``exit signal: killed``) are never cut.  Only text with
no brackets left is cut at the end.  The same text, the same room: the
same abbreviation, so the chart stays byte-for-byte deterministic.

Two more readers of values live here.  :func:`notification` recognises the
``Exit`` and ``Down`` messages the runtime puts in a mailbox, either as the
objects themselves or as their text in a trace read back from a file, so a
chart drawn from JSON lines says ``DOWN noproc`` as the live one does.
:func:`_short` names an exception by its class on an arrow (the full text is
in the tooltip and beside the process's X), and :func:`_time_label` writes
the time gutter's ``0.25 s``.
"""
from __future__ import annotations

import re

from . import svg as S
from .seqstyle import FONT
from ..kernel.trace import Term, _plain

_EXIT_TEXT = re.compile(r"^Exit\(pid=(.*), reason=(.*)\)$", re.S)
_DOWN_TEXT = re.compile(r"^Down\(ref=(.*?), pid=(.*?), reason=(.*)\)$", re.S)


def notification(message) -> tuple[str, object] | None:
    """``("EXIT", reason)`` or ``("DOWN", reason)`` if ``message`` is an
    ``Exit``/``Down`` message from the runtime (or its text read back from a
    file), else None."""
    name = type(message).__name__
    if name in ("Exit", "Down") and hasattr(message, "reason") and hasattr(message, "pid"):
        return name.upper(), message.reason
    if isinstance(message, Term):
        from ..kernel.trace import _read_value
        for label, pattern in (("EXIT", _EXIT_TEXT), ("DOWN", _DOWN_TEXT)):
            m = pattern.match(message)
            if m:
                return label, _read_value(m.groups()[-1], literal=True)
    return None


def _time_label(t: float) -> str:
    text = f"{t:.3f}".rstrip("0").rstrip(".")
    return ("0" if text in ("", "-0") else text) + " s"

_OPEN, _CLOSE = "([{", ")]}"


def _groups(text: str) -> list[tuple[int, int, int]]:
    """The bracketed parts of ``text`` as (start, end, depth), ``text[start]`` being
    the opening bracket and ``text[end]`` its match; unmatched brackets are ignored."""
    found, stack = [], []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append((ch, i))
        elif ch in _CLOSE:
            if stack and _OPEN.index(stack[-1][0]) == _CLOSE.index(ch):
                _, start = stack.pop()
                found.append((start, i, len(stack)))
            else:
                stack = []          # unbalanced: start again from here
    return found


def abbreviate(text: str, room: float, size: float = FONT, bold: bool = False) -> str:
    """``text`` if it fits in ``room`` pixels; else ``text`` with its deepest (then
    largest, then leftmost) bracketed parts replaced by ``…`` one at a time until it
    fits; else, if even that is too wide, cut with an ellipsis at the end.

    The bracket that holds the whole text is kept, so the shape of a term stays
    visible: ``('$gen_call', (<0.3.0>, #Tag<2>), ('get', 'alice'))`` becomes
    ``('$gen_call', (…), ('get', 'alice'))``. Deterministic."""
    while S.text_width(text, size, bold) > room:
        whole = len(text) - 1
        parts = [(depth, end - start, -start, start, end)
                 for start, end, depth in _groups(text)
                 if not (start == 0 and end == whole) and text[start + 1:end] != S.ELLIPSIS]
        if not parts:
            return S.fit(text, room, size, bold)
        *_, start, end = max(parts)
        text = text[:start + 1] + S.ELLIPSIS + text[end:]
    return text


def _short(reason) -> str:
    """An exit reason for a label on an arrow: an exception by its class name
    only (the full text is in the tooltip and at the X of the process)."""
    if isinstance(reason, BaseException):
        return type(reason).__name__
    if isinstance(reason, Term) and re.match(r"^[A-Za-z_][\w.]*\(", reason):
        return reason[: reason.index("(")]
    return _plain(reason)
