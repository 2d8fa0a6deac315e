"""One distribution connection: packets in, packets out, ticks, and the end.

After the handshake a connection carries packets framed by a 4-byte length.
An empty packet is a *tick*: each side sends one every ``tick/4`` seconds
when it has nothing else to say, and a side that hears nothing at all for
``tick`` seconds declares the peer gone (``net_tick_timeout``), which is how
Erlang notices a peer behind a pulled cable.  A closed socket
(``connection_closed``) is noticed at once, which is what ``kill -9`` of a
peer's OS process looks like.

Every incoming packet is untrusted.  A packet longer than ``max_packet`` or
one that :func:`~labrt.erl.control.parse` rejects ends *this* connection,
with one log line that names the peer and says what was wrong; nothing else
on the node is affected.

The connection does not know what a signal means: it hands each parsed
:class:`~labrt.erl.control.Op` to ``on_op`` and, when it ends, calls
``on_close(reason)`` exactly once.
"""
from __future__ import annotations

import struct
from collections import deque

import trio

from . import control, etf

#: Default seconds of silence after which a peer counts as gone (OTP's
#: net_ticktime is 60 s).
TICK = 60.0
MAX_PACKET = 16 * 1024 * 1024
MAX_QUEUE = 64 * 1024 * 1024


class Connection:
    def __init__(self, stream, peer: str, nodes: etf.NodeTable, *, on_op, on_close, log,
                 tick: float = TICK, max_packet: int = MAX_PACKET,
                 limits: etf.Limits = etf.DEFAULT_LIMITS, records=None,
                 max_queue: int = MAX_QUEUE):
        self.stream = stream
        self.peer = peer
        self.nodes = nodes
        self.on_op = on_op
        self.on_close = on_close
        self.log = log
        self.tick = tick
        self.max_packet = max_packet
        self.limits = limits
        self.records = records
        self.max_queue = max_queue
        self._out = deque()                  # encoded packets waiting for the writer
        self._out_bytes = 0
        self._ready = trio.Event()
        self._closed = False
        self.ended = trio.Event()            # set once on_close has run
        self._scope = None
        self.sent = 0
        self.received = 0

    # -- sending -------------------------------------------------------------
    def send(self, op: control.Op) -> bool:
        """Queue ``op`` for the peer; False if the connection is gone.

        Erlang suspends a sender whose connection's buffer is full; a plain
        ``send`` cannot suspend, so the queue is bounded in bytes instead
        (``max_queue``): a peer that stops reading for that long is cut off.
        """
        if self._closed:
            return False
        try:
            body = control.pack(op, self.nodes, self.records)
        except etf.ETFError as e:
            self.log(f"labrt.erl: not sent to {self.peer}: {e}")
            return False
        self._out.append(struct.pack(">I", len(body)) + body)
        self._out_bytes += len(body) + 4
        if self._out_bytes > self.max_queue:
            self.log(f"labrt.erl: more than {self.max_queue} bytes wait for {self.peer}; "
                     "closing the connection")
            self.close("send_queue_full")
            return False
        self._ready.set()
        return True

    async def _writer(self):
        ticker = self.tick / 4
        out = self._out
        while True:
            if not out:
                self._ready = trio.Event()
                with trio.move_on_after(ticker):
                    await self._ready.wait()
                if not out:
                    await self.stream.send_all(b"\0\0\0\0")      # a tick
                    continue
            batch = []
            size = 0
            while out and size < 1 << 20:                       # up to 1 MB at a time
                packet = out.popleft()
                batch.append(packet)
                size += len(packet)
            self._out_bytes -= size
            await self.stream.send_all(b"".join(batch))
            self.sent += len(batch)

    # -- receiving -----------------------------------------------------------
    async def _reader(self):
        buf = bytearray()
        while True:
            while len(buf) < 4:
                buf += await self._receive()
            (n,) = struct.unpack(">I", buf[:4])
            if n > self.max_packet:
                raise control.ProtocolError(f"a packet of {n} bytes (at most {self.max_packet})")
            while len(buf) < 4 + n:
                buf += await self._receive()
            packet = bytes(buf[4:4 + n])
            del buf[:4 + n]
            if n == 0:
                continue                                         # a tick from the peer
            op = control.parse(packet, self.nodes, self.limits, self.records)
            self.received += 1
            self.on_op(self, op)

    async def _receive(self):
        with trio.move_on_after(self.tick) as silent:
            chunk = await self.stream.receive_some(65536)
        if silent.cancelled_caught:
            raise _Gone("net_tick_timeout")
        if not chunk:
            raise _Gone("connection_closed")
        return chunk

    # -- life and death ---------------------------------------------------------
    async def run(self):
        """Serve the connection until it ends; then call ``on_close`` once."""
        try:
            async with trio.open_nursery() as nursery:
                self._scope = nursery.cancel_scope
                nursery.start_soon(self._guarded, self._writer)
                nursery.start_soon(self._guarded, self._reader)
        finally:
            with trio.CancelScope(shield=True):
                await trio.aclose_forcefully(self.stream)
            self._finish(self._close_reason or "connection_closed")

    async def _guarded(self, part):
        """Run the reader or the writer; whatever ends it ends the connection."""
        try:
            await part()
        except _Gone as e:
            self._end(e.reason)
        except control.ProtocolError as e:
            self.log(f"labrt.erl: closing the connection to {self.peer}: {e}")
            self._end("protocol_error")
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            self._end("connection_closed")

    def _end(self, reason):
        if self._close_reason is None:
            self._close_reason = reason
        if self._scope is not None:
            self._scope.cancel()

    _close_reason = None

    def close(self, reason: str = "disconnect"):
        """End the connection from our side (``disconnect_node``)."""
        self._end(reason)

    def _finish(self, reason):
        if self._closed:
            return
        self._closed = True
        self._out.clear()
        self.on_close(self, reason)
        self.ended.set()


class _Gone(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
