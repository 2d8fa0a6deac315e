"""Fault schedules as data: written, generated, saved, loaded, printed, applied."""
import pytest

import labrt
from labrt import now, receive, self, send, sleep, spawn
from labrt.dist import Crash, Drop, FaultSchedule, Heal, Partition, Restart, Slow

NODES = ["a@h", "b@h", "c@h"]


def by_hand():
    return FaultSchedule([
        (30.0, Partition(["a@h"], ["b@h", "c@h"])),
        (35.5, Heal()),
        (60.0, Crash("c@h")),
        (70.0, Restart("c@h")),
        (80.0, Slow("a@h", "b@h", 0.5)),
        (90.0, Drop("a@h", "b@h", 0.25)),
        (95.0, Partition("a@h", "b@h", oneway=True)),
    ])


def test_schedule_prints_as_a_table():
    """A schedule prints one aligned line per fault: time, kind, what it does."""
    assert by_hand().table() == "\n".join([
        "  time  fault      what",
        "30.000  partition  a@h | b@h, c@h",
        "35.500  heal       every link",
        "60.000  crash      c@h",
        "70.000  restart    c@h",
        "80.000  slow       a@h <-> b@h: 0.5 s",
        "90.000  drop       a@h <-> b@h: 25% of messages",
        "95.000  partition  a@h -> b@h",
    ])


def test_schedule_round_trips_through_json_lines(tmp_path):
    """to_jsonl/from_jsonl give back an equal schedule, from text or from a file."""
    s = by_hand()
    text = s.to_jsonl()
    assert text.splitlines()[0] == ('{"t": 30.0, "fault": "partition", "side_a": ["a@h"], '
                                    '"side_b": ["b@h", "c@h"], "oneway": false}')
    assert FaultSchedule.from_jsonl(text) == s
    path = tmp_path / "faults.jsonl"
    s.to_jsonl(path)
    assert FaultSchedule.from_jsonl(path) == s


def test_bad_schedules_say_what_is_wrong():
    """Bad entries, times, faults and JSON lines raise errors that name the problem."""
    with pytest.raises(ValueError, match=r"\(time, fault\)"):
        FaultSchedule([Heal()])
    with pytest.raises(ValueError, match="seconds >= 0"):
        FaultSchedule([(-1, Heal())])
    with pytest.raises(ValueError, match="not a fault"):
        FaultSchedule([(1, "heal")])
    with pytest.raises(ValueError, match="unknown fault 'flood'"):
        FaultSchedule.from_jsonl('{"t": 1, "fault": "flood"}')
    with pytest.raises(ValueError, match="line 1 is not a fault"):
        FaultSchedule.from_jsonl('{"time": 1}')
    with pytest.raises(ValueError, match="node names"):
        Partition([1, 2])
    with pytest.raises(ValueError, match="every/2"):
        FaultSchedule.random(NODES, lasting=(1, 100))


def test_random_schedule_is_a_function_of_its_seed():
    """The same seed and arguments give the same schedule; another seed gives another."""
    one = FaultSchedule.random(NODES, seed=7, duration=600, every=30)
    assert one == FaultSchedule.random(NODES, seed=7, duration=600, every=30)
    assert one != FaultSchedule.random(NODES, seed=8, duration=600, every=30)
    assert len(one) == 40                       # 20 periods: a partition and its heal each
    kinds = {f.kind for _, f in FaultSchedule.random(
        NODES, seed=1, duration=3600, faults=("partition", "oneway", "crash", "slow", "drop"))}
    assert kinds == {"partition", "heal", "crash", "restart", "slow", "drop"}


def test_random_partitions_heal_within_their_period():
    """Each generated partition is healed before the next period starts."""
    s = FaultSchedule.random(NODES, seed=3, duration=3600, every=30, lasting=(1, 10))
    entries = list(s)
    for (t1, f1), (t2, f2) in zip(entries[::2], entries[1::2]):
        assert (f1.kind, f2.kind) == ("partition", "heal")
        assert int(t1 // 30) == int(t2 // 30)


def _program(world):
    """Three nodes pinging each other every second; returns nothing, leaves a trace."""
    async def pinger(peers):
        labrt.monitor_nodes(True)
        for i in range(60):
            for p in peers:
                send(("pong", p), (self(), i))
            await sleep(1)

    async def ponger():
        labrt.register("pong", self())
        while True:
            m = await receive()
            if type(m) is tuple and len(m) == 2 and type(m[1]) is int:
                send(m[0], ("pong", m[1], labrt.node()))

    for n in NODES:
        world[n].spawn(ponger)
    for n in NODES:
        world[n].spawn(pinger, [x for x in NODES if x != n])


def _trace_with(seed, schedule):
    w = labrt.World(seed=seed, reports=None, tick=2.0,
                    latency=labrt.dist.Latency.uniform(0.001, 0.2))
    for n in NODES:
        w.node(n)
    w.apply(schedule)
    _program(w)
    w.run_until(70)
    return w.trace.to_jsonl()


def test_same_seed_and_schedule_give_the_same_trace_byte_for_byte():
    """Running the same program with the same seed and schedule twice gives identical trace.to_jsonl()."""
    s = FaultSchedule.random(NODES, seed=5, duration=60, every=10, lasting=(1, 5),
                             faults=("partition", "oneway", "crash", "drop", "slow"))
    first = _trace_with(11, s)
    assert first == _trace_with(11, s)
    assert first != _trace_with(12, s)
    assert '"kind": "fault"' in first and '"kind": "nodedown"' in first


def test_applying_a_schedule_puts_faults_on_the_clock():
    """world.apply runs each fault at its virtual time; a past time is refused."""
    w = labrt.World(reports=None)
    for n in NODES:
        w.node(n)
    w.apply(FaultSchedule([(5.0, Crash("b@h")), (9.0, Restart("b@h"))]))
    w.run_until(6)
    assert not w.is_up("b@h")
    w.run_until(10)
    assert w.is_up("b@h")
    with pytest.raises(ValueError, match="already at t=10"):
        w.apply(FaultSchedule([(1.0, Heal())]))
