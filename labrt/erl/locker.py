"""global's locker: the process that locks both partitions before two nodes sync.

When two nodes meet, each one's ``global_name_server`` hands the other's
locker pid to its own locker (``his_the_locker``).  Before the name servers
may exchange names and tell their nodes about each other, each partition
(every node its side knows) must be locked with one lock,
``{global, [LockerA, LockerB]}`` (the two locker pids, sorted in Erlang's
term order, so both sides build the same id).  This module is OTP 25's
``loop_the_locker`` and its helpers, in the same steps:

* The locker keeps the peers it must sync with (a ``Him`` each: node,
  locker pid, version, both tags).  When it has some and global's lock is
  not held on its own node, it waits a moment (0.2 s if it knows no node,
  else ``min(1 + 0.1 * known, 3)`` s: OTP's back-off, so two lockers rarely
  collide), picks one peer and locks, boss first (the greatest node name),
  then itself and that peer, then every node it knows; each step is a
  ``gen_server:multi_call`` of ``{set_lock, Id}`` to the name servers (a
  ``false`` anywhere undoes the ``true`` ones).  Then it tells the peer
  locker ``{lock_set, self(), true, Known, HisTag}`` (through the peer's
  name server) and waits for its answer.
* A peer locker can get there first: its ``lock_set true`` makes this one
  lock its own partition with the same id and answer at once.
* Once both sides hold the lock the locker sends ``lock_is_set`` to its
  name server and waits for the server's ``cancel`` (the session is over or
  broke off; a cancel may carry a function to run first: the ``new_nodes``
  casts, so they arrive before the lock is let go), then unlocks, boss last.

Nothing here waits for ever on a peer that is gone: the server sends the
cancel when the peer's node goes down (its tag says which session), and a
``multi_call`` to a node that is down counts as a node that did not answer,
as in OTP.  Locks the locker holds on other nodes are held by its pid, so
they go when it dies or its node goes down.

Messages from the server are Python objects (:mod:`.global_proto`); a peer
locker's ``lock_set`` reaches this process only as a checked
:class:`~.global_proto.LockSet`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import labrt
from labrt import TIMEOUT, Down

from .global_proto import (NAME, AddToKnown, Cancel, GLOBAL_RID, HisTheLocker, LockIsSet,
                           LockSet, RemoveFromKnown, VERIFY_CONNECT_VSN)


@dataclass
class Him:
    node: str
    locker: object
    vsn: int
    my_tag: int
    his_tag: int


def pid_key(world, pid):
    """Erlang's term order of pids: serial, number, node name, creation."""
    name, num, serial, creation = world.table.pid_ext(pid)
    return (serial, num, name, creation)


async def multi_call(me, nodes, request):
    """``gen_server:multi_call(Nodes, global_name_server, Request)``: [(node, reply)]."""
    caller = labrt.self()
    tag = labrt.make_ref()
    waits = []
    for n in nodes:
        dest = (NAME, n)
        try:
            mref = labrt.monitor(dest)
            labrt.send(dest, ("$gen_call", (caller, (tag, n)), request))
        except labrt.BadArg:
            continue
        waits.append((n, mref))
    replies = []
    for n, mref in waits:
        key = (tag, n)
        m = await labrt.receive(lambda m: (type(m) is tuple and len(m) == 2 and m[0] == key)
                                or (type(m) is Down and m.ref == mref))
        if type(m) is Down:
            continue
        labrt.demonitor(mref, flush=True)
        replies.append((n, m[1]))
    return replies


