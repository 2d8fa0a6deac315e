"""labrt nodes and real Erlang nodes in one cluster, over Erlang's own protocol.

Each test starts a private EPMD and real `erl -sname` nodes running
tests/erl/labrt_agent.erl, then runs a labrt node (trio kernel) in this
process that talks to them: messages both ways, gen_server calls both ways,
links and monitors both ways, kill -9 of a BEAM node, disconnect_node,
reconnection, and peers that must be refused. Skipped where Erlang is absent.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import labrt
from labrt import (Down, Exit, TIMEOUT, gen_server, link, monitor, receive, register, send,
                   spawn, trap_exit)
from labrt import self as me
from labrt.erl import Node

sys.path.insert(0, str(Path(__file__).parent / "erl"))
from cluster import Cluster, erl_available  # noqa: E402
from kv import Kv  # noqa: E402

pytestmark = pytest.mark.skipif(not erl_available(), reason="needs a real Erlang (erl, erlc, epmd)")

B = "beam_b@localhost"


def node(c, short="py", **kw):
    logs = []
    rt = Node(f"{short}@localhost", c.cookie, epmd_port=c.epmd_port, log=logs.append,
              reports=None, **kw)
    return rt, logs


async def ask(cmd, node=B):
    """Ask the BEAM node's agent to do ``cmd``; return its answer."""
    send(("agent", node), (me(), cmd))
    return await receive(lambda m: type(m) is tuple and m[:1] == ("agent",), timeout=5)


def answer(m):
    assert m is not TIMEOUT, "the BEAM agent did not answer in 5 s"
    return m[1]


def test_messages_both_ways_by_name_and_pid():
    """A registered send to the BEAM, its reply to our pid, and a send to our registered name."""
    with Cluster() as c:
        c.beam("beam_b")
        rt, _ = node(c)

        async def main():
            assert answer(await ask(("echo", ("tuple", 1, [2, 3], b"bin", {"k": 1.5})))) == \
                ("tuple", 1, [2, 3], b"bin", {"k": 1.5})
            register("inbox", me())
            answer(await ask(("send", ("inbox", "py@localhost"), ("hi", "from", "erlang"))))
            got = await receive(("hi", "from", "erlang"), timeout=5)
            return got, labrt.nodes()
        got, nodes = rt.run_main(main)
        assert got == ("hi", "from", "erlang")
        assert nodes == [B]


def test_gen_server_calls_both_ways():
    """Erlang calls a labrt gen_server; labrt calls an Erlang gen_server (replies via aliases)."""
    with Cluster() as c:
        c.beam("beam_b")
        rt, _ = node(c)

        async def main():
            await gen_server.start(Kv, None, name="kv")
            put = answer(await ask(("call", ("kv", "py@localhost"), ("put", "x", 42))))
            get = answer(await ask(("call", ("kv", "py@localhost"), ("get", "x"))))
            mine = await gen_server.call(("ekv", B), ("put", "y", 7))
            back = await gen_server.call(("ekv", B), ("get", "y"))
            return put, get, mine, back
        assert rt.run_main(main) == ("ok", 42, "ok", 7)


def test_links_both_ways():
    """A BEAM process that dies gives our trapping linker its reason, and ours gives theirs."""
    with Cluster() as c:
        c.beam("beam_b")
        rt, _ = node(c)

        async def victim():
            await receive("die")
            raise ValueError("bad input")

        async def main():
            trap_exit(True)
            waiter = answer(await ask("waiter"))
            link(waiter)
            send(waiter, ("die", ("shutdown", "done")))
            theirs = await receive(Exit, timeout=5)
            mine = spawn(victim)
            watcher = answer(await ask(("watch_link", mine)))
            await receive(("ready", watcher), timeout=5)
            send(mine, "die")
            seen = await receive(lambda m: type(m) is tuple and m[0] == "seen", timeout=5)
            return waiter, theirs, mine, seen
        waiter, theirs, mine, seen = rt.run_main(main)
        assert theirs == Exit(waiter, ("shutdown", "done"))
        assert isinstance(seen[2], Exit)
        exit_msg = seen[2]
        assert exit_msg.pid == mine
        assert exit_msg.reason.kind == "ValueError" and "bad input" in exit_msg.reason.message


