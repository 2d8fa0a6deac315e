"""Draw a :class:`~labrt.trace.Trace` as a message sequence chart (SVG).

The chart has one column per process. Time runs down the page: every event
gets its own row, in trace order, and the virtual time is written in a left
gutter whenever it changes. A process's column starts with a header box (its
name, function and pid), drawn where it was spawned, and a dashed lifeline
runs down from it until the process exits (an X with the exit reason).
Messages are arrows between lifelines, links and monitors thin lines,
registrations small notes; red means an abnormal exit (the table of marks
is in :mod:`labrt.draw.seqrender`).  The full text of every event is in a
``<title>`` tooltip, and the chart has a text alternative.

On screen the chart scales down with its column, but never below the size at
which its smallest text is ``MIN_READABLE_PX``: the SVG has a ``min-width``,
and the HTML wrapper scrolls sideways (class ``labrt-diagram``) on a phone.

:class:`SequenceDiagram` is put together from the parts below; read them in
this order:

1. :mod:`labrt.draw.seqstyle`: the colours and sizes every part shares.
2. :mod:`labrt.draw.seqtext`: labels: reading ``EXIT``/``DOWN`` messages,
   abbreviating a long term by its structure.
3. :mod:`labrt.draw.seqlayout`: steps 1 and 2, choose the events and the
   columns, then give every event a row (a spawn row is taller, it holds a
   header box) and every column its place.
4. :mod:`labrt.draw.seqrender`: step 3, write the SVG, one group per event,
   and the text alternative.

A trace of several nodes (a :class:`labrt.dist.World`'s, or any trace given
``nodes=``) is drawn with the same rows, plus a band per node, the network's
events and its faults as shaded periods: see :mod:`labrt.draw.seqnodes`, which
the steps consult through ``self.layer`` (None for one node, so a one-node
chart is drawn exactly as without it).

Everything is deterministic: same trace, same bytes.  The names this module
has always offered (``SequenceDiagram``, ``abbreviate``, ``notification``,
``MIN_READABLE_PX``, the colours and sizes, ...) are importable from it
still; they are defined in the parts.
"""
from __future__ import annotations

# The parts, and every name this module defined before it was split (importable
# from here still: tests, the book and labrt.dist import some of them).
import re  # noqa: F401
from dataclasses import dataclass  # noqa: F401

from . import seqnodes as N  # noqa: F401
from . import svg as S
from .seqlayout import Column, Layout, Row, _first_seen, _key  # noqa: F401
from .seqrender import Drawing
from .seqstyle import (_HALO, AMBER, BLUE, FONT, GREY, HEADER_FILL, HEADER_STROKE,  # noqa: F401
                       INK, LABEL_COL, LIGHT, LINE_H, MAX_COL, MAX_DESC_LINES, MAX_LABEL,
                       MIN_COL, MIN_READABLE_PX, NOTE_FILL, NOTE_STROKE, OTHERS, PAD, POINT,
                       RED, ROW, SMALL)
from .seqtext import (_CLOSE, _DOWN_TEXT, _EXIT_TEXT, _OPEN, _groups, _short,  # noqa: F401
                      _time_label, abbreviate, notification)
from ..kernel.trace import (KINDS, OUTSIDE, Term, _plain, is_clean, line_of,  # noqa: F401
                            show)


class SequenceDiagram(Layout, Drawing):
    """A message sequence chart of a trace.

    ``.svg`` is the SVG text, ``.description`` its text alternative;
    ``save(path)`` writes the SVG file; Jupyter shows it inline.
    """

    def __init__(self, trace, title=None, processes=None, names=None,
                 kinds=None, max_events=None, nodes=None):
        self.title = title
        # Several nodes (or node names given): lifelines in bands per node, the
        # network's events and faults drawn too (labrt.draw.seqnodes). None: one node.
        self.layer = N.layer_for(trace, nodes)
        self._pick_events(trace, processes, kinds, max_events)
        self._make_columns(trace, names)
        self._make_rows()
        self.description = self._describe()
        self.svg = self._render()

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        # Jupyter and the book prefer HTML to SVG; inline SVG (rather than an
        # <img>) keeps the tooltips and the text alternative working.
        return S.scroll_box(self.svg)

    def __repr__(self) -> str:
        return (f"<SequenceDiagram: {len(self.rows)} events, "
                f"{len(self.columns)} columns>")

    def save(self, path) -> None:
        """Write the SVG to ``path`` (UTF-8)."""
        if str(path).lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".pdf", ".webp")):
            raise ValueError(f"save() writes SVG, not {str(path).rsplit('.', 1)[1]}: "
                             f"use a .svg path (rsvg-convert turns it into a PNG or PDF)")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.svg)
