"""The distribution handshake: two nodes prove they share a cookie.

When node A connects to node B's distribution port, they exchange five
messages, each framed by a 2-byte length (ERTS User's Guide, "Distribution
Protocol", version 6 as spoken by OTP 23 and later)::

    A -> B   'N'  flags, creation, A's name            send_name
    B -> A   's'  "ok"                                   status
    B -> A   'N'  flags, challenge_b, creation, B's name send_challenge
    A -> B   'r'  challenge_a, md5(cookie ++ challenge_b)  challenge_reply
    B -> A   'a'  md5(cookie ++ challenge_a)             challenge_ack

The cookie itself never crosses the wire: each side shows it knows the
cookie by hashing it with the other side's random challenge (written in
decimal, as Erlang's ``integer_to_list`` would).  A peer whose digest is
wrong is refused before anything it sends is decoded as a term, and the
refusal is logged with the peer's name, once.

B's status says whether A may go on.  ``ok`` is the usual answer; the
others settle a clash over A's name.  When A and B connect to each other
at once, the connection started by the greater name goes on (``nok`` to
the other, ``ok_simultaneous`` to it).  When B still holds a connection
from A's name (A restarted and came back before B noticed the old socket's
end, or A's end died silently), B answers ``alive`` and A replies ``true``
(take the name back) or ``false`` (give this attempt up); after ``true``
and a good cookie, B closes the old connection before the acknowledgement,
so the old connection's watchers hear ``noconnection`` before the new
connection is up.  OTP's ``net_kernel`` decides the status the same way.

Over TLS (``-proto_dist inet_tls``) the same five messages are framed by a
4-byte length instead: OTP's ``inet_tls_dist`` sets ``{packet, 4}`` on the
TLS socket from the start, since it uses the same framing for the
handshake and for the connection afterwards.  Found on the real BEAM (OTP
25): its first bytes inside TLS are ``00 00 00 1b 'N' ...``.  Both
functions take ``packet=2`` (TCP) or ``packet=4`` (TLS).

Both sides also announce *distribution flags*, the features they speak.
OTP 25 refuses a peer that lacks any of its mandatory flags; we announce
those and the few more the course needs (monitors, exit payloads, unlink
ids, aliases for ``gen_server:call`` replies, spawn requests).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import struct

import trio

# Distribution flags (lib/kernel/include/dist.hrl).
PUBLISHED = 0x01
EXTENDED_REFERENCES = 0x04
DIST_MONITOR = 0x08
FUN_TAGS = 0x10
DIST_MONITOR_NAME = 0x20
NEW_FUN_TAGS = 0x80
EXTENDED_PIDS_PORTS = 0x100
EXPORT_PTR_TAG = 0x200
BIT_BINARIES = 0x400
NEW_FLOATS = 0x800
UTF8_ATOMS = 0x10000
MAP_TAG = 0x20000
BIG_CREATION = 0x40000
SEND_SENDER = 0x80000
EXIT_PAYLOAD = 0x400000
HANDSHAKE_23 = 0x1000000
UNLINK_ID = 0x2000000
MANDATORY_25_DIGEST = 0x4000000
SPAWN = 0x01 << 32
V4_NC = 0x04 << 32
ALIAS = 0x08 << 32

MANDATORY_25 = (EXTENDED_REFERENCES | FUN_TAGS | EXTENDED_PIDS_PORTS | NEW_FUN_TAGS
                | EXPORT_PTR_TAG | BIT_BINARIES | NEW_FLOATS | UTF8_ATOMS | MAP_TAG
                | BIG_CREATION | HANDSHAKE_23)

#: What a labrt node needs from its peer (the peer may offer more).
REQUIRED = MANDATORY_25 | DIST_MONITOR | DIST_MONITOR_NAME | UNLINK_ID | EXIT_PAYLOAD

#: What a labrt node announces.
OURS = (PUBLISHED | MANDATORY_25 | MANDATORY_25_DIGEST | DIST_MONITOR | DIST_MONITOR_NAME
        | SEND_SENDER | EXIT_PAYLOAD | UNLINK_ID | SPAWN | V4_NC | ALIAS)

#: Seconds the whole handshake may take.
TIMEOUT = 7.0
MAX_HANDSHAKE_MESSAGE = 1024


class HandshakeError(Exception):
    """The peer is not one we talk to (wrong cookie, old protocol, bad bytes)."""


def digest(challenge: int, cookie: str) -> bytes:
    return hashlib.md5(cookie.encode("latin-1") + str(challenge).encode()).digest()


async def _read_exactly(stream, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = await stream.receive_some(n - len(buf))
        if not chunk:
            raise HandshakeError("the peer closed the connection during the handshake")
        buf += chunk
    return bytes(buf)


_LENGTH = {2: ">H", 4: ">I"}


async def _recv(stream, packet=2) -> bytes:
    head = await _read_exactly(stream, packet)
    if head[:1] in (b"\x15", b"\x16") and head[1:2] == b"\x03":
        raise HandshakeError("the peer speaks TLS (-proto_dist inet_tls) and this node "
                             "plain TCP: every node of a cluster must use the same")
    (n,) = struct.unpack(_LENGTH[packet], head)
    if not 1 <= n <= MAX_HANDSHAKE_MESSAGE:
        raise HandshakeError(f"a handshake message of {n} bytes")
    return await _read_exactly(stream, n)


async def _send(stream, body: bytes, packet=2):
    await stream.send_all(struct.pack(_LENGTH[packet], len(body)) + body)


def _name_message(flags: int, creation: int, name: str) -> bytes:
    raw = name.encode("utf-8")
    return struct.pack(">cQIH", b"N", flags, creation, len(raw)) + raw


def _parse_name(msg: bytes):
    if msg[:1] != b"N" or len(msg) < 15:
        kind = "an old-style (pre OTP 23) name" if msg[:1] == b"n" else "no name"
        raise HandshakeError(f"the peer sent {kind}; labrt speaks distribution version 6 "
                             "(OTP 23 and later)")
    flags, creation, nlen = struct.unpack(">QIH", msg[1:15])
    name = msg[15:15 + nlen].decode("utf-8", "replace")
    return flags, creation, name


def _parse_challenge(msg: bytes):
    if msg[:1] != b"N" or len(msg) < 19:
        raise HandshakeError("the peer's challenge is malformed")
    flags, challenge, creation, nlen = struct.unpack(">QIIH", msg[1:19])
    name = msg[19:19 + nlen].decode("utf-8", "replace")
    return flags, challenge, creation, name


def _check_flags(flags: int, peer: str):
    if flags & MANDATORY_25_DIGEST:
        flags |= MANDATORY_25
    missing = REQUIRED & ~flags
    if missing:
        raise HandshakeError(f"node {peer} lacks distribution flags {missing:#x} that "
                             "labrt needs (it must be OTP 25 or later)")
    return flags


_send_framed, _recv_framed = _send, _recv


class SimultaneousConnect(HandshakeError):
    """Two nodes connected to each other at once; the other connection goes on.

    The rule is the ERTS User's Guide's: the connection started by the node
    with the greater name wins (status ``nok`` to the smaller's attempt,
    ``ok_simultaneous`` to the greater's)."""


async def initiate(stream, name: str, creation: int, cookie: str, packet: int = 2,
                   pending=None):
    """Shake hands as the connecting side; return ``(peer name, peer flags, peer creation)``.

    A peer that still holds a connection from this node's name (this node
    restarted, or dropped the connection before the peer noticed) answers
    status ``alive``; the reply is ``true`` (go on: the peer then closes its
    old connection) while ``pending()`` says this attempt is still wanted,
    as OTP's ``dist_util`` replies ``is_pending``, else ``false`` (then this
    raises :class:`SimultaneousConnect`: the connection that came in first goes on).
    """
    async def _send(stream, body):
        await _send_framed(stream, body, packet)

    async def _recv(stream):
        return await _recv_framed(stream, packet)

    with trio.fail_after(TIMEOUT):
        await _send(stream, _name_message(OURS, creation, name))
        status = await _recv(stream)
        if status[:1] != b"s":
            raise HandshakeError("the peer did not answer with a status")
        text = status[1:].decode("latin-1")
        if text == "nok":
            raise SimultaneousConnect(f"{name} and the peer connected at once; "
                                      "the peer's connection goes on")
        if text == "alive":
            go_on = pending is None or pending()
            await _send(stream, b"s" + (b"true" if go_on else b"false"))
            if not go_on:
                raise SimultaneousConnect(f"{name} already holds a connection from this "
                                          "node; that connection goes on")
        elif text not in ("ok", "ok_simultaneous"):
            raise HandshakeError(f"the peer refused the connection: {text}")
        flags, challenge_b, peer_creation, peer = _parse_challenge(await _recv(stream))
        flags = _check_flags(flags, peer)
        challenge_a = secrets.randbits(32)
        await _send(stream, b"r" + struct.pack(">I", challenge_a) + digest(challenge_b, cookie))
        try:
            ack = await _recv(stream)
        except HandshakeError:
            raise HandshakeError(f"node {peer} closed the connection after our answer to "
                                 "its challenge: its cookie differs from ours") from None
        if ack[:1] != b"a" or len(ack) != 17:
            raise HandshakeError(f"node {peer} did not acknowledge: wrong cookie on one side?")
        if not hmac.compare_digest(ack[1:], digest(challenge_a, cookie)):
            raise HandshakeError(f"node {peer} answered the challenge with the wrong "
                                 "digest: its cookie differs from ours")
    return peer, flags, peer_creation


async def accept(stream, name: str, creation: int, cookie: str, status=None,
                 packet: int = 2, replace=None):
    """Shake hands as the listening side; return ``(peer name, peer flags, peer creation)``.

    ``status(peer)`` gives the status to answer (``ok`` when None):
    ``nok`` or ``ok_simultaneous`` when this node is itself connecting to the
    peer (a simultaneous connect); on ``nok`` this raises
    :class:`SimultaneousConnect`, as the peer's attempt yields to ours.
    ``alive`` when this node still holds a connection from the peer's name
    (the peer restarted, or its end of the old connection died without this
    node hearing of it); the peer replies ``true`` (go on) or ``false`` (then
    :class:`SimultaneousConnect` too).  After ``true`` the handshake goes on,
    and once the peer has proved it knows the cookie, ``replace(peer)`` is
    awaited before the acknowledgement: it closes the old connection, as
    OTP's ``dist_util`` waits for ``net_kernel`` to kill it (``wait_pending``).
    A status of None refuses a peer that has another attempt under way.
    ``packet`` is the width of the length prefix (4 over TLS).
    """
    async def _send(stream, body):
        await _send_framed(stream, body, packet)

    async def _recv(stream):
        return await _recv_framed(stream, packet)

    with trio.fail_after(TIMEOUT):
        flags, peer_creation, peer = _parse_name(await _recv(stream))
        flags = _check_flags(flags, peer)
        answer = "ok" if status is None else status(peer)
        if answer is None:                  # OTP's already_pending: closed, no status
            raise HandshakeError(f"node {peer} connected again while an attempt of its "
                                 "was under way")
        await _send(stream, b"s" + answer.encode("latin-1"))
        if answer == "nok":
            raise SimultaneousConnect(f"{peer} and this node connected at once; "
                                      "this node's connection goes on")
        if answer == "alive":               # the peer says whether this attempt is wanted
            reply = await _recv(stream)
            if reply == b"sfalse":
                raise SimultaneousConnect(f"{peer} no longer wants this connection")
            if reply != b"strue":
                raise HandshakeError(f"node {peer} answered status alive with {reply[:20]!r}")
        challenge_b = secrets.randbits(32)
        raw = name.encode("utf-8")
        await _send(stream, struct.pack(">cQIIH", b"N", OURS, challenge_b, creation, len(raw)) + raw)
        reply = await _recv(stream)
        if reply[:1] != b"r" or len(reply) != 21:
            raise HandshakeError(f"node {peer} sent a malformed challenge reply")
        (challenge_a,) = struct.unpack(">I", reply[1:5])
        if not hmac.compare_digest(reply[5:], digest(challenge_b, cookie)):
            raise HandshakeError(f"node {peer} does not know our cookie (wrong digest); "
                                 "refused")
        if answer == "alive" and replace is not None:
            await replace(peer)             # the old connection goes before the new is up
        await _send(stream, b"a" + digest(challenge_a, cookie))
    return peer, flags, peer_creation
