"""Litmus scenarios: the smallest programs whose outcome depends on the schedule.

Each scenario is an ``async def`` that returns what it observed; the set of
results over all schedules is what Erlang's semantics allows for that pair of
operations.  ``tests/test_explore_litmus.py`` states the expected sets (and
why), and ``bench/wl_explore.py`` times covering them.  They are also small
enough to paste into a chapter.

Every scenario returns plain tuples and strings, so that results can be
compared as sets.
"""
from __future__ import annotations

from .. import (
    ANY, BadArg, Down, Exit, exit, link, monitor, receive, register, self,
    send, spawn, spawn_monitor, trap_exit,
)


async def _send_to(dest, msg):
    send(dest, msg)


async def two_senders():
    """Two processes each send one message to the scenario; in which order do they arrive?"""
    me = self()
    spawn(_send_to, me, "a")
    spawn(_send_to, me, "b")
    return (await receive(), await receive())


async def _die_on_message():
    await receive()
    exit("boom")


async def send_and_link():
    """Send a process the message that makes it exit, then link to it: EXIT boom or noproc?"""
    trap_exit(True)
    pid = spawn(_die_on_message)
    send(pid, "die")
    link(pid)
    m = await receive(Exit)
    return m.reason


async def _exit_now():
    exit("bye")


async def exit_and_monitor():
    """Monitor a process that exits at once: DOWN bye, or DOWN noproc if it was gone first?"""
    pid = spawn(_exit_now)
    ref = monitor(pid)
    m = await receive(Down(ref, ANY, ANY))
    return m.reason


async def _register_and_end():
    register("srv", self())


async def register_and_exit():
    """A child takes the name and ends while the scenario tries to take it too."""
    pid, ref = spawn_monitor(_register_and_end)
    try:
        register("srv", self())
        mine = "ok"
    except BadArg:
        mine = "badarg"
    down = await receive(Down(ref, ANY, ANY))
    theirs = "normal" if down.reason == "normal" else type(down.reason).__name__
    return (mine, theirs)


async def _message_then_exit(dest):
    send(dest, "m")
    exit(dest, "stop")


async def message_then_signal():
    """One sender sends a message, then an exit signal, to a trapping receiver."""
    trap_exit(True)
    spawn(_message_then_exit, self())
    first = await receive()
    second = await receive()
    return tuple("EXIT" if isinstance(m, Exit) else m for m in (first, second))


async def _forward(dest):
    send(dest, await receive())


async def _source(c, b):
    send(c, "m1")
    send(b, "m2")


async def forwarded():
    """A sends m1 to C, then m2 to B, who forwards it to C: does m1 arrive first?"""
    me = self()
    b = spawn(_forward, me)
    spawn(_source, me, b)
    return (await receive(), await receive())


CASES = {
    "two_senders": two_senders,
    "send_and_link": send_and_link,
    "exit_and_monitor": exit_and_monitor,
    "register_and_exit": register_and_exit,
    "message_then_signal": message_then_signal,
    "forwarded": forwarded,
}
