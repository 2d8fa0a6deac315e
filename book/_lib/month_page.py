"""What the pages show of the month (kept apart from :mod:`month`, whose code is hashed).

Everything here reads only the dict :func:`month.load` returned, so changing
how the month is shown never makes the committed month stale:
:func:`provenance` (the command, when it ran, each run's wall and CPU time
and simulated events), :func:`table` (chapter 11's comparison rows from
:mod:`ch11_compare`, plus the month's downtime against the 99.99 % budget),
and :func:`plot` (the failed purchases per day of December for both systems,
bar beside bar, and each system's minutes of downtime against the budget).
"""
from __future__ import annotations


def per_day(hourly):
    """Sum an hourly list into days."""
    return [sum(hourly[i:i + 24]) for i in range(0, len(hourly), 24)]


def plot(data):
    """Failed purchases per day of December, both systems, and the month's downtime;
    drawn with ``labrt.draw.chart`` (SVG, no matplotlib), so it also draws in the browser."""
    from labrt.draw import chart as ch

    try:
        from .ch11_compare import FIRST_COLOUR, SECOND_COLOUR
    except ImportError:
        from ch11_compare import FIRST_COLOUR, SECOND_COLOUR
    a, b = data["first"], data["second"]
    days = list(range(1, len(a["failed_per_hour"]) // 24 + 1))
    fa, fb = per_day(a["failed_per_hour"]), per_day(b["failed_per_hour"])
    mins = [a["downtime_min"], b["downtime_min"]]
    budget = a["budget_min"]
    desc = (f"Failed purchases per day of December: first system {sum(fa)} in all, "
            f"most on day {days[fa.index(max(fa))]} ({max(fa)}); second system {sum(fb)}. "
            f"The month's downtime: {mins[0]:.2f} min (first) and {mins[1]:.2f} min "
            f"(second), against a 99.99 % budget of {budget:.2f} min.")
    figure = ch.Chart("December through both systems", desc=desc)
    ax, bx = figure.row((3, 1), height=150)
    ax.xlabel, ax.ylabel = "day of December", "failed purchases"
    ax.xlim = (0.3, days[-1] + 0.7)
    w = 0.4
    ax.bars([d - w / 2 for d in days], fa, w, colour=FIRST_COLOUR, label="first system")
    ax.bars([d + w / 2 for d in days], fb, w, colour=SECOND_COLOUR, label="second system")
    ax.xticks([1, 5, 10, 15, 21, 25, 31][:len(days)] if len(days) >= 31 else days)
    bx.title = "downtime (min)"
    bx.ylim = (0, max(mins + [budget]) * 1.25)
    bx.bars([0, 1], mins, width=0.6, colour=[FIRST_COLOUR, SECOND_COLOUR], values="{:.2f}")
    bx.hline(budget, text="99.99 % budget", colour="#333333")
    bx.xticks([0, 1], ["first", "second"])
    return figure


class _Figures:
    """A loaded system's figures, shaped like a run for :mod:`ch11_compare`'s table."""

    def __init__(self, figures):
        self.figures = figures
        self.books_lag_s = figures.get("books_lag_s")

    def summary(self):
        return dict(self.figures)


def rows(data):
    """The comparison table's rows for the month: chapter 11's rows, and the budget."""
    try:
        from . import ch11_compare as compare
    except ImportError:
        import ch11_compare as compare
    a, b = data["first"], data["second"]
    out = compare.rows(_Figures(a), _Figures(b))
    out += [("downtime, minutes", f"{a['downtime_min']:.2f}", f"{b['downtime_min']:.2f}"),
            (f"share of the {a['budget_min']:.2f}-minute budget",
             f"{100 * a['budget_share']:.0f} %", f"{100 * b['budget_share']:.0f} %")]
    return out


def table(data):
    """The month's comparison as aligned text."""
    lines = [f"{'':32s} {'first':>12s} {'second':>12s}"]
    lines += [f"{k:32s} {x:>12s} {y:>12s}" for k, x, y in rows(data)]
    return "\n".join(lines)


def provenance(data, which=("first", "second")):
    """How the file was made: the command, when, and each run's wall and CPU time."""
    lines = [f"run by `{data['command']}` on {data['generated']} (Python {data['python']})"]
    for w in which:
        s = data[w]
        lines.append(f"  {w} system: {s['wall_s']:.1f} s wall, {s['cpu_s']:.1f} s CPU, "
                     f"{s['events']:,} process steps ({s['events_per_s']:,.0f} per wall second)")
    return "\n".join(lines)
