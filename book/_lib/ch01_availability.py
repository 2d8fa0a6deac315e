"""Availability arithmetic for chapter 1: how much downtime a number of nines allows.

Everything here is plain arithmetic on seconds. ``table`` gives an object that
prints as text and renders as a Markdown table in a notebook, so the lesson
survives in the static book; ``calculator`` builds the ipywidgets version
(its callbacks only run with a live kernel).
"""
from __future__ import annotations

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR
PERIODS = {                       # name -> length in seconds
    "day": DAY,
    "week": 7 * DAY,
    "30-day month": 30 * DAY,
    "year": 365 * DAY,
}


def downtime(availability: float, period: float) -> float:
    """Seconds of downtime allowed in ``period`` seconds at ``availability`` (0..1)."""
    if not 0.0 <= availability <= 1.0:
        raise ValueError(f"availability must be between 0 and 1, got {availability!r}")
    return (1.0 - availability) * period


def availability_for(allowed: float, period: float) -> float:
    """The availability (0..1) that allows ``allowed`` seconds of downtime per ``period``."""
    return 1.0 - allowed / period


def human(seconds: float) -> str:
    """A duration the way a person would say it: '4.3 min', '8.8 h', '26 s'."""
    if seconds < 0.95 * MINUTE:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 0.95 * HOUR:
        return f"{seconds / MINUTE:.1f} min"
    if seconds < 1.5 * DAY:
        return f"{seconds / HOUR:.1f} h"
    return f"{seconds / DAY:.1f} days"


def percent(availability: float) -> str:
    """0.9999 -> '99.99 %' (as many decimals as the number needs, at most 5)."""
    text = f"{availability * 100:.5f}".rstrip("0").rstrip(".")
    return f"{text} %"


class Table:
    """Rows of text that show as a Markdown table in Jupyter and as aligned text elsewhere."""

    def __init__(self, header: list[str], rows: list[list[str]]):
        self.header, self.rows = header, rows

    def _repr_markdown_(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |",
                 "|" + "|".join([":---"] + ["---:"] * (len(self.header) - 1)) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        cols = list(zip(self.header, *self.rows))
        widths = [max(len(c) for c in col) for col in cols]
        fmt = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
        return "\n".join([fmt(self.header)] + [fmt(r) for r in self.rows])


def table(levels=(0.99, 0.999, 0.9999, 0.99999), periods=PERIODS) -> Table:
    """Allowed downtime for each availability level (rows) in each period (columns)."""
    header = ["availability"] + [f"down per {name}" for name in periods]
    rows = [[percent(a)] + [human(downtime(a, p)) for p in periods.values()]
            for a in levels]
    return Table(header, rows)


def _summary(availability: float) -> str:
    parts = [f"<b>{name}</b>: {human(downtime(availability, p))}"
             for name, p in PERIODS.items()]
    return (f"At {percent(availability)} you may be down for " + ", ".join(parts) + ".")


def calculator(start: float = 0.9999):
    """An availability <-> downtime calculator (ipywidgets). Needs a live kernel to react."""
    import ipywidgets as w

    month = PERIODS["30-day month"]
    avail = w.BoundedFloatText(value=round(start * 100, 5), min=90.0, max=100.0, step=0.001,
                               description="availability %", style={"description_width": "11em"})
    down = w.BoundedFloatText(value=round(downtime(start, month) / MINUTE, 3), min=0.0,
                              max=month * 0.1 / MINUTE, step=0.5,
                              description="min down / month", style={"description_width": "11em"})
    nines = w.FloatSlider(value=-_log10(1 - start), min=1.0, max=6.0, step=0.25,
                          description="nines", readout_format=".2f",
                          style={"description_width": "11em"})
    out = w.HTML(_summary(start))
    busy = []                       # guards against the three widgets updating each other forever

    def set_all(a: float, source) -> None:
        if busy:
            return
        busy.append(1)
        try:
            if source is not avail:
                avail.value = round(a * 100, 5)
            if source is not down:
                down.value = round(downtime(a, month) / MINUTE, 3)
            if source is not nines and a < 1:
                nines.value = min(6.0, max(1.0, -_log10(1 - a)))
            out.value = _summary(a)
        finally:
            busy.clear()

    avail.observe(lambda ch: set_all(ch["new"] / 100, avail), names="value")
    down.observe(lambda ch: set_all(availability_for(ch["new"] * MINUTE, month), down),
                 names="value")
    nines.observe(lambda ch: set_all(1 - 10 ** -ch["new"], nines), names="value")
    return w.VBox([avail, down, nines, out])


def _log10(x: float) -> float:
    import math
    return math.log10(x) if x > 0 else 6.0
