"""OTP's global on labrt real nodes: sync sessions, locks, names, bad input.

The live tests start BEAM nodes (tests/erl/labrt_agent.erl) or labrt nodes
as OS processes (tests/differential_live/agent.py) on a private EPMD, all on
loopback, and a labrt node in this process; tests/erl/cluster.py kills every
OS process at the end.  The first tests need only Python: what
labrt.erl.global_proto accepts from the network.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

import labrt
from labrt import TIMEOUT, Pid, receive, send, sleep
from labrt import self as me
from labrt.erl import Node, global_proto
from labrt.erl.global_proto import parse

sys.path.insert(0, str(Path(__file__).parent / "erl"))
from cluster import Cluster, erl_available  # noqa: E402

needs_erl = pytest.mark.skipif(not erl_available(), reason="needs a real Erlang (erl, erlc, epmd)")

A, B, C = "a@localhost", "b@localhost", "c@localhost"


# ------------------------------------------------------------- the messages, offline

def test_parse_takes_the_session_messages_of_protocol_8():
    """init_connect, exchange, lock_set, set_lock and lost_connection parse to their fields."""
    p = Pid(1, 56, None, 7)
    m = parse(("$gen_cast", ("init_connect", (8, -5), B, ("locker", "no_longer_a_pid", {}, p))))
    assert (m.kind, m.args) == ("init_connect", (8, -5, B, p))
    m = parse(("$gen_cast", ("exchange", B, [("svc", p, "method")], [], 12)))
    assert (m.kind, m.args) == ("exchange", (B, [("svc", p, "method")], 12))
    assert parse(("$gen_cast", ("lock_set", p, True, [C], 3))).args == (p, True, 3)
    m = parse(("$gen_call", (p, "tag"), ("set_lock", ("global", [p, p]))))
    assert (m.kind, m.args, m.from_) == ("set_lock", (("global", (p, p)),), (p, "tag"))
    m = parse(("$gen_cast", ("resolved", B, [], [(C, 8), A], "unused", [], 4)))
    assert m.args == (B, [], [(C, 8), (A, 0)], 4)
    assert parse(("lost_connection", B, 1, 2, C)).args == (B, 1, 2, C)


@pytest.mark.parametrize("bad", [
    ("$gen_cast", ("init_connect", 8, B, ("locker", 1, {}, 2))),          # vsn not a tuple
    ("$gen_cast", ("init_connect", (8, 1), "nonode", ("locker", 1, {}, Pid(1, 2)))),
    ("$gen_cast", ("exchange", B, "not a list", [], 1)),
    ("$gen_cast", ("exchange", B, [("n", "not a pid", "m")], [], 1)),
    ("$gen_cast", ("resolved", B, [("insert", 1)], [], "unused", [], 1)),
    ("$gen_cast", ("new_nodes", B, [], [], ["x"] * 2000, [])),            # too many nodes
    ("$gen_cast", ("new_nodes", B, [], [], [("c@h", "eight")], [])),
    ("$gen_cast", ("lock_set", Pid(1, 2), "yes", [], 1)),
    ("$gen_call", ("not a from",), ("set_lock", ("r", "q"))),
    ("lost_connection", B, 1, "two", C),
    ("remove_connection", 42),
    "hello",
])
def test_parse_refuses_malformed_messages(bad):
    """A message of the wrong shape parses to None (the server logs and drops it)."""
    assert parse(bad) is None


def test_a_malformed_call_is_a_bad_call_and_an_unhashable_lock_is_refused():
    """An unknown call is answered by nothing; a lock id that cannot be a key is malformed."""
    p = Pid(1, 2)
    assert parse(("$gen_call", (p, "t"), ("frobnicate", 1))).kind == "bad_call"
    assert parse(("$gen_call", (p, "t"), ("set_lock", ({"a": 1}, "q")))).kind == "bad_call"


# ------------------------------------------------------------- live

def node(c, short="a", **kw):
    logs = []
    rt = Node(f"{short}@localhost", c.cookie, epmd_port=c.epmd_port, log=logs.append,
              reports=None, **kw)
    return rt, logs


async def ask(cmd, node, timeout=5.0):
    send(("agent", node), (me(), cmd))
    m = await receive(lambda m: type(m) is tuple and m[:1] == ("agent",), timeout=timeout)
    assert m is not TIMEOUT, f"{node}'s agent did not answer {cmd!r}"
    return m[1]


async def until(fn, limit=5.0):
    """Poll ``await fn()`` until it is truthy (every 0.05 s, up to ``limit`` s)."""
    for _ in range(int(limit / 0.05)):
        got = await fn()
        if got:
            return got
        await sleep(0.05)
    return await fn()


async def nodeups(n, timeout=5.0):
    got = []
    for _ in range(n):
        m = await receive(lambda m: type(m) is tuple and m[:1] == ("nodeup",), timeout=timeout)
        if m is TIMEOUT:
            break
        got.append(m[1])
    return sorted(got)


@needs_erl
def test_a_labrt_node_joins_a_beam_cluster_of_two_locks_and_names_included():
    """a joins {b, c}: learns c, both know a, global's locks and names span a, junk is dropped."""
    with Cluster() as c:
        c.beam("b")
        c.beam("c")
        rt, logs = node(c)

        async def main():
            labrt.monitor_nodes(True)
            assert await ask(("ping", C), B) == "pong"              # the BEAM cluster {b, c}
            # garbage for a's global_name_server, from a BEAM node: logged, dropped
            for junk in [("$gen_cast", ("init_connect", "v8", B, 0)),
                         ("$gen_cast", ("exchange", B, [1, 2, 3], [], 0)),
                         ("lost_connection", 1, 2, 3, 4), ("nonsense", [])]:
                assert await ask(("send", ("global_name_server", A), junk), B) == "ok"
            assert await nodeups(2) == [B, C]                       # c through global
            for peer in (B, C):
                async def knows_a(peer=peer):
                    return A in await ask("global_known", peer)
                assert await until(knows_a), f"{peer}'s global never knew a"
            st = rt.world.global_state

            async def a_synced():            # (c's in_sync may still be on its way)
                return sorted(st.known) == [B, C] and sorted(st.synced) == [B, C]
            assert await until(a_synced), (st.known, st.synced)
            for peer in (B, C):              # global:sync/0 on a BEAM node: a is synced
                assert await ask(("rpc", peer, "global", "sync", []), peer, timeout=10) == "ok"
            # a lock a BEAM holder takes on {b, a, c}: a refuses another requester ...
            holder, ok = await ask(("lock_holder", ("res", "r1"), [B, A, C]), B)
            assert ok is True and "res" in st.locks.table
            assert await ask(("set_lock", ("res", "r2"), [A]), C) is False
            # ... until the holder dies (a's monitor lets the lock go)
            send(holder, ("die", "normal"))

            async def free():
                return await ask(("set_lock", ("res", "r2"), [A]), C)
            assert await until(free) is True
            # a BEAM node registers a global name: a's server takes part (and keeps it)
            assert await ask(("register_global", "svc"), B, timeout=15) == "yes"
            assert isinstance(await ask(("whereis_global", "svc"), C), Pid)
            assert "svc" in st.names
            return True

        assert rt.run_main(main) is True
        assert sum("malformed" in line for line in logs) == 4, logs


