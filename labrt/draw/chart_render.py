"""Layout and drawing for :mod:`labrt.draw.chart`: scales, ticks, and the SVG.

A chart is laid out once, top to bottom: the title (wrapped to the width),
the legend (entries flow left to right and wrap), then each row of panels.
A panel's gutter on the left is as wide as its widest y tick label plus room
for the rotated y label; the full-width panels of a chart share the widest
gutter so their plot areas line up under each other.

Scales map data to pixels.  A linear scale takes its range from the data
(or ``xlim``/``ylim``), widened to the nearest "nice" ticks on y; a log
scale (``ylog``) spans whole powers of ten and drops values that are not
positive.  A range of one value is widened by one unit each way, so a flat
series still draws.  Non-finite values (NaN, inf) are skipped: a line
breaks there instead of shooting off the panel.
"""
from __future__ import annotations

import math

from . import svg as S

FONT, TITLE_FONT, PANEL_TITLE_FONT, MIN_PX = 11, 13, 11.5, 9
GREY, INK = "#555555", "#222222"
DASHES = {"--": "5 3", ":": "1.5 2.5", "-": None, None: None}
PAD_R, PAD_TOP, ROW_GAP, COL_GAP = 10, 8, 10, 14


def finite(values):
    return [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]


def nice_step(span: float, count: int = 5) -> float:
    """The 1, 2 or 5 times a power of ten closest above ``span / count``."""
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw * 0.999:
            return m * power
    return 10 * power


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Nice tick positions covering ``[lo, hi]``, about ``count`` of them."""
    step = nice_step(hi - lo, count)
    first = math.ceil(lo / step - 1e-9)
    out, i = [], first
    while i * step <= hi + step * 1e-9:
        out.append(round(i * step, 12))
        i += 1
    return out


def tick_text(v: float, step: float) -> str:
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    text = f"{v:.{digits}f}"
    return "0" if text in ("-0", "-0.0") else text


def wrap(text: str, width: float, size: float, bold=False) -> list[str]:
    """Words of ``text`` in lines no wider than ``width`` pixels (a long word overflows)."""
    lines, cur = [], ""
    for para in str(text).split("\n"):
        cur = ""
        for word in para.split():
            trial = f"{cur} {word}" if cur else word
            if cur and S.text_width(trial, size, bold) > width:
                lines.append(cur)
                cur = word
            else:
                cur = trial
        lines.append(cur)
    return lines


class Scale:
    """Data to pixels along one axis, with its ticks."""

    def __init__(self, values, lim=None, log=False, nice=False, fixed=None):
        self.log = log
        vals = [v for v in finite(values) if v > 0] if log else finite(values)
        if lim is not None:
            lo, hi = float(lim[0]), float(lim[1])
        elif vals:
            lo, hi = min(vals), max(vals)
        else:
            lo, hi = (1.0, 10.0) if log else (0.0, 1.0)
        if log:
            lo, hi = max(lo, 1e-12), max(hi, 1e-12)
            if lim is None:
                lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
            if hi <= lo:
                lo, hi = lo / 10, hi * 10
            self.lo, self.hi = math.log10(lo), math.log10(hi)
            self.ticks = [10.0 ** k for k in range(math.ceil(self.lo - 1e-9),
                                                   math.floor(self.hi + 1e-9) + 1)]
            self.labels = [f"{t:g}" for t in self.ticks]
        else:
            if hi <= lo:
                lo, hi = lo - 1, hi + 1
            if nice and lim is None:
                step = nice_step(hi - lo)
                lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
            self.lo, self.hi = lo, hi
            self.ticks = ticks(lo, hi)
            step = self.ticks[1] - self.ticks[0] if len(self.ticks) > 1 else 1.0
            self.labels = [tick_text(t, step) for t in self.ticks]
        if fixed is not None:
            self.ticks = fixed[0]
            self.labels = fixed[1] if fixed[1] is not None else [f"{t:g}" for t in fixed[0]]
        self.a, self.b = 0.0, 1.0

    def place(self, a: float, b: float):
        self.a, self.b = a, b

    def __call__(self, v: float) -> float:
        if self.log:
            v = math.log10(v) if v > 0 else self.lo
        f = (v - self.lo) / (self.hi - self.lo)
        return self.a + f * (self.b - self.a)

    def inside(self, v: float) -> bool:
        if self.log and v <= 0:
            return False
        w = math.log10(v) if self.log else v
        return self.lo - 1e-9 <= w <= self.hi + 1e-9


def _legend_entries(chart):
    seen, out = set(), []
    for p in chart.panels():
        for label, kind, m in p.legend():
            if label not in seen:
                seen.add(label)
                out.append((label, kind, m))
    return out


def _swatch(kind, m, x, y):
    c = m["colour"]
    if kind == "points":
        return _marker(m["marker"], x + 7, y, max(m["size"], 3.5), c, m["hollow"])
    if kind in ("boxes", "span"):
        return S.tag("rect", x=x, y=y - 5, width=14, height=10, fill=c)
    return S.line(x, y, x + 14, y, stroke=c, stroke_width=2,
                  stroke_dasharray=DASHES.get(m.get("dash")))


def _marker(kind, x, y, r, colour, hollow=False, opacity=1.0):
    fill = "none" if hollow else colour
    op = None if opacity >= 1 else opacity
    if kind == "o":
        return S.tag("circle", cx=x, cy=y, r=r, fill=fill, stroke=colour, fill_opacity=op)
    if kind == "x":
        return S.path(f"M{S.num(x - r)} {S.num(y - r)}L{S.num(x + r)} {S.num(y + r)}"
                      f"M{S.num(x - r)} {S.num(y + r)}L{S.num(x + r)} {S.num(y - r)}",
                      stroke=colour, stroke_width=1.8)
    pts = {"^": [(x, y - r * 1.3), (x + r * 1.2, y + r), (x - r * 1.2, y + r)],
           "v": [(x, y + r * 1.3), (x + r * 1.2, y - r), (x - r * 1.2, y - r)],
           "D": [(x, y - r * 1.2), (x + r, y), (x, y + r * 1.2), (x - r, y)]}[kind]
    return S.polygon(pts, fill=fill, stroke=colour, fill_opacity=op)


def _gutter(p, ys):
    widest = max((S.text_width(t, FONT) for t in ys.labels), default=0)
    return widest + 8 + (FONT + 8 if p.ylabel else 0) + 4


def render(chart) -> str:
    W = chart.width
    out = []
    y = PAD_TOP
    title_lines = wrap(chart.title, W - 20, TITLE_FONT, True)
    for line in title_lines:
        y += TITLE_FONT + 3
        out.append(S.text(W / 2, y, line, font_size=TITLE_FONT, font_weight="bold",
                          text_anchor="middle", fill=INK))
    # legend
    entries = _legend_entries(chart)
    if entries:
        y += 8
        x = 10
        y += FONT
        for label, kind, m in entries:
            w = 20 + S.text_width(label, FONT) + 14
            if x + w > W - 6 and x > 10:
                x, y = 10, y + FONT + 6
            out.append(_swatch(kind, m, x, y - 4))
            out.append(S.text(x + 19, y, label, font_size=FONT, fill=INK))
            x += w
    y += 6
    # scales; shared x over full-width panels
    full = [p for ratios, ps in chart.rows if len(ps) == 1 for p in ps]
    shared_x = [x for p in full for x in p.data_x()] if chart.sharex else None
    scales = {}
    for _, ps in chart.rows:
        for p in ps:
            xvals = shared_x if (chart.sharex and p in full) else p.data_x()
            xlim = p.xlim
            if chart.sharex and p in full and xlim is None:
                xlim = next((q.xlim for q in full if q.xlim is not None), None)
            xs = Scale(xvals, xlim, fixed=p.xtick)
            ys = Scale(p.data_y(), p.ylim, log=p.ylog, nice=True, fixed=p.ytick)
            scales[id(p)] = (xs, ys)
    if chart.sharex:
        for p in full[:-1]:
            p.show_xticks = False
    full_gutter = max((_gutter(p, scales[id(p)][1]) for p in full), default=0)
    for ratios, ps in chart.rows:
        total = sum(ratios)
        avail = W - PAD_R - COL_GAP * (len(ps) - 1)
        x0 = 0.0
        row_h = 0.0
        for ratio, p in zip(ratios, ps):
            slot = avail * ratio / total
            xs, ys = scales[id(p)]
            gutter = full_gutter if len(ps) == 1 else _gutter(p, ys)
            top = y + ROW_GAP
            if p.title:
                for line in wrap(p.title, slot - gutter, PANEL_TITLE_FONT, True):
                    top += PANEL_TITLE_FONT + 3
                    out.append(S.text(x0 + gutter, top, line, font_size=PANEL_TITLE_FONT,
                                      font_weight="bold", fill=INK))
                top += 6
            xs.place(x0 + gutter, x0 + slot)
            ys.place(top + p.height, top)
            out.extend(_panel(p, xs, ys, top, top + p.height))
            bottom = top + p.height
            if p.show_xticks:
                lines = max((len(t.split("\n")) for t in xs.labels), default=1)
                bottom += 6 + (FONT + 2) * lines
            if p.xlabel:
                bottom += FONT + 6
                out.append(S.text((xs.a + xs.b) / 2, bottom, p.xlabel, font_size=FONT,
                                  text_anchor="middle", fill=INK))
            row_h = max(row_h, bottom - y)
            x0 += slot + COL_GAP
        y += row_h
    H = y + 10
    desc = chart.describe()
    style = S.size_style(W, FONT, MIN_PX).replace("max-width:" + S.num(W),
                                                 "max-width:" + S.num(W * 4 / 3))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {S.num(W)} {S.num(H)}" '
            f'width="100%" role="img" aria-label="{S.esc(chart.title)}" style="{style}" '
            f'font-family="{S.esc(S.FONT_FAMILY)}">')
    return "".join([head, S.tag("title", S.esc(chart.title)), S.tag("desc", S.esc(desc)),
                    S.tag("rect", x=0, y=0, width=W, height=H, fill="white")] + out
                   + ["</svg>"])


def _panel(p, xs, ys, top, bottom):
    out = []
    left, right = xs.a, xs.b
    # grid and ticks
    for t, lab in zip(ys.ticks, ys.labels):
        if not ys.inside(t):
            continue
        py = ys(t)
        out.append(S.line(left, py, right, py, stroke="#e4e4e4", stroke_width=1))
        out.append(S.text(left - 5, py + FONT * 0.35, lab, font_size=FONT,
                          text_anchor="end", fill=GREY))
    for t, lab in zip(xs.ticks, xs.labels):
        if not xs.inside(t):
            continue
        px = xs(t)
        out.append(S.line(px, top, px, bottom, stroke="#eeeeee", stroke_width=1))
        if p.show_xticks:
            for i, part in enumerate(lab.split("\n")):
                out.append(S.text(px, bottom + FONT + 3 + i * (FONT + 2), part,
                                  font_size=FONT, text_anchor="middle", fill=GREY))
    if p.ylabel:
        cy = (top + bottom) / 2
        gx = left - max((S.text_width(t, FONT) for t in ys.labels), default=0) - 12
        out.append(S.tag("text", S.esc(p.ylabel), x=gx, y=cy, font_size=FONT,
                         text_anchor="middle", fill=INK,
                         transform=f"rotate(-90 {S.num(gx)} {S.num(cy)})"))
    clip = lambda v, a, b: min(max(v, min(a, b)), max(a, b))  # noqa: E731
    marks = sorted(p.marks, key=lambda km: km[0] != "span")   # shading goes underneath
    for kind, m in marks:
        if kind == "span":
            a, b = (clip(xs(v), left, right) for v in m["xs"])
            out.append(S.tag("rect", x=min(a, b), y=top, width=abs(b - a), height=bottom - top,
                             fill=m["colour"]))
        elif kind == "boxes":
            for (x0, x1, y0, y1), c in zip(m["boxes"], m["colours"]):
                a, b = clip(xs(x0), left, right), clip(xs(x1), left, right)
                c0 = clip(ys(y0) if not (ys.log and y0 <= 0) else bottom, top, bottom)
                c1 = clip(ys(y1), top, bottom)
                if abs(b - a) > 0 and abs(c1 - c0) > 0:
                    out.append(S.tag("rect", x=min(a, b), y=min(c0, c1), width=abs(b - a),
                                     height=abs(c1 - c0), fill=c))
                if m["values"]:
                    out.append(S.text((a + b) / 2, min(c0, c1) - 3, m["values"].format(y1 - y0),
                                      font_size=FONT, text_anchor="middle", fill=INK))
        elif kind == "line":
            out.extend(_polyline(m, xs, ys))
        elif kind == "stems":
            d = "".join(f"M{S.num(xs(x))} {S.num(ys(0))}V{S.num(ys(y))}"
                        for x, y in zip(m["xs"], m["ys"])
                        if math.isfinite(x) and math.isfinite(y) and y != 0 and xs.inside(x))
            if d:
                out.append(S.path(d, stroke=m["colour"], stroke_width=m["width"], fill="none"))
        elif kind == "points":
            for x, y in zip(m["xs"], m["ys"]):
                if math.isfinite(x) and math.isfinite(y) and xs.inside(x) and ys.inside(y):
                    out.append(_marker(m["marker"], xs(x), ys(y), m["size"], m["colour"],
                                       m["hollow"], m["opacity"]))
        elif kind == "vline":
            px = xs(m["xs"][0])
            out.append(S.line(px, top, px, bottom, stroke=m["colour"], stroke_width=m["width"],
                              stroke_dasharray=DASHES.get(m["dash"])))
            if m["text"]:
                out.append(S.text(px + 4, top + FONT + 1, m["text"], font_size=FONT,
                                  fill=INK))
        elif kind == "hline":
            py = ys(m["ys"][0])
            out.append(S.line(left, py, right, py, stroke=m["colour"], stroke_width=m["width"],
                              stroke_dasharray=DASHES.get(m["dash"])))
            if m["text"]:
                out.append(S.text(left + 4, py - 4, m["text"], font_size=FONT, fill=m["colour"]))
        elif kind == "label":
            px, py = xs(m["xs"][0]), ys(m["ys"][0])
            tx, ty = px + m["dx"], py + m["dy"]
            if m["arrow"]:
                out.append(S.line(px, py, tx, ty + (4 if m["dy"] < 0 else -m["size"]),
                                  stroke=GREY, stroke_width=0.8))
            for i, part in enumerate(m["text"].split("\n")):
                out.append(S.text(tx, ty + i * (m["size"] + 2), part, font_size=m["size"],
                                  text_anchor=m["anchor"], fill=m["colour"]))
    out.append(S.path(f"M{S.num(left)} {S.num(top)}V{S.num(bottom)}H{S.num(right)}",
                      stroke="#888888", stroke_width=1, fill="none"))
    return out


def _polyline(m, xs, ys):
    """Runs of finite points as one path each; ``step`` holds each y until the next x."""
    runs, cur = [], []
    for x, y in zip(m["xs"], m["ys"]):
        ok = math.isfinite(x) and math.isfinite(y) and not (ys.log and y <= 0)
        if ok:
            cur.append((xs(x), ys(y)))
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    out = []
    for run in runs:
        d = f"M{S.num(run[0][0])} {S.num(run[0][1])}"
        for (x0, y0), (x1, y1) in zip(run, run[1:]):
            d += (f"H{S.num(x1)}V{S.num(y1)}" if m["step"] else f"L{S.num(x1)} {S.num(y1)}")
        out.append(S.path(d, stroke=m["colour"], stroke_width=m["width"], fill="none",
                          stroke_dasharray=DASHES.get(m["dash"]), stroke_linejoin="round"))
    return out
