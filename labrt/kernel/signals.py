"""Signals: everything one process does to another, as one small value.

Erlang specifies what happens between processes as *signals*: a message, a
link or unlink request, an exit signal, a monitor or demonitor request, a
DOWN.  A signal leaves its sender at one moment and takes effect at its
receiver at a later one; the only promise is that the signals from one sender
to one receiver take effect in the order they were sent.  On one node with
nothing in between, "later" is "at once", which is how labrt ran before it
had nodes, and still runs by default.

labrt's core says this once.  ``Runtime._post(sig)`` is the single place a
signal leaves its sender and ``Runtime._arrive(sig)`` the single place it
takes effect.  Whatever holds a signal in between is a *transit*:

* nothing (one node, the default): ``_post`` calls ``_arrive`` at once;
* the simulated network of ``labrt.dist``: a signal for another node waits
  on the connection between the two nodes for its latency, in order, or is
  lost when the connection breaks;
* ``Runtime.transit``, an object with ``post(rt, sig)``: when it is set, the
  core hands it *every* signal, local ones too, and the transit calls
  ``rt._arrive(sig)`` when it decides the signal arrives (the race explorer
  of ``labrt.explore`` holds them in one queue per (sender, receiver) pair).

One exception keeps the hot path fast: a message to a live local process
with no transit and no trace is put in the mailbox inline, without building a
``Signal`` (``labrt.kernel.api.send``).  It is the same effect, at the same moment.

This module is the bottom layer beside ``values``: it imports nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass

#: The kinds of signal, and what ``payload`` holds for each.
KINDS = {
    "message": "the message (target: a pid, an alias ref or (name, node))",
    "exit": "the exit reason (link=True when a link broke)",
    "link": "None (the sender has already added its half of the link)",
    "unlink": "None",
    "monitor": "(ref, obj): obj is what the DOWN will name",
    "monitor_name": "ref (target: (name, node), resolved where it arrives)",
    "demonitor": "ref",
    "down": "(ref, obj, reason)",
    "spawn": "(fn, args, link, ref): a spawn request from another node",
}


@dataclass(slots=True)
class Signal:
    """One signal from ``sender`` to ``target``; see :data:`KINDS`."""
    kind: str
    sender: object           # Pid, or None from outside any process
    target: object           # Pid, Ref (an alias) or (name, node)
    payload: object = None
    link: bool = False       # kind "exit": the exit comes from a broken link

    def __repr__(self):
        extra = ", link" if self.link else ""
        return (f"Signal({self.kind}, {self.sender!r} -> {self.target!r}: "
                f"{self.payload!r}{extra})")
