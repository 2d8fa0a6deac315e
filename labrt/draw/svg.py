"""Tiny helpers for writing SVG by hand: escaping, numbers, text widths.

An SVG file is just text, so the diagram code builds it as a list of strings.
Three things need care:

* Escaping. Labels come from user messages and may hold ``<``, ``&`` or
  quotes; everything goes through :func:`esc`.
* Determinism. The same trace must give the same bytes, so numbers are
  rounded to one decimal by :func:`num` and attributes keep the order they
  are given in.
* Text width. SVG cannot wrap or clip text for us, and Python has no font
  engine in the standard library. :func:`text_width` estimates the width from
  the advance widths of DejaVu Sans, the widest of the usual sans-serif
  fonts (Helvetica and Arial are narrower), so an estimate that fits on
  Linux also fits on a Mac or in Windows.
"""
from __future__ import annotations

import unicodedata

FONT_FAMILY = "Helvetica, Arial, 'DejaVu Sans', sans-serif"
ELLIPSIS = "\u2026"

# Advance widths of the characters ' ' (32) to '~' (126), in 1/1000 em,
# taken from DejaVu Sans Book and Bold.
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
    1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
    733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
    500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
)


def _char_width(ch: str, table: tuple[int, ...]) -> int:
    code = ord(ch)
    if 32 <= code <= 126:
        return table[code - 32]
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1000
    if unicodedata.combining(ch):
        return 0
    return 800  # a generous guess for other letters and symbols


def text_width(text: str, size: float = 12, bold: bool = False) -> float:
    """Estimated width in pixels of ``text`` drawn at font ``size``."""
    table = _BOLD if bold else _REGULAR
    return sum(_char_width(ch, table) for ch in text) * size / 1000


def fit(text: str, max_width: float, size: float = 12, bold: bool = False) -> str:
    """``text`` if it fits in ``max_width`` pixels, else its longest prefix that
    fits with an ellipsis appended (at least the ellipsis itself)."""
    if text_width(text, size, bold) <= max_width:
        return text
    table = _BOLD if bold else _REGULAR
    budget = max_width * 1000 / size - _char_width(ELLIPSIS, table)
    used, cut = 0, 0
    for i, ch in enumerate(text):
        used += _char_width(ch, table)
        if used > budget:
            break
        cut = i + 1
    return text[:cut].rstrip() + ELLIPSIS


def size_style(width: float, smallest_font: float, min_px: float) -> str:
    """The style of a diagram's ``<svg width="100%">``: as wide as its column but
    no wider than drawn, and never so narrow that text of ``smallest_font`` (in
    drawing units) shows smaller than ``min_px`` CSS pixels. The page must then
    let it scroll sideways: :func:`scroll_box`."""
    least = min(width, width * min_px / smallest_font)
    return f"max-width:{num(width)}px;min-width:{num(least)}px;height:auto"


def scroll_box(svg: str) -> str:
    """The HTML for a diagram in a notebook or the book: a box that scrolls sideways
    when the diagram (at its min-width) is wider than the column. The inline style
    works without the book's CSS (JupyterLab); the class lets the book style it."""
    return (f'<div class="labrt-diagram" style="max-width:100%;overflow-x:auto">'
            f'{svg}</div>')


def num(x: float) -> str:
    """A coordinate as short, deterministic text: one decimal, no trailing .0."""
    text = f"{round(x, 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def esc(text: str) -> str:
    """Escape text for use in an SVG element or a double-quoted attribute."""
    text = "".join(ch if ch in "\t\n" or ord(ch) >= 32 else "\ufffd" for ch in str(text))
    return (text.replace("&", "&amp;").replace("<", "&lt;")
                .replace(">", "&gt;").replace('"', "&quot;"))


def attrs(**values) -> str:
    """Render keyword arguments as SVG attributes, in the order given.

    ``None`` values are left out, numbers go through :func:`num`, and an
    underscore in a name becomes a dash (``stroke_width`` -> ``stroke-width``).
    A trailing underscore is dropped (``class_`` -> ``class``).
    """
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = num(value)
        parts.append(f'{name}="{esc(value)}"')
    return " ".join(parts)


def tag(name: str, content: str | None = None, **values) -> str:
    """One SVG element as text; ``content`` is inserted as is (already SVG)."""
    a = attrs(**values)
    head = f"<{name} {a}" if a else f"<{name}"
    if content is None:
        return head + "/>"
    return f"{head}>{content}</{name}>"


def line(x1, y1, x2, y2, **style) -> str:
    return tag("line", x1=x1, y1=y1, x2=x2, y2=y2, **style)


def text(x, y, content: str, **style) -> str:
    """A text element; ``content`` is plain text and gets escaped here."""
    return tag("text", esc(content), x=x, y=y, **style)


def polygon(points, **style) -> str:
    return tag("polygon", points=" ".join(f"{num(x)},{num(y)}" for x, y in points), **style)


def path(d: str, **style) -> str:
    return tag("path", d=d, **style)
