"""A peer that returns under its old name while this node still holds its old connection.

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
    world._pending["z@localhost"] = [Signal("message", None, labrt.Pid(1, 1), "hi")]
    world._pending["a@localhost"] = []
    assert world._status("z@localhost") == "ok_simultaneous"    # the greater name's wins
    assert world._status("a@localhost") == "nok"
    assert world._accepting == {"z@localhost"}
    world._attempt_lost("z@localhost")                          # the winner's attempt failed
    assert "z@localhost" not in world._pending and not world._accepting
    world.conns["a@localhost"] = object()
    assert world._status("a@localhost") == "alive"
    assert world._status("a@localhost") is None