@needs_erl
def test_a_node_that_dies_mid_sync_does_not_wedge_the_locker():
    """b is frozen while a's locker locks it, then killed: a's session with c still completes."""
    with Cluster() as c:
        pb = c.beam("b")
        c.beam("c")
        rt, logs = node(c)

        async def main():
            st = rt.world.global_state
            labrt.monitor_node(B, True)
            assert await ask("nodes", B) == [A]                     # the session begins
            os.killpg(pb.pid, signal.SIGSTOP)                       # mid-session
            assert B in st.resolvers
            await sleep(0.5)                  # a's locker is now waiting on b (the boss)
            c.kill9(pb)
            assert await receive(("nodedown", B), timeout=5) == ("nodedown", B)

            async def clean():
                return not st.resolvers and not st.pending and not st.locks.table
            assert await until(clean), (st.resolvers, st.pending, st.locks.table)
            assert await ask("nodes", C) == [A]                     # a new session, with c

            async def c_knows_a():
                return A in await ask("global_known", C)
            assert await until(c_knows_a)
            assert await until(clean)
            return sorted(st.known)

        assert rt.run_main(main) == [C]


@pytest.mark.parametrize("speak_global", [True, False])
def test_a_labrt_only_cluster_of_three_still_connects_transitively(speak_global):
    """labrt b and c connected (OS processes); a connects to b and learns c (global, or not).

    With global, a's locker is killed first: the server starts a new one."""
    with Cluster(real_epmd=False) as c:
        import subprocess
        from cluster import _listening
        c._start([sys.executable, "-m", "labrt.erl.epmd", "--port", str(c.epmd_port)],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _listening(c.epmd_port)
        flags = () if speak_global else ("--no-global",)
        for short in ("b", "c"):
            c.labrt(short, "--run", "tests.differential_live.agent:agent", *flags)
        rt, logs = node(c, speak_global=speak_global)

        async def main():
            st = rt.world.global_state
            if speak_global:                # a locker that dies is replaced
                old = st.locker
                labrt.exit(old, "kill")
                await sleep(0.05)
                assert st.locker != old and labrt.is_alive(st.locker)
            labrt.monitor_nodes(True)
            assert await ask(("send", ("nosuch", C), "hi"), B) == "ok"     # b connects c
            assert await nodeups(1) == [B]
            assert await nodeups(1) == [C]              # through global, or $labrt_peers
            assert await ask("nodes", C) == [A, B]
            if not speak_global:
                return st is None and labrt.whereis("global_name_server") is None

            async def synced():
                return sorted(st.synced) == [B, C] and sorted(st.known) == [B, C]
            assert await until(synced), (st.synced, st.known)
            return True

        assert rt.run_main(main) is True


@needs_erl
def test_prevent_overlapping_partitions_with_a_labrt_node_in_a_beam_cluster():
    """a drops b: a's lost_connection makes c drop b; a obeys a remove_connection from c."""
    with Cluster() as c:
        c.beam("b")
        c.beam("c")
        rt, logs = node(c)

        async def main():
            labrt.monitor_nodes(True)
            assert await ask(("ping", C), B) == "pong"
            assert await nodeups(2) == [B, C]
            for peer, others in ((B, [A, C]), (C, [A, B])):
                async def knows(peer=peer, others=others):
                    return await ask("global_known", peer) == others
                assert await until(knows), peer

            async def a_knows():
                return sorted(rt.world.global_state.known) == [B, C]
            assert await until(a_knows)
            assert labrt.disconnect_node(B) is True
            assert await receive(("nodedown", B), timeout=5) == ("nodedown", B)

            async def c_dropped_b():         # a's lost_connection reached c
                return await ask("nodes", C) == [A]
            assert await until(c_dropped_b)
            # c may also have asked a to drop it (b's own lost_connection, if b sent
            # it to c in time): a race on the BEAM too.  The request itself, as c's
            # global sends it, must make a disconnect c:
            while await receive(timeout=0.2) is not TIMEOUT:
                pass
            assert await ask("nodes", C) == [A]
            assert await ask(("send", ("global_name_server", A), ("remove_connection", C)),
                             C) == "ok"
            assert await receive(("nodedown", C), timeout=5) == ("nodedown", C)
            return True

        assert rt.run_main(main) is True
        assert any("disconnected node c@localhost in order to prevent overlapping" in line
                   for line in logs), logs


def test_hundreds_of_bogus_messages_leave_the_server_running_and_clean():
    """Mutated protocol messages (bad fields, wrong tags, forged DOWN/EXIT) change nothing."""
    import random
    from labrt import Down, Exit, Ref, gen_server

    rnd = random.Random(14)
    junk = [0, -1, 2 ** 70, 1.5, "atom", "", b"bin", [], [1, "x"], (), ("t", 1), {"k": 1},
            None, True, Pid(0, 99999), Ref(0, 12345)]

    def mutate(msg):
        """Replace one element, somewhere in the nesting, by junk."""
        if type(msg) is not tuple or not msg or rnd.random() < 0.3:
            return rnd.choice(junk)
        i = rnd.randrange(len(msg))
        return msg[:i] + (mutate(msg[i]),) + msg[i + 1:]

    with Cluster(real_epmd=False) as c:
        import subprocess
        from cluster import _listening
        c._start([sys.executable, "-m", "labrt.erl.epmd", "--port", str(c.epmd_port)],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _listening(c.epmd_port)
        rt, logs = node(c)

        async def main():
            st = rt.world.global_state
            p, locker = me(), st.locker
            templates = [
                ("$gen_cast", ("init_connect", (8, 1), B, ("locker", "x", {}, p))),
                ("$gen_cast", ("exchange", B, [("n", p, "m")], [], 1)),
                ("$gen_cast", ("resolved", B, [("insert", ("n", p, "m"))], [], "unused", [], 1)),
                ("$gen_cast", ("new_nodes", B, [("delete", "n")], [], [], [])),
                ("$gen_cast", ("in_sync", B, True)),
                ("$gen_cast", ("lock_set", p, True, [], 1)),
                ("$gen_call", (p, "tag"), ("set_lock", ("res", "req"))),
                ("$gen_call", (p, "tag"), ("del_lock", ("res", "req"))),
                ("$gen_call", (p, "tag"), ("register", "n", p, "m")),
                ("lost_connection", B, 1, 2, C), ("remove_connection", B),
                ("cancel_connect", B, 1), ("init_connect_ack", B, 1, 2),
                Down(Ref(0, 1), p, "normal"), Exit(st.locker, "kill"),
            ]
            for _ in range(600):
                send("global_name_server", mutate(rnd.choice(templates)))
            for t in templates[1:6] + templates[:1]:    # well-formed, from nodes not connected
                send("global_name_server", t)
            await sleep(0.3)
            while await receive(timeout=0) is not TIMEOUT:      # replies to our calls
                pass
            assert labrt.is_alive(labrt.whereis("global_name_server"))
            assert not st.sess and not st.pending and not st.known and not st.resolvers
            assert st.locker == locker and labrt.is_alive(locker)   # a forged EXIT is not one
            assert st.bad > 100                 # (so the log's cap below is tested)
            # still serving: a lock, taken and given back
            async def hold():
                await gen_server.call("global_name_server", ("set_lock", ("fresh", "me")))
                await receive("stop")
            holder = labrt.spawn(hold)
            await sleep(0.05)
            assert "fresh" in st.locks.table
            assert await gen_server.call("global_name_server",
                                         ("set_lock", ("fresh", "other"))) is False
            labrt.exit(holder, "kill")
            await sleep(0.05)
            assert "fresh" not in st.locks.table
            # a node the other partition names that cannot be reached is forgotten
            send("global_name_server", ("$gen_cast", ("new_nodes", B, [], [],
                                                     [("ghost@localhost", 8)], [])))

            async def forgotten():
                return "ghost@localhost" not in st.known
            async def tried():
                return any("failed to connect to ghost@localhost" in line for line in logs)
            assert await until(tried) and await forgotten(), st.known
            return True

        assert rt.run_main(main) is True
        assert not any("failed on" in line for line in logs), [
            line for line in logs if "failed on" in line][:3]
        bad = [line for line in logs if "malformed" in line or "unexpected call" in line]
        assert 0 < len(bad) <= 100          # one line per bad message, the first 100
