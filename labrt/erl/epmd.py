"""EPMD, the Erlang Port Mapper: how a node is found by its name.

Every host that runs Erlang nodes runs one small daemon, ``epmd``, on TCP
port 4369.  A node that starts listens on a port of its own and *registers*
its short name and that port with the local epmd, keeping the registration
connection open for as long as it lives (when the connection closes, epmd
forgets the node).  A node that wants to reach ``b@host`` asks the epmd on
``host`` for the port of ``b`` and connects there.

This module has both halves, in the order a reader meets them:

* the client requests (``ALIVE2_REQ`` to register, ``PORT_PLEASE2_REQ`` to
  look up, ``NAMES_REQ`` to list), used by every labrt node;
* :class:`EpmdServer`, a small epmd of our own that a labrt node starts when
  no epmd answers on this machine (no Erlang installed), so a cluster of
  labrt nodes needs nothing but Python.  It speaks the same requests, so a
  real Erlang node can use it too.

All requests are framed as a 2-byte big-endian length and the request.
Replies are read with explicit bounds: a reply that is malformed or too long
is an :class:`EpmdError`, never a hang (every read has a timeout).
"""
from __future__ import annotations

import struct

import trio

EPMD_PORT = 4369
ALIVE2_REQ = 120          # 'x'
ALIVE2_X_RESP = 118       # 'v' (OTP 23+: 32-bit creation)
ALIVE2_RESP = 121         # 'y' (older: 16-bit creation)
PORT_PLEASE2_REQ = 122    # 'z'
PORT2_RESP = 119          # 'w'
NAMES_REQ = 110           # 'n'

NODE_TYPE_NORMAL = 77     # a normal Erlang node (72 is a hidden C node)
PROTOCOL_TCP = 0
DIST_VERSION = 6          # OTP 23 and later: the only version we speak

#: Seconds to wait for epmd to answer one request.
TIMEOUT = 5.0


class EpmdError(Exception):
    """epmd refused, answered nonsense, or did not answer in time."""


