"""Chapter 8's figure: what a failing-over client saw, request by request.

One row per run (a crash of the master, a cut that isolates it): each
request's outcome is a mark at the moment the client learnt it (blue: the
master answered, orange: the slave, a red cross: no answer within the
timeout), a dashed line at the fault and a small black diamond where the
client switched servers.  The rows share the time axis, so the gap between
the fault and the first orange mark, which the prose quotes, can be read off
and compared.  Kept out of the page because it is drawing, not the lesson.
"""
from __future__ import annotations

__all__ = ["plot_failover"]

STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.grid": True,
    "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 10.5, "axes.titleweight": "bold", "legend.frameon": False,
}
KINDS = (  # (label, prefix of the log entry, marker, colour)
    ("answered by the master", "answered by master", "o", "#1f6fb4"),
    ("answered by the slave", "answered by slave", "o", "#e08a1e"),
    ("no answer in 0.5 s", "no answer", "x", "#c0392b"),
    ("switch to the slave", "switch", "D", "#222222"),
)


def plot_failover(runs: dict, fault_at: float):
    """runs: {row title: log of (time, request, outcome)} as chapter 8's failover() returns."""
    import matplotlib.pyplot as plt

    with plt.style.context("default"), plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 1.0 + 0.9 * len(runs)))
        titles = list(runs)
        for row, title in enumerate(titles):
            y = len(titles) - 1 - row
            for label, prefix, marker, colour in KINDS:
                ts = [t for t, _, what in runs[title] if what.startswith(prefix)]
                ax.scatter(ts, [y] * len(ts), marker=marker, color=colour, s=36,
                           label=label if row == 0 else None, zorder=3)
        ax.axvline(fault_at, color="#555555", lw=1, ls="--", zorder=1)
        ax.text(fault_at + 0.05, len(titles) - 0.55, "the fault", fontsize=9, color="#333333")
        ax.set_yticks(range(len(titles)), list(reversed(titles)))
        ax.set_ylim(-0.6, len(titles) - 0.4)
        ax.set_xlabel("virtual time (s)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=4, fontsize=8.5,
                  handletextpad=0.3, columnspacing=1.0)
        fig.tight_layout()
    plt.close(fig)            # the caller displays it once
    return fig
