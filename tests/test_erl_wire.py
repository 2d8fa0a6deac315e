"""EPMD, the handshake and connections of labrt.erl, on loopback.

labrt-to-labrt tests use labrt's own small EPMD on a free port, so they run
anywhere; the tests marked `beam` talk to a real `erl -sname` node and skip
where Erlang is absent. Every OS process a test starts is stopped by it.
"""
from __future__ import annotations

import socket
import struct

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from labrt import Pid, Ref
from labrt.erl import control, epmd, etf, handshake
from labrt.erl.connection import Connection


async def start_epmd(nursery):
    server = epmd.EpmdServer(port=0)
    port = await nursery.start(server.serve)
    return server, port


def test_epmd_server_registers_looks_up_and_forgets():
    """A registration lives while its connection is open, as with Erlang's epmd."""
    async def main():
        async with trio.open_nursery() as n:
            server, port = await start_epmd(n)
            creation, reg = await epmd.register("alpha", 5555, epmd_port=port)
            assert creation > 0
            assert await epmd.port_please("alpha", epmd_port=port) == 5555
            assert await epmd.names(epmd_port=port) == {"alpha": 5555}
            with pytest.raises(epmd.EpmdError, match="already running"):
                await epmd.register("alpha", 5556, epmd_port=port)
            await reg.aclose()
            await trio.sleep(0.05)
            assert await epmd.port_please("alpha", epmd_port=port) is None
            n.cancel_scope.cancel()
    trio.run(main)


def test_epmd_server_survives_garbage():
    """Bad requests close their own connection; the server keeps serving."""
    async def main():
        async with trio.open_nursery() as n:
            server, port = await start_epmd(n)
            for junk in (b"\xff\xff" + b"x" * 10, b"\x00\x00", b"\x00\x05x\x00", b"\x00"):
                s = await trio.open_tcp_stream("127.0.0.1", port)
                await s.send_all(junk)
                await s.aclose()
            creation, reg = await epmd.register("beta", 7, epmd_port=port)
            assert await epmd.port_please("beta", epmd_port=port) == 7
            await reg.aclose()
            n.cancel_scope.cancel()
    trio.run(main)


def test_no_epmd_is_a_clear_error():
    """Asking a port where no epmd listens says so, and does not hang."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with pytest.raises(epmd.EpmdError, match="no epmd answered"):
        trio.run(lambda: epmd.port_please("x", epmd_port=free))


async def handshake_pair(cookie_a, cookie_b):
    """Run both sides of a handshake over a socket pair; return both outcomes."""
    a, b = trio.testing.memory_stream_pair()
    out = {}

    async def side(key, fn, stream, name, cookie):
        try:
            out[key] = await fn(stream, name, 7, cookie)
        except handshake.HandshakeError as e:
            out[key] = e
            await stream.aclose()

    async with trio.open_nursery() as n:
        n.start_soon(side, "a", handshake.initiate, a, "a@host", cookie_a)
        n.start_soon(side, "b", handshake.accept, b, "b@host", cookie_b)
    return out


def test_handshake_with_the_same_cookie():
    """Both sides learn the other's name, flags and creation."""
    import trio.testing  # noqa: F401
    out = trio.run(handshake_pair, "secret", "secret")
    assert out["a"][0] == "b@host" and out["b"][0] == "a@host"
    assert out["a"][2] == 7
    assert out["a"][1] & handshake.REQUIRED == handshake.REQUIRED


def test_handshake_with_a_wrong_cookie_is_refused_and_names_the_peer():
    """The listener refuses a peer whose digest is wrong, naming it; the cookie never travels."""
    import trio.testing  # noqa: F401
    out = trio.run(handshake_pair, "secret", "other")
    assert isinstance(out["b"], handshake.HandshakeError)
    assert "a@host" in str(out["b"]) and "cookie" in str(out["b"])
    assert isinstance(out["a"], handshake.HandshakeError)


