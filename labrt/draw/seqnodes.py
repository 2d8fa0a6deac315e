"""Nodes in a sequence diagram: bands, the network's own events, faults as periods.

A trace of a :class:`labrt.dist.World` is a trace of several process tables
on one clock.  :class:`~labrt.draw.seqdiagram.SequenceDiagram` draws it with the
same rows and arrows as a one-node trace, and :class:`NodeLayer` adds what a
reader of a distributed run needs to see, in four layers:

* **Bands.**  Lifelines are grouped by node (a pid ``<1.4.0>`` lives on
  node 1), left to right in node order, and each group sits on a tinted,
  labelled band ("b@site2").  A gap between two bands is the network: an
  arrow that crosses it is a message between nodes, drawn in teal with a
  small ring where it passes the gap, so "this one went over the wire" can
  be read without colour too.
* **The network's events.**  ``nodeup`` and ``nodedown`` (a connection set
  up or lost, with OTP's reason) and ``fault`` (partition, heal, crash,
  restart, slow, drop) are events of the world, not of a process: they get
  a row of their own, drawn across the bands they concern.  What a node's
  net kernel tells a process (``("nodedown", N)``, ``DOWN noconnection``,
  ``EXIT noconnection``) comes from the edge of the receiver's band, since
  nothing crossed the network to bring it.
* **Lost messages.**  A ``lost`` event names the sender and the message; it
  is matched to the send it belongs to (the latest earlier send of that
  message by that sender that is not matched yet: what is lost is what was
  in flight, and that is the newest), and that send's arrow stops at the
  gap before the receiver's band and ends in a cross.  The lost event then
  needs no row of its own; one that matches no drawn send keeps its row.
* **Periods.**  Replaying the fault rows gives, for every row, which
  directions are cut and which nodes are down.  A cut is drawn as a hatched
  wall in every gap that separates the two sides, from the partition's row
  to the heal's; a node that is down has its band hatched grey for as long,
  and its lifelines stop at the crash (a respawned pid starts a new piece).

The layer is put together from three parts, to be read in this order:

1. :mod:`labrt.draw.seqlanes`: reading the trace (which node a pid is on,
   matching lost messages to their sends, which rows belong to the world)
   and placing the bands;
2. :mod:`labrt.draw.seqperiods`: replaying the faults into walls and down
   periods, and cutting lifelines at a crash;
3. :mod:`labrt.draw.seqnetdraw`: drawing the bands, the network's rows,
   lost and net-kernel messages, the key and the words of the summary.

Everything is derived from the trace (plus, if given, the node names: a
trace alone knows node indices, not names), so the picture is as
deterministic as the rest of the diagram.  Text stays at 12 drawing units,
so the diagram's min-width rule (text never under 11 px on screen) holds.
A trace with no event of these kinds and every pid on node 0 never gets
here (:func:`layer_for` gives None): one-node diagrams are drawn exactly as
before.  The names this module has always offered (``NodeLayer``,
``layer_for``, ``node_of``, ``NET_KINDS``, ...) are importable from it still.
"""
from __future__ import annotations

# The parts, and every name this module defined before it was split (importable
# from here still).
import re  # noqa: F401

from . import svg as S  # noqa: F401
from .netmarks import (AMBER, BAND_FILLS, BAND_STROKE, DOWN_FILL, FONT, GREEN,  # noqa: F401
                       GREY, HALO, INK, LEGEND, RED, TEAL, WALL_FILL, cross, fault_text, glyph,
                       hatch)
from .seqlanes import (_PID, GAP, NET_KINDS, OTHERS, TOP, WORLD_KINDS, Lanes,  # noqa: F401
                       _data, kernel_message, names_of, node_of)
from .seqnetdraw import LEGEND_ROW, NetDrawing  # noqa: F401
from .seqperiods import Periods
from ..kernel.trace import OUTSIDE, Term, _read_value, show  # noqa: F401


def layer_for(trace, nodes):
    """A :class:`NodeLayer` if the trace is of several nodes (or names are given)."""
    names = names_of(nodes if nodes is not None else getattr(trace, "nodes", None))
    if names is None:
        multi = any(e.kind in NET_KINDS for e in trace) or any(
            (node_of(p) or 0) != 0 for e in trace for p in (e.pid, e.other) if p is not None)
        if not multi:
            return None
    return NodeLayer(trace, names or {})


class NodeLayer(Lanes, Periods, NetDrawing):
    """What the diagram needs to know about nodes; see the module's essay."""

    def __init__(self, trace, names: dict[int, str]):
        self.names = dict(names)
        self.lost_of: dict[int, object] = {}     # seq of a send -> its lost event
        self._match_lost(trace)
