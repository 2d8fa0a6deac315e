"""Chapter 10's figure: the peak day's failed purchases per minute, faults marked.

The figure used to be a matplotlib plot inside ``ch10_first``; it is drawn here with
``labrt.draw.chart`` (SVG, standard library only), so that it also draws in the
reader's browser, where the book runs on Pyodide without matplotlib.  Apart from the
model: this module only reads a run (``ch10_first.Run`` or anything with ``hours``
and ``failed_at``, window seconds) and never changes it, so drawing cannot change a
number the page states.

:func:`per_minute` bins the failed purchases by the minute they arrived in;
:func:`plot_day` draws the bins as stems over the hours of the window, with each fault
or operation of ``labels`` (``(t, text)``, window seconds) as a dotted vertical line
and its name.  Chapter 11's side-by-side figure (``ch11_compare.plot``) uses the same
binning.
"""
from __future__ import annotations

RED = "#c0392b"
MARK = "#888888"


def per_minute(r) -> list[int]:
    """Failed purchases in each minute of the run's window."""
    bins = [0] * int(r.hours * 60 + 1)
    for t in r.failed_at:
        bins[min(len(bins) - 1, int(t // 60))] += 1
    return bins


def marks_in_order(labels):
    """The marks by time, so that neighbours get different heights for their names."""
    return sorted(labels, key=lambda m: m[0])


def plot_day(r, labels=(), colour=RED, title="Failed purchases per minute"):
    """Failed purchases per minute over a run's window, faults marked (``labels``: (t, text))."""
    from labrt.draw import chart as ch

    bins = per_minute(r)
    top = max(bins + [1])
    busy = [(i / 60, n) for i, n in enumerate(bins) if n]
    worst = max(busy, key=lambda b: b[1], default=None)
    desc = (f"Failed purchases per minute over {r.hours:g} hours, {sum(bins)} in all; "
            + (f"the worst minute, at hour {worst[0]:.2f}, has {worst[1]}. " if worst
               else "none failed. ")
            + "Marked: " + (", ".join(f"{text} at hour {t / 3600:g}" for t, text in labels)
                            or "nothing") + ".")
    figure = ch.Chart(title, desc=desc)
    p = figure.panel(xlabel="hour of the day", ylabel="failed purchases per minute",
                     xlim=(0, r.hours), ylim=(0, top * 1.05), height=190)
    for k, (t, text) in enumerate(marks_in_order(labels)):
        p.vline(t / 3600, colour=MARK, dash="2,3", width=0.8)
        p.label(t / 3600, top * (1.0 - 0.13 * (k % 4)), text, dx=3, dy=0, anchor="start",
                colour="#333333", size=9)
    p.stems([x for x, _ in busy], [n for _, n in busy], colour=colour, label=None)
    p.xticks(range(0, int(r.hours) + 1, 4 if r.hours > 8 else 1))
    return figure
