"""A fault-schedule playground for the book: break a running cluster on purpose.

:class:`FaultPlayground` runs a small service on three simulated nodes
(a client on ``a@h`` asking a ``kv`` server on ``b@h`` and one on ``c@h``,
once a second each) with a :class:`~labrt.dist.FaultSchedule` applied to
the world.  The reader sees, top to bottom:

* a **timeline** of the faults, one lane per node: the schedule's faults
  (partitions as red bars on the side that is cut off, crashes as grey
  bars until the restart) together with those the reader added by hand,
  and a "now" line; what lies right of it has not happened yet;
* the **controls**: pick a node, then *partition it off* (from every other
  node), *heal all links*, *crash* it or *restart* it, now, on the live
  world; *run 1 s* moves the virtual clock (the schedule's faults fire as
  the clock passes them); *reset* starts again;
* the **cluster picture** (:func:`labrt.dist.draw.cluster`) and the
  **recent events** of the world's trace (faults, connections up and down,
  lost messages, exits, what the client heard), redrawn after every click.

An action applies its fault at the current virtual time and then lets the
world run for zero seconds, so what follows at once (a crashed node's
processes gone) shows at once, and what takes time (a partition is noticed
only after ``tick`` seconds, 2 here) shows after *run 1 s* twice: that
delay is the lesson.  Every click is also recorded as a fault at its time,
so the timeline and :attr:`FaultPlayground.faults` say what was done.

As with the supervisor playground (:mod:`labrt.widgets`), callbacks need a
live kernel.  :meth:`FaultPlayground.show` displays the widget (with the
CSS class ``labrt-playground``, so the book greys its controls, and the
same hidden note that the book's CSS reveals) and under it a *saved run*:
a fresh playground clicked a few times when the page was built, with what
happened after each click, so a reader of the static page sees what the
buttons would have done.  Tests drive the widget with ``button.click()``.
"""
from __future__ import annotations

import html

import ipywidgets as W

import labrt
from labrt import receive, register, send, sleep

from ..draw.netmarks import fault_text, hatch
from ..draw import svg as S
from ..kernel.trace import line_of, show
from ..draw.widgets import STATIC_NOTE
from . import draw
from .api import monitor_nodes
from .faults import Crash, FaultSchedule, Heal, Partition, Restart
from .world import World

__all__ = ["FaultPlayground", "DEFAULT_SCHEDULE"]

NODES = ("a@h", "b@h", "c@h")
DEFAULT_SCHEDULE = FaultSchedule([(3.0, Partition(("a@h",), ("b@h", "c@h"))), (6.0, Heal())])
SAVED_CLICKS = ("run 4", "run 2", "crash c@h", "run 1", "restart c@h", "run 2")
EVENT_LINES = 12
SHOWN_KINDS = ("fault", "nodeup", "nodedown", "lost", "exit", "exit_signal")


# ---------------------------------------------------------------------------
# The service

async def kv_server():
    """Registered as "kv": answers ``("get", from)`` with ``("value", its node)``."""
    register("kv", labrt.self())
    while True:
        msg = await receive()
        if isinstance(msg, tuple) and msg[0] == "get":
            send(msg[1], ("value", labrt.node()))


async def client():
    """Asks both servers once a second; hears nodeup/nodedown."""
    monitor_nodes(True)
    n = 0
    while True:
        n += 1
        for server in NODES[1:]:
            send(("kv", server), ("get", labrt.self()))
        await sleep(1.0)


def _boot(name):
    return client if name == NODES[0] else kv_server


# ---------------------------------------------------------------------------
# The widget

