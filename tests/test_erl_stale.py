"""Clashes over a name in the handshake, chiefly a peer that returns under its old name
while this node still holds its old connection.

This happens when a peer restarts and reconnects before the old socket's
end is noticed, or when its end of the connection died without a FIN (a
lost packet, a peer paused past its net tick). The handshake settles it
(ERTS User's Guide, "Distribution Protocol"; OTP's dist_util/net_kernel):
the acceptor answers status ``alive``, the newcomer says ``true`` (it wants
the name back) or ``false``; on ``true`` and a good cookie the acceptor
closes the old connection (its watchers see ``noconnection``, and
``monitor_nodes`` says ``wait_pending``) and only then lets the new one up.

The acceptor is a BEAM node (tests/erl/stale_watcher.erl, live where erl
is installed) or a labrt node (its twin in tests/erl/stale_peer.py); the
newcomer is tests/erl/stale_peer.py's raw handshake. Both must give the
lines recorded from OTP 25 in tests/erl/stale_expected.json.

The other tests cover the rest of who owns a connection being set up: the
status a labrt acceptor answers, a stranger claiming a name (it must not
make the named node look down), and a peer that wins a simultaneous connect
but never connects (what waited must fail, not wait for ever).
"""
from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest
import trio

import labrt
from labrt.erl import Node
from labrt.kernel.signals import Signal

sys.path.insert(0, str(Path(__file__).parent / "erl"))
import stale_peer  # noqa: E402
from cluster import Cluster, erl_available  # noqa: E402

EXPECTED = json.loads((Path(__file__).parent / "erl" / "stale_expected.json").read_text())
LAST = "node nodedown connection_closed"


def grouped(lines):
    """Lines by watcher (link, monitor, node), each watcher's in its own order."""
    out: dict[str, list[str]] = {}
    for line in lines:
        tag, text = line.split(" ", 1)
        out.setdefault(tag, []).append(text)
    return out