class Locker:
    def __init__(self, world, locks, server):
        self.world = world
        self.me = world.name
        self.locks = locks          # the server's lock table (read only here)
        self.server = server
        self.local: list[Him] = []
        self.remote: list[Him] = []
        self.known: list[str] = []
        self.boss = self.me
        self.just_synced = False

    # -- locks on nodes (global:set_lock/del_lock with Retries = 0) ----------------
    async def set_lock(self, lid, nodes) -> bool:
        if not nodes:
            return True
        if len(nodes) > 1 and self.me in nodes and self.locks.can_set(lid) is False:
            return False
        replies = await multi_call(self.me, nodes, ("set_lock", wire(lid)))
        if any(r is not True for _n, r in replies):
            ok = [n for n, r in replies if r is True]
            if ok and len(replies) > 1:
                await multi_call(self.me, ok, ("del_lock", wire(lid)))
            return False
        return True

    async def del_lock(self, lid, nodes):
        if nodes:
            await multi_call(self.me, nodes, ("del_lock", wire(lid)))

    async def delete_global_lock(self, lid, nodes):
        boss = max(nodes)
        await self.del_lock(lid, [n for n in nodes if n != boss])
        await self.del_lock(lid, [boss])

    async def lock_nodes_safely(self, lid, extra) -> bool:
        first = [self.boss]
        if not (first == [self.me] or self.locks.can_set(lid) is not False):
            return False
        if not await self.set_lock(lid, first):
            return False
        await self.update_known()
        second = [n for n in [self.me] + extra if n not in first]
        if not await self.set_lock(lid, second):
            await self.del_lock(lid, first)
            return False
        if not await self.set_lock(lid, [n for n in self.known if n not in first]):
            await self.del_lock(lid, first + second)
            return False
        return True

    # -- known nodes --------------------------------------------------------------
    def _known(self, msg):
        if type(msg) is AddToKnown:
            self.known = list(msg.nodes) + self.known
        else:
            if msg.node in self.known:
                self.known.remove(msg.node)
        self.boss = max([self.me] + self.known)

    async def update_known(self):
        while True:
            m = await labrt.receive(lambda m: type(m) in (AddToKnown, RemoveFromKnown),
                                    timeout=0)
            if m is TIMEOUT:
                return
            self._known(m)

    # -- peers ----------------------------------------------------------------------
    def find(self, node):
        for h in self.local + self.remote:
            if h.node == node:
                return h
        return None

    def remove_node(self, node, tag):
        for lst in (self.local, self.remote):
            for h in lst:
                if h.node == node and h.my_tag == tag:
                    lst.remove(h)
                    break

    def lock_id(self, pid):
        return (GLOBAL_RID, tuple(sorted([labrt.self(), pid],
                                         key=lambda p: pid_key(self.world, p))))

    def send_lock_set(self, is_set, his_locker, vsn, his_tag):
        node = labrt.node(his_locker)
        if vsn < VERIFY_CONNECT_VSN:
            msg = ("lock_set", labrt.self(), is_set, list(self.known))
        else:
            msg = ("lock_set", labrt.self(), is_set, list(self.known), his_tag)
        labrt.send((NAME, node), ("$gen_cast", msg))

    # -- the loop -------------------------------------------------------------------
    async def run(self):
        while True:
            m = await labrt.receive(timeout=0)
            if m is TIMEOUT:
                if not self.local and not self.remote:
                    wait = None
                elif self.just_synced:
                    wait = 0
                elif not self.known:
                    wait = 0.2
                else:
                    wait = min(1.0 + 0.1 * len(self.known), 3.0)
                self.just_synced = False
                m = await labrt.receive(timeout=wait)
                if m is TIMEOUT:
                    if not self.locks.is_set(GLOBAL_RID):
                        await self.select_node()
                    continue
            try:
                await self.message(m)
            except labrt.ProcessExit:
                raise
            except Exception as e:          # never let one bad message stop the locker
                self.world.log(f"labrt.erl: global's locker on {self.me} dropped "
                               f"{m!r}: {type(e).__name__}: {e}")

    async def message(self, m):
        t = type(m)
        if t is HisTheLocker:
            h = Him(m.node, m.locker, m.vsn, m.my_tag, m.his_tag)
            same_host = m.node.split("@")[1] == self.me.split("@")[1]
            (self.local if same_host else self.remote).insert(0, h)
        elif t is Cancel:
            if m.tag is not None and m.fun is None:
                self.remove_node(m.node, m.tag)
        elif t in (AddToKnown, RemoveFromKnown):
            self._known(m)
        elif t is LockSet and m.is_set:
            h = self.find(m.node)
            if h is None or (m.tag is not None and h.my_tag != m.tag):
                self.send_lock_set(False, m.pid, 5, 0)
                return
            await self.spontaneous(h, m.pid)

    async def spontaneous(self, h, pid):
        """The peer locker locked its side first: lock ours with the same id, answer."""
        lid = self.lock_id(pid)
        is_set = await self.lock_nodes_safely(lid, [])
        self.send_lock_set(is_set, pid, h.vsn, h.his_tag)
        if not is_set:
            self.just_synced = False
            return
        known2 = [self.me] + self.known
        labrt.send(self.server, LockIsSet(h.node, h.my_tag, lid))
        await self.wait_cancel(h.node, lid, h.my_tag, known2)
        self.just_synced = True
        self.remove_node(h.node, h.my_tag)

    async def select_node(self):
        use_remote = not self.local
        lst = self.remote if use_remote else self.local
        # (Not in OTP: a peer whose connection is already gone is dropped here,
        # before the server's cancel arrives; locking it would connect again.)
        lst[:] = [h for h in lst if h.node not in self.known and h.node in self.world.conns]
        if not lst:
            return
        h = random.choice(lst)
        lid = self.lock_id(h.locker)
        if not await self.lock_nodes_safely(lid, [h.node]):
            return
        known1 = [self.me, h.node] + self.known
        self.send_lock_set(True, h.locker, h.vsn, h.his_tag)
        await self.lock_is_set(h, known1, lid)

    async def lock_is_set(self, h, known1, lid):
        """Both sides locked? Wait for the peer locker's answer, or a cancel."""
        def answer(m):
            return ((type(m) is LockSet and m.node == h.node)
                    or (type(m) is Cancel and m.node == h.node and m.tag == h.my_tag))
        while True:
            m = await labrt.receive(answer)
            if type(m) is Cancel:
                _call(m.fun)
                await self.delete_global_lock(lid, known1)
                self.remove_node(h.node, h.my_tag)
                return
            if m.tag is not None and m.tag != h.my_tag:
                continue                        # an old session's answer
            if not m.is_set:
                await self.delete_global_lock(lid, known1)
                return
            labrt.send(self.server, LockIsSet(h.node, h.my_tag, lid))
            await self.wait_cancel(h.node, lid, h.my_tag, known1)
            self.just_synced = True
            for lst in (self.local, self.remote):
                if h in lst:
                    lst.remove(h)
            return

    async def wait_cancel(self, node, lid, tag, known):
        m = await labrt.receive(lambda m: type(m) is Cancel and m.node == node and m.tag == tag)
        _call(m.fun)
        await self.delete_global_lock(lid, known)


def wire(lid):
    """A lock id as it goes on the wire: global's requester is a list of two pids."""
    return (lid[0], list(lid[1])) if type(lid[1]) is tuple else lid


def _call(fun):
    if fun is not None:
        fun()


async def locker(world, locks, server):
    """The locker process's body (the server starts it, linked)."""
    await Locker(world, locks, server).run()
