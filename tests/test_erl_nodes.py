"""labrt nodes as operating-system processes: a cluster that needs only Python.

Three `python -m labrt.node` processes run the workshop's replicated
key-value service (labrt.erl.demo) on loopback, with labrt's own EPMD (no
Erlang needed); this test's process is a fourth node, the client. kill -9 of
one node must leave the service answering, and every OS process started is
stopped (the cluster checks /proc for leftovers).
"""
from __future__ import annotations

import sys
from pathlib import Path

import labrt
from labrt import TIMEOUT, gen_server, receive
from labrt.erl import Node

sys.path.insert(0, str(Path(__file__).parent / "erl"))
from cluster import Cluster  # noqa: E402

NAMES = ["na@localhost", "nb@localhost", "nc@localhost"]


def start_three(c):
    c.env["LABRT_PEERS"] = ",".join(NAMES)
    return [c.labrt(n.split("@")[0], "--run", "labrt.erl.demo:replica", "--tick", "4")
            for n in NAMES]


def test_kill_9_of_one_node_leaves_the_service_answering():
    """Writes replicate to every node; after kill -9 of one, the others still answer."""
    with Cluster(real_epmd=False) as c:
        procs = start_three(c)
        rt = Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=lambda line: None)

        async def main():
            labrt.monitor_nodes(True)
            assert await gen_server.call(("kv", NAMES[0]), ("put", "x", 1)) == "ok"
            await labrt.sleep(0.3)
            seen = [await gen_server.call(("kv", n), ("get", "x")) for n in NAMES]
            labrt.monitor_node(NAMES[1], True)
            c.kill9(procs[1])
            down = await receive(("nodedown", NAMES[1]), timeout=10)
            try:
                await gen_server.call(("kv", NAMES[1]), ("get", "x"), 2.0)
                dead = "answered"
            except labrt.ProcessExit as e:
                dead = e.reason[0]
            assert await gen_server.call(("kv", NAMES[2]), ("put", "y", 2)) == "ok"
            await labrt.sleep(0.3)
            after = [await gen_server.call(("kv", n), "table") for n in (NAMES[0], NAMES[2])]
            return seen, down, dead, after
        seen, down, dead, after = rt.run_main(main)
        assert seen == [1, 1, 1]
        assert down == ("nodedown", NAMES[1])
        assert dead == ("nodedown", NAMES[1])
        assert after == [{"x": 1, "y": 2}, {"x": 1, "y": 2}]


def test_a_restarted_node_syncs_on_contact():
    """A node restarted after kill -9 gets the table from a peer when they meet."""
    with Cluster(real_epmd=False) as c:
        procs = start_three(c)
        rt = Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=lambda line: None)

        async def main():
            await gen_server.call(("kv", NAMES[0]), ("put", "x", 1))
            c.kill9(procs[2])
            await gen_server.call(("kv", NAMES[0]), ("put", "y", 2))
            c.labrt("nc", "--run", "labrt.erl.demo:replica", "--tick", "4")
            await labrt.sleep(1.0)
            return await gen_server.call(("kv", NAMES[2]), "table")
        assert rt.run_main(main) == {"x": 1, "y": 2}


def test_a_supervisor_restarts_its_child_on_another_node():
    """A supervisor here starts a worker on a labrt node over the wire; a crash there restarts it."""
    from labrt import self as me, send, supervisor
    from labrt.erl import demo, spawn as remote_spawn

    async def start_worker():
        return ("ok", await remote_spawn(NAMES[0], demo.worker, "w", link=True))

    class Sup:
        def init(self, _arg):
            return ("ok", ({"strategy": "one_for_one", "intensity": 3, "period": 10},
                           [{"id": "w", "start": (start_worker, ())}]))

    with Cluster(real_epmd=False) as c:
        c.labrt(NAMES[0].split("@")[0], "--allow", "labrt.erl.demo:worker")
        rt = Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=lambda line: None)

        async def main():
            _ok, sup = await supervisor.start_link(Sup, None)
            [(_, first, _, _)] = await supervisor.which_children(sup)
            # The worker registers "w" in its first step, which may come after the spawn's
            # reply (as in Erlang): a ping sent before then is dropped, so ask again.
            for _ in range(10):
                send(("w", NAMES[0]), ("ping", me()))
                pong = await receive(timeout=1.0)
                if pong is not TIMEOUT:
                    break
            send(first, "crash")
            await labrt.sleep(1.0)
            [(_, second, _, _)] = await supervisor.which_children(sup)
            return first, second, pong
        first, second, pong = rt.run_main(main)
        assert pong == ("pong", NAMES[0])
        assert labrt.node  # the pids are on the other node, and the child is a new one
        assert first != second and first.node == second.node != 0


def test_a_function_the_other_node_did_not_allow_is_refused():
    """Remote spawn of anything not in the other node's allow-list fails with a clear error."""
    from labrt.erl import demo, spawn as remote_spawn
    with Cluster(real_epmd=False) as c:
        c.labrt(NAMES[0].split("@")[0])
        rt = Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=lambda line: None)

        async def main():
            try:
                await remote_spawn(NAMES[0], demo.worker, "w")
            except labrt.BadArg as e:
                return str(e)
        text = rt.run_main(main)
        assert "labrt.erl.demo:worker" in text and "allow" in text