def on_labrt(wanted):
    """The newcomer against an in-process labrt node; returns (its outcome, the node's lines)."""
    with Cluster(real_epmd=False) as c:
        lines, outcome, logged = [], {}, []

        def newcomer():
            try:
                outcome.update(trio.run(stale_peer.impersonate, "sa", c.cookie, wanted,
                                        c.epmd_port))
            except BaseException as e:       # reported by the assertion below
                outcome["error"] = repr(e)
        rt = Node("sa@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=logged.append)

        async def main():
            labrt.register("watcher", labrt.spawn(stale_peer.watch(lines)))
            thread.start()
            for _ in range(300):
                if LAST in lines and (outcome or not thread.is_alive()):
                    break
                await labrt.sleep(0.05)
            await labrt.sleep(0.2)           # anything after the last line would show
        thread = threading.Thread(target=newcomer, daemon=True)
        rt.run_main(main)
        thread.join(20)
        return outcome, lines, logged


def on_beam(wanted, tmp_path):
    out = tmp_path / "lines.txt"
    with Cluster() as c:
        c.ebin_of("stale_watcher.erl")
        c.beam("sa", eval=f'stale_watcher:start("{out}")')
        outcome = trio.run(stale_peer.impersonate, "sa", c.cookie, wanted, c.epmd_port)
        t0 = time.monotonic()
        while LAST not in out.read_text() and time.monotonic() - t0 < 15:
            time.sleep(0.05)
        time.sleep(0.2)
        return outcome, out.read_text().splitlines()


@pytest.mark.parametrize("wanted", [True, False])
def test_labrt_acceptor_hands_the_name_to_a_returning_peer_as_the_beam_does(wanted):
    """alive + true: the old connection closes (noconnection, wait_pending), then the new is
    up; alive + false: the old one stays and answers. Same lines as OTP 25's."""
    outcome, lines, logged = on_labrt(wanted)
    want = EXPECTED[str(wanted).lower()]
    assert outcome == want["newcomer"], logged
    assert grouped(lines) == want["lines"]


@pytest.mark.erlang
@pytest.mark.skipif(not erl_available(), reason="needs erl (apt-get install erlang-nox)")
@pytest.mark.parametrize("wanted", [True, False])
def test_the_recording_is_what_the_beam_does_now(wanted, tmp_path):
    """The recorded lines are a live BEAM acceptor's, so the twin is checked against OTP."""
    outcome, lines = on_beam(wanted, tmp_path)
    want = EXPECTED[str(wanted).lower()]
    assert outcome == want["newcomer"]
    assert grouped(lines) == want["lines"]


def test_the_status_a_labrt_acceptor_answers():
    """ok when nothing is known of the peer (the attempt then owns the pending slot: a
    send meanwhile waits for it, a second attempt gets no status); nok/ok_simultaneous
    by name on a simultaneous connect; alive while a connection from it is up, and no
    status for a second attempt during the replacement (OTP's already_pending)."""
    world = Node("m@localhost", "c", reports=None, log=lambda line: None).world
    assert world._status("y@localhost") == "ok"
    assert world._pending == {"y@localhost": []} and world._accepting == {"y@localhost"}
    assert world._status("y@localhost") is None
    world._attempt_lost("y@localhost")                          # nobody waited: slot freed
    assert world._pending == {} and not world._accepting
    assert world._status("y@localhost") == "ok"
    hi = Signal("message", None, labrt.Pid(world.index("y@localhost"), 1), "hi")
    world.post(world.rt, hi)          # waits for the accepted attempt: no second connect
    assert world._pending == {"y@localhost": [hi]}
    del world._pending["y@localhost"]
    world._accepting.clear()
    waiting = [Signal("message", None, labrt.Pid(1, 1), "hi")]
    world._pending["z@localhost"] = waiting
    world._pending["a@localhost"] = []
    assert world._status("z@localhost") == "ok_simultaneous"    # the greater name's wins
    assert world._status("a@localhost") == "nok"
    assert world._accepting == {"z@localhost"}
    started = []
    world._spawn_task = lambda fn, *args: started.append((fn.__name__, args))
    world._attempt_lost("z@localhost")   # the winner's attempt failed: we try z ourselves
    assert started == [("_connect", ("z@localhost",))] and not world._accepting
    assert world._pending["z@localhost"] is waiting
    world.conns["a@localhost"] = object()
    assert world._status("a@localhost") == "alive"
    assert world._status("a@localhost") is None


def test_a_stranger_claiming_a_name_cannot_make_that_node_look_down():
    """An attempt answered ok owns the peer's pending slot, so a send meanwhile waits for
    it; when that attempt fails its cookie, the node connects to the real peer itself:
    the send arrives and nothing reports the real node down (OTP would fail the waiting
    send with the aborted attempt; labrt does not let a stranger cause that)."""
    from labrt import gen_server, receive, TIMEOUT
    with Cluster(real_epmd=False) as c:
        c.labrt("sb", "--run", "labrt.erl.demo:replica")
        held, go, status, logged = threading.Event(), threading.Event(), [], []
        rt = Node("sa@localhost", c.cookie, epmd_port=c.epmd_port, reports=None,
                  log=logged.append)

        def stranger():
            async def run():
                port = await stale_peer.epmd.port_please("sa", "127.0.0.1",
                                                         epmd_port=c.epmd_port)
                status.append(await stale_peer.impostor(port, "sb@localhost", held, go))
            trio.run(run)

        async def caller(parent):
            labrt.send(parent, await gen_server.call(("kv", "sb@localhost"), ("put", "x", 1)))

        async def main():
            for _ in range(100):          # sa registers with EPMD once it runs
                if "sa" in c.names():
                    break
                await labrt.sleep(0.05)
            thread.start()
            while not held.is_set():
                await labrt.sleep(0.01)
            labrt.monitor_node("sb@localhost", True)
            labrt.spawn(caller, labrt.self())
            first = await receive(timeout=0.3)            # waits on the stranger's slot
            go.set()
            reply = await receive(timeout=10)
            return first, reply, await receive(timeout=0.5)
        thread = threading.Thread(target=stranger, daemon=True)
        first, reply, after = rt.run_main(main)
        thread.join(10)
    assert status == ["ok"]
    assert (first, reply, after) == (TIMEOUT, "ok", TIMEOUT), logged
    assert sum("refused" in line and "sb@localhost" in line for line in logged) == 1, logged


def test_a_peer_that_wins_the_clash_but_never_connects_does_not_leave_sends_waiting(monkeypatch):
    """After nok our attempt waits for the peer's; if none comes within the handshake's
    limit, what waited fails as for an unreachable node (monitor_node's nodedown), with
    one log line, rather than waiting for ever."""
    from labrt import receive
    from labrt.erl import handshake
    from cluster import free_port
    monkeypatch.setattr(handshake, "TIMEOUT", 1.0)
    epmd_port, logged = free_port(), []
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=trio.run, daemon=True,
                              args=(stale_peer.nok_peer, epmd_port, "sn", ready, stop))
    thread.start()
    assert ready.wait(10)
    rt = Node("sa@localhost", "c", epmd_port=epmd_port, reports=None, log=logged.append)

    async def main():
        labrt.monitor_node("sn@localhost", True)
        labrt.send(("x", "sn@localhost"), "hello")
        return await receive(timeout=10)
    try:
        got = rt.run_main(main)
    finally:
        stop.set()
        thread.join(10)
    assert got == ("nodedown", "sn@localhost")
    assert sum("sn@localhost let its own connection win" in line for line in logged) == 1, logged
