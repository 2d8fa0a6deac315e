"""Distribution over TLS between a labrt node and a real BEAM node.

The BEAM node runs ``erl -proto_dist inet_tls -ssl_dist_optfile FILE`` (OTP
ssl User's Guide, "Using TLS for Erlang Distribution"); the labrt node in
this process uses ``labrt.erl.tls.TLS`` with certificates from the same CA,
made at test time with openssl (tests/erl/certs.py).  They exchange
messages, gen_server calls and link exits both ways; peers with another
CA's certificate, or with plain TCP, are refused and the labrt side logs
one line per refusal.  Skipped where erl or openssl is absent.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from labrt import (Exit, TIMEOUT, gen_server, link, nodes, receive, register, send, sleep,
                   spawn, trap_exit)
from labrt import self as me
from labrt.erl import Node
from labrt.erl.tls import TLS

sys.path.insert(0, str(Path(__file__).parent / "erl"))
import certs  # noqa: E402
from cluster import Cluster, erl_available  # noqa: E402
from kv import Kv  # noqa: E402

pytestmark = pytest.mark.skipif(not (erl_available() and certs.openssl_available()),
                                reason="needs a real Erlang (erl, erlc, epmd) and openssl")

B = "beam_b@localhost"


def tls_node(c, folder, short, cert, ca="ca"):
    """A labrt node in this process that speaks TLS with ``cert``, and its log."""
    logs = []
    tls = None if cert is None else TLS(folder / f"{cert}.pem", folder / f"{cert}.key",
                                        folder / f"{ca}.pem")
    rt = Node(f"{short}@localhost", c.cookie, epmd_port=c.epmd_port, log=logs.append,
              reports=None, tls=tls)
    return rt, logs


async def ask(cmd, node=B):
    send(("agent", node), (me(), cmd))
    m = await receive(lambda m: type(m) is tuple and m[:1] == ("agent",), timeout=5)
    assert m is not TIMEOUT, f"the BEAM agent on {node} did not answer in 5 s"
    return m[1]


def test_messages_calls_and_links_cross_a_tls_connection_to_the_beam(tmp_path):
    """Messages, gen_server calls and link exits both ways over inet_tls."""
    certs.make(tmp_path)
    with Cluster(strict=True) as c:
        c.beam("beam_b", args=certs.beam_args(tmp_path, "n1"))
        rt, logs = tls_node(c, tmp_path, "py", "n2")

        async def victim():
            await receive("die")
            raise ValueError("bad input")

        async def main():
            trap_exit(True)
            echo = await ask(("echo", ("tuple", 1, [2, 3], b"bin", {"k": 1.5})))
            register("inbox", me())
            await ask(("send", ("inbox", "py@localhost"), ("hi", "over", "tls")))
            got = await receive(("hi", "over", "tls"), timeout=5)
            await gen_server.start(Kv, None, name="kv")
            theirs_call = await ask(("call", ("kv", "py@localhost"), ("put", "x", 42)))
            theirs_get = await ask(("call", ("kv", "py@localhost"), ("get", "x")))
            await gen_server.call(("ekv", B), ("put", "y", 7))
            ours_get = await gen_server.call(("ekv", B), ("get", "y"))
            waiter = await ask("waiter")
            link(waiter)
            send(waiter, ("die", ("shutdown", "done")))
            their_exit = await receive(Exit, timeout=5)
            mine = spawn(victim)
            watcher = await ask(("watch_link", mine))
            await receive(("ready", watcher), timeout=5)
            send(mine, "die")
            seen = await receive(lambda m: type(m) is tuple and m[0] == "seen", timeout=5)
            return (echo, got, theirs_call, theirs_get, ours_get, waiter, their_exit, mine,
                    seen, await ask("nodes"))
        (echo, got, theirs_call, theirs_get, ours_get, waiter, their_exit, mine, seen,
         beam_nodes) = rt.run_main(main)
        assert echo == ("tuple", 1, [2, 3], b"bin", {"k": 1.5})
        assert got == ("hi", "over", "tls")
        assert (theirs_call, theirs_get, ours_get) == ("ok", 42, 7)
        assert their_exit == Exit(waiter, ("shutdown", "done"))
        assert isinstance(seen[2], Exit) and seen[2].pid == mine
        assert seen[2].reason.kind == "ValueError"
        assert beam_nodes == ["py@localhost"]
        assert not [l for l in logs if "refused" in l or "cannot connect" in l], logs


def test_peers_without_the_cas_certificate_or_without_tls_are_refused(tmp_path):
    """Another CA's certificate, or plain TCP, either way: refused, one log line each."""
    certs.make(tmp_path)
    certs.dist_optfile(tmp_path, "rogue", ca="ca")       # trusts our CA, is not trusted
    with Cluster(strict=True) as c:
        c.beam("beam_b", args=certs.beam_args(tmp_path, "n1"))

        # labrt nodes that try the TLS BEAM node: a plain one, a rogue one.
        outcomes = {}
        for short, cert in (("plain", None), ("rogue", "rogue")):
            rt, logs = tls_node(c, tmp_path, short, cert)

            async def try_beam():
                send(("agent", B), (me(), ("echo", 1)))
                return await receive(timeout=3)
            outcomes[short] = (rt.run_main(try_beam), logs)

        # BEAM nodes that try a TLS labrt node once each: a plain one, a rogue one.
        rt, logs = tls_node(c, tmp_path, "py", "n2")
        ping = "net_adm:ping('py@localhost')"

        async def main():
            c.beam("beam_plain", eval=ping)
            await sleep(1.0)
            c.beam("beam_rogue", eval=ping, args=certs.beam_args(tmp_path, "rogue"))
            await sleep(1.0)
            return await ask(("ping", "py@localhost")), nodes()
        ok, py_nodes = rt.run_main(main)
    for short in ("plain", "rogue"):
        answer, lines = outcomes[short]
        assert answer is TIMEOUT, outcomes
        assert len(lines) == 1 and f"cannot connect {short}@localhost to {B}" in lines[0], lines
    assert "plain TCP" in outcomes["plain"][1][0] and "UNKNOWN_CA" in outcomes["rogue"][1][0]
    refused = [l for l in logs if "refused a connection on py@localhost" in l]
    assert len(refused) == 2 and all("TLS handshake failed" in l for l in refused), logs
    assert "plain TCP" in refused[0] and "CERTIFICATE_VERIFY_FAILED" in refused[1]
    assert ok == "pong" and py_nodes == [B]
