"""Helpers for chapter 7 (upgrades): the chart of a hot upgrade.

The chapter draws its suspend / load / change_code / resume run as a sequence
chart.  The raw messages carry references and tags that make them unique but
say nothing to a reader, so this module relabels them before drawing: a
system message by its request (``sys: suspend``), a call by its request, a
reply by its value.  The processes are found by what they are, not by their
pids: the *operator* is the process that asked the server to suspend, the
server is the one registered as ``kv``, the client is the process spawned
running ``client``.
"""
from __future__ import annotations

import dataclasses

from labrt import Ref, Trace

__all__ = ["short_label", "upgrade_chart"]


def short_label(data):
    """A message as the chart shows it, without refs and tags."""
    if isinstance(data, tuple) and data[:1] == ("$system",):
        req = data[2]
        return f"sys: {req[0] if isinstance(req, tuple) else req}"
    if isinstance(data, tuple) and data[:1] == ("$gen_call",):
        return f"call {data[2]}"
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], Ref):
        return f"reply {data[1]}"
    return data


def upgrade_chart(trace, title, server="kv", client="client"):
    """Draw ``trace`` from the first suspend request on, with short labels."""
    suspend = next(e for e in trace
                   if e.kind == "send" and isinstance(e.data, tuple)
                   and e.data[:1] == ("$system",) and e.data[2:] == ("suspend",))
    operator = suspend.pid
    server_pid = next(e.pid for e in trace if e.kind == "register" and e.data == server)
    client_pid = next(e.other for e in trace if e.kind == "spawn" and e.data == client)
    shown = {"send", "receive", "spawn", "exit"}
    events = Trace(dataclasses.replace(e, data=short_label(e.data)) for e in trace
                   if e.seq >= suspend.seq and e.kind in shown)
    return events.sequence_diagram(
        title=title, processes=[operator, server_pid, client_pid],
        names={operator: "operator", server_pid: server, client_pid: client})
