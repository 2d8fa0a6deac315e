"""The workshop's replicated key-value service, for real nodes in terminals.

Start three nodes (three terminals, or tmux panes)::

    LABRT_PEERS=a@localhost,b@localhost,c@localhost \\
        python -m labrt.node --sname a@localhost --cookie demo --run labrt.erl.demo:replica
    # ... the same with --sname b@localhost and c@localhost

and a client (``python -m labrt.erl.demo client a@localhost,b@localhost,c@localhost``)
that writes through one node and reads through the others.  ``kill -9`` one
node: the client's calls to it fail with ``nodedown``, it moves on to the
next, and the service keeps answering.  Restart the node: it asks a peer for
the table when it meets it (sync on contact), and answers again.

Each node runs ``kv``, a gen_server holding the table.  A write is applied
locally and cast to the ``kv`` of every connected node; that is the
master/slave pair of chapter 7 grown to three nodes, with its weakness (a
cast can be lost with its node), which part 2's replicated store fixes.
"""
from __future__ import annotations

import os
import sys

import labrt
from labrt import gen_server

from ..dist.api import monitor_nodes, node, nodes


class Replica(gen_server.GenServer):
    def init(self, peers):
        monitor_nodes(True)
        for peer in peers:
            if peer != node():
                labrt.send(("kv", peer), ("hello", node()))   # connects, and asks for a sync
        return ("ok", {})

    def handle_call(self, req, from_, table):
        match req:
            case ("put", key, value):
                for peer in nodes():
                    gen_server.cast(("kv", peer), ("replicate", key, value))
                return ("reply", "ok", {**table, key: value})
            case ("get", key):
                return ("reply", table.get(key), table)
            case "table":
                return ("reply", table, table)
        return ("reply", ("error", "unknown request"), table)

    def handle_cast(self, msg, table):
        match msg:
            case ("replicate", key, value):
                return ("noreply", {**table, key: value})
            case ("sync", their):
                return ("noreply", {**their, **table})
        return ("noreply", table)

    def handle_info(self, msg, table):
        match msg:
            case ("hello", peer):
                gen_server.cast(("kv", peer), ("sync", table))
            case ("nodeup", peer):
                print(f"{node()}: nodeup {peer}", flush=True)
                gen_server.cast(("kv", peer), ("sync", table))
            case ("nodedown", peer):
                print(f"{node()}: nodedown {peer}", flush=True)
        return ("noreply", table)


def _peers():
    return [p for p in os.environ.get("LABRT_PEERS", "").split(",") if p]


async def replica():
    """A node's application: the ``kv`` server."""
    await gen_server.start(Replica, _peers(), name="kv")
    await labrt.receive("a message nobody sends")


async def _first_answer(peers, request):
    """Call ``kv`` on each peer in turn until one answers; ``(peer, reply)`` or None."""
    for peer in peers:
        try:
            return peer, await gen_server.call(("kv", peer), request, 1.0)
        except labrt.ProcessExit as e:
            why = e.reason[0] if type(e.reason) is tuple else e.reason
            print(f"  {peer} did not answer ({why}); trying the next", flush=True)
    return None


async def client(peers, rounds=20, pause=0.5):
    """Write through one node, read through another, moving on when one is gone."""
    for i in range(rounds):
        wrote = await _first_answer(peers, ("put", f"k{i}", i))
        if wrote is None:
            print(f"round {i}: no node answered", flush=True)
        else:
            await labrt.sleep(0.1)            # the copy travels by cast: give it a moment
            others = [p for p in peers if p != wrote[0]]
            read = await _first_answer(others, ("get", f"k{i}"))
            got = f"read {read[1]!r} via {read[0]}" if read else "no other node answered"
            print(f"round {i}: wrote via {wrote[0]}, {got}", flush=True)
        await labrt.sleep(pause)


def main(argv):
    if len(argv) < 2 or argv[0] != "client":
        raise SystemExit("usage: python -m labrt.erl.demo client a@localhost,b@localhost,...")
    from labrt.erl import Node
    peers = argv[1].split(",")
    rt = Node("client@localhost", os.environ.get("LABRT_COOKIE", "demo"))
    rt.run_main(client, peers)


if __name__ == "__main__":
    main(sys.argv[1:])


async def worker(name):
    """A child a supervisor on another node can start here (``--allow labrt.erl.demo:worker``).

    It registers ``name``, answers ``("ping", From)`` with ``("pong", node)``
    and crashes on ``"crash"``.
    """
    labrt.register(name, labrt.self())
    while True:
        match await labrt.receive():
            case ("ping", sender):
                labrt.send(sender, ("pong", node()))
            case "crash":
                raise RuntimeError("asked to crash")