class FaultPlayground:
    """Three nodes, a fault schedule, and buttons that break things now."""

    def __init__(self, schedule: FaultSchedule | None = DEFAULT_SCHEDULE, seed: int = 1,
                 tick: float = 2.0, latency: float = 0.05):
        self.schedule = schedule if schedule is not None else FaultSchedule()
        self.seed, self.tick, self.latency = seed, tick, latency
        self.node = W.Dropdown(options=NODES, value=NODES[1], description="node",
                               layout=W.Layout(width="180px"))
        self.partition_button = W.Button(button_style="danger")
        self.heal_button = W.Button(description="heal all links", button_style="success",
                                    tooltip="reconnect every cut link")
        self.crash_button = W.Button(button_style="danger")
        self.restart_button = W.Button(button_style="success")
        self.run_button = W.Button(description="run 1 s", tooltip="advance the virtual clock")
        self.reset_button = W.Button(description="reset", tooltip="a fresh world, same schedule")
        self.note = W.HTML(STATIC_NOTE)
        self.status = W.HTML()
        self.timeline = W.HTML()
        self.picture = W.HTML()
        self.events = W.HTML()
        self.partition_button.on_click(lambda _b: self.partition(self.node.value))
        self.heal_button.on_click(lambda _b: self.heal())
        self.crash_button.on_click(lambda _b: self.crash(self.node.value))
        self.restart_button.on_click(lambda _b: self.restart(self.node.value))
        self.run_button.on_click(lambda _b: self.run(1.0))
        self.reset_button.on_click(lambda _b: self.reset())
        self.node.observe(lambda _change: self._label_buttons(), names="value")
        wrap = dict(flex_flow="row wrap")      # on a narrow screen the controls wrap
        self.widget = W.VBox([
            self.note, self.timeline,
            W.HBox([self.node, self.partition_button, self.heal_button, self.crash_button,
                    self.restart_button], layout=W.Layout(**wrap)),
            W.HBox([self.run_button, self.reset_button], layout=W.Layout(**wrap)),
            self.status, self.picture, self.events])
        self.widget.add_class("labrt-playground")
        self.reset()

    # -- actions (the button callbacks) ---------------------------------------
    def reset(self):
        """A fresh world: three nodes booting their service, the schedule applied."""
        self.world = World(seed=self.seed, reports=None, latency=self.latency, tick=self.tick)
        for name in NODES:
            self.world.node(name, boot=_boot(name))
        self.world.apply(self.schedule)
        self.faults: list = []          # (time, fault) done by hand
        self.world.run_until(0.0)
        self.mark = 0
        self.story = ["A fresh world: a@h's client asks the kv servers on b@h and c@h "
                      "once a second."]
        self._redraw()

    def partition(self, name):
        """Cut every link between ``name`` and the other nodes, now."""
        others = tuple(n for n in NODES if n != name)
        self._act(Partition((name,), others), f"you cut {name} off from {', '.join(others)}")

    def heal(self):
        """Reconnect every cut link, now."""
        self._act(Heal(), "you healed every link")

    def crash(self, name):
        """Crash node ``name`` now (if it is up)."""
        if not self.world.is_up(name):
            return self._refuse(f"{name} is down already: restart it first.")
        self._act(Crash(name), f"you crashed {name}")

    def restart(self, name):
        """Restart node ``name`` now (if it is down)."""
        if self.world.is_up(name):
            return self._refuse(f"{name} is up: crash it first.")
        self._act(Restart(name), f"you restarted {name}")

    def run(self, seconds):
        """Let the virtual clock move on: scheduled faults fire as it passes them."""
        self.mark = len(self.world.trace)
        self.world.run_for(seconds)
        self.story = [f"The clock moved to t={_secs(self.world.now)}."]
        self.story += self._what_happened(self.mark)
        self._redraw()

    def _act(self, fault, words):
        self.mark = len(self.world.trace)
        self.faults.append((self.world.now, fault))
        fault.apply(self.world)
        self.world.run_until(self.world.now)
        self.story = [f"t={_secs(self.world.now)}: {words}."]
        self.story += self._what_happened(self.mark)
        self._redraw()

    def _refuse(self, text):
        self.story = [text]
        self._redraw()

    # -- reading the world --------------------------------------------------------
    def _what_happened(self, mark) -> list[str]:
        lines = [_event_text(e) for e in self.world.trace[mark:] if e.kind in SHOWN_KINDS
                 or (e.kind == "receive" and _is_nodemsg(e.data))]
        return _collapse(lines)

    def all_faults(self) -> FaultSchedule:
        """The schedule's faults and those done by hand, as one schedule."""
        return self.schedule + self.faults

    def _label_buttons(self):
        name = self.node.value
        up = self.world.is_up(name)
        self.partition_button.description = f"partition {name} off"
        self.partition_button.tooltip = f"cut every link between {name} and the other nodes"
        self.crash_button.description = f"crash {name}"
        self.crash_button.tooltip = f"{name}'s processes die without running any code"
        self.restart_button.description = f"restart {name}"
        self.restart_button.tooltip = f"a fresh {name}: same name, new processes"
        self.crash_button.disabled = not up
        self.restart_button.disabled = up

    def _redraw(self):
        self._label_buttons()
        w = self.world
        down = [n for n in NODES if not w.is_up(n)]
        cut = sorted({fault_text(("partition", [w.name_of(a)], [w.name_of(b)], False))
                      for a, b in w.net.blocked if a < b and (b, a) in w.net.blocked})
        self.status_text = (f"t={_secs(w.now)}. Up: {', '.join(n for n in NODES if w.is_up(n)) or 'none'}"
                            + (f"; down: {', '.join(down)}" if down else "")
                            + (f"; cut: {'; '.join(c[len('partition '):] for c in cut)}" if cut else "")
                            + ".")
        self.status.value = "<p>" + html.escape(self.status_text) + "</p>"
        self.timeline.value = S.scroll_box(timeline_svg(self.all_faults(), w.now, NODES))
        self.cluster = draw.cluster(w)
        self.picture.value = self.cluster._repr_html_()
        recent = _collapse([_event_text(e) for e in w.trace if e.kind in SHOWN_KINDS])[-EVENT_LINES:]
        self.events.value = (
            "<b>What happened</b><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in self.story)
            + "</ul><b>Recent network events</b> (newest last)<pre style='white-space:pre-wrap;"
            "font-size:12px'>" + html.escape("\n".join(recent) or "(none yet)") + "</pre>")

    # -- display --------------------------------------------------------------
    def saved_run(self, clicks=SAVED_CLICKS) -> str:
        """A fresh playground clicked ``clicks`` (``"run 2"``, ``"crash c@h"``,
        ``"partition b@h"``, ``"heal"``, ``"restart c@h"``), as HTML: after each
        click what happened and the status line, the cluster after the clicks
        that change it, and at the end the timeline and the sequence diagram."""
        pg = FaultPlayground(self.schedule, self.seed, self.tick, self.latency)
        items = []
        for click in clicks:
            verb, _, arg = click.partition(" ")
            if verb == "run":
                pg.run(float(arg))
            elif verb in ("partition", "crash", "restart"):
                getattr(pg, verb)(arg)
            elif verb == "heal":
                pg.heal()
            else:
                raise ValueError(f"unknown click {click!r}: run S, partition N, heal, crash N, "
                                 "restart N")
            story = "".join(f"<li>{html.escape(s)}</li>" for s in pg.story)
            items.append(f"<li><b>{html.escape(click)}</b><ul>{story}</ul>"
                         f"<p>{html.escape(pg.status_text)}</p>{pg.cluster._repr_html_()}</li>")
        chart = draw.sequence_diagram(
            pg.world, title="The saved run, as a sequence diagram",
            kinds=("spawn", "send", "exit", "exit_signal", "nodeup", "nodedown", "fault", "lost"))
        return (
            '<div class="labrt-saved-run"><p><b>A saved run.</b> What the playground '
            f"answered to {len(clicks)} clicks when this page was built, with the schedule "
            "above:</p>"
            f"<ol>{''.join(items)}</ol><p>Its faults on the timeline:</p>"
            f"{S.scroll_box(timeline_svg(pg.all_faults(), pg.world.now, NODES))}"
            f"{chart._repr_html_()}</div>")

    def show(self):
        """Display the widget, then a saved run of it (as plain HTML output)."""
        from IPython.display import HTML, display
        display(self.widget)
        display(HTML(self.saved_run()))


