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
from labrt import gen_server, receive
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
