"""The marks of the network in labrt's pictures: colours, crosses, hatching, words.

The sequence diagram's node layer (``labrt.draw.seqnodes``), the cluster picture
(``labrt.dist.draw``) and the fault playground's timeline
(``labrt.dist.widget``) draw the same things (a lost message, a cut link, a
node that is down) and must draw them alike, so the marks live here once:

* colours, each with at least 4.5:1 contrast on white where it colours text;
* :func:`cross` (what a lost message or a broken connection ends in) and
  :func:`hatch` (diagonal lines filling a rectangle: a partition's wall, a
  crashed node), drawn as plain paths, with no ``<pattern>`` whose id could
  clash when a page holds several pictures;
* :func:`glyph`, the key's small pictures, and :data:`LEGEND`, their words;
* :func:`fault_text`, a fault event's data in words
  (``partition a@h | b@h, c@h``).

Everything is a pure function of its arguments, so pictures stay
deterministic.
"""
from __future__ import annotations

from . import svg as S
from ..kernel.trace import show

TEAL = "#00695c"       # messages between nodes (6.3:1 on white)
GREEN = "#2e6b30"
RED = "#c62828"
AMBER = "#8a5a00"
INK = "#222222"
GREY = "#666666"
BAND_FILLS = ("#eef3fa", "#f4effa", "#edf6ef", "#faf3e8")
BAND_STROKE = "#b9c3cd"
WALL_FILL = "#fbe3e3"
DOWN_FILL = "#e4e4e4"
FONT = 12

LEGEND = {"remote": "message between nodes", "lost": "message lost",
          "partition": "partition (links cut)", "down": "node down",
          "nodedown": "connection lost"}

HALO = dict(stroke="#ffffff", stroke_width=3, stroke_linejoin="round", paint_order="stroke")


def fault_text(data) -> str:
    """A fault event's data in words: ``partition a@h | b@h, c@h``."""
    if not isinstance(data, tuple) or not data:
        return f"fault {show(data)}"
    what = data[0]
    if what == "partition":
        a, b = ", ".join(data[1]), ", ".join(data[2])
        if len(data) > 3 and data[3]:
            return f"partition {a} \u2192 {b} (one way)"
        return f"partition {a} | {b}"
    if what == "heal":
        if len(data) >= 2 and data[1] is not None:
            return f"heal {', '.join(data[1])} | {', '.join(data[2] or ()) or 'others'}"
        return "heal: every link mended"
    if what == "crash":
        return f"{data[1]} crashes"
    if what == "restart":
        return f"{data[1]} restarts"
    if what == "slow":
        lat = data[3]
        shown = "normal latency" if lat is None else (
            f"{lat:g} s" if isinstance(lat, (int, float)) else f"{lat[0]} {lat[1]:g}-{lat[2]:g} s")
        return f"slow {data[1]} \u2013 {data[2]}: {shown}"
    if what == "drop":
        return f"drop {data[3]:.0%} {data[1]} \u2013 {data[2]}"
    return " ".join(str(x) for x in data)


def cross(x, y, r, colour) -> str:
    return S.path(f"M{S.num(x - r)} {S.num(y - r)}l{S.num(2 * r)} {S.num(2 * r)}"
                  f"M{S.num(x + r)} {S.num(y - r)}l{S.num(-2 * r)} {S.num(2 * r)}",
                  stroke=colour, stroke_width=2.4, stroke_linecap="round", data_mark="cross")


def hatch(x, y, w, h, step, colour) -> str:
    """Diagonal lines (\u2571) filling the rectangle, as one path: no <pattern>, so no
    ids that could clash when a page holds several diagrams."""
    d = []
    c = step
    while c < w + h:
        # the line x' + y' = c (in the rectangle's frame), clipped to it
        x0, y0 = (c, 0.0) if c <= w else (w, c - w)
        x1, y1 = (0.0, c) if c <= h else (c - h, h)
        d.append(f"M{S.num(x + x0)} {S.num(y + y0)}L{S.num(x + x1)} {S.num(y + y1)}")
        c += step
    return S.path("".join(d) or "M0 0", stroke=colour, stroke_width=0.8, fill="none",
                  stroke_opacity=0.55)


def glyph(kind, x, y) -> str:
    if kind == "remote":
        return (S.line(x, y, x + 26, y, stroke=TEAL, stroke_width=1.2)
                + S.tag("circle", cx=x + 13, cy=y, r=3.2, fill="#ffffff", stroke=TEAL,
                        stroke_width=1.4)
                + S.polygon([(x + 32, y), (x + 24, y - 4), (x + 24, y + 4)], fill=TEAL))
    if kind == "lost":
        return S.line(x, y, x + 24, y, stroke=RED, stroke_width=1.4) + cross(x + 28, y, 5, RED)
    if kind == "partition":
        return (S.tag("rect", x=x + 10, y=y - 9, width=12, height=18, fill=WALL_FILL,
                      stroke=RED, stroke_width=1, stroke_dasharray="3 2")
                + hatch(x + 10, y - 9, 12, 18, 7, RED))
    if kind == "down":
        return (S.tag("rect", x=x, y=y - 9, width=32, height=18, fill=DOWN_FILL)
                + hatch(x, y - 9, 32, 18, 14, "#9a9a9a"))
    return (S.line(x, y, x + 32, y, stroke=RED, stroke_width=2, stroke_dasharray="6 3")
            + cross(x + 16, y, 5, RED))
