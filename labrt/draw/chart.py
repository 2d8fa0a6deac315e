"""Charts of measurements as plain SVG: the book's figures without matplotlib.

The book's figures plot what a simulated run measured: waits over a day,
requests per bin, outcomes per node.  They used to be matplotlib figures,
which needs numpy and compiled code; in the reader's browser (JupyterLite on
Pyodide, offline) neither is there.  A chart of a few series is not hard to
draw by hand, so this module does it with the standard library, the way
``seqdiagram`` draws a trace.

The model is small on purpose:

* A :class:`Chart` is a column of rows; a row holds one :class:`Panel` or a
  few side by side (``chart.row((3, 1))``, widths in that ratio).  With
  ``sharex=True`` the full-width panels share one x range and only the
  lowest shows the tick labels, like stacked matplotlib axes.
* A panel collects marks in data coordinates: ``line`` (optionally as a
  step), ``points``, ``bars`` (stacked with ``bottom``, grouped by shifting
  ``xs``), ``stems``, ``boxes``, shaded ``span``, ``vline``, ``hline``,
  ``label``.  Nothing is drawn until ``chart.svg`` is asked for: only then
  are the ranges known, so the layout happens in one place (:meth:`Chart.svg`).
* Axes get "nice" ticks (1, 2 or 5 times a power of ten,
  :func:`labrt.draw.chart_render.ticks`) or a log scale (``ylog=True``).
* Every series with a ``label`` gets one legend entry, the entries of all
  panels merged at the top of the chart (where they wrap on a phone).

Determinism: coordinates go through ``svg.num`` (one decimal), marks keep
the order they were added in, and there are no ids or dates, so the same
measurements give the same bytes and the book's strict re-run can compare
outputs.  Accessibility: the SVG has a ``<title>`` and a ``<desc>``; the
desc says, per panel, what each series holds and its range, so a screen
reader gets the numbers the picture shows.  Size: the drawing is 480 units
wide, shown at the column's width (at most 640 px), and never narrower than
the width at which its 11-unit text would fall below 9 px: on a 390 px phone
it fits or scrolls sideways a little, it does not shrink into unreadability.
"""
from __future__ import annotations

import math

from . import svg as S
from .chart_render import finite

__all__ = ["Chart", "Panel", "histogram", "edges"]

WIDTH = 480
FONT = 11                 # ticks, labels, legend (chart_render holds the others)
GREY, INK = "#555555", "#222222"


def edges(lo: float, hi: float, width: float) -> list[float]:
    """Bin edges from ``lo`` to at least ``hi``, ``width`` apart."""
    if width <= 0:
        raise ValueError("bin width must be positive")
    n = max(1, math.ceil((hi - lo) / width - 1e-9))
    return [lo + i * width for i in range(n + 1)]


def histogram(values, bin_edges) -> list[int]:
    """How many ``values`` fall in each bin ``[e[i], e[i+1])`` (the last bin is closed)."""
    e = list(bin_edges)
    if len(e) < 2:
        raise ValueError("a histogram needs at least two bin edges")
    counts = [0] * (len(e) - 1)
    for v in values:
        if e[0] <= v <= e[-1]:
            i = min(len(counts) - 1, int(_bisect(e, v)))
            counts[i] += 1
    return counts


def _bisect(e, v):
    lo, hi = 0, len(e) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if e[mid] <= v:
            lo = mid
        else:
            hi = mid
    return lo


