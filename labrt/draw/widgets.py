"""labrt.widgets: interactive widgets for the book.

:class:`SupervisorPlayground` is a supervisor with three workers, ``w1``,
``w2`` and ``w3``, running on a real labrt runtime (the simulated kernel).
The reader picks a restart strategy and a restart intensity (MaxR restarts
in MaxT seconds), clicks "crash" on a worker and watches the supervisor act:
the tree is redrawn, the page says who was stopped and started, in what
order, and the runtime's report log grows.  "wait 1 s" moves the virtual
clock, so old restarts drop out of the intensity window.

How it works: every button runs the runtime for zero virtual seconds
(``run_until(now)``), then walks the tree with
:func:`labrt.supervision_tree.snapshot`.  What happened is read back from
the runtime's trace, so the widget shows what the supervisor did, not what
we expect it to do.

Callbacks need a live kernel.  A static page (the built book) shows the
widget's saved state only, and its buttons do nothing there.  So
:meth:`SupervisorPlayground.show` does three things:

* the widget carries the CSS class ``labrt-playground`` and a note with the
  class ``labrt-static-note``, hidden by its inline style: the book's CSS
  (``book/_css/labrt.css``, never loaded in a live notebook) shows the note
  ("these controls need a live kernel") and greys the controls out;
* under the widget it prints a *saved run* (:meth:`saved_run`): a fresh
  playground clicked a few times when the page was built, with what the
  supervisor did after each click and the tree after the first, so a reader
  of the static page sees what the buttons would have done;
* it draws the starting tree once, inside the widget.

Tests drive the widget with ``button.click()`` and by setting control
values; no browser.
"""
from __future__ import annotations

import html

import ipywidgets as W

import labrt
from labrt import Exit, receive, spawn_link, trap_exit
from labrt.draw import supervision_tree
from labrt.otp import supervisor
from labrt.otp import sys as lsys
from labrt.draw.supervision_tree import Node, SupervisionTree
from labrt.otp.supervisor import ChildSpec, SupFlags

__all__ = ["SupervisorPlayground"]

WORKERS = ("w1", "w2", "w3")
STRATEGIES = ("one_for_one", "one_for_all", "rest_for_one", "simple_one_for_one")
LOG_LINES = 12
# The clicks of the saved run under the widget: one crash, then three more at the
# same instant, enough to exceed the default intensity (MaxR=3 in MaxT=5 s).
SAVED_CLICKS = ("crash w2", "crash w1", "crash w3", "crash w2")
STATIC_NOTE = (
    '<div class="labrt-static-note" style="display:none" role="note"><b>On this web page '
    'these controls do nothing:</b> they need a running Python kernel. Open the chapter '
    'live to play (the rocket button at the top, or <code>make lab</code>); the saved run '
    'below shows what the buttons do.</div>')


# ---------------------------------------------------------------------------
# The processes: workers, the supervisor's callback module, a keeper

def _worker_named(wid):
    """A worker process function whose name (in traces and reports) is ``wid``."""
    async def worker():
        while True:
            if await receive() == "crash":
                raise RuntimeError(f"{wid} crashed (crash button)")
    worker.__name__ = worker.__qualname__ = wid
    return worker


def start_worker(wid):
    """Start function of a child spec: a new worker, linked to the supervisor."""
    return ("ok", spawn_link(_worker_named(wid)))


class Playground:
    """The supervisor's callback module: flags from the widget, one spec per worker."""

    def init(self, flags):
        if flags.strategy == "simple_one_for_one":
            return ("ok", (flags, [ChildSpec("worker", (start_worker, ()))]))
        return ("ok", (flags, [ChildSpec(w, (start_worker, (w,))) for w in WORKERS]))


async def keeper(flags):
    """Start the supervisor as "sup" and wait for it to give up (it traps exits)."""
    trap_exit(True)
    await supervisor.start_link(Playground, flags, name="sup")
    if flags.strategy == "simple_one_for_one":
        for w in WORKERS:
            await supervisor.start_child("sup", [w])
    return (await receive(Exit)).reason


async def remembered_restarts():
    """The restart times the supervisor remembers (whole seconds, newest first).

    ``sys.get_state`` returns the supervisor's state, which keeps them in
    ``restarts``, as OTP's supervisor does in its state record.
    """
    return list((await lsys.get_state("sup")).restarts)


# ---------------------------------------------------------------------------
# The widget