def test_cookie_is_never_sent():
    """Nothing either side writes contains the cookie's bytes."""
    import trio.testing
    seen = bytearray()

    async def main():
        a, b = trio.testing.memory_stream_pair()
        orig = a.send_stream.send_all

        async def spy(data):
            seen.extend(data)
            await orig(data)
        a.send_stream.send_all = spy
        async with trio.open_nursery() as n:
            n.start_soon(handshake.initiate, a, "a@h", 1, "sup3rs3cret")
            n.start_soon(handshake.accept, b, "b@h", 2, "sup3rs3cret")
    trio.run(main)
    assert seen and b"sup3rs3cret" not in seen


def test_old_protocol_and_missing_flags_are_refused():
    """A pre-OTP-23 name message, or a peer without the mandatory flags, is refused clearly."""
    import trio.testing

    async def main(first):
        a, b = trio.testing.memory_stream_pair()
        await a.send_all(struct.pack(">H", len(first)) + first)
        with pytest.raises(handshake.HandshakeError) as e:
            await handshake.accept(b, "b@h", 1, "c")
        return str(e.value)
    old = b"n\x00\x05\x00\x00\x00\x00a@h"
    assert "version 6" in trio.run(main, old)
    weak = struct.pack(">cQIH", b"N", handshake.PUBLISHED, 1, 3) + b"a@h"
    assert "lacks distribution flags" in trio.run(main, weak)


# ---------------------------------------------------------------------------
# Connections: packets, ticks, hostile peers

def make_conn(stream, log, ops, closed, tick=60.0, max_packet=1 << 16):
    nodes = etf.NodeTable("a@h", 1)
    return Connection(stream, "b@h", nodes, on_op=lambda c, op: ops.append(op),
                      on_close=lambda c, r: closed.append(r), log=log.append,
                      tick=tick, max_packet=max_packet)


def frame(body):
    return struct.pack(">I", len(body)) + body


BAD_PACKETS = {
    "no pass-through byte": frame(b"\x83\x61\x01"),
    "garbage term": frame(b"\x70\x83\xff"),
    "not a tuple": frame(b"\x70\x83\x61\x01"),
    "unknown control message": frame(b"\x70" + etf.encode((99, 1))),
    "SEND to a non-pid": frame(b"\x70" + etf.encode((2, "", "x")) + etf.encode("m")),
    "SEND without payload": frame(b"\x70" + etf.encode((22, 1, 2))),
    "oversized packet": struct.pack(">I", 1 << 30) + b"x" * 100,
}


@pytest.mark.parametrize("name", sorted(BAD_PACKETS))
def test_a_bad_packet_closes_only_its_connection_with_one_log_line(name):
    """Malformed, unknown or oversized packets end the connection, logged once, naming the peer."""
    import trio.testing
    log, ops, closed = [], [], []

    async def main():
        a, b = trio.testing.memory_stream_pair()
        conn = make_conn(b, log, ops, closed)
        async with trio.open_nursery() as n:
            n.start_soon(conn.run)
            await a.send_all(BAD_PACKETS[name])
    trio.run(main)
    assert ops == [] and closed == ["protocol_error"]
    assert len(log) == 1 and "b@h" in log[0]


def test_silence_is_net_tick_timeout_and_ticks_keep_it_alive():
    """A peer that sends nothing for `tick` seconds is gone; one that ticks is not."""
    import trio.testing
    log, ops, closed = [], [], []

    async def main():
        a, b = trio.testing.memory_stream_pair()
        conn = make_conn(b, log, ops, closed, tick=0.4)
        async with trio.open_nursery() as n:
            n.start_soon(conn.run)
            for _ in range(6):                   # 0.6 s of ticks: still alive
                await a.send_all(b"\0\0\0\0")
                await trio.sleep(0.1)
            assert closed == []
            await trio.sleep(0.6)                # then silence
    trio.run(main)
    assert closed == ["net_tick_timeout"]