class Panel:
    """One set of axes.  Add marks with its methods; they are drawn by the chart."""

    def __init__(self, title="", xlabel="", ylabel="", ylog=False, xlim=None, ylim=None,
                 height=170):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.ylog, self.xlim, self.ylim, self.height = ylog, xlim, ylim, height
        self.marks = []           # (kind, data dict), in the order added
        self.xtick, self.ytick = None, None
        self.show_xticks = True

    # -- marks -----------------------------------------------------------------
    def _add(self, kind, xs=(), ys=(), **data):
        xs, ys = [float(x) for x in xs], [float(y) for y in ys]
        if len(xs) != len(ys):
            raise ValueError(f"{kind}: {len(xs)} x values but {len(ys)} y values")
        self.marks.append((kind, dict(xs=xs, ys=ys, **data)))
        return self

    def line(self, xs, ys, colour=INK, label=None, width=1.5, dash=None, step=False):
        """A polyline through the points; ``step=True`` holds each value until the next x."""
        return self._add("line", xs, ys, colour=colour, label=label, width=width,
                         dash=dash, step=step)

    def points(self, xs, ys, colour=INK, label=None, marker="o", size=3.5, hollow=False,
               opacity=1.0):
        """Markers: ``o`` circle, ``^``/``v`` triangles, ``D`` diamond, ``x`` cross."""
        if marker not in _MARKERS:
            raise ValueError(f"marker is one of {sorted(_MARKERS)}, not {marker!r}")
        return self._add("points", xs, ys, colour=colour, label=label, marker=marker,
                         size=size, hollow=hollow, opacity=opacity)

    def bars(self, xs, heights, width=0.8, colour=INK, label=None, bottom=None,
             align="center", values=None):
        """Vertical bars; ``bottom`` stacks them; ``align="edge"`` puts x at the left edge;
        ``values``: a format such as ``"{:.2f}"`` writes each height above its bar."""
        hs = [float(h) for h in heights]
        base = [0.0] * len(hs) if bottom is None else [float(b) for b in bottom]
        if len(base) != len(hs):
            raise ValueError("bars: bottom needs one value per bar")
        xs = [float(x) for x in xs]
        if len(xs) != len(hs):
            raise ValueError(f"bars: {len(xs)} x values but {len(hs)} heights")
        left = [x if align == "edge" else x - width / 2 for x in xs]
        colours = colour if isinstance(colour, (list, tuple)) else [colour] * len(hs)
        self.marks.append(("boxes", dict(
            xs=left + [x + width for x in left], ys=base + [b + h for b, h in zip(base, hs)],
            boxes=[(x, x + width, b, b + h) for x, b, h in zip(left, base, hs)],
            colours=colours, colour=colours[0] if colours else INK, label=label,
            values=values)))
        return self

    def boxes(self, boxes, colour=INK, label=None):
        """Rectangles ``(x0, x1, y0, y1)`` in data units (a timeline's intervals)."""
        boxes = [tuple(float(v) for v in b) for b in boxes]
        self.marks.append(("boxes", dict(
            xs=[v for b in boxes for v in b[:2]], ys=[v for b in boxes for v in b[2:]],
            boxes=boxes, colours=[colour] * len(boxes), colour=colour, label=label,
            values=None)))
        return self

    def stems(self, xs, ys, colour=INK, label=None, width=1.5):
        """A vertical line from 0 up to each value (counts per minute, say)."""
        return self._add("stems", xs, ys, colour=colour, label=label, width=width)

    def span(self, x0, x1, colour="#e6e6e6", label=None):
        """A shaded band across the panel's height from ``x0`` to ``x1`` (an outage)."""
        return self._add("span", [x0, x1], [math.nan, math.nan], colour=colour, label=label)

    def vline(self, x, text=None, colour=GREY, dash="--", width=1.0):
        """A vertical marker line, with ``text`` written beside its top."""
        return self._add("vline", [x], [math.nan], colour=colour, text=text, dash=dash,
                         width=width)

    def hline(self, y, text=None, colour=GREY, dash="--", width=1.0):
        """A horizontal threshold line, with ``text`` written above its left end."""
        return self._add("hline", [math.nan], [y], colour=colour, text=text, dash=dash,
                         width=width)

    def label(self, x, y, text, dx=0, dy=-8, anchor="middle", colour=INK, arrow=False,
              size=FONT):
        """``text`` at the point, shifted ``dx``/``dy`` pixels; ``arrow`` draws a pointer."""
        return self._add("label", [x], [y], text=str(text), dx=dx, dy=dy, anchor=anchor,
                         colour=colour, arrow=arrow, size=size)

    def xticks(self, positions, labels=None):
        """Fixed x ticks (labels may hold ``\\n`` for two lines)."""
        self.xtick = ([float(p) for p in positions],
                      None if labels is None else [str(t) for t in labels])
        return self

    def yticks(self, positions, labels=None):
        """Fixed y ticks, e.g. one per row of a timeline."""
        self.ytick = ([float(p) for p in positions],
                      None if labels is None else [str(t) for t in labels])
        return self

    # -- what the chart reads --------------------------------------------------
    def data_x(self):
        return [x for _, m in self.marks for x in finite(m["xs"])]

    def data_y(self):
        ys = [y for kind, m in self.marks for y in finite(m["ys"])]
        if any(kind in ("stems",) for kind, _ in self.marks):
            ys.append(0.0)
        return [y for y in ys if y > 0] if self.ylog else ys

    def legend(self):
        return [(m["label"], kind, m) for kind, m in self.marks if m.get("label")]

    def describe(self) -> str:
        parts = []
        for kind, m in self.marks:
            xs, ys = finite(m["xs"]), finite(m["ys"])
            name = m.get("label") or m.get("text") or kind
            if kind in ("vline", "hline", "span"):
                where = ", ".join(S.num(v) for v in (xs if kind != "hline" else ys))
                parts.append(f"{kind} {name} at {where}")
            elif kind == "label":
                parts.append(f"label {m['text']!r}")
            elif xs and ys:
                parts.append(f"{kind} {name}: {len(m['xs']) if kind != 'boxes' else len(m['boxes'])}"
                             f" items, x {_g(min(xs))} to {_g(max(xs))},"
                             f" y {_g(min(ys))} to {_g(max(ys))}")
            else:
                parts.append(f"{kind} {name}: no data")
        head = f"Panel {self.title!r}" if self.title else "Panel"
        return f"{head} ({self.xlabel or 'x'} against {self.ylabel or 'y'}): " + (
            "; ".join(parts) if parts else "no data") + "."