def _collapse(lines) -> list[str]:
    """Equal lines next to each other once, with a count: "... (2 times)"."""
    out: list[list] = []
    for line in lines:
        if out and out[-1][0] == line:
            out[-1][1] += 1
        else:
            out.append([line, 1])
    return [text if n == 1 else f"{text} ({n} times)" for text, n in out]


def _is_nodemsg(data) -> bool:
    return isinstance(data, tuple) and len(data) >= 2 and data[0] in ("nodeup", "nodedown")


def _event_text(e) -> str:
    """One line per event, the network's in words."""
    head = f"{e.time:7.3f}  "
    d = e.data
    if e.kind == "fault":
        return head + "fault: " + fault_text(d)
    if e.kind == "nodeup":
        return head + f"{d[0]} \u2013 {d[1]} connected"
    if e.kind == "nodedown":
        why = d[2] if d[2] == d[3] else f"{d[2]} / {d[3]}"
        return head + f"{d[0]} \u2013 {d[1]} connection down ({why})"
    if e.kind == "lost":
        return head + f"lost: {show(d)}, sent by {show(e.pid)}"
    return head + line_of(e, 80)[len(f"{e.time:.3f}  "):]


def _secs(t) -> str:
    return f"{t:g} s"


# ---------------------------------------------------------------------------
# The timeline

LANE, AXIS, LEFT, SCALE_W = 26, 30, 64, 600


def periods(schedule, horizon):
    """Bars of a schedule: ``(node, kind, t0, t1, text)``, kind "cut" or "down"."""
    bars, open_cuts, open_down = [], [], {}
    for t, f in schedule:
        if isinstance(f, Partition):
            side_b = f.side_b or tuple(n for n in NODES if n not in f.side_a)
            open_cuts.append((t, f.side_a, side_b, f.oneway))
        elif isinstance(f, Heal):
            keep = []
            for t0, a, b, ow in open_cuts:
                if f.side_a is None or set(a) & set(f.side_a) or set(b) & set(f.side_a):
                    for n in a:
                        bars.append((n, "cut", t0, t, "cut from " + ", ".join(b)))
                else:
                    keep.append((t0, a, b, ow))
            open_cuts = keep
        elif isinstance(f, Crash):
            open_down.setdefault(f.node, t)
        elif isinstance(f, Restart) and f.node in open_down:
            bars.append((f.node, "down", open_down.pop(f.node), t, "down"))
    for t0, a, b, ow in open_cuts:
        for n in a:
            bars.append((n, "cut", t0, horizon, "cut from " + ", ".join(b)))
    for n, t0 in open_down.items():
        bars.append((n, "down", t0, horizon, "down"))
    return bars


