"""The distribution hot paths (labrt.dist.net) against the general path they mirror.

With tracing on, every send takes the general path (``Runtime._send`` ->
``Net.post`` -> ``Net.enqueue``, a ``Signal`` on the wire); with tracing off,
sends to a remote pid or a remote ``(name, node)`` take the fast paths
(``Net.message``, ``Net.name_message``).  Each scenario runs both ways and
must give the same arrivals, at the same virtual times, in the same order:
a fast path that diverged would show here.  Some scenarios also state the
expected arrivals outright, so that both paths being wrong the same way fails
too.
"""
import pytest

import labrt
from labrt import node, now, receive, register, self, send, sleep, spawn
from labrt.dist import Latency
from labrt.dist.net import unpack

A, B, C = "a@h", "b@h", "c@h"


def recorder(box, name=None):
    """A process function that registers ``name`` and appends (node, time, message) to ``box``."""
    async def record():
        if name is not None:
            register(name, self())
        while True:
            m = await receive()
            box.append((node(), round(now(), 6), m))
    return record


def both(scenario):
    """Run ``scenario(world, box)`` with tracing off and on; return both boxes."""
    out = []
    for trace in (False, True):
        w = labrt.World(seed=3, trace=trace, reports=None, latency=0.01, tick=1.0)
        box = []
        scenario(w, box)
        out.append(box)
    return out


def test_name_sends_queue_packed_entries_on_a_plain_channel():
    """With tracing off a remote name send puts no Signal on the wire (the fast path ran)."""
    w = labrt.World(trace=False, reports=None, latency=0.01)
    w.node(A)
    w.node(B, boot=recorder([], "r"))
    seen = []

    async def sender():
        send(("r", B), "warm up")                # the first contact sets the channel up
        await sleep(1.0)
        send(("r", B), "hello")
        ch = w.net.plain[(w.index(A), w.index(B))]
        seen.append(list(ch.queue))

    w[A].spawn(sender)
    w.run_until(2.0)
    (entries,) = seen
    assert len(entries) == 4 and entries[2] == ("r", B) and entries[3] == "hello"


def test_pid_and_name_sends_keep_their_order_on_one_channel():
    """Sends to a pid and to a name on one connection arrive in the order they were sent."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "r"))

        async def sender():
            send(("r", B), 0)
            await sleep(0.5)
            pid = labrt.current_runtime().world[B].whereis("r")
            for i in range(1, 7):
                send(pid if i % 2 else ("r", B), i)
            await sleep(0.005)                   # half a latency: still in flight
            send(("r", B), 7)
            send(pid, 8)
        w[A].spawn(sender)
        w.run_until(2.0)

    fast, slow = both(scenario)
    assert fast == slow
    assert [m for _n, _t, m in fast] == list(range(9))
    assert [t for _n, t, _m in fast] == [0.01] + [0.51] * 6 + [0.515] * 2


def test_name_send_to_an_unregistered_name_is_dropped_there():
    """A name that is not registered when the message arrives drops it; a later one gets later ones."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "other"))

        async def late_register():
            await sleep(1.0)
            register("r", spawn(recorder(box)))

        w[B].spawn(late_register)

        async def sender():
            send(("other", B), "first contact")
            await sleep(0.5)
            send(("r", B), "too early")
            await sleep(0.995)                   # arrives 0.005 s after the register
            send(("r", B), "in time")
        w[A].spawn(sender)
        w.run_until(3.0)

    fast, slow = both(scenario)
    assert fast == slow
    assert [m for _n, _t, m in fast] == ["first contact", "in time"]


def test_name_send_to_a_crashed_node_is_lost_and_reaches_the_restarted_one():
    """Sent after a crash (connection not closed yet) a name send is lost; after the restart it arrives."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "r"))
        w.node(C, boot=recorder(box, "r"))

        async def sender():
            for i in range(40):
                send(("r", B), ("b", i))
                send(("r", C), ("c", i))
                await sleep(0.004)
        w[A].spawn(sender)
        w.run_until(0.02)
        w.crash(B)
        w.run_until(0.06)
        w.restart(B)
        w.run_until(1.0)

    fast, slow = both(scenario)
    assert fast == slow
    got_b = [m[1] for n, _t, m in fast if n == B]
    assert [m[1] for n, _t, m in fast if n == C] == list(range(40))
    assert got_b[:3] == [0, 1, 2] and 5 not in got_b and got_b[-1] == 39


@pytest.mark.parametrize("cut", [0.5, 2.0])
def test_name_sends_across_a_partition(cut):
    """A cut shorter than the tick delivers the queue late and in order; a longer one loses it."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "r"))

        async def sender():
            for i in range(40):
                send(("r", B), i)
                await sleep(0.1)
        w[A].spawn(sender)
        w.run_until(0.95)
        w.partition([A], [B])
        w.run_until(0.95 + cut)
        w.heal()
        w.run_until(6.0)

    fast, slow = both(scenario)
    assert fast == slow
    got = [m for _n, _t, m in fast]
    assert got == sorted(got) and got[-1] == 39
    assert (len(got) == 40) == (cut < 1.0)


def test_name_sends_during_a_restart_before_the_peers_noticed():
    """A crash and a restart inside one latency: in-flight name sends are lost, new ones arrive."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "r"))

        async def sender():
            for i in range(20):
                send(("r", B), i)
                await sleep(0.003)
        w[A].spawn(sender)
        w.run_until(0.021)
        w.crash(B)
        w.run_until(0.025)
        w.restart(B)
        w.run_until(1.0)

    fast, slow = both(scenario)
    assert fast == slow
    assert 7 not in [m for _n, _t, m in fast]


def test_name_sends_do_not_overtake_when_the_latency_drops():
    """After a slow fixed latency gives way to a fast one, later name sends still arrive after earlier ones."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "r"))

        async def sender():
            send(("r", B), "contact")
            await sleep(0.1)
            w.slow(A, B, 0.5)                    # a plain channel still: fixed latency
            send(("r", B), "slow")
            w.slow(A, B, None)
            send(("r", B), "fast")
            send(w[B].whereis("r"), "fast pid")
        w[A].spawn(sender)
        w.run_until(2.0)

    fast, slow = both(scenario)
    assert fast == slow
    assert [(t, m) for _n, t, m in fast] == [
        (0.01, "contact"), (0.6, "slow"), (0.6, "fast"), (0.6, "fast pid")]


@pytest.mark.parametrize("link", ["lossy", "drawn"])
def test_name_sends_on_a_link_that_is_not_plain(link):
    """On a lossy link or one with drawn latencies, name sends take the general path: same arrivals."""
    def scenario(w, box):
        w.node(A)
        w.node(B, boot=recorder(box, "r"))
        if link == "lossy":
            w.drop(A, B, 0.3)
        else:
            w.slow(A, B, Latency.uniform(0.001, 0.05))

        async def sender():
            pid = None
            for i in range(60):
                if i == 30:
                    pid = w[B].whereis("r")
                send(pid or ("r", B), i)
                await sleep(0.002)
        w[A].spawn(sender)
        w.run_until(2.0)

    fast, slow = both(scenario)
    assert fast == slow
    got = [m for _n, _t, m in fast]
    assert got == sorted(got)
    assert (len(got) < 60) == (link == "lossy")


def test_unpack_reads_a_packed_name_entry_as_a_message_signal():
    """What a broken connection reports as lost: a packed name entry becomes a message Signal."""
    from collections import deque
    q = deque([0.5, None, ("r", B), "m"])
    sig = unpack(q)
    assert (sig.kind, sig.sender, sig.target, sig.payload) == ("message", None, ("r", B), "m")
    assert not q
