"""Chapter 8's figure: what a failing-over client saw, request by request.

One row per run (a crash of the master, a cut that isolates it): each
request's outcome is a mark at the moment the client learnt it (blue: the
master answered, orange: the slave, a red cross: no answer within the
timeout), a dashed line at the fault and a small black diamond where the
client switched servers.  The rows share the time axis, so the gap between
the fault and the first orange mark, which the prose quotes, can be read off
and compared.  Kept out of the page because it is drawing, not the lesson; drawn with
``labrt.draw.chart`` (SVG, no matplotlib) so it also draws in the browser.
"""
from __future__ import annotations

__all__ = ["plot_failover"]

KINDS = (  # (label, prefix of the log entry, marker, colour)
    ("answered by the master", "answered by master", "o", "#1f6fb4"),
    ("answered by the slave", "answered by slave", "o", "#e08a1e"),
    ("no answer in 0.5 s", "no answer", "x", "#c0392b"),
    ("switch to the slave", "switch", "D", "#222222"),
)


def plot_failover(runs: dict, fault_at: float):
    """runs: {row title: log of (time, request, outcome)} as chapter 8's failover() returns."""
    from labrt.draw.chart import Chart

    titles = list(runs)
    chart = Chart("What the shop saw, request by request",
                  desc="One row per run, a mark per request at the moment its outcome "
                       "was known.")
    end = max([t for log in runs.values() for t, _, _ in log] + [fault_at + 1])
    p = chart.panel(xlabel="virtual time (s)", xlim=(0, end), ylim=(-0.6, len(titles) - 0.2),
                    height=40 + 45 * len(titles))
    p.vline(fault_at, "the fault")
    for row, title in enumerate(titles):
        y = len(titles) - 1 - row
        for label, prefix, marker, colour in KINDS:
            ts = [t for t, _, what in runs[title] if what.startswith(prefix)]
            p.points(ts, [y] * len(ts), marker=marker, colour=colour, size=3.5,
                     label=label)
    p.yticks(range(len(titles)), list(reversed(titles)))
    return chart
