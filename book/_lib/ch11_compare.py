"""The first and the second system side by side: one table, one plot.

Both runs come from the same schedule and traffic (chapter 11 passes one list
to :func:`ch10_first.run` and :func:`ch11_second.run`), so every difference in
the table is the systems' difference.  :func:`rows` gives the table's lines
in the units the prose uses; :func:`plot` draws the day: failed purchases per
minute, one strip per system on the same time axis with the day's events marked, and
below them three bars each (availability, 99th-percentile latency, acknowledged
purchases lost).

The peak day runs both systems for 24 simulated hours: seconds in a local kernel, about
a minute in the browser (Pyodide).  So the browser version of the book shows the runs
its site was built with (:func:`save` and :func:`load_saved`: each run's figures,
failed-purchase times and books lag, as JSON) unless the reader asks to run them there;
the page itself always runs them.
"""
from __future__ import annotations

import json
from pathlib import Path

#: Where the browser version keeps saved runs (beside _lib, as book/_data is)
SAVED = Path(__file__).resolve().parent.parent / "_data"

FIRST_COLOUR, SECOND_COLOUR = "#c0392b", "#2471a3"


def rows(first, second):
    """``[(label, first's text, second's text)]`` for the comparison table."""
    a, b = first.summary(), second.summary()

    def lag(r):
        s = getattr(r, "books_lag_s", None)
        return "-" if s is None else f"{s:.0f} s"
    return [
        ("purchases", f"{a['purchases']:,}", f"{b['purchases']:,}"),
        ("failed (not decided in 3 s)", f"{a['failed']:,}", f"{b['failed']:,}"),
        ("availability", f"{100 * a['availability']:.3f} %", f"{100 * b['availability']:.3f} %"),
        ("downtime", f"{a['downtime_s']:.0f} s", f"{b['downtime_s']:.0f} s"),
        ("median latency", f"{1000 * a['p50_s']:.0f} ms", f"{1000 * b['p50_s']:.0f} ms"),
        ("99th percentile", f"{1000 * a['p99_s']:.0f} ms", f"{1000 * b['p99_s']:.0f} ms"),
        ("acknowledged, lost", f"{a['lost']:,}", f"{b['lost']:,}"),
        ("taken twice", f"{a['duplicated']:,}", f"{b['duplicated']:,}"),
        ("books behind by at most", lag(first), lag(second)),
    ]


def table(first, second):
    """The comparison as aligned text."""
    lines = [f"{'':28s} {'first':>12s} {'second':>12s}"]
    lines += [f"{k:28s} {x:>12s} {y:>12s}" for k, x, y in rows(first, second)]
    return "\n".join(lines)


def _per_minute(r):
    bins = [0] * int(r.hours * 60 + 1)
    for t in r.failed_at:
        bins[min(len(bins) - 1, int(t // 60))] += 1
    return bins


def plot(first, second, marks=()):
    """The day's failed purchases per minute (both systems), and three bars each; drawn
    with ``labrt.draw.chart`` (SVG, no matplotlib), so it also draws in the browser."""
    from labrt.draw import chart as ch

    a, b = first.summary(), second.summary()
    per = (_per_minute(first), _per_minute(second))
    high = max(per[0] + per[1] + [1])
    marks = sorted(marks, key=lambda m: m[0])
    desc = (f"Failed purchases per minute over {first.hours:g} hours: first system "
            f"{sum(per[0])} in all, second system {sum(per[1])}. Marked: "
            + (", ".join(f"{text} at hour {t / 3600:g}" for t, text in marks) or "nothing")
            + f". Availability {100 * a['availability']:.3f} % against "
            f"{100 * b['availability']:.3f} %, 99th percentile {1000 * a['p99_s']:.0f} ms "
            f"against {1000 * b['p99_s']:.0f} ms, acknowledged purchases lost {a['lost']} "
            f"against {b['lost']}.")
    figure = ch.Chart("The same peak day through both systems", desc=desc)
    for row, (name, bins, colour) in enumerate(
            (("first system", per[0], FIRST_COLOUR), ("second system", per[1], SECOND_COLOUR))):
        p = figure.panel(title=f"{name}: failed purchases per minute", xlim=(0, first.hours),
                         ylim=(0, high * 1.05), height=110,
                         xlabel="hour of the day" if row == 1 else "")
        for k, (t, text) in enumerate(marks):
            p.vline(t / 3600, colour="#888888", dash="2,3", width=0.8)
            if row == 0:
                p.label(t / 3600, high * (1.0 - 0.15 * (k % 4)), text, dx=3, dy=0,
                        anchor="start", colour="#333333", size=9)
        busy = [(i / 60, n) for i, n in enumerate(bins) if n]
        p.stems([x for x, _ in busy], [n for _, n in busy], colour=colour)
        p.xticks(range(0, int(first.hours) + 1, 4 if first.hours > 8 else 1))
    bars = [("availability (%)", 100 * a["availability"], 100 * b["availability"], "{:.3f}"),
            ("99th percentile (ms)", 1000 * a["p99_s"], 1000 * b["p99_s"], "{:.0f}"),
            ("acknowledged, lost", a["lost"], b["lost"], "{:.0f}")]
    for p, (title, x, y, fmt) in zip(figure.row((1, 1, 1), height=110), bars):
        p.title = title
        if title.startswith("availability"):
            p.ylim = (99.9, 100.02)
            low = 99.9
        else:
            p.ylim = (0, max(x, y, 1) * 1.25)
            low = 0
        p.bars([0, 1], [max(x, low) - low, max(y, low) - low], width=0.6,
               colour=[FIRST_COLOUR, SECOND_COLOUR], bottom=[low, low])
        for j, v in enumerate((x, y)):
            p.label(j, max(v, low), fmt.format(v), dy=-4)
        p.xticks([0, 1], ["first", "second"])
    return figure


class SavedRun:
    """A run read back from :func:`save`'s file: what the table and the plot read
    (``summary()``, ``failed_at``, ``hours``, ``books_lag_s``)."""

    def __init__(self, saved):
        self.figures = dict(saved["figures"])
        self.failed_at = list(saved["failed_at"])
        self.hours = saved["hours"]
        self.books_lag_s = saved["books_lag_s"]

    def summary(self):
        return dict(self.figures)


def save(first, second, path, **about):
    """Write both runs (and ``about``: how they were made) to ``path`` as JSON."""
    def one(r):
        return {"figures": r.summary(), "failed_at": list(r.failed_at), "hours": r.hours,
                "books_lag_s": getattr(r, "books_lag_s", None)}
    Path(path).write_text(json.dumps({"about": about, "first": one(first),
                                      "second": one(second)}, indent=1), encoding="utf-8")


def load_saved(name, folder=SAVED):
    """``(first, second, about)`` from a file :func:`save` wrote (the browser version's
    copy of the page's runs; tests/browser/jupyterlite/build.py makes it)."""
    path = Path(folder) / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no saved runs here (the browser version's build "
                                "writes them; a local kernel runs the day instead)")
    data = json.loads(path.read_text(encoding="utf-8"))
    return SavedRun(data["first"]), SavedRun(data["second"]), data["about"]
