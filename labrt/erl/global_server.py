"""``global_name_server`` on a labrt node: OTP's sync sessions, locks and partitions.

A BEAM node that connects to another starts a *sync session* from its
``global_name_server`` (OTP 25's ``lib/kernel/src/global.erl``, protocol
version 8): the two servers trade ``init_connect`` (and ``init_connect_ack``)
with their lockers' pids; the lockers (:mod:`.locker`) lock both partitions;
the servers ``exchange`` their global names, answer ``resolved`` with the
node lists of their partitions, and each tells every node of its own
partition ``new_nodes``: the nodes of the other one, which those nodes then
connect to and greet with ``in_sync``.  That is how BEAM clusters become
fully connected (item 102).  This process is that server, registered under
the same name, so a labrt node takes part in those sessions as a BEAM node
does, with BEAM peers and with other labrt nodes alike.

What it keeps, as global.erl does: ``known`` (node -> protocol version) and
``pending`` (the nodes of sessions under way), the per-node session state
(the two tags, the version, what arrived early: ``wait_lock``,
``save_ops``), the lock table (:class:`Locks`: a resource held by a set of
requester pids under one requester id; monitors release a holder that dies
or whose node goes down), the global names it was told of (labrt processes
register none, so it offers ``[]`` of its own and keeps the peers'), and
the lost connections it has seen.

prevent_overlapping_partitions (on by default in OTP 25) is here too: when
a connection is lost (and not on request), the server multicasts
``{lost_connection, Me, XCreation, OpId, Lost}`` to the nodes it knows; a
server that receives one it has not seen forwards it, and tells the lost
node (if it knows it) to ``remove_connection``, which makes that node
disconnect.  So a labrt node in a BEAM cluster drops and is dropped as a
BEAM node would be.  ``connect_all(False)`` turns sessions and this off, as
``-connect_all false`` does on the BEAM.

Differences from global.erl, all for names labrt processes cannot have: a
name clash between partitions is not resolved by calling the name's resolve
function (an Erlang fun, opaque here); the smaller node keeps the other
side's registration and logs it (global's own answer when the resolve call
fails).  ``global:sync/0``'s syncers are not kept; the ``extra_nodedown`` of
a node that cannot be reached is the world's report of a failed connection.
The session runs in this process: global's separate resolver process is
only there so that resolve calls do not block the server, and there are none.  Where OTP would stop global (its
locker died), the server starts a new locker and restarts the sessions under
way; it keeps sessions only for connected nodes (on labrt a nodeup always
comes before the peer's first message, so OTP's early ``init_connect`` case
cannot arise, and node names from the wire make no entries).

The tables (locks, names) are :mod:`.global_tables`, the partition repair
:mod:`.partitions`; both are mixed into :class:`Server`, which keeps the
session.  Every message from the network goes through :func:`.global_proto.parse`;
anything malformed is logged (the first 100, then every 1000th) and
dropped, and a handler that fails on a well-formed message logs and leaves
the server running.  With the
environment variable ``LABRT_GLOBAL_DEBUG=1`` the server logs every message
it takes (the node's ``log``), which is how a session is followed live.
"""
from __future__ import annotations

import itertools
import os
import secrets

import labrt
from labrt import Down, Exit

from . import global_proto as P
from .global_proto import (NAME, AddToKnown, Cancel, ConnectFailed, HisTheLocker, Hold,
                           LockIsSet, LockSet, NodeDown, NodeUp, Release)
from .global_tables import Locks, NameTable
from .locker import locker as locker_body
from .locker import wire
from .partitions import Partitions

MIN_64BIT_SMALL_INT = -(1 << 59)
_DEBUG = bool(os.environ.get("LABRT_GLOBAL_DEBUG"))


class Session(dict):
    """One node's sync session state (global.erl keeps it in the process dictionary)."""


