"""labrt.check.counters: lost writes, stale reads, duplicated effects, divergent
replicas; the counters are sound (what they report really is a violation); and
a history recorded live by labrt processes on the simulated kernel."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labrt
from labrt.check import (
    History, Register, check, count, divergent_replicas, duplicated_effects,
    lost_writes, stale_reads,
)


def H(*specs):
    return History.from_ops(specs)


def stable(n):
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# -- lost writes -------------------------------------------------------------------

def test_register_write_overwritten_by_an_earlier_write_is_lost():
    """Final value 1 was written before write(2) began, so write(2) was lost."""
    h = H(("a", "write", 1, 0, 1, None), ("b", "write", 2, 2, 3, None))
    assert [op.id for op in lost_writes(h, 1)] == [1]
    assert lost_writes(h, 2) == []


def test_concurrent_writes_are_not_lost():
    """Either of two overlapping writes may win; neither is counted lost."""
    h = H(("a", "write", 1, 0, 3, None), ("b", "write", 2, 1, 4, None))
    assert lost_writes(h, 1) == [] and lost_writes(h, 2) == []


def test_unknown_and_failed_writes_are_never_counted_lost():
    """Only acknowledged writes can be lost."""
    h = H(("a", "write", 1, 0, 1, None), ("b", "write", 2, 2, 3, None, "info"),
          ("c", "write", 3, 4, 5, None, "fail"))
    assert lost_writes(h, 1) == []


def test_map_lost_writes_per_key_with_initial_value():
    """A map's final state is a dict; a key back at its initial value lost its writes."""
    h = H(("a", "put", ["x", 1], 0, 1, None), ("a", "put", ["y", 5], 2, 3, None),
          ("b", "put", ["x", 2], 4, 5, None))
    assert [op.id for op in lost_writes(h, {"x": 1})] == [1, 2]
    assert lost_writes(h, {"x": 2, "y": 5}) == []


def test_set_lost_adds():
    """An acknowledged add missing from the final set is lost."""
    h = H(("a", "add", 1, 0, 1, None), ("b", "add", 2, 0, 1, None),
          ("c", "add", 3, 0, 1, None, "info"))
    assert [op.value for op in lost_writes(h, [2])] == [1]


# -- stale reads ---------------------------------------------------------------------

def test_stale_read_of_an_overwritten_value():
    """A read that began after write(2) completed, returning 1 written before it, is stale."""
    h = H(("a", "write", 1, 0, 1, None), ("a", "write", 2, 2, 3, None),
          ("b", "read", None, 4, 5, 1), ("b", "read", None, 6, 7, 2))
    assert [op.id for op in stale_reads(h)] == [2]


def test_reads_that_could_be_fresh_are_not_stale():
    """Overlapping writes, unknown writes of the value, and values from nowhere are not 'stale'."""
    assert stale_reads(H(("a", "write", 1, 0, 1, None), ("a", "write", 2, 2, 6, None),
                         ("b", "read", None, 4, 5, 1))) == []
    assert stale_reads(H(("a", "write", 1, 0, 1, None, "info"), ("c", "write", 2, 2, 3, None),
                         ("b", "read", None, 4, 5, 1))) == []
    assert stale_reads(H(("a", "write", 2, 0, 1, None), ("b", "read", None, 4, 5, 9))) == []


def test_stale_initial_value_and_map_and_set():
    """Reading the initial value after a write completed is stale; per key; for sets too."""
    assert len(stale_reads(H(("a", "write", 1, 0, 1, None), ("b", "read", None, 2, 3, 0)),
                           initial=0)) == 1
    kv = H(("a", "put", ["x", 1], 0, 1, None), ("b", "get", "y", 2, 3, None),
           ("b", "get", "x", 4, 5, None))
    assert [op.id for op in stale_reads(kv)] == [2]
    s = H(("a", "add", 1, 0, 1, None), ("b", "read", None, 2, 3, []),
          ("b", "read", None, 4, 5, [1]))
    assert [op.id for op in stale_reads(s)] == [1]


# -- duplicates and divergence -------------------------------------------------------

def test_duplicated_effects_of_a_retried_append():
    """A value appended once (plus one failed retry) but present twice is duplicated."""
    h = H(("a", "append", 7, 0, 1, None, "info"), ("a", "append", 7, 2, 3, None, "fail"),
          ("b", "append", 8, 0, 1, None))
    assert duplicated_effects(h, [7, 8, 7]) == [(None, 7, 2, 1)]
    assert duplicated_effects(h, [8, 7]) == []


def test_duplicated_effects_per_key():
    """With {key: list} final states, values are counted per key."""
    h = H(("a", "append", ["q", 1], 0, 1, None), ("b", "append", ["r", 1], 0, 1, None))
    assert duplicated_effects(h, {"q": [1], "r": [1, 1]}) == [("r", 1, 2, 1)]


