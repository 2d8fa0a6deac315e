"""Figure for chapter 2: a process's life as a sequence of states, one per message.

Drawn with ``labrt.draw.chart`` (plain SVG, no matplotlib), so the figure
also draws in the reader's browser.
"""
from __future__ import annotations

from labrt.draw.chart import Chart

BLUE = "#1f6fb4"


def plot_states(messages, states, title="An account's states, one per message"):
    """Draw states[0..n] as points joined by the messages that lead from one to the next."""
    assert len(states) == len(messages) + 1, "one more state than messages"
    xs = list(range(len(states)))
    top = max(states) or 1
    chart = Chart(title, desc="Each message is written under the state it leads to.")
    p = chart.panel(ylabel="balance", xlim=(-0.5, len(states) - 0.5),
                    ylim=(-0.05 * top, top * 1.25), height=190)
    p.line(xs, states, colour="#a5c5e3", step=True)
    p.points(xs, states, colour=BLUE, size=4.5)
    for i, state in enumerate(states):
        p.label(i, state, f"s{i} = {state}", dy=-9)
    p.xticks(xs, ["start"] + [f"after m{i}\n{kind}\n{amount}"
                              for i, (kind, amount) in enumerate(messages, 1)])
    return chart