def test_monitors_by_pid_and_by_name():
    """DOWN with the reason; noproc for a name that is not registered on a live node."""
    with Cluster() as c:
        c.beam("beam_b")
        rt, _ = node(c)

        async def main():
            waiter = answer(await ask("waiter"))
            r1 = monitor(waiter)
            send(waiter, ("die", "gone"))
            d1 = await receive(Down, timeout=5)
            r2 = monitor(("nobody", B))
            d2 = await receive(Down, timeout=5)
            return (d1, r1, waiter), (d2, r2)
        (d1, r1, waiter), (d2, r2) = rt.run_main(main)
        assert d1 == Down(r1, waiter, "gone")
        assert d2 == Down(r2, ("nobody", B), "noproc")


def test_kill_9_of_a_beam_node_gives_noconnection_and_nodedown():
    """kill -9 of the peer's OS process: links give noconnection, monitor_node nodedown."""
    with Cluster() as c:
        beam = c.beam("beam_b")
        rt, _ = node(c)

        async def main():
            trap_exit(True)
            waiter = answer(await ask("waiter"))
            link(waiter)
            ref = monitor(waiter)
            labrt.monitor_node(B, True)
            c.kill9(beam)
            got = [await receive(timeout=5) for _ in range(3)]
            return waiter, ref, got, labrt.nodes()
        waiter, ref, got, nodes = rt.run_main(main)
        assert Exit(waiter, "noconnection") in got
        assert Down(ref, waiter, "noconnection") in got
        assert ("nodedown", B) in got
        assert nodes == []


def test_disconnect_then_reconnect_on_next_send():
    """disconnect_node: both sides see nodedown; the next send connects again (nodeup)."""
    with Cluster() as c:
        c.beam("beam_b")
        rt, _ = node(c)

        async def main():
            labrt.monitor_nodes(True)
            answer(await ask(("echo", 1)))
            up1 = await receive(lambda m: m[:1] == ("nodeup",), timeout=5)
            assert labrt.disconnect_node(B) is True
            down = await receive(lambda m: m[:1] == ("nodedown",), timeout=5)
            again = answer(await ask(("echo", 2)))
            up2 = await receive(lambda m: m[:1] == ("nodeup",), timeout=5)
            return up1, down, again, up2
        assert rt.run_main(main) == (("nodeup", B), ("nodedown", B), 2, ("nodeup", B))


def test_a_peer_with_a_wrong_cookie_is_refused_with_one_log_line():
    """Wrong cookie either way: refused in the handshake, the log names the peer; others work."""
    with Cluster() as c:
        c.beam("beam_b")
        rt, logs = node(c)

        async def main():
            # beam_x keeps trying to reach us with the wrong cookie...
            c.beam("beam_x", cookie="not-the-cookie",
                   eval="[begin net_adm:ping('py@localhost'), timer:sleep(200) end "
                        "|| _ <- lists:seq(1, 20)]")
            await labrt.sleep(1.0)
            # ...and we try to reach it.
            send(("agent", "beam_x@localhost"), (me(), ("echo", 1)))
            wrong = await receive(timeout=2)
            ok = answer(await ask(("ping", "py@localhost")))
            return wrong, ok, labrt.nodes()
        wrong, ok, nodes = rt.run_main(main)
        assert wrong is TIMEOUT
        assert ok == "pong" and nodes == [B]
        theirs = [l for l in logs if "refused" in l and "beam_x@localhost" in l]
        ours = [l for l in logs if "cannot connect" in l and "beam_x@localhost" in l]
        assert theirs and all("cookie" in l for l in theirs)
        assert ours and all("cookie" in l for l in ours)


def test_remote_spawn_and_rpc_are_refused_unless_allowed():
    """A peer cannot run code on a labrt node unless the node offered that function."""
    def add(a, b):
        return a + b

    with Cluster() as c:
        c.beam("beam_b")
        rt, logs = node(c, allow={("math", "add"): add})

        async def main():
            allowed = answer(await ask(("rpc", "py@localhost", "math", "add", [2, 3])))
            refused = answer(await ask(("rpc", "py@localhost", "os", "system", [b"true"])))
            spawned = answer(await ask(("spawn_on", "py@localhost")))
            return allowed, refused, spawned
        allowed, refused, spawned = rt.run_main(main)
        assert allowed == 5
        assert refused[0] == "badrpc"
        assert any("refused" in l and "erlang:self" in l for l in logs)