def test_packets_arrive_as_ops_in_order():
    """Messages sent over a connection arrive parsed, in the order they were sent."""
    import trio.testing
    log, ops, closed = [], [], []
    nodes_b = etf.NodeTable("b@h", 1)
    nodes_b.index_of("a@h")
    sender = Pid(0, 5)

    async def main():
        a, b = trio.testing.memory_stream_pair()
        conn = make_conn(b, log, ops, closed)
        out = make_conn(a, [], [], [])
        out.nodes = nodes_b
        async with trio.open_nursery() as n:
            n.start_soon(conn.run)
            n.start_soon(out.run)
            for i in range(100):
                out.send(control.Op("reg_send", sender, "kv", ("put", i)))
            await trio.sleep(0.2)
            out.close()
    trio.run(main)
    assert [op.payload for op in ops] == [("put", i) for i in range(100)]
    assert all(op.kind == "reg_send" and op.target == "kv" for op in ops)


@settings(max_examples=2000, derandomize=True, deadline=None)
@given(st.binary(max_size=80))
def test_random_packets_never_crash_the_control_parser(data):
    """Whatever a peer sends after the handshake is an Op or a ProtocolError."""
    nodes = etf.NodeTable("a@h", 1)
    for packet in (data, b"\x70" + data, b"\x70\x83" + data):
        try:
            control.parse(packet, nodes)
        except control.ProtocolError:
            pass


ops = st.sampled_from([
    control.Op("send", Pid(0, 1), Pid(1, 2), ("m", 1)),
    control.Op("reg_send", Pid(0, 1), "kv", ("put", b"k", [1, 2.5])),
    control.Op("link", Pid(0, 1), Pid(1, 2)),
    control.Op("exit", Pid(0, 1), Pid(1, 2), ("shutdown", "x")),
    control.Op("exit2", Pid(0, 1), Pid(1, 2), "kill"),
    control.Op("down", Pid(1, 2), Pid(0, 1), "noproc", ref=Ref(0, 7)),
    control.Op("monitor", Pid(0, 1), "kv", ref=Ref(0, 8)),
])


@settings(max_examples=500, derandomize=True, deadline=None)
@given(ops, st.integers(0, 60), st.binary(min_size=1, max_size=4))
def test_mangled_control_messages_are_rejected_or_parsed(op, cut, junk):
    """A valid packet cut short or with bytes spliced in never escapes as another error."""
    nodes = etf.NodeTable("a@h", 1)
    nodes.index_of("b@h")
    raw = control.pack(op, nodes)
    assert control.parse(raw, nodes).kind == op.kind
    cut = min(cut, len(raw))
    for bad in (raw[:cut], raw[:cut] + junk + raw[cut + len(junk):]):
        try:
            control.parse(bad, nodes)
        except control.ProtocolError:
            pass


@pytest.mark.parametrize("wanted", [True, False])
def test_status_alive_is_answered_true_while_the_attempt_is_pending(wanted):
    """A peer that still holds an old connection from us answers status ``alive`` (OTP's
    ``up_pending``: we restarted, or dropped the connection before it noticed). We reply
    ``true`` and the handshake goes on while our attempt is still wanted (OTP's
    ``is_pending``), else ``false`` and both sides give this connection up."""
    import trio.testing
    out = {}

    async def side(key, coro):
        try:
            out[key] = await coro
        except handshake.HandshakeError as e:
            out[key] = e

    async def main():
        a, b = trio.testing.memory_stream_pair()
        async with trio.open_nursery() as n:
            n.start_soon(side, "a", handshake.initiate(a, "a@h", 1, "c", pending=lambda: wanted))
            n.start_soon(side, "b", handshake.accept(b, "b@h", 2, "c", status=lambda p: "alive"))
    trio.run(main)
    if wanted:
        assert out["a"][0] == "b@h" and out["b"][0] == "a@h"
    else:
        assert isinstance(out["a"], handshake.SimultaneousConnect)
        assert isinstance(out["b"], handshake.SimultaneousConnect)