async def _read_exactly(stream, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = await stream.receive_some(n - len(buf))
        if not chunk:
            raise EpmdError(f"epmd closed the connection after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def _frame(body: bytes) -> bytes:
    return struct.pack(">H", len(body)) + body


def alive2_request(name: str, port: int, *, hidden: bool = False) -> bytes:
    raw = name.encode("utf-8")
    body = struct.pack(">BHBBHHH", ALIVE2_REQ, port, 72 if hidden else NODE_TYPE_NORMAL,
                       PROTOCOL_TCP, DIST_VERSION, DIST_VERSION, len(raw))
    return _frame(body + raw + struct.pack(">H", 0))


async def register(name: str, port: int, host: str = "127.0.0.1", *,
                   epmd_port: int = EPMD_PORT, hidden: bool = False):
    """Register ``name`` at ``port``; return ``(creation, stream)``.

    Keep the stream open: closing it unregisters the node.
    """
    try:
        with trio.fail_after(TIMEOUT):
            stream = await trio.open_tcp_stream(host, epmd_port)
            await stream.send_all(alive2_request(name, port, hidden=hidden))
            tag = (await _read_exactly(stream, 1))[0]
            if tag == ALIVE2_X_RESP:
                result, creation = struct.unpack(">BI", await _read_exactly(stream, 5))
            elif tag == ALIVE2_RESP:
                result, creation = struct.unpack(">BH", await _read_exactly(stream, 3))
            else:
                raise EpmdError(f"epmd answered the registration with tag {tag}")
    except (OSError, trio.TooSlowError) as e:
        raise EpmdError(f"no epmd answered on {host}:{epmd_port} ({e})") from None
    if result != 0:
        await stream.aclose()
        raise EpmdError(f"epmd refused to register {name!r} (result {result}): "
                        "is a node of that name already running on this host?")
    return creation, stream


async def port_please(name: str, host: str = "127.0.0.1", *,
                      epmd_port: int = EPMD_PORT) -> int | None:
    """The distribution port of node ``name`` on ``host``, or None if unknown."""
    raw = name.encode("utf-8")
    try:
        with trio.fail_after(TIMEOUT):
            stream = await trio.open_tcp_stream(host, epmd_port)
            async with stream:
                await stream.send_all(_frame(bytes((PORT_PLEASE2_REQ,)) + raw))
                tag, result = await _read_exactly(stream, 2)
                if tag != PORT2_RESP:
                    raise EpmdError(f"epmd answered the look-up with tag {tag}")
                if result != 0:
                    return None
                port, _type, _proto, high, low, nlen = struct.unpack(
                    ">HBBHHH", await _read_exactly(stream, 10))
                await _read_exactly(stream, nlen)
                if not low <= DIST_VERSION <= high:
                    raise EpmdError(f"node {name!r} speaks distribution versions "
                                    f"{low}-{high}; labrt speaks {DIST_VERSION}")
                return port
    except (OSError, trio.TooSlowError) as e:
        raise EpmdError(f"no epmd answered on {host}:{epmd_port} ({e})") from None


async def names(host: str = "127.0.0.1", *, epmd_port: int = EPMD_PORT) -> dict[str, int]:
    """The nodes registered with the epmd on ``host``: ``{name: port}``."""
    try:
        with trio.fail_after(TIMEOUT):
            stream = await trio.open_tcp_stream(host, epmd_port)
            async with stream:
                await stream.send_all(_frame(bytes((NAMES_REQ,))))
                await _read_exactly(stream, 4)
                text = bytearray()
                while len(text) < 1 << 20:
                    chunk = await stream.receive_some(65536)
                    if not chunk:
                        break
                    text += chunk
    except (OSError, trio.TooSlowError) as e:
        raise EpmdError(f"no epmd answered on {host}:{epmd_port} ({e})") from None
    out = {}
    for line in text.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "name" and parts[2:4] == ["at", "port"]:
            out[parts[1]] = int(parts[4])
    return out


async def epmd_running(host: str = "127.0.0.1", *, epmd_port: int = EPMD_PORT) -> bool:
    try:
        await names(host, epmd_port=epmd_port)
        return True
    except EpmdError:
        return False


class EpmdServer:
    """A minimal epmd: registrations live while their connection is open.

    Serves ALIVE2, PORT_PLEASE2 and NAMES, on loopback by default.  Bad
    requests close their connection and nothing else.
    """

    MAX_REQUEST = 1024

    def __init__(self, host: str = "127.0.0.1", port: int = EPMD_PORT):
        self.host = host
        self.port = port
        self.nodes: dict[str, tuple[int, int, bytes]] = {}   # name -> (port, type, extra)
        self._creation = 0

    async def serve(self, *, task_status=trio.TASK_STATUS_IGNORED):
        listeners = await trio.open_tcp_listeners(self.port, host=self.host)
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started(self.port)
        await trio.serve_listeners(self._handle, listeners)

    async def _handle(self, stream):
        async with stream:
            try:
                with trio.fail_after(TIMEOUT):
                    (n,) = struct.unpack(">H", await _read_exactly(stream, 2))
                    if not 1 <= n <= self.MAX_REQUEST:
                        return
                    req = await _read_exactly(stream, n)
            except (EpmdError, trio.TooSlowError, trio.BrokenResourceError, OSError):
                return
            tag = req[0]
            if tag == ALIVE2_REQ:
                await self._alive(stream, req)
            elif tag == PORT_PLEASE2_REQ:
                await self._port_please(stream, req[1:].decode("utf-8", "replace"))
            elif tag == NAMES_REQ:
                lines = "".join(f"name {k} at port {p}\n" for k, (p, _, _) in self.nodes.items())
                await stream.send_all(struct.pack(">I", self.port) + lines.encode())

    async def _alive(self, stream, req):
        try:
            port, ntype, _proto, _hi, _lo, nlen = struct.unpack(">HBBHHH", req[1:11])
            name = req[11:11 + nlen].decode("utf-8")
        except (struct.error, UnicodeDecodeError):
            return
        if not name or name in self.nodes:
            await stream.send_all(struct.pack(">BBI", ALIVE2_X_RESP, 1, 0))
            return
        self._creation = self._creation % 0xFFFFFFF0 + 1
        self.nodes[name] = (port, ntype, b"")
        try:
            await stream.send_all(struct.pack(">BBI", ALIVE2_X_RESP, 0, self._creation))
            while await stream.receive_some(64):     # the node lives while this is open
                pass
        except (trio.BrokenResourceError, OSError):
            pass
        finally:
            self.nodes.pop(name, None)

    async def _port_please(self, stream, name):
        entry = self.nodes.get(name)
        if entry is None:
            await stream.send_all(bytes((PORT2_RESP, 1)))
            return
        port, ntype, extra = entry
        raw = name.encode()
        await stream.send_all(struct.pack(">BBHBBHHH", PORT2_RESP, 0, port, ntype, PROTOCOL_TCP,
                                          DIST_VERSION, DIST_VERSION, len(raw))
                              + raw + struct.pack(">H", len(extra)) + extra)


def main(argv=None):
    """``python -m labrt.erl.epmd [--port P]``: a stand-alone EPMD, as Erlang's ``epmd``."""
    import argparse
    ap = argparse.ArgumentParser(prog="python -m labrt.erl.epmd",
                                 description="labrt's small EPMD (Erlang Port Mapper Daemon)")
    ap.add_argument("--port", type=int, default=EPMD_PORT, help="TCP port (default 4369)")
    ap.add_argument("--address", default="127.0.0.1", help="address to listen on (loopback)")
    args = ap.parse_args(argv)
    try:
        trio.run(EpmdServer(args.address, args.port).serve)
    except KeyboardInterrupt:
        pass
    except OSError as e:
        raise SystemExit(f"labrt epmd: cannot listen on {args.address}:{args.port}: {e}")


if __name__ == "__main__":
    main()