def test_what_a_beam_caller_sees_of_rpc_erpc_and_spawn_on_a_labrt_node():
    """rpc, erpc, spawn/4 and spawn_request from the BEAM: allowed runs, the rest notsup."""
    def add(a, b):
        return a + b

    def boom():
        raise ValueError("boom")

    with Cluster() as c:
        c.beam("beam_b")
        rt, logs = node(c, allow={("math", "add"): add, ("math", "boom"): boom})
        cmds = {
            "rpc ok": ("rpc", "py@localhost", "math", "add", [2, 3]),
            "rpc refused": ("rpc", "py@localhost", "os", "system", [b"true"]),
            "rpc raises": ("rpc", "py@localhost", "math", "boom", []),
            "erpc ok": ("erpc", "py@localhost", "math", "add", [2, 3]),
            "erpc refused": ("erpc", "py@localhost", "os", "system", [b"true"]),
            "erpc raises": ("erpc", "py@localhost", "math", "boom", []),
            # [2, 3] crosses as a string: the spawn request must still be read
            "spawn_request ok": ("spawn_request", "py@localhost", "math", "add", [2, 3]),
            "spawn_request refused": ("spawn_request", "py@localhost", "os", "getpid", [1]),
            "spawn refused": ("spawn_watch", "py@localhost", "os", "getpid", [1]),
        }

        async def main():
            return {k: answer(await ask(cmd)) for k, cmd in cmds.items()}, labrt.nodes()
        got, nodes = rt.run_main(main)
    assert got["rpc ok"] == 5 and got["erpc ok"] == ("value", 5)
    assert got["rpc refused"] == ("badrpc", "notsup")
    assert got["erpc refused"] == ("error", ("erpc", "notsup"))
    assert got["rpc raises"][0] == "badrpc" and got["rpc raises"][1][0] == "EXIT"
    assert got["rpc raises"][1][1][0].kind == "ValueError"
    assert got["erpc raises"][0] == "error" and got["erpc raises"][1][0] == "exception"
    assert got["erpc raises"][1][1].kind == "ValueError"
    # the process of an allowed spawn exits normal, seen by the requester's monitor
    assert got["spawn_request ok"] == ("ok", "normal")
    assert got["spawn_request refused"] == ("error", "notsup")
    # spawn/4 gives a pid of the caller's own node that is DOWN at once with notsup
    assert got["spawn refused"] == ("down", False, "notsup")
    assert nodes == [B]                                # nothing closed the connection
    assert not [l for l in logs if "closing the connection" in l], logs
    assert len([l for l in logs if "refused" in l]) == 4


def test_a_frozen_beam_node_times_out_on_ticks_as_a_beam_peer_sees_it():
    """SIGSTOP of c past net_ticktime: labrt and BEAM b both see net_tick_timeout; c resumed."""
    import os
    import signal as sig
    C = "beam_c@localhost"
    tick = ["-kernel", "net_ticktime", "2"]
    with Cluster() as c:
        c.beam("beam_b", args=tick)
        frozen = c.beam("beam_c", args=tick)
        rt, logs = node(c, tick=2.0)

        def seen_from(watcher):
            return lambda m: type(m) is tuple and m[:2] == ("seen", watcher)

        async def main():
            labrt.monitor_nodes(True, nodedown_reason=True)
            assert answer(await ask(("ping", C))) == "pong"
            w_b = answer(await ask("watch_nodes"))
            w_c = answer(await ask("watch_nodes", node=C))
            for w in (w_b, w_c):
                await receive(("ready", w), timeout=5)
            os.killpg(frozen.pid, sig.SIGSTOP)
            try:
                ours = await receive(lambda m: m[:2] == ("nodedown", C), timeout=8)
                b_saw = await receive(seen_from(w_b), timeout=8)
                nodes_frozen = labrt.nodes()
            finally:
                os.killpg(frozen.pid, sig.SIGCONT)
            again = answer(await ask(("echo", "back"), node=C))
            c_saw = []
            while (m := await receive(seen_from(w_c), timeout=2)) is not TIMEOUT:
                c_saw.append(m[2])
            return ours, b_saw[2], nodes_frozen, again, c_saw, labrt.nodes()
        ours, b_saw, nodes_frozen, again, c_saw, nodes = rt.run_main(main)
    assert ours == ("nodedown", C, {"nodedown_reason": "net_tick_timeout"})
    assert b_saw == ("nodedown", C, [("nodedown_reason", "net_tick_timeout")])
    assert nodes_frozen == [B] and again == "back" and nodes == sorted([B, C])
    # c, resumed, finds both connections closed by the side that timed out
    assert ("nodedown", "py@localhost", [("nodedown_reason", "connection_closed")]) in c_saw
    assert ("nodeup", "py@localhost", []) in c_saw