class Server(NameTable, Partitions):
    """The server's state and handlers (its names and partition halves are mixins)."""

    def __init__(self, world):
        self.world = world
        self.me = world.name
        self.log = world.log
        self.known: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self.removing: set = set()
        self.cids: dict[str, int] = {}
        self.synced: list[str] = []
        self.resolvers: dict[str, int] = {}      # node -> my tag of its session
        self.sess: dict[str, Session] = {}
        self.locks = Locks()
        self.global_lock_down = False
        self.names: dict = {}                    # name -> (pid, method, ref)
        self.name_refs: dict = {}                # ref -> name
        self.lost: dict = {}                     # (node a, node b) -> (xcreation, op id)
        self.tags = itertools.count(secrets.randbits(20) + 1)
        self.xcreation = ((secrets.randbits(59) << 32) & ((1 << 59) - 1)) \
            + world.creation - MIN_64BIT_SMALL_INT
        self.locker = None
        self.bad = 0                             # malformed messages seen

    # -- helpers ------------------------------------------------------------------
    def s(self, node) -> Session:
        return self.sess.setdefault(node, Session())

    def get(self, node, key):
        """A field of ``node``'s session, without making one (names come from the wire)."""
        return self.sess.get(node, {}).get(key)

    def reset(self, node):
        self.sess.pop(node, None)

    @property
    def connect_all(self):
        return self.world.connect_all

    def cast(self, node, msg):
        labrt.send((NAME, node), ("$gen_cast", msg))

    def volatile(self, node, msg):
        """Send only over a connection that is up (OTP's [noconnect])."""
        if node in self.world.conns:
            labrt.send((NAME, node), msg)

    def multicast(self, msg, ignore, min_vsn):
        for n, v in list(self.known.items()) + list(self.pending.items()):
            if n != ignore and v >= min_vsn:
                self.volatile(n, msg)

    def node_vsn(self, node):
        if node == self.me:
            return P.VSN
        return self.known.get(node, self.pending.get(node, 0))

    def known_list(self, vsn):
        if vsn < P.PGPV_VSN:
            return list(self.known)
        return [(n, v) for n, v in self.known.items()]

    def potentially_known(self, node):
        return node in self.known or node in self.pending

    def tell_locker(self, msg):
        labrt.send(self.locker, msg)

    # -- the loop -------------------------------------------------------------------
    def start_locker(self):
        world, locks, server = self.world, self.locks, labrt.self()

        async def the_locker():             # (a closure: spawn's arguments are copied)
            await locker_body(world, locks, server)
        self.locker = labrt.spawn_link(the_locker)

    def locker_died(self, reason):
        """OTP's server stops and kernel's supervisor restarts global; here the
        server starts a new locker and restarts the sessions under way."""
        self.log(f"labrt.erl: global's locker on {self.me} exited ({_short(reason)}); "
                 "starting a new one")
        self.start_locker()
        self.tell_locker(AddToKnown(tuple(self.known)))
        for node, tag in list(self.resolvers.items()):
            self.restart_connect(node, tag)

    async def run(self):
        labrt.trap_exit(True)
        self.start_locker()
        while True:
            m = await labrt.receive()
            if type(m) is Hold:             # (see hold())
                await labrt.receive(lambda m: type(m) is Release)
                continue
            try:
                self.handle(m)
            except labrt.ProcessExit:
                raise
            except Exception as e:          # a bug here must not take the node's global down
                self.log(f"labrt.erl: global_name_server on {self.me} failed on "
                         f"{_short(m)}: {type(e).__name__}: {e}")

    def handle(self, m):
        if _DEBUG:
            self.log(f"global {self.me} <- {_short(m, 400)}")
        t = type(m)
        if t is NodeUp:
            self.cids[m.node] = m.cid
            if self.connect_all:
                self.nodeup(m.node)
            return
        if t is NodeDown:
            self.cids.pop(m.node, None)
            self.nodedown(m.node, "disconnected")
            return
        if t is ConnectFailed:
            # global's extra_nodedown: a node the other partition named (new_nodes)
            # cannot be reached; it must not stay known (every lock would try to reach it)
            if m.node not in self.world.conns and self.potentially_known(m.node):
                self.log(f"labrt.erl: 'global' at {self.me} failed to connect to {m.node}")
                self.nodedown(m.node, "disconnected")
            return
        if t is LockIsSet:
            self.lock_is_set(m)
            return
        # A peer can send {'DOWN', ...} and {'EXIT', ...} as plain messages: only
        # a DOWN of a monitor this server holds, for the pid it watches, counts,
        # and the locker's EXIT only once the locker is gone.
        if t is Down:
            self.down(m.ref, m.pid)
            return
        if t is Exit:
            if m.pid == self.locker and not labrt.is_alive(m.pid):
                self.locker_died(m.reason)
            return
        msg = P.parse(m)
        if msg is None:
            self.complain(f"ignored a malformed message: {_short(m)}")
            return
        getattr(self, "on_" + msg.kind)(msg, *msg.args)

    # -- calls ----------------------------------------------------------------------
    def reply(self, msg, value):
        from ..otp import gen_server
        gen_server.reply(msg.from_, value)

    def on_set_lock(self, msg, lid):
        self.reply(msg, self.locks.set(lid, msg.from_[0]))

    def on_del_lock(self, msg, lid):
        if self.locks.table.get(lid[0], [None])[0] == lid[1]:
            self.locks.delete(lid, msg.from_[0])
            if lid[0] == P.GLOBAL_RID and not self.locks.is_set(P.GLOBAL_RID):
                self.global_lock_down = False
        self.reply(msg, True)

    def on_get_known(self, msg):
        self.reply(msg, list(self.known))

    def on_get_synced(self, msg):
        self.reply(msg, list(self.synced))

    def on_get_protocol_version(self, msg):
        self.reply(msg, P.VSN)

    def on_get_names_ext(self, msg):
        self.reply(msg, [])

    def on_register(self, msg, name, pid, method):
        self.ins_name(name, pid, method)
        self.reply(msg, "yes")

    def on_unregister(self, msg, name):
        self.del_name(name)
        self.reply(msg, "ok")

    def on_bad_call(self, msg, req):
        self.complain(f"got an unexpected call {_short(req)}")

    def complain(self, what):
        """One log line per bad message: the first 100, then every 1000th (a flood
        of garbage must not become a flood of log lines)."""
        self.bad += 1
        if self.bad <= 100 or self.bad % 1000 == 0:
            more = f" (bad message {self.bad})" if self.bad > 100 else ""
            self.log(f"labrt.erl: global_name_server on {self.me} {what}{more}")

    def on_ignore(self, msg):
        pass

    # -- a new connection: the session starts ------------------------------------------
    def nodeup(self, node):
        if node in self.known or node in self.resolvers:
            return
        pre = self.s(node).pop("pre_connect", None)
        tag = next(self.tags)
        self.s(node)["my"] = tag
        known = {n: v for n, v in self.known.items()}
        known.update({("connection_id", n): c for n, c in self.cids.items()})
        self.cast(node, ("init_connect", (P.VSN, tag), self.me,
                         ("locker", "no_longer_a_pid", known, self.locker)))
        self.resolvers[node] = tag
        if pre is not None:
            self.init_connect(*pre)

    def on_init_connect(self, msg, his_vsn, his_tag, node, his_locker):
        self.init_connect(his_vsn, his_tag, node, his_locker)

    def init_connect(self, his_vsn, his_tag, node, his_locker):
        vsn = min(his_vsn, P.VSN)
        if node not in self.world.conns:
            return                  # (labrt: a nodeup comes before any traffic)
        if node in self.pending:
            self.cancel_connect_message(node, his_tag)
            self.restart_connect(node, self.get(node, "my"))
        s = self.s(node)
        s["vsn"], s["his"] = vsn, his_tag
        if node in self.resolvers:
            if labrt.node(his_locker) != node:
                self.log(f"labrt.erl: global: {node}'s locker {his_locker!r} is not on {node}")
                return
            self.tell_locker(HisTheLocker(his_locker, node, vsn, his_tag, s["my"]))
            if his_vsn >= P.VERIFY_CONNECT_VSN:
                self.volatile(node, ("init_connect_ack", self.me, his_tag, s["my"]))
            self.pending[node] = his_vsn
        else:
            s["pre_connect"] = (his_vsn, his_tag, node, his_locker)

    def on_init_connect_ack(self, msg, node, his_my, his_his):
        if not (self.get(node, "my") == his_my and self.get(node, "his") == his_his):
            self.cancel_connect_message(node, his_his)
            self.restart_connect(node, self.get(node, "my"))

    def on_cancel_connect(self, msg, node, tag):
        if self.get(node, "my") == tag:
            self.restart_connect(node, tag)

    def restart_connect(self, node, tag):
        self.cancel_locker(node, tag)
        self.reset(node)
        self.pending.pop(node, None)
        if type(tag) is int:
            self.nodeup(node)

    def cancel_locker(self, node, tag, fun=None):
        self.tell_locker(Cancel(node, tag, fun))
        if node in self.pending and self.get(node, "my") == tag:
            self.cancel_connect_message(node, self.get(node, "his"))
        if node in self.resolvers and self.resolvers[node] == tag:
            del self.resolvers[node]

    def cancel_connect_message(self, node, his_tag):
        self.volatile(node, ("cancel_connect", self.me, his_tag))

    # -- the lockers trade lock_set through the servers ---------------------------------
    def on_lock_set(self, msg, pid, is_set, tag):
        node = labrt.node(pid)
        if tag is not None and self.get(node, "my") != tag:
            return
        self.tell_locker(LockSet(pid, node, is_set, tag))

    def lock_is_set(self, m):
        if self.get(m.node, "my") != m.my_tag:
            self.cancel_locker(m.node, m.my_tag)
            return
        s = self.s(m.node)
        self.cast(m.node, ("exchange", self.me, self.name_list(), [], s.get("his")))
        s["lock_id"] = m.lock_id
        w = s.pop("wait_lock", None)
        if type(w) is tuple:
            self.exchange(m.node, w[1], s)
        else:
            s["wait_lock"] = "lock_is_set"

    # -- names, resolved, new nodes ---------------------------------------------------
    def on_exchange(self, msg, node, names, tag):
        if self.get(node, "my") != tag:
            self.cancel_locker(node, tag)
            return
        s = self.s(node)
        if s.pop("wait_lock", None) == "lock_is_set":
            self.exchange(node, names, s)
        else:
            s["wait_lock"] = ("exchange", names)

    def exchange(self, node, names, s):
        s.pop("wait_lock", None)
        ops, resolved = self.exchange_names(names, node)
        # (global's resolver answers exchange_ops; here it is computed in line)
        self.cast(node, ("resolved", self.me, resolved, self.known_list(self.node_vsn(node)),
                         "unused", [], s.get("his")))
        saved = s.get("save_ops")
        s["save_ops"] = ops
        if type(saved) is tuple:
            self.resolved(node, saved[3], saved[1], s)

    def on_resolved(self, msg, node, his_resolved, his_known, tag):
        if self.get(node, "my") != tag:
            self.cancel_locker(node, tag)
            return
        s = self.s(node)
        if type(s.get("save_ops")) is list:
            self.resolved(node, his_resolved, his_known, s)
        else:
            s["save_ops"] = ("resolved", his_known, [], his_resolved)

    def resolved(self, node, his_resolved, his_known, s):
        ops = s.pop("save_ops") + his_resolved
        known = dict(self.known)                 # the partition before it grows
        new_nodes = [(n, v or self.node_vsn(n)) for n, v in [(node, 0)] + his_known]
        his_nodes = [n for n, _v in his_known]
        self.sync_others(his_nodes)
        extra = [("vsn", s.get("vsn")), ("lock", wire(s["lock_id"]) if "lock_id" in s else None)]
        self.do_ops(ops, extra)
        for n in his_nodes:
            self.cancel_resolved_locker(n, lambda n, tag: self.cancel_locker(n, tag))
        msg = ("new_nodes", self.me, ops, [], new_nodes, extra)
        old = ("new_nodes", self.me, ops, [], [n for n, _v in new_nodes], extra)
        me = self.me

        def tell_partition():               # run by the locker before it unlocks
            for n, v in known.items():
                if n != me:
                    labrt.send((NAME, n), ("$gen_cast", msg if v >= P.PGPV_VSN else old))
        self.cancel_resolved_locker(node, lambda n, tag: self.cancel_locker(
            n, tag, tell_partition))
        added = self.add_to_known(new_nodes)
        self.tell_locker(AddToKnown(tuple(added)))
        if node not in self.synced:
            self.synced.append(node)

    def cancel_resolved_locker(self, node, cancel):
        tag = self.get(node, "my")
        self.pending.pop(node, None)
        cancel(node, tag)
        self.reset(node)

    def add_to_known(self, nodes):
        added = []
        for n, v in nodes:
            if n == self.me:
                continue
            if n not in self.known:
                added.append(n)
                self.known[n] = v
        return added

    def sync_others(self, nodes):
        for n in nodes:
            labrt.spawn(_sync_other, n, self.me)

    def on_new_nodes(self, msg, node, ops, nodes, extra):
        added = self.add_to_known(nodes)
        self.sync_others(added)
        self.do_ops(ops, extra)
        self.tell_locker(AddToKnown(tuple(added)))

    def on_in_sync(self, msg, node):
        if node not in self.synced:
            self.synced.append(node)
        self.pending.pop(node, None)
        self.cancel_locker(node, self.get(node, "my"))
        self.reset(node)

async def _sync_other(node, me):
    """Connect to a node the other partition knows, and tell it we are in sync."""
    labrt.monitor_node(node, True)
    labrt.send((NAME, node), ("$gen_cast", ("in_sync", me, True)))


def _short(x, n=200):
    r = repr(x)
    return r if len(r) <= n else r[:n] + "..."


def hold(flag: bool = True):
    """Hold this node's global_name_server (``False``: let it go on), from a process
    of the node: what ``sys:suspend(global_name_server)`` / ``sys:resume`` do on
    the BEAM, so a test can let several messages queue before global sees them."""
    labrt.send(NAME, Hold() if flag else Release())
    return "ok"


async def global_name_server(world):
    """The process registered as ``global_name_server`` on a real labrt node.

    ``world.global_state`` is its :class:`Server` (its tables, for a test or a
    curious reader; only this process changes them)."""
    world.global_state = server = Server(world)
    await server.run()