def _g(v: float) -> str:
    return f"{v:.4g}"


_MARKERS = {"o", "^", "v", "D", "x"}


class Chart:
    """A figure: a title, a legend, and rows of panels.  ``chart.svg`` is the picture."""

    def __init__(self, title: str, desc: str = "", width: float = WIDTH, sharex=False):
        if not title:
            raise ValueError("a chart needs a title (it is the SVG's <title>)")
        self.title, self.desc, self.width, self.sharex = title, desc, width, sharex
        self.rows = []            # [(ratios, [Panel])]

    def panel(self, **options) -> Panel:
        """A full-width panel below the ones before it."""
        p = Panel(**options)
        self.rows.append(((1,), [p]))
        return p

    def row(self, ratios, **options) -> list[Panel]:
        """Panels side by side, their widths in ``ratios`` (e.g. ``(3, 1)``)."""
        if not ratios or any(r <= 0 for r in ratios):
            raise ValueError("ratios must be positive numbers")
        ps = [Panel(**options) for _ in ratios]
        self.rows.append((tuple(ratios), ps))
        return ps

    def panels(self) -> list[Panel]:
        return [p for _, ps in self.rows for p in ps]

    def describe(self) -> str:
        text = (self.desc + " " if self.desc else "") + " ".join(
            p.describe() for p in self.panels())
        return text.strip() or self.title

    # -- display ---------------------------------------------------------------
    @property
    def svg(self) -> str:
        from .chart_render import render
        return render(self)

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return S.scroll_box(self.svg)

    def __repr__(self):
        return f"<Chart {self.title!r}: {len(self.panels())} panels>"

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.svg)

