"""The simulated network: latency, loss, partitions, crashes and restarts.

Times are virtual seconds; every assertion is exact because the world's
clock is the only clock and its generator is seeded.
"""
import pytest

import labrt
from labrt import (
    TIMEOUT, BadArg, Down, Exit, link, monitor, monitor_nodes, node, now, receive,
    register, self, send, sleep, spawn, trap_exit, whereis,
)
from labrt.dist import Latency


def world(*names, **kw):
    kw.setdefault("reports", None)
    w = labrt.World(**kw)
    for n in names:
        w.node(n)
    return w


def recorder(box):
    """A process function that appends (arrival time, message) to ``box``, forever.

    (A closure: arguments between processes are copied, so a list passed as
    an argument would not be the test's list.)
    """
    async def record():
        while True:
            m = await receive()
            box.append((round(now(), 6), m))
    return record


async def idle():
    await receive("never sent")


def test_cross_node_message_takes_the_link_latency():
    """A message to another node arrives after the link's latency; a local one at once."""
    w = world("a@h", "b@h", latency=0.25)
    box = []

    async def main():
        far = spawn(recorder(box), node="b@h")
        near = spawn(recorder(box))
        await sleep(1)
        send(far, "far")
        send(near, "near")

    w["a@h"].spawn(main)
    w.run()
    assert box == [(1.0, "near"), (1.25, "far")]


def test_local_sends_in_a_world_use_no_timer():
    """A send between processes of one node puts no entry on the world's timer heap."""
    w = world("a@h", "b@h")

    async def main():
        me = self()
        before = len(w.timers)
        peer = spawn(recorder([]))
        for i in range(100):
            send(peer, i)
        return len(w.timers) - before

    rt = w["a@h"]
    pid = rt.spawn(main)
    w.run()
    assert rt.result(pid) == 0


def test_slow_link_and_random_latency_keep_pair_order():
    """With latencies drawn at random, messages of one pair still arrive in the order sent."""
    w = world("a@h", "b@h", latency=Latency.uniform(0.0, 1.0), seed=3)
    box = []

    async def main():
        far = spawn(recorder(box), node="b@h")
        for i in range(50):
            send(far, i)
            await sleep(0.01)

    w["a@h"].spawn(main)
    w.run()
    assert [m for _, m in box] == list(range(50))
    times = [t for t, _ in box]
    assert times == sorted(times) and len(set(times)) > 5


def test_same_seed_same_latency_draws():
    """Two worlds with the same seed draw the same latencies; another seed draws others."""
    def arrivals(seed):
        w = world("a@h", "b@h", latency=Latency.exponential(0.1), seed=seed)
        box = []

        async def main():
            far = spawn(recorder(box), node="b@h")
            for i in range(10):
                send(far, i)
                await sleep(0.5)

        w["a@h"].spawn(main)
        w.run()
        return box

    assert arrivals(1) == arrivals(1)
    assert arrivals(1) != arrivals(2)


def test_world_slow_sets_one_link():
    """world.slow changes one link's latency and None gives the default back."""
    w = world("a@h", "b@h", "c@h", latency=0.1)
    box = []

    async def main():
        bb = spawn(recorder(box), node="b@h")
        cc = spawn(recorder(box), node="c@h")
        await sleep(1)
        w.slow("a@h", "b@h", 2.0)
        send(bb, "b slow")
        send(cc, "c fast")
        await sleep(3)
        w.slow("a@h", "b@h", None)
        send(bb, "b fast again")

    w["a@h"].spawn(main)
    w.run()
    assert box == [(1.1, "c fast"), (3.0, "b slow"), (4.1, "b fast again")]


def test_drop_loses_that_share_of_messages_and_nothing_else():
    """drop(a, b, 1.0) loses every message (traced as lost) but links still work."""
    w = world("a@h", "b@h")
    box = []

    async def main():
        trap_exit(True)
        far = spawn(recorder(box), node="b@h")
        await sleep(1)
        w.drop("a@h", "b@h", 1.0)
        send(far, "gone")
        link(far)
        labrt.exit(far, "bye")
        return await receive(Exit)

    rt = w["a@h"]
    pid = rt.spawn(main)
    w.run()
    assert box == []
    assert rt.result(pid).reason == "bye"
    assert [e.data for e in w.trace if e.kind == "lost"] == ["gone"]


