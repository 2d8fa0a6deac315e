"""Property tests (hypothesis, derandomized) for worlds under random fault schedules.

For a random world seed and a random seeded fault schedule (partitions,
one-way cuts, crashes and restarts, lossy and slow links), a program in
which every node streams numbered messages to every other node and links to
a process on every other node must show:

* no message arrives over a direction of a link while it is cut;
* the messages of each sender to each receiver arrive in the order sent;
* every link to a process on a node whose connection went down fires
  exactly once, and links whose connection never went down never fire;
* the same seeds give the same trace, byte for byte.

The last test checks all four in worlds of four nodes with OTP 25 global's
``prevent_overlapping_partitions`` on, whose own disconnects count as
connections that went down.
"""
from hypothesis import given, settings
from hypothesis import strategies as st

import labrt
from labrt import Exit, link, receive, register, self, send, sleep, spawn, trap_exit
from labrt.dist import FaultSchedule, Heal, Latency, Partition

NODES = ["a@h", "b@h", "c@h", "d@h"]
KINDS = ("partition", "oneway", "crash", "slow", "drop")


def fixed(n):
    """Fixed, derandomized settings: the same examples on every run."""
    return settings(max_examples=n, derandomize=True, database=None, deadline=None)


def run_world(seed, schedule, n_nodes, pop=False):
    """Run the streaming-and-linking program; what each property needs."""
    names = NODES[:n_nodes]
    w = labrt.World(seed=seed, reports=None, tick=2.0, latency=Latency.uniform(0.001, 0.3),
                    prevent_overlapping_partitions=pop)
    crossings, received, exits, linked = [], [], {}, {}
    for n in names:
        rt = w.node(n)
        arrive = rt._arrive

        def watched(sig, rt=rt, arrive=arrive):
            s = sig.sender
            if sig.kind == "message" and s is not None and s.node != rt.node:
                crossings.append(((s.node, rt.node) in w.net.blocked, s.node, rt.node))
            arrive(sig)
        rt._arrive = watched

    def receiver():
        async def rx():
            register("rx", self())
            while True:
                m = await receive()
                received.append(m)
        return rx

    async def idle():
        await receive("never sent")

    def streamer(me):
        async def stream():
            for i in range(40):
                for other in names:
                    if other != me:
                        send(("rx", other), (me, other, i))
                await sleep(0.5)
        return stream

    def linker(me):
        async def links():
            trap_exit(True)
            for other in names:
                if other != me:
                    q = spawn(idle, node=other)
                    link(q)
                    linked[(me, other)] = q
            while True:
                m = await receive()
                if type(m) is Exit:
                    exits.setdefault((me, labrt.node(m.pid)), []).append(m.reason)
        return links

    for n in names:
        w[n].spawn(receiver())
        w[n].spawn(linker(n))
        w[n].spawn(streamer(n))
    w.apply(schedule)
    w.run_until(30)
    downs = {frozenset(e.data[:2]) for e in w.trace if e.kind == "nodedown"}
    crashed = {e.data[1] for e in w.trace if e.kind == "fault" and e.data[0] == "crash"}
    alive = {n for n in names if n not in crashed}     # its linker ran to the end
    return w, crossings, received, exits, linked, downs, alive


schedules = st.builds(
    lambda seed, kinds, every: FaultSchedule.random(
        NODES[:3], seed=seed, duration=24, every=every, lasting=(0.5, every / 2),
        faults=kinds, start=1.0),
    st.integers(0, 10**6),
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True).map(tuple),
    st.sampled_from([4.0, 6.0, 8.0]),
)


@fixed(25)
@given(seed=st.integers(0, 10**6), schedule=schedules)
def test_no_message_crosses_a_partition(seed, schedule):
    """Under a random fault schedule, no message arrives over a cut direction (item 31)."""
    _, crossings, *_ = run_world(seed, schedule, 3)
    assert crossings, "the program sent nothing across nodes"
    assert not [c for c in crossings if c[0]]


@fixed(25)
@given(seed=st.integers(0, 10**6), schedule=schedules)
def test_pair_order_holds_under_faults(seed, schedule):
    """Under a random fault schedule, each sender's messages to each receiver arrive in order (item 31)."""
    _, _, received, *_ = run_world(seed, schedule, 3)
    last = {}
    for src, dst, i in received:
        assert i > last.get((src, dst), -1), (src, dst, i)
        last[(src, dst)] = i


@fixed(25)
@given(seed=st.integers(0, 10**6), schedule=schedules)
def test_every_link_to_a_lost_node_fires_exactly_once(seed, schedule):
    """A link to a node whose connection went down fires once (noconnection); others never fire (item 99)."""
    _, _, _, exits, linked, downs, alive = run_world(seed, schedule, 3)
    for (me, other) in linked:
        if me not in alive:
            continue                           # its node crashed: the linker is gone
        got = exits.get((me, other), [])
        if frozenset((me, other)) in downs:
            assert got == ["noconnection"], (me, other, got)
        else:
            assert got == [], (me, other, got)


@fixed(15)
@given(seed=st.integers(0, 10**6), schedule=schedules)
def test_same_seed_same_trace(seed, schedule):
    """Two runs with the same seed and schedule give byte-identical traces."""
    first = run_world(seed, schedule, 3)[0].trace.to_jsonl()
    assert first == run_world(seed, schedule, 3)[0].trace.to_jsonl()


def _one_link_cuts(cuts):
    """Partitions of single links (random schedules only make full splits, which
    the option leaves alone), each healed after its duration."""
    faults = []
    for t, x, y, d in cuts:
        a, b = NODES[x], NODES[(x + y) % len(NODES)]
        faults += [(t, Partition([a], [b])), (t + d, Heal([a], [b]))]
    return FaultSchedule(faults)


schedules4 = st.builds(
    lambda seed, kinds, every, cuts: FaultSchedule.random(
        NODES, seed=seed, duration=24, every=every, lasting=(0.5, every / 2),
        faults=kinds, start=1.0) + _one_link_cuts(cuts),
    st.integers(0, 10**6),
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True).map(tuple),
    st.sampled_from([4.0, 6.0, 8.0]),
    st.lists(st.tuples(st.floats(1.0, 20.0).map(lambda t: round(t, 2)), st.integers(0, 3),
                       st.integers(1, 3), st.floats(0.5, 5.0).map(lambda d: round(d, 2))),
             min_size=1, max_size=4),
)


@fixed(8)
@given(seed=st.integers(0, 10**6), schedule=schedules4)
def test_properties_hold_with_prevent_overlapping_partitions(seed, schedule):
    """With prevent_overlapping_partitions on, items 31 and 99 hold and runs repeat byte for byte."""
    w, crossings, received, exits, linked, downs, alive = run_world(seed, schedule, 4, pop=True)
    assert not [c for c in crossings if c[0]]
    last = {}
    for src, dst, i in received:
        assert i > last.get((src, dst), -1), (src, dst, i)
        last[(src, dst)] = i
    for (me, other) in linked:
        if me in alive:
            got = exits.get((me, other), [])
            assert got == (["noconnection"] if frozenset((me, other)) in downs else []), \
                (me, other, got)
    assert w.trace.to_jsonl() == run_world(seed, schedule, 4, pop=True)[0].trace.to_jsonl()