def test_hostile_peers_are_cut_off_and_the_node_keeps_serving():
    """A wrong cookie is refused; garbage after a good handshake closes only that connection."""
    import struct

    import trio

    from labrt.erl import epmd, handshake

    with Cluster(real_epmd=False) as c:
        target = c.labrt("nv")
        rt = Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=lambda line: None)

        async def main():
            port = await epmd.port_please("nv", epmd_port=c.epmd_port)
            s1 = await trio.open_tcp_stream("127.0.0.1", port)
            try:
                await handshake.initiate(s1, "intruder@localhost", 5, "guessed-cookie")
                wrong = "accepted"
            except handshake.HandshakeError as e:
                wrong = str(e)
            s2 = await trio.open_tcp_stream("127.0.0.1", port)
            await handshake.initiate(s2, "garbler@localhost", 6, c.cookie)
            await s2.send_all(struct.pack(">I", 3) + b"\x70\x83\xff")
            with trio.fail_after(5):       # (the node's first packet may come first)
                while (closed := await s2.receive_some(100)) != b"":
                    pass
            alive = await gen_server.call(("net_kernel", "nv@localhost"),
                                          ("is_auth", "client@localhost"))
            return wrong, closed, alive
        wrong, closed, alive = rt.run_main(main)
        c.kill9(target)
        log = target.stdout.read()
        assert "cookie" in wrong
        assert closed == b""                        # the garbler's connection is closed
        assert alive == "yes"                       # and the node still answers others
        assert "intruder@localhost" in log and "cookie" in log
        assert "closing the connection to garbler@localhost" in log


def test_distribution_over_tls_and_peers_without_the_cas_certificate_are_refused(tmp_path):
    """TLS nodes talk; a node with another CA's certificate, or none, never gets through."""
    import certs
    import pytest

    from labrt.erl.tls import TLS
    if not certs.openssl_available():
        pytest.skip("needs openssl to make test certificates")
    certs.make(tmp_path)
    with Cluster(real_epmd=False) as c:
        c.labrt("nt", "--tls-cert", str(tmp_path / "n1.pem"), "--tls-key",
                str(tmp_path / "n1.key"), "--tls-ca", str(tmp_path / "ca.pem"))

        def client(cert, logs):
            tls = None if cert is None else TLS(tmp_path / f"{cert}.pem",
                                                tmp_path / f"{cert}.key", tmp_path / "ca.pem")
            return Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                        log=logs.append, tls=tls)

        async def ping():
            try:
                return await gen_server.call(("net_kernel", "nt@localhost"),
                                             ("is_auth", "client@localhost"), 3.0)
            except labrt.ProcessExit as e:
                return e.reason[0]

        results = {}
        for cert in ("n2", "rogue", None):
            logs = []
            results[cert] = (client(cert, logs).run_main(ping), logs)
        assert results["n2"][0] == "yes"
        for cert in ("rogue", None):
            assert results[cert][0] == ("nodedown", "nt@localhost"), results[cert]
            assert any("cannot connect" in l for l in results[cert][1])


def test_transitive_connections_and_connect_all_false():
    """Meeting one node of a cluster connects to the others; not with connect_all(False)."""
    import labrt.erl
    with Cluster(real_epmd=False) as c:
        c.env["LABRT_PEERS"] = ",".join(NAMES[:2])
        for n in NAMES[:2]:
            c.labrt(n.split("@")[0], "--run", "labrt.erl.demo:replica")

        def seen(flag):
            rt = Node("client@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                      log=lambda line: None)

            async def main():
                labrt.erl.connect_all(flag)
                for _ in range(100):          # the two replicas meet on their own
                    await gen_server.call(("kv", NAMES[0]), "table")
                    await labrt.sleep(0.05)
                    if flag is False or len(labrt.nodes()) == 2:
                        break
                await labrt.sleep(0.3)
                return sorted(labrt.nodes())
            return rt.run_main(main)
        assert seen(True) == NAMES[:2]
        assert seen(False) == NAMES[:1]


def test_a_runtime_given_a_node_name_and_cookie_is_a_real_node(monkeypatch):
    """labrt.Runtime(kernel="trio", node=..., cookie=...) joins the cluster like labrt.erl.Node,
    asking EPMD on $ERL_EPMD_PORT as erl does; wrong combinations say what to give."""
    import pytest
    for kw, words in (({"cookie": "c"}, "give its name too"),
                      ({"kernel": "sim", "node": "a@localhost", "cookie": "c"}, "kernel='trio'"),
                      ({"kernel": "trio", "node": "a@localhost"}, "needs a cookie"),
                      ({"kernel": "trio", "node": "alocalhost", "cookie": "c"}, "name@host")):
        with pytest.raises(labrt.BadArg, match=words):
            labrt.Runtime(**kw)
    monkeypatch.setenv("ERL_EPMD_PORT", "port")
    with pytest.raises(labrt.BadArg, match="ERL_EPMD_PORT must be a TCP port"):
        labrt.Runtime(kernel="trio", node="a@localhost", cookie="c")
    with Cluster(real_epmd=False) as c:
        c.labrt("na", "--run", "labrt.erl.demo:replica")
        monkeypatch.setenv("ERL_EPMD_PORT", str(c.epmd_port))
        rt = labrt.Runtime(kernel="trio", node="client@localhost", cookie=c.cookie,
                           reports=None)
        assert not rt.tracing       # a long-running node keeps no trace unless asked to

        async def main():
            return labrt.node(), await gen_server.call(("kv", NAMES[0]), ("put", "x", 1))
        assert rt.run_main(main) == ("client@localhost", "ok")
