"""Distribution control messages: the signals of Erlang's wire protocol.

After the handshake, every packet between two nodes is a 4-byte length and
then either nothing (a *tick*, saying "I am still here") or the byte 112
followed by a *control message* and, for some, a payload term.  A control
message is a tuple whose first element says what it is; each is one of the
signals of ``notes/labrt-dist-api.md``:

==========================  ==========================================
control message             signal
==========================  ==========================================
SEND, SEND_SENDER           message to a pid
REG_SEND                    message to a registered name
ALIAS_SEND                  message to an alias (gen_server replies)
LINK, UNLINK_ID(_ACK)       link, unlink
EXIT, PAYLOAD_EXIT          exit signal from a broken link
EXIT2, PAYLOAD_EXIT2        exit signal from ``exit(Pid, Reason)``
MONITOR_P, DEMONITOR_P      monitor, demonitor (by pid or by name)
MONITOR_P_EXIT (+PAYLOAD)   DOWN
SPAWN_REQUEST, SPAWN_REPLY  remote spawn (refused unless allow-listed)
==========================  ==========================================

:func:`parse` turns one packet into an :class:`Op` (validated: wrong arity
or wrong types are a :class:`ProtocolError`); :func:`pack` does the reverse.
Unknown or unsupported control messages are a ProtocolError too: the
connection logs it and closes, as a real node would for garbage.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.values import Pid, Ref
from . import etf

PASS_THROUGH = 112

LINK = 1
SEND = 2
EXIT = 3
UNLINK = 4
REG_SEND = 6
GROUP_LEADER = 7
EXIT2 = 8
SEND_TT = 12
EXIT_TT = 13
REG_SEND_TT = 16
EXIT2_TT = 18
MONITOR_P = 19
DEMONITOR_P = 20
MONITOR_P_EXIT = 21
SEND_SENDER = 22
SEND_SENDER_TT = 23
PAYLOAD_EXIT = 24
PAYLOAD_EXIT_TT = 25
PAYLOAD_EXIT2 = 26
PAYLOAD_EXIT2_TT = 27
PAYLOAD_MONITOR_P_EXIT = 28
SPAWN_REQUEST = 29
SPAWN_REQUEST_TT = 30
SPAWN_REPLY = 31
SPAWN_REPLY_TT = 32
ALIAS_SEND = 33
ALIAS_SEND_TT = 34
UNLINK_ID = 35
UNLINK_ID_ACK = 36


class ProtocolError(Exception):
    """A packet that is not a control message this node accepts."""


@dataclass(frozen=True)
class Op:
    """One control message, decoded: what it is, who from, who to, and data.

    ``kind`` is one of "send", "reg_send", "alias_send", "link", "unlink",
    "unlink_ack", "exit", "exit2", "monitor", "demonitor", "down",
    "spawn_request", "spawn_reply", "group_leader".
    """
    kind: str
    sender: object = None        # Pid (or, for "down" by name, the name)
    target: object = None        # Pid, registered name (str) or alias Ref
    payload: object = None       # message, exit reason, ...
    ref: object = None           # monitor ref, unlink id, spawn request id
    extra: object = None         # spawn: ((module, function, arity), options)


def _pid(x, what):
    if type(x) is not Pid:
        raise ProtocolError(f"{what} is not a pid: {x!r}")
    return x


def _ref(x, what):
    if type(x) is not Ref:
        raise ProtocolError(f"{what} is not a reference: {x!r}")
    return x


def _proc(x, what):
    """A monitor target or source: a pid or a registered name (atom)."""
    if type(x) is Pid or (type(x) is str and x):
        return x
    raise ProtocolError(f"{what} is not a pid or a name: {x!r}")


def parse(packet: bytes, nodes: etf.NodeTable, limits: etf.Limits = etf.DEFAULT_LIMITS,
          records=None) -> Op:
    """Decode one non-empty packet (pass-through byte, control, payload)."""
    if not packet or packet[0] != PASS_THROUGH:
        raise ProtocolError("a packet that does not start with the pass-through byte 112 "
                            "(atom-cache headers are not offered by labrt)")
    try:
        ctl, pos = etf.decode_from(packet, 1, nodes=nodes, records=records, limits=limits)
        payload = None
        has_payload = pos < len(packet)
        if has_payload:
            payload, pos = etf.decode_from(packet, pos, nodes=nodes, records=records,
                                           limits=limits)
        if pos != len(packet):
            raise ProtocolError(f"{len(packet) - pos} bytes after the payload")
    except etf.ETFError as e:
        raise ProtocolError(f"a malformed term: {e}") from None
    if type(ctl) is not tuple or not ctl or type(ctl[0]) is not int:
        raise ProtocolError(f"a control message that is not a tagged tuple: {ctl!r}")
    op = _OPS.get((ctl[0], len(ctl)))
    if op is None:
        raise ProtocolError(f"control message {ctl[0]} with {len(ctl)} elements is not "
                            "supported")
    needs_payload = ctl[0] in _WITH_PAYLOAD
    if needs_payload != has_payload:
        raise ProtocolError(f"control message {ctl[0]} {'needs' if needs_payload else 'has no'} "
                            "payload")
    return op(ctl, payload)


def _send(c, m):
    return Op("send", None, _pid(c[2], "SEND's receiver"), m)


def _send_sender(c, m):
    return Op("send", _pid(c[1], "SEND_SENDER's sender"), _pid(c[2], "SEND_SENDER's receiver"), m)


def _reg_send(c, m):
    if type(c[3]) is not str or not c[3]:
        raise ProtocolError(f"REG_SEND to a name that is not an atom: {c[3]!r}")
    return Op("reg_send", _pid(c[1], "REG_SEND's sender"), c[3], m)


def _alias_send(c, m):
    return Op("alias_send", _pid(c[1], "ALIAS_SEND's sender"), _ref(c[2], "the alias"), m)


def _link(c, _):
    return Op("link", _pid(c[1], "LINK's sender"), _pid(c[2], "LINK's target"))


def _unlink_id(kind):
    def parse_it(c, _):
        if type(c[1]) is not int or c[1] < 0:
            raise ProtocolError(f"an unlink id that is not a non-negative integer: {c[1]!r}")
        return Op(kind, _pid(c[2], "UNLINK's sender"), _pid(c[3], "UNLINK's target"), ref=c[1])
    return parse_it


def _exit(kind, payload_in_ctl):
    def parse_it(c, m):
        reason = c[3] if payload_in_ctl else m
        return Op(kind, _pid(c[1], "EXIT's sender"), _pid(c[2], "EXIT's target"), reason)
    return parse_it


def _monitor(kind):
    def parse_it(c, _):
        return Op(kind, _pid(c[1], "MONITOR's watcher"), _proc(c[2], "MONITOR's target"),
                  ref=_ref(c[3], "MONITOR's reference"))
    return parse_it


def _down(payload_in_ctl):
    def parse_it(c, m):
        reason = c[4] if payload_in_ctl else m
        return Op("down", _proc(c[1], "DOWN's source"), _pid(c[2], "DOWN's watcher"), reason,
                  ref=_ref(c[3], "DOWN's reference"))
    return parse_it


def _spawn_request(c, args):
    _, req, sender, _gl, mfa, opts = c
    if (type(mfa) is not tuple or len(mfa) != 3 or type(mfa[0]) is not str
            or type(mfa[1]) is not str or type(mfa[2]) is not int):
        raise ProtocolError(f"SPAWN_REQUEST with a malformed {{M, F, A}}: {mfa!r}")
    if isinstance(args, etf.Charlist):      # [2, 3] crosses the wire as a string
        args = args.codes()
    if type(args) is not list:
        raise ProtocolError("SPAWN_REQUEST's arguments are not a list")
    return Op("spawn_request", _pid(sender, "SPAWN_REQUEST's sender"), None, args,
              ref=_ref(req, "SPAWN_REQUEST's id"), extra=(mfa, opts))


def _spawn_reply(c, _):
    _, req, to, flags, result = c
    return Op("spawn_reply", result, _pid(to, "SPAWN_REPLY's receiver"), flags,
              ref=_ref(req, "SPAWN_REPLY's id"))


def _group_leader(c, _):
    return Op("group_leader", _pid(c[1], "GROUP_LEADER's sender"), _pid(c[2], "its target"))


_OPS = {
    (SEND, 3): _send,
    (SEND_SENDER, 3): _send_sender,
    (REG_SEND, 4): _reg_send,
    (ALIAS_SEND, 3): _alias_send,
    (LINK, 3): _link,
    (UNLINK_ID, 4): _unlink_id("unlink"),
    (UNLINK_ID_ACK, 4): _unlink_id("unlink_ack"),
    (EXIT, 4): _exit("exit", True),
    (PAYLOAD_EXIT, 3): _exit("exit", False),
    (EXIT2, 4): _exit("exit2", True),
    (PAYLOAD_EXIT2, 3): _exit("exit2", False),
    (MONITOR_P, 4): _monitor("monitor"),
    (DEMONITOR_P, 4): _monitor("demonitor"),
    (MONITOR_P_EXIT, 5): _down(True),
    (PAYLOAD_MONITOR_P_EXIT, 4): _down(False),
    (SPAWN_REQUEST, 6): _spawn_request,
    (SPAWN_REPLY, 5): _spawn_reply,
    (GROUP_LEADER, 3): _group_leader,
}
_WITH_PAYLOAD = {SEND, SEND_SENDER, REG_SEND, ALIAS_SEND, PAYLOAD_EXIT, PAYLOAD_EXIT2,
                 PAYLOAD_MONITOR_P_EXIT, SPAWN_REQUEST}


def pack(op: Op, nodes: etf.NodeTable, records=None) -> bytes:
    """Encode ``op`` as one packet body (without the 4-byte length)."""
    k = op.kind
    if k == "send":
        ctl, payload = (SEND_SENDER, op.sender, op.target), op.payload
    elif k == "reg_send":
        ctl, payload = (REG_SEND, op.sender, "", op.target), op.payload
    elif k == "alias_send":
        ctl, payload = (ALIAS_SEND, op.sender, op.target), op.payload
    elif k == "link":
        ctl, payload = (LINK, op.sender, op.target), None
    elif k == "unlink":
        ctl, payload = (UNLINK_ID, op.ref, op.sender, op.target), None
    elif k == "unlink_ack":
        ctl, payload = (UNLINK_ID_ACK, op.ref, op.sender, op.target), None
    elif k == "exit":
        ctl, payload = (PAYLOAD_EXIT, op.sender, op.target), op.payload
    elif k == "exit2":
        ctl, payload = (PAYLOAD_EXIT2, op.sender, op.target), op.payload
    elif k == "monitor":
        ctl, payload = (MONITOR_P, op.sender, op.target, op.ref), None
    elif k == "demonitor":
        ctl, payload = (DEMONITOR_P, op.sender, op.target, op.ref), None
    elif k == "down":
        ctl, payload = (PAYLOAD_MONITOR_P_EXIT, op.sender, op.target, op.ref), op.payload
    elif k == "spawn_reply":
        ctl, payload = (SPAWN_REPLY, op.ref, op.target, op.payload, op.sender), None
    elif k == "spawn_request":
        ctl, payload = (SPAWN_REQUEST, op.ref, op.sender, op.sender, op.extra[0],
                        op.extra[1]), list(op.payload)
    else:
        raise ValueError(f"cannot send a {k!r} control message")
    out = bytes((PASS_THROUGH,)) + etf.encode(ctl, nodes=nodes, records=records)
    if payload is not None or k in ("send", "reg_send", "alias_send", "exit", "exit2", "down",
                                    "spawn_request"):
        out += etf.encode(payload, nodes=nodes, records=records)
    return out