def test_short_partition_delays_but_does_not_lose():
    """A partition shorter than tick holds messages and delivers them, in order, at the heal."""
    w = world("a@h", "b@h", latency=0.1, tick=4.0)
    box = []
    downs = []

    async def main():
        monitor_nodes(True)
        far = spawn(recorder(box), node="b@h")
        await sleep(1)
        w.partition("a@h", "b@h")
        send(far, 1)
        send(far, 2)
        await sleep(2)
        w.heal()
        downs.extend([m for m in [await receive(lambda m: m[0] == "nodedown", timeout=3)]
                      if m is not TIMEOUT])

    w["a@h"].spawn(main)
    w.run()
    assert box == [(3.0, 1), (3.0, 2)]
    assert downs == []


def test_long_partition_takes_the_connection_down_after_tick():
    """A partition longer than tick: nodedown both sides (net_tick_timeout), in-flight lost."""
    w = world("a@h", "b@h", latency=0.1, tick=4.0)
    box, far_side = [], []

    async def watcher():
        monitor_nodes(True, nodedown_reason=True)
        while True:
            m = await receive()
            if m[0] == "nodedown":
                far_side.append((now(), m))

    async def main():
        monitor_nodes(True, nodedown_reason=True)
        far = spawn(recorder(box), node="b@h")
        spawn(watcher, node="b@h")
        await sleep(1)
        w.partition(["a@h"], ["b@h"])
        send(far, "held, then lost")
        m = await receive(lambda m: m[0] == "nodedown")
        return now(), m

    rt = w["a@h"]
    pid = rt.spawn(main)
    w.run_until(20)
    assert rt.result(pid) == (5.0, ("nodedown", "b@h", {"nodedown_reason": "net_tick_timeout"}))
    assert far_side == [(5.0, ("nodedown", "a@h", {"nodedown_reason": "net_tick_timeout"}))]
    assert box == []


def test_oneway_partition_reasons():
    """A one-way cut a -> b: b times out (net_tick_timeout), a sees connection_closed."""
    w = world("a@h", "b@h", tick=2.0)
    seen = {}

    async def watch(key):
        monitor_nodes(True, nodedown_reason=True)
        seen[key] = await receive(lambda m: m[0] == "nodedown")

    async def main():
        spawn(watch, "b", node="b@h")
        spawn(watch, "a")
        await sleep(1)
        w.partition("a@h", "b@h", oneway=True)

    w["a@h"].spawn(main)
    w.run_until(10)
    assert seen == {"a": ("nodedown", "b@h", {"nodedown_reason": "connection_closed"}),
                    "b": ("nodedown", "a@h", {"nodedown_reason": "net_tick_timeout"})}


def test_oneway_partition_lets_the_other_direction_through():
    """With a -> b cut, b's messages to a still arrive until the connection is called down."""
    w = world("a@h", "b@h", tick=5.0, latency=0.1)
    box = []

    async def talker(to):
        for i in range(3):
            send(to, i)
            await sleep(1)

    async def main():
        me = spawn(recorder(box))
        await sleep(0.5)
        w.partition("a@h", "b@h", oneway=True)
        spawn(talker, me, node="b@h")     # the spawn request itself must go a -> b ...

    w["a@h"].spawn(main)
    w.run_until(10)
    assert box == []                       # ... so nothing was started over there

    w2 = world("a@h", "b@h", tick=5.0, latency=0.1)
    box2 = []

    async def main2():
        me = spawn(recorder(box2))
        spawn(talker, me, node="b@h")
        await sleep(0.5)
        w2.partition("a@h", "b@h", oneway=True)

    w2["a@h"].spawn(main2)
    w2.run_until(10)
    assert [m for _, m in box2] == [0, 1, 2]