class SupervisorPlayground:
    """A supervision tree you can crash.  ``show()`` displays it in a notebook."""

    def __init__(self, strategy="one_for_one", intensity=3, period=5):
        self.strategy = W.Dropdown(options=STRATEGIES, value=strategy, description="strategy",
                                   layout=W.Layout(width="270px"))
        self.intensity = W.Dropdown(options=range(6), value=intensity, description="MaxR",
                                    layout=W.Layout(width="140px"))
        self.period = W.Dropdown(options=range(1, 11), value=period, description="MaxT (s)",
                                 layout=W.Layout(width="140px"))
        self.crash_buttons = {w: W.Button(description=f"crash {w}", button_style="danger",
                                          tooltip=f"make {w} raise an exception")
                              for w in WORKERS}
        self.wait_button = W.Button(description="wait 1 s", tooltip="advance the clock")
        self.reset_button = W.Button(description="reset", tooltip="start a fresh runtime")
        self.note = W.HTML(STATIC_NOTE)
        self.status = W.HTML()
        self.picture = W.HTML()
        self.happened = W.HTML()
        self.log = W.HTML()
        for w, b in self.crash_buttons.items():
            b.on_click(lambda _b, w=w: self.crash(w))
        self.wait_button.on_click(lambda _b: self.wait(1.0))
        self.reset_button.on_click(lambda _b: self.reset())
        for control in (self.strategy, self.intensity, self.period):
            control.observe(lambda _change: self.reset(), names="value")
        wrap = dict(flex_flow="row wrap")      # on a narrow screen the controls wrap
        self.widget = W.VBox([
            self.note,
            W.HBox([self.strategy, self.intensity, self.period], layout=W.Layout(**wrap)),
            W.HBox([*self.crash_buttons.values(), self.wait_button, self.reset_button],
                   layout=W.Layout(**wrap)),
            self.status, self.picture, self.happened, self.log])
        self.widget.add_class("labrt-playground")
        self.reset()

    # -- actions (the button callbacks) ---------------------------------------
    def reset(self):
        """A fresh runtime with the chosen flags; the tree at t=0."""
        self.flags = SupFlags(self.strategy.value, self.intensity.value, self.period.value)
        self.rt = labrt.Runtime(reports=None)
        self.keeper = self.rt.spawn(keeper, self.flags)
        self.rt.run_until(0.0)
        self.gave_up = False
        self.story = ["A fresh supervisor started w1, w2 and w3, left to right."]
        self._redraw()

    def crash(self, wid):
        """Make worker ``wid`` raise; let the supervisor react; redraw."""
        pid = self.pids().get(wid)
        if pid is None:
            self.story = [f"{wid} is not running: nothing to crash. Press reset."]
            return self._redraw()
        mark = len(self.rt.trace)
        self.rt.send(pid, "crash")
        self.rt.run_until(self.rt.now)
        self.story = [f"t={_secs(self.rt.now)}: you crashed {wid} {pid}."]
        self.story += self._what_happened(mark)
        self._redraw()

    def wait(self, seconds):
        """Advance the virtual clock: restarts older than MaxT are forgotten."""
        self.rt.run_for(seconds)
        self.story = [f"The clock moved to t={_secs(self.rt.now)}."]
        self._redraw()

    # -- reading the runtime --------------------------------------------------
    def pids(self) -> dict:
        """``{worker name: pid}`` of the running workers."""
        if self.gave_up:
            return {}
        return {self._name(n.pid): n.pid for n in self.tree.root.children
                if n.pid is not None}

    def _name(self, pid) -> str:
        """Worker processes are named after their worker (see _worker_named)."""
        for e in self.rt.trace.filter(kind="spawn"):
            if e.other == pid:
                return e.data
        return str(pid)

    def _what_happened(self, mark) -> list[str]:
        """Who exited, who was started, in trace order, since event ``mark``."""
        lines, sup, workers = [], self.tree.root.pid, self._workers_seen()
        for e in self.rt.trace[mark:]:
            if e.kind == "exit" and e.pid in workers:
                why = _reason(e.data)
                who = "exited" if e.data != "shutdown" else "was stopped by the supervisor"
                lines.append(f"{self._name(e.pid)} {e.pid} {who}: {why}")
            elif e.kind == "spawn" and e.pid == sup and e.data in WORKERS:
                lines.append(f"{e.data} was restarted as {e.other}")
            elif e.kind == "exit" and e.pid == sup:
                lines.append(f"the supervisor gave up (more than {self.flags.intensity} "
                             f"restart(s) in {self.flags.period} s): it stopped its "
                             f"children and exited with {_reason(e.data)}")
        return lines

    def _workers_seen(self) -> set:
        return {e.other for e in self.rt.trace.filter(kind="spawn") if e.data in WORKERS}

    def _redraw(self):
        if self.rt.whereis("sup") is not None:
            self.tree = supervision_tree.snapshot(self.rt, "sup")
            restarts = self._ask(remembered_restarts)
        else:
            self.gave_up = True
            self.tree = _all_stopped(self.tree, self.rt.now)
            restarts = []
        self.status.value = _p(self._status_text(restarts))
        self.picture.value = self.tree._repr_html_()
        self.happened.value = ("<b>What happened</b><ul>"
                               + "".join(f"<li>{html.escape(s)}</li>" for s in self.story)
                               + "</ul>")
        tail = self.rt.reports[-LOG_LINES:] or ["(no reports yet)"]
        self.log.value = ("<b>Report log</b> (newest last)<pre style='white-space:pre-wrap;"
                          "font-size:11px'>" + html.escape("\n".join(tail)) + "</pre>")

    def _status_text(self, restarts) -> str:
        """The clock, the flags, and the restart window in words (``restarts``: the
        seconds of the restarts the supervisor remembers, newest first)."""
        f = self.flags
        head = (f"t={_secs(self.rt.now)}, strategy {f.strategy}, "
                f"MaxR={f.intensity} in MaxT={f.period} s. ")
        self.status_text = head
        if self.gave_up:
            self.status_text += "The supervisor gave up and is gone: press reset."
            return self.status_text
        n, left = len(restarts), f.intensity - len(restarts)
        if n == 0:
            window = f"No restarts in the last {f.period} s"
        else:
            seconds = sorted(set(restarts))
            times = (("all " if n > 1 else "") + f"at t={_secs(seconds[0])}"
                     if len(seconds) == 1 else
                     "at t=" + ", ".join(_secs(t) for t in sorted(restarts)))
            window = f"{n} restart{'s' if n != 1 else ''} in the last {f.period} s ({times})"
        if left > 0:
            after = (f"{left} more {'is' if left == 1 else 'are'} allowed; one beyond "
                     f"that and the supervisor gives up.")
        else:
            after = "no more is allowed: the next crash makes the supervisor give up."
        self.status_text += f"{window}: {after}"
        return self.status_text

    def _ask(self, fn):
        pid = self.rt.spawn(fn)
        self.rt.run_until(self.rt.now)
        return self.rt.result(pid)

    # -- display --------------------------------------------------------------
    def saved_run(self, clicks=SAVED_CLICKS) -> str:
        """A fresh playground with this one's settings, clicked ``clicks`` (``"crash
        w2"``, ``"wait 1"``), as HTML: after each click what the supervisor did and
        the status line, and the tree after the first click.  Everything is read
        from the run, as the widget reads it."""
        pg = SupervisorPlayground(self.flags.strategy, self.flags.intensity,
                                  self.flags.period)
        items = []
        for i, click in enumerate(clicks):
            verb, arg = click.split()
            if verb == "crash":
                pg.crash(arg)
            elif verb == "wait":
                pg.wait(float(arg))
            else:
                raise ValueError(f"unknown click {click!r}: 'crash wN' or 'wait S'")
            story = "".join(f"<li>{html.escape(s)}</li>" for s in pg.story)
            tree = pg.tree._repr_html_() if i == 0 else ""
            items.append(f"<li><b>{html.escape(click)}</b><ul>{story}</ul>"
                         f"<p>{html.escape(pg.status_text)}</p>{tree}</li>")
        f = self.flags
        return (
            '<div class="labrt-saved-run"><p><b>A saved run.</b> What the playground '
            f"answered to {len(clicks)} clicks when this page was built "
            f"({html.escape(f.strategy)}, MaxR={f.intensity} in MaxT={f.period} s, "
            "starting from the tree above):</p>"
            f"<ol>{''.join(items)}</ol>"
            "<p>Other strategies answer <i>crash w2</i> differently: with one_for_one "
            "only w2 gets a new pid; with one_for_all w3 and w1 are stopped (right to "
            "left) and all three start again (left to right); with rest_for_one only "
            "w2 and w3 restart. <i>wait 1 s</i> lets old restarts leave the window.</p>"
            "</div>")

    def show(self):
        """Display the widget, then a saved run of it (as plain HTML output)."""
        from IPython.display import HTML, display
        display(self.widget)
        display(HTML(self.saved_run()))


def _all_stopped(tree: SupervisionTree, t) -> SupervisionTree:
    """The last tree we saw, with every process drawn as stopped."""
    def stop(n: Node) -> Node:
        return Node(n.id, None, n.type, "undefined", n.strategy,
                    tuple(stop(c) for c in n.children), n.dynamic)
    title = f"The supervisor gave up at t={_secs(t)}: everything is stopped"
    return SupervisionTree(stop(tree.root), time=t, title=title)


def _reason(reason) -> str:
    """An exit reason as Erlang prints it: atoms bare, the rest as labrt shows them."""
    return reason if isinstance(reason, str) else labrt.format_reason(reason)


def _secs(t) -> str:
    return f"{t:g} s"


def _p(text) -> str:
    return f"<p>{html.escape(text)}</p>"