def test_counter_duplicates_and_no_guessing_at_lost_increments():
    """A counter above every possible sum counts as duplicated; lost_writes refuses counters."""
    import pytest
    h = H(("a", "incr", None, 0, 1, None, "info"), ("a", "incr", None, 2, 3, None),
          ("b", "incr", 5, 0, 1, None, "fail"))
    assert duplicated_effects(h, 3) == [(None, "incr", 3, 2)]
    assert duplicated_effects(h, 2) == []
    with pytest.raises(ValueError, match="cannot tell which increments were lost"):
        lost_writes(h, 1)


def test_divergent_replicas_after_heal():
    """Keys whose replicas disagree are listed with every replica's value."""
    replicas = {"n1": {"x": 1, "y": 2}, "n2": {"x": 1, "y": 3}, "n3": {"x": 1}}
    assert divergent_replicas(replicas) == {"y": {"n1": 2, "n2": 3, "n3": None}}
    assert divergent_replicas({"n1": {"x": 1}, "n2": {"x": 1}}) == {}
    assert divergent_replicas({"n1": 5, "n2": 6}) == {None: {"n1": 5, "n2": 6}}


def test_count_summary():
    """count() runs what its arguments allow and prints a summary."""
    h = H(("a", "write", 1, 0, 1, None), ("a", "write", 2, 2, 3, None),
          ("b", "read", None, 4, 5, 1))
    c = count(h, final=1, replicas={"n1": 1, "n2": 2})
    assert str(c) == ("lost acknowledged writes: 1\nstale reads: 1\n"
                      "duplicated effects: not measured\ndivergent keys after heal: 1")
    assert count(h).lost is None


# -- soundness: a counted anomaly is a real violation ----------------------------------

def _histories():
    op = st.tuples(st.integers(0, 2), st.sampled_from(["write", "read"]), st.integers(0, 2),
                   st.sampled_from(["ok"] * 5 + ["info", "fail"]),
                   st.integers(0, 2), st.integers(1, 3))

    def build(items):
        clock, specs, counter = [0, 0, 0], [], 0
        for client, f, v, status, gap, duration in items:
            start = clock[client] + gap
            clock[client] = start + duration
            if f == "write":
                counter += 1
                specs.append((f"c{client}", f, counter, start, start + duration, None, status))
            else:
                specs.append((f"c{client}", f, None, start, start + duration, v,
                              "ok" if status == "fail" else status))
        return History.from_ops(specs)
    return st.lists(op, max_size=7).map(build)


@stable(500)
@given(_histories(), st.integers(0, 6))
def test_counted_anomalies_are_linearizability_violations(h, final):
    """Stale reads make a history non-linearizable; lost writes make it so once
    a final read of the final value is appended."""
    model = Register(initial=0)
    if stale_reads(h, initial=0):
        assert not check(h, model)
    if lost_writes(h, final, initial=0):
        end = max([op.complete_time or op.invoke_time for op in h] + [0]) + 1
        specs = [(op.client, op.f, op.value, op.invoke_time,
                  op.complete_time if op.complete_time is not None else 0,
                  op.result if op.status == "ok" else None, op.status) for op in h]
        closed = History.from_ops(specs + [("final", "read", None, end, end + 1, final)])
        assert not check(closed, model)


# -- a history recorded live ------------------------------------------------------------

def test_live_history_from_labrt_processes_finds_a_lagging_cache():
    """Clients record with clock=labrt.now; a cache that applies writes late gives
    stale reads, found by the counter and by the checker, with the same verdict
    after saving and loading."""
    h = History(clock=labrt.now)

    async def cache():
        value, pending = 0, []
        while True:
            msg = await labrt.receive()
            if msg[0] == "write":
                labrt.send_after(5.0, labrt.self(), ("apply", msg[2]))   # replication lag
                labrt.send(msg[1], "ok")
            elif msg[0] == "apply":
                value = msg[1]
            else:
                labrt.send(msg[1], value)

    async def client(name, server, plan):
        for f, v in plan:
            await labrt.sleep(1.0)
            op = h.invoke(name, f, v)
            labrt.send(server, (f, labrt.self(), v))
            reply = await labrt.receive(timeout=2.0)
            if reply is labrt.TIMEOUT:
                h.info(op, "timeout")
            else:
                h.ok(op, None if f == "write" else reply)

    async def main():
        server = labrt.spawn(cache)
        labrt.spawn(client, "w", server, [("write", 1), ("write", 2)])
        labrt.spawn(client, "r", server, [("read", None)] * 4)
        await labrt.sleep(20)

    labrt.run(main, seed=1)
    assert [op.status for op in h] == ["ok"] * 6
    stale = stale_reads(h, initial=0)
    assert stale and all(op.client == "r" for op in stale)
    r = check(History.loads(h.dumps()), Register(initial=0))
    assert not r and r.violation[r.culprit].client == "r"
