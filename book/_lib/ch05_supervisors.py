"""Helpers for chapter 5 (supervisors): the scaffolding around its experiments.

The chapter shows the code that carries the lesson (a start function, a
callback module, a child spec) and leaves the bookkeeping here: turning rows
into an HTML table, trimming report lines for the page, and running the
restart-type experiment over every combination.  Nothing in this module is
needed to *use* a supervisor; it exists so that the cells of the chapter stay
short.

Everything runs on the simulated kernel, so the tables and logs come out the
same on every build.
"""
from __future__ import annotations

import html
import re

import labrt
from labrt import exit, receive, send, sleep, spawn_link, trap_exit
from labrt import supervisor
from labrt.supervisor import ChildSpec, SupFlags
from labrt.trace import show

__all__ = ["html_table", "supervisor_log", "ender", "start_ender", "restart_type_table"]


class _Html:
    """An object that Jupyter shows as HTML (IPython's HTML, without IPython)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __repr__(self) -> str:           # the plain-text form: no memory address in outputs
        return "(an HTML table)"


def html_table(header, rows) -> _Html:
    """A small HTML table, every cell escaped."""
    def cell(tag, x):
        return f"<{tag}>{html.escape(str(x))}</{tag}>"
    head = "".join(cell("th", h) for h in header)
    body = "".join("<tr>" + "".join(cell("td", x) for x in row) + "</tr>" for row in rows)
    return _Html(f'<table class="table"><thead><tr>{head}</tr></thead>'
                 f"<tbody>{body}</tbody></table>")


_PREFIX = re.compile(r"^=\w+ REPORT==== ")


def supervisor_log(rt) -> str:
    """The supervisors' lines of ``rt.reports``, without the fixed
    ``=... REPORT==== `` prefix, so that each fits the page."""
    return "\n".join(_PREFIX.sub("", line) for line in rt.reports if "supervisor" in line)


# ---------------------------------------------------------------------------
# The restart-type experiment

async def ender():
    """A child that ends the way it is told: ``("end with", reason)``."""
    match await receive():
        case ("end with", "crash"):
            raise RuntimeError("bug")
        case ("end with", reason):
            exit(reason)


def start_ender():
    return ("ok", spawn_link(ender))


class _One:
    """A supervisor of one ``ender`` child whose restart type is the argument."""

    def init(self, restart):
        child = ChildSpec("child", (start_ender, ()), restart=restart)
        return ("ok", (SupFlags(), [child]))


async def _one_run(restart, reason):
    trap_exit(True)
    _, sup = await supervisor.start_link(_One, restart)
    [(_, old, _, _)] = await supervisor.which_children(sup)
    if reason == "killed":
        exit(old, "kill")
    else:
        send(old, ("end with", reason))
    await sleep(1)
    children = await supervisor.which_children(sup)
    if not children:
        return "gone (spec deleted)"
    [(_, pid, _, _)] = children
    if pid == "undefined":
        return "stopped (spec kept)"
    return "restarted"


def _label(reason):
    return "a crash" if reason == "crash" else show(reason)


def restart_type_table(types, reasons):
    """For each restart type and each way of ending: start a supervisor with
    one child of that type, end the child that way, and read what
    ``which_children`` says a second later.  "+ report" marks the runs in
    which the supervisor wrote a ``child_terminated`` report."""
    rows = []
    for reason in reasons:
        row = [_label(reason)]
        for restart in types:
            rt = labrt.Runtime(reports=None)
            outcome = rt.run_main(_one_run, restart, reason)
            if any("child_terminated" in r for r in rt.reports):
                outcome += " + report"
            row.append(outcome)
        rows.append(row)
    return rows
