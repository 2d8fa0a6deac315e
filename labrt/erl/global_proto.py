"""The messages of OTP's ``global`` (protocol version 8), checked on the way in.

Two ``global_name_server`` processes that meet after a new connection talk
in a handful of messages, read here from OTP 25's ``lib/kernel/src/global.erl``
(the "Messages in the protocol" comment and the handlers): casts
(``{'$gen_cast', Msg}``) for the sync session (``init_connect``,
``exchange``, ``resolved``, ``new_nodes``, ``in_sync``, ``lock_set``), plain
messages for what was added later (``init_connect_ack``, ``cancel_connect``,
and prevent_overlapping_partitions' ``lost_connection`` and
``remove_connection``), and ``gen_server`` calls (``set_lock``,
``del_lock``, a registrar's ``register``/``unregister``, ``get_known``...).

Every term from the network is untrusted.  :func:`parse` is the only door:
it takes one message as the mailbox holds it and returns a :class:`Msg`
(its kind and its checked fields) or ``None`` for anything of the wrong
shape, which the server logs and drops.  What it checks is what the server
relies on: node names are ``name@host`` strings, tags are integers, pids are
pids, node lists are lists of nodes or ``{Node, Vsn}`` pairs of bounded
length, a lock id is a ``{ResourceId, RequesterId}`` pair whose parts can be
dict keys.  Values the server only stores and sends back (a name's resolve
method, a fun, arrives as an opaque value) are kept as they came.

The messages the server and its locker exchange among themselves
(:class:`NodeUp`, :class:`Cancel`, ...) are Python objects: the decoder of
the external term format never makes them, so no peer can forge one.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.values import Pid

#: The protocol version spoken (OTP 25's ?vsn), and the versions that
#: introduced init_connect_ack/cancel_connect, {Node, Vsn} known lists and
#: prevent_overlapping_partitions.
VSN = 8
VERIFY_CONNECT_VSN = 8
PGPV_VSN = 7
POP_VSN = 7

NAME = "global_name_server"
GLOBAL_RID = "global"           # the resource of global's own lock
MAX_NODES = 1000
MAX_NAMES = 10000


@dataclass
class Msg:
    kind: str
    args: tuple
    from_: tuple | None = None  # a call's (pid, tag)


# ---- internal messages (never from the wire) ---------------------------------

@dataclass(frozen=True)
class NodeUp:
    node: str
    cid: int


@dataclass(frozen=True)
class NodeDown:
    node: str


@dataclass(frozen=True)
class Hold:
    """Stop taking messages until :class:`Release` (as ``sys:suspend`` of global)."""


@dataclass(frozen=True)
class Release:
    pass


@dataclass(frozen=True)
class ConnectFailed:
    """The node could not connect to ``node`` (global's ``extra_nodedown``)."""
    node: str


@dataclass(frozen=True)
class HisTheLocker:
    locker: Pid
    node: str
    vsn: int
    his_tag: int
    my_tag: int


@dataclass(frozen=True)
class Cancel:
    node: str
    tag: int | None
    fun: object = None          # run by the locker before it lets the lock go


@dataclass(frozen=True)
class AddToKnown:
    nodes: tuple


@dataclass(frozen=True)
class RemoveFromKnown:
    node: str


@dataclass(frozen=True)
class LockSet:
    """A peer locker's ``{lock_set, Pid, IsSet, HisKnown[, Tag]}``, checked."""
    pid: Pid
    node: str
    is_set: bool
    tag: int | None             # None: the 4-tuple of older versions


@dataclass(frozen=True)
class LockIsSet:
    node: str
    my_tag: int
    lock_id: tuple


# ---- shapes --------------------------------------------------------------------

def is_node(x) -> bool:
    return (type(x) is str and 3 <= len(x) <= 255 and x.count("@") == 1
            and all(x.split("@")))


def is_tag(x) -> bool:
    return type(x) is int


def _hashable(x) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def lock_id(x):
    """``{ResourceId, LockRequesterId}`` as a pair of dict-key values, or None."""
    if type(x) is tuple and len(x) == 2 and _hashable(x[0]):
        req = x[1]
        if type(req) is list:            # global's own lock: a list of two lockers
            req = tuple(req)
        if _hashable(req):
            return (x[0], req)
    return None


def node_list(x):
    """A list of nodes or ``{Node, Vsn}``: a list of (node, vsn) (vsn 0: unknown)."""
    if type(x) is not list or len(x) > MAX_NODES:
        return None
    out = []
    for e in x:
        if is_node(e):
            out.append((e, 0))
        elif (type(e) is tuple and len(e) == 2 and is_node(e[0]) and type(e[1]) is int
              and 0 <= e[1] < 1 << 16):
            out.append(e)
        else:
            return None
    return out


def names(x):
    """A name list ``[{Name, Pid, Method}]``: a list of those triples, or None."""
    if type(x) is not list or len(x) > MAX_NAMES:
        return None
    out = []
    for e in x:
        if not (type(e) is tuple and len(e) == 3 and _hashable(e[0]) and type(e[1]) is Pid):
            return None
        out.append(e)
    return out


def ops(x):
    """Resolved operations ``[{insert, {Name, Pid, Method}} | {delete, Name}]``."""
    if type(x) is not list or len(x) > MAX_NAMES:
        return None
    for e in x:
        if not (type(e) is tuple and len(e) == 2):
            return None
        if e[0] == "insert":
            if names([e[1]]) is None:
                return None
        elif e[0] != "delete" or not _hashable(e[1]):
            return None
    return x


def _cast(m):
    if type(m) is not tuple or not m or type(m[0]) is not str:
        return None
    k, n = m[0], len(m)
    if k == "init_connect" and n == 4 and is_node(m[2]):
        vsn, init = m[1], m[3]
        if not (type(vsn) is tuple and len(vsn) >= 2 and type(vsn[0]) is int
                and is_tag(vsn[1])):
            return None
        if not (type(init) is tuple and len(init) == 4 and init[0] == "locker"
                and type(init[3]) is Pid):
            return None
        return Msg(k, (vsn[0], vsn[1], m[2], init[3]))
    if k == "exchange" and n == 5 and is_node(m[1]) and is_tag(m[4]):
        nl = names(m[2])
        return None if nl is None else Msg(k, (m[1], nl, m[4]))
    if k == "resolved" and n == 7 and is_node(m[1]) and is_tag(m[6]):
        o, known = ops(m[2]), node_list(m[3])
        if o is None or known is None or type(m[5]) is not list:
            return None
        return Msg(k, (m[1], o, known, m[6]))
    if k == "new_nodes" and n == 6 and is_node(m[1]):
        o, nodes = ops(m[2]), node_list(m[4])
        if o is None or nodes is None or type(m[5]) is not list:
            return None
        return Msg(k, (m[1], o, nodes, m[5]))
    if k == "in_sync" and n == 3 and is_node(m[1]):
        return Msg(k, (m[1],))
    if k == "lock_set" and n in (4, 5) and type(m[1]) is Pid and type(m[2]) is bool:
        if n == 5 and not is_tag(m[4]):
            return None
        return Msg(k, (m[1], m[2], m[4] if n == 5 else None))
    if k in ("async_del_name", "async_del_lock") and n == 3:
        return Msg("ignore", ())
    return None


def _call(req):
    if req in ("get_known", "get_synced", "get_protocol_version", "get_names_ext"):
        return Msg(req, ())
    if type(req) is not tuple or not req:
        return None
    k, n = req[0], len(req)
    if k in ("set_lock", "del_lock") and n == 2:
        lid = lock_id(req[1])
        return None if lid is None else Msg(k, (lid,))
    if k == "register" and n == 4 and _hashable(req[1]) and type(req[2]) is Pid:
        return Msg(k, (req[1], req[2], req[3]))
    if k == "register_ext" and n == 5 and _hashable(req[1]) and type(req[2]) is Pid:
        return Msg("register", (req[1], req[2], req[3]))
    if k == "unregister" and n == 2 and _hashable(req[1]):
        return Msg(k, (req[1],))
    return None


def _info(m):
    if type(m) is not tuple or not m:
        return None
    k, n = m[0], len(m)
    if k == "lost_connection" and n == 5 and is_node(m[1]) and type(m[2]) is int \
            and type(m[3]) is int and is_node(m[4]):
        return Msg(k, m[1:])
    if k == "remove_connection" and n == 2 and is_node(m[1]):
        return Msg(k, (m[1],))
    if k == "cancel_connect" and n == 3 and is_node(m[1]):
        return Msg(k, (m[1], m[2]))
    if k == "init_connect_ack" and n == 4 and is_node(m[1]):
        return Msg(k, (m[1], m[2], m[3]))
    return None


def parse(m):
    """One mailbox message of a global_name_server: a checked :class:`Msg`, or None."""
    if type(m) is tuple and len(m) == 2 and m[0] == "$gen_cast":
        return _cast(m[1])
    if type(m) is tuple and len(m) == 3 and m[0] == "$gen_call":
        f = m[1]
        if not (type(f) is tuple and len(f) == 2 and type(f[0]) is Pid):
            return None
        msg = _call(m[2])
        if msg is None:
            return Msg("bad_call", (m[2],), f)
        msg.from_ = f
        return msg
    return _info(m)