def test_crash_ends_processes_without_running_code_and_keeps_disk():
    """A crash: processes gone (no finally), names gone, disk kept; peers see noconnection."""
    w = world("a@h", "b@h", latency=0.1)
    ran = []

    async def careful():
        register("careful", self())
        try:
            await receive()
        finally:
            ran.append("finally")

    async def main():
        trap_exit(True)
        c = spawn(careful, node="b@h")
        await sleep(1)
        link(c)
        ref = monitor(c)
        w["b@h"].disk["k"] = "v"
        await sleep(1)
        w.crash("b@h")
        got = [await receive(), await receive()]
        return now(), sorted(type(m).__name__ + ":" + m.reason for m in got)

    rt = w["a@h"]
    pid = rt.spawn(main)
    w.run()
    assert rt.result(pid) == (2.1, ["Down:noconnection", "Exit:noconnection"])
    b = w["b@h"]
    assert (b.processes(), b.registered(), b.disk, ran) == ([], [], {"k": "v"}, [])


def test_crash_detection_time_can_be_chosen():
    """crash(node, detect=t) makes its peers wait t seconds before nodedown."""
    w = world("a@h", "b@h")

    async def main():
        monitor_nodes(True)
        labrt.connect_node("b@h")
        await receive()                           # nodeup
        await sleep(1)
        w.crash("b@h", detect=7.0)
        await receive()
        return now()

    rt = w["a@h"]
    pid = rt.spawn(main)
    w.run()
    assert rt.result(pid) == 8.0


def test_restart_gives_a_new_creation_and_nodeup_on_contact():
    """After a restart, old pids reach nothing, new pids print alike but differ, boot runs again."""
    boots = []

    async def boot():
        boots.append(labrt.self())
        register("svc", self())
        while True:
            frm, x = await receive()
            send(frm, ("svc", x))

    w = labrt.World(reports=None)
    w.node("a@h")
    w.node("b@h", boot=boot)

    async def main():
        monitor_nodes(True)
        send(("svc", "b@h"), (self(), 1))
        first = [await receive(), await receive()]
        w.crash("b@h")
        down = await receive()
        w.restart("b@h")
        send(boots[0], (self(), "old pid"))        # reaches nothing
        send(("svc", "b@h"), (self(), 2))
        return first, down, [await receive(), await receive()], await receive(timeout=1)

    rt = w["a@h"]
    pid = rt.spawn(main)
    w.run()
    first, down, after, rest = rt.result(pid)
    assert first == [("nodeup", "b@h"), ("svc", 1)]
    assert down == ("nodedown", "b@h")
    assert after == [("nodeup", "b@h"), ("svc", 2)]
    assert rest is TIMEOUT
    assert repr(boots[0]) == repr(boots[1]) and boots[0] != boots[1]


def test_two_worlds_do_not_see_each_other():
    """Two worlds in one program have separate clocks, nodes and traces."""
    w1, w2 = world("a@h"), world("a@h")

    async def main():
        await sleep(5)

    w1["a@h"].spawn(main)
    w1.run()
    assert (w1.now, w2.now, len(w2.trace)) == (5.0, 0.0, 0)


def test_bad_network_input_says_what_was_wrong():
    """Bad latencies, drop shares, ticks, partitions and crash/restart misuse give clear errors."""
    w = world("a@h", "b@h")
    with pytest.raises(ValueError, match="latency must be"):
        w.slow("a@h", "b@h", -1)
    with pytest.raises(ValueError, match="probability"):
        w.drop("a@h", "b@h", 2)
    with pytest.raises(ValueError, match="tick"):
        labrt.World(tick=0)
    with pytest.raises(BadArg, match="both sides"):
        w.partition(["a@h"], ["a@h", "b@h"])
    with pytest.raises(BadArg, match="crash it first"):
        w.restart("a@h")
    w.crash("b@h")
    with pytest.raises(BadArg, match="not up"):
        w.crash("b@h")
    with pytest.raises(BadArg, match="is down"):
        w["b@h"].spawn(idle)
    with pytest.raises(KeyError, match="creates it"):
        w["zz@h"]
