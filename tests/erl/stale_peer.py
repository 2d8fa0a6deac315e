"""A peer that comes back under its old name while the other side still
holds its old connection (tests/test_erl_stale.py).

``impersonate`` connects to a node as ``b@localhost`` (incarnation 11),
says ``{hello, P}`` to the node's ``watcher`` and waits for ``ready``, then
connects again as a new incarnation (12) of the same name.  The node still
holds the first connection, so it answers the handshake status ``alive``;
``wanted`` is our reply (``true``: take the name back; ``false``: give the
new attempt up).  It returns what became of the two connections.

``watch`` is labrt's twin of tests/erl/stale_watcher.erl: the same three
watchers, the same lines.
"""
from __future__ import annotations

import functools

import trio

import labrt
from labrt import ANY, Down, Exit, Pid, receive, send, spawn
from labrt.erl import control, epmd, etf, handshake
from labrt.erl.connection import Connection

NAME = "b@localhost"


async def _connect(port, cookie, creation, wanted=True):
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    try:
        peer, _flags, peer_creation = await handshake.initiate(
            stream, NAME, creation, cookie, pending=lambda: wanted)
    except handshake.SimultaneousConnect:
        await stream.aclose()
        return None
    table = etf.NodeTable(NAME, creation)
    table.index_of(peer)
    table.creation[peer] = peer_creation
    return stream, peer, table


def _conn(stream, peer, table, heard, ended):
    def on_op(conn, op):
        if op.kind in ("send", "reg_send"):
            heard.append(op.payload)
    return Connection(stream, peer, table, on_op=on_op, log=lambda line: None,
                      on_close=lambda conn, reason: ended.append(reason))


async def _until(cond, what, limit=15.0):
    with trio.move_on_after(limit):
        while not cond():
            await trio.sleep(0.01)
        return
    raise AssertionError(f"the newcomer waited {limit} s for {what} in vain")


async def impersonate(short, cookie, wanted, epmd_port=None):
    """Come back as a new incarnation of b while ``short`` holds the old; see above."""
    with trio.fail_after(15):
        while (port := await epmd.port_please(short, "127.0.0.1", epmd_port=epmd_port)) is None:
            await trio.sleep(0.05)
    me = Pid(0, 5)
    heard1, ended1, heard2, ended2 = [], [], [], []
    async with trio.open_nursery() as n:
        stream, peer, table = await _connect(port, cookie, 11)
        c1 = _conn(stream, peer, table, heard1, ended1)
        n.start_soon(c1.run)
        c1.send(control.Op("reg_send", me, "watcher", ("hello", me)))
        await _until(lambda: "ready" in heard1, "ready")
        second = await _connect(port, cookie, 12, wanted)
        if second is None:                   # refused: the first connection must still work
            c1.send(control.Op("reg_send", me, "watcher", ("ping", me)))
            await _until(lambda: "pong" in heard1 or ended1, "pong")
            first = "answers" if "pong" in heard1 else f"closed: {ended1[0]}"
            c1.close()
            await c1.ended.wait()
            return {"second": "refused", "first": first}
        await _until(lambda: ended1, "the old connection's end")
        c2 = _conn(*second, heard2, ended2)
        n.start_soon(c2.run)
        await _until(lambda: "again" in heard2, "again")
        c2.close()
        await c2.ended.wait()
        return {"second": "up", "first": f"closed: {ended1[0]}"}


def watch(lines):
    """labrt's stale_watcher: append ``"<tag> <text>"`` to ``lines`` per event."""
    async def linker(p, parent):
        labrt.trap_exit(True)
        labrt.link(p)
        send(parent, "linked")
        e = await receive(Exit(p, ANY))
        lines.append(f"link EXIT {e.reason}")

    async def monitorer(p, parent):
        ref = labrt.monitor(p)
        send(parent, "monitored")
        d = await receive(Down(ref, ANY, ANY))
        lines.append(f"monitor DOWN {d.reason}")

    async def watcher():
        labrt.monitor_nodes(True, nodedown_reason=True)
        _, p = await receive(("hello", Pid))
        b = labrt.node(p)
        spawn(linker, p, labrt.self())
        await receive("linked")
        spawn(monitorer, p, labrt.self())
        await receive("monitored")
        labrt.monitor_node(b, True)
        send(p, "ready")
        while True:
            m = await receive()
            if m[:2] == ("nodeup", b):
                lines.append("node nodeup")
                send(("peer", b), "again")
            elif m == ("nodedown", b):
                lines.append("node monitor_node nodedown")
            elif m[:2] == ("nodedown", b):
                lines.append(f"node nodedown {m[2]['nodedown_reason']}")
            elif m[:1] == ("ping",):
                send(m[1], "pong")
    return watcher


async def impostor(port, name, held, go):
    """Claim to be ``name`` without its cookie: hold the handshake open after the
    status (``held`` is set then) until ``go`` is set, then answer the challenge
    with a wrong digest. Returns the status the node answered."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await handshake._send(stream, handshake._name_message(handshake.OURS, 21, name))
        status = (await handshake._recv(stream))[1:].decode()
        await handshake._recv(stream)                     # the challenge
        held.set()
        while not go.is_set():
            await trio.sleep(0.01)
        await handshake._send(stream, b"r" + bytes(4) + bytes(16))
        try:
            await handshake._recv(stream)
        except handshake.HandshakeError:
            pass                                          # closed on us, as it should
    return status


async def nok_peer(epmd_port, short, ready, stop):
    """A node ``short`` (registered with a private EPMD on ``epmd_port``) that
    answers every attempt ``nok`` (as if its own attempt would win) and never
    connects itself. ``ready`` is set once it is registered; it runs until
    ``stop`` is set."""
    async with trio.open_nursery() as n:
        await n.start(epmd.EpmdServer(port=epmd_port).serve)

        async def answer(stream):
            async with stream:
                await handshake._recv(stream)
                await handshake._send(stream, b"snok")
        listeners = await n.start(functools.partial(trio.serve_tcp, answer, 0, host="127.0.0.1"))
        port = listeners[0].socket.getsockname()[1]
        _creation, reg = await epmd.register(short, port, epmd_port=epmd_port)
        ready.set()
        while not stop.is_set():
            await trio.sleep(0.02)
        await reg.aclose()
        n.cancel_scope.cancel()
