"""Figure for chapter 2: a process's life as a sequence of states, one per message."""
from __future__ import annotations

STYLE = {                         # the same fixed look as chapter 1's figures
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.grid": True,
    "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 11, "axes.titleweight": "bold",
}


def plot_states(messages, states, title="An account's states, one per message"):
    """Draw states[0..n] as points joined by the messages that lead from one to the next."""
    import matplotlib.pyplot as plt

    assert len(states) == len(messages) + 1, "one more state than messages"
    with plt.style.context("default"), plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 3.6))
        xs = range(len(states))
        ax.step(xs, states, where="post", color="#1f6fb4", lw=1.5, alpha=0.4)
        ax.plot(xs, states, "o", color="#1f6fb4", ms=7, zorder=3)
        top = max(states)
        for i, state in enumerate(states):
            ax.annotate(f"s{i} = {state}", (i, state), xytext=(0, 9),
                        textcoords="offset points", ha="center", fontsize=9)
        for i, msg in enumerate(messages):
            kind, amount = msg
            ax.annotate(f"m{i + 1}\n{kind} {amount}", (i + 0.5, -0.16 * top), ha="center",
                        va="center", fontsize=8, color="#555555", annotation_clip=False)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([f"after m{i}" if i else "start" for i in xs])
        ax.set_ylim(-0.05 * top, top * 1.2)
        ax.set_ylabel("balance")
        ax.set_title(title)
        fig.tight_layout()
        fig.subplots_adjust(bottom=0.27)
        ax.tick_params(axis="x", pad=30)
    plt.close(fig)                # the caller displays it once
    return fig