def timeline_svg(schedule, now, nodes=NODES) -> str:
    """The faults of ``schedule`` on a time axis, one lane per node, with "now"."""
    last = max([t for t, _ in schedule] + [now])
    horizon = max(10.0, float(int(last) + 3))
    x_of = (lambda t: LEFT + SCALE_W * min(t, horizon) / horizon)
    width = LEFT + SCALE_W + 24
    height = AXIS + LANE * len(nodes) + 36
    out = [S.tag("svg", None, xmlns="http://www.w3.org/2000/svg",
                 viewBox=f"0 0 {S.num(width)} {S.num(height)}", width="100%",
                 style=S.size_style(width, 12, 11), role="img",
                 aria_label="Fault timeline. " + "; ".join(
                     f"{t:g} s {fault_text(_data(f))}" for t, f in schedule) + f". Now: {now:g} s.",
                 font_family=S.FONT_FAMILY, font_size=12)[:-2] + ">",
           S.tag("rect", x=0, y=0, width=width, height=height, fill="#ffffff")]
    step = 1 if horizon <= 12 else 5 if horizon <= 60 else 30
    t = 0
    while t <= horizon + 1e-9:
        x = x_of(t)
        out.append(S.line(x, AXIS - 6, x, AXIS + LANE * len(nodes), stroke="#e3e3e3"))
        out.append(S.text(x, AXIS - 10, f"{t:g}", text_anchor="middle", fill="#666666"))
        t += step
    out.append(S.text(LEFT - 8, AXIS - 10, "t (s)", text_anchor="end", fill="#666666",
                      font_style="italic"))
    lane = {n: AXIS + k * LANE for k, n in enumerate(nodes)}
    for n, y in lane.items():
        out.append(S.text(LEFT - 8, y + LANE / 2 + 4, n, text_anchor="end", fill="#222222",
                          font_weight="bold"))
        out.append(S.line(LEFT, y + LANE / 2, LEFT + SCALE_W, y + LANE / 2, stroke="#cccccc"))
    for n, kind, t0, t1, text in periods(schedule, horizon):
        if n not in lane:
            continue
        x0, x1, y = x_of(t0), x_of(t1), lane[n] + 4
        fill, stroke = ("#fbe3e3", "#c62828") if kind == "cut" else ("#e4e4e4", "#8c8c8c")
        out.append(S.tag("rect", x=x0, y=y, width=max(x1 - x0, 2), height=LANE - 8, fill=fill,
                         stroke=stroke, stroke_width=1, data_bar=kind, data_node=n))
        out.append(hatch(x0, y, max(x1 - x0, 2), LANE - 8, 8, stroke))
        room = x1 - x0 - 8
        if room > 30:
            out.append(S.text(x0 + 4, y + LANE / 2, S.fit(text, room, 12), fill=stroke,
                              stroke="#ffffff", stroke_width=3, paint_order="stroke"))
    for t, f in schedule:                # a tick for every fault, at the top
        x = x_of(t)
        out.append(S.polygon([(x, AXIS - 2), (x - 4, AXIS - 8), (x + 4, AXIS - 8)],
                             fill="#c62828" if f.kind in ("partition", "crash") else "#2e6b30"))
    xn = x_of(now)
    out.append(S.tag("rect", x=xn, y=AXIS - 4, width=max(LEFT + SCALE_W - xn, 0),
                     height=LANE * len(nodes) + 4, fill="#ffffff", fill_opacity=0.45))
    out.append(S.line(xn, AXIS - 4, xn, AXIS + LANE * len(nodes) + 4, stroke="#1f5fa8",
                      stroke_width=2, data_now=S.num(now)))
    out.append(S.text(xn, AXIS + LANE * len(nodes) + 18, f"now {now:g} s", text_anchor="middle",
                      fill="#1f5fa8", font_weight="bold"))
    out.append("</svg>\n")
    return "\n".join(out)


def _data(f):
    """A fault as its trace event's data (for fault_text)."""
    if isinstance(f, Partition):
        b = f.side_b or tuple(n for n in NODES if n not in f.side_a)
        return ("partition", list(f.side_a), list(b), f.oneway)
    if isinstance(f, Heal):
        return ("heal",) if f.side_a is None else ("heal", list(f.side_a), list(f.side_b or ()))
    if isinstance(f, (Crash, Restart)):
        return (f.kind, f.node)
    return (f.kind,) + tuple(f.as_data().values())[1:]
