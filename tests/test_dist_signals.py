"""Signals and the transit hook: every effect on another process goes _post -> _arrive.

A transit (``Runtime.transit``) sees every signal, local ones too, and decides
when each arrives.  These tests pin the contract the race explorer builds on.
"""
import pytest

import labrt
from labrt import (
    Down, Exit, exit, gen_server, link, monitor, receive, register, self, send,
    spawn, spawn_link, trap_exit, unlink,
)
from labrt.kernel.signals import KINDS, Signal


class PassThrough:
    """A transit that lets each signal arrive at once, and remembers its kind."""

    def __init__(self):
        self.kinds = []

    def post(self, rt, sig):
        self.kinds.append(sig.kind)
        rt._arrive(sig)


class Counter(gen_server.GenServer):
    def init(self, n):
        return ("ok", n)

    def handle_call(self, req, from_, n):
        return ("reply", n + req, n + req)


async def _busy_program():
    trap_exit(True)
    me = self()

    async def worker():
        await receive()
        exit("boom")

    w = spawn_link(worker)
    ref = monitor(w)
    register("me", me)
    send("me", "to myself by name")
    send(w, "go")
    got = [await receive(Exit), await receive(Down), await receive("to myself by name")]
    peer = spawn(worker)
    link(peer)
    unlink(peer)
    exit(peer, "kill")
    ok, srv = await gen_server.start_link(Counter, 1)
    got.append(await gen_server.call(srv, 41))
    return got


def _run(transit):
    rt = labrt.Runtime(reports=None)
    rt.transit = transit
    pid = rt.spawn(_busy_program)
    rt.run()
    return rt.result(pid), rt.trace.to_jsonl()


def test_pass_through_transit_changes_nothing():
    """A transit that delivers each signal at once gives the same result and trace, byte for byte, as none."""
    assert _run(PassThrough()) == _run(None)


def test_transit_sees_every_kind_of_signal_between_processes():
    """With a transit set, messages, links, unlinks, exits, monitors, demonitors and DOWNs all pass through it."""
    t = PassThrough()
    _run(t)
    assert {"message", "link", "unlink", "exit", "monitor", "demonitor", "down"} <= set(t.kinds)
    assert set(t.kinds) <= set(KINDS)


class Holding:
    """A transit that holds every signal until the test releases it."""

    def __init__(self):
        self.held = []

    def post(self, rt, sig):
        self.held.append((rt, sig))

    def release(self, pred=lambda sig: True):
        keep, go = [], []
        for rt, sig in self.held:
            (go if pred(sig) else keep).append((rt, sig))
        self.held = keep
        for rt, sig in go:
            rt._arrive(sig)


def test_held_message_arrives_only_when_released():
    """A message held by the transit is not in the mailbox until the transit lets it arrive."""
    t = Holding()
    rt = labrt.Runtime(reports=None)
    rt.transit = t

    async def sink():
        return await receive()

    async def source(dest):
        send(dest, "one")
        send(dest, "two")

    s = rt.spawn(sink)
    rt.spawn(source, s)
    rt.run()
    assert rt.process_info(s).status == "waiting"
    assert [sig.payload for _, sig in t.held] == ["one", "two"]
    t.release()
    rt.run()
    assert rt.result(s) == "one"


def test_held_exit_signal_takes_effect_on_arrival():
    """exit(pid, reason) through a transit kills the target only when the signal arrives."""
    t = Holding()
    rt = labrt.Runtime(reports=None)
    rt.transit = t

    async def idle():
        await receive("never")

    async def killer(victim):
        exit(victim, "bang")

    v = rt.spawn(idle)
    rt.spawn(killer, v)
    rt.run()
    assert rt.is_alive(v)
    t.release(lambda sig: sig.kind == "exit")
    rt.run()
    assert rt.exit_reason(v) == "bang"


def test_transit_must_have_post():
    """Setting a transit without a post method is a clear TypeError."""
    rt = labrt.Runtime()
    with pytest.raises(TypeError, match=r"post\(rt, sig\)"):
        rt.transit = object()


def test_signal_prints_its_parts():
    """A Signal's repr names its kind, ends and payload."""
    s = Signal("exit", None, None, "kill", True)
    assert repr(s) == "Signal(exit, None -> None: 'kill', link)"
