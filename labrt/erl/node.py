"""A real node: a trio runtime that speaks Erlang's distribution protocol.

``labrt.erl.Node("a@localhost", cookie="secret")`` is a labrt runtime on
the trio kernel whose processes can reach processes on other OS processes:
other labrt nodes, and real Erlang nodes started with ``erl -sname``.
Everything the simulated world of ``labrt.dist`` teaches holds here too, on
a real network: the same API (``spawn(..., node=)``, ``send((name, node),
msg)``, remote links and monitors, ``monitor_node``, ``monitor_nodes``,
``disconnect_node``, ``gen_server.call``), and the same failure semantics
when a connection breaks, because the core sees this object exactly as it
sees a simulated world: the *world* of the runtime.

How the pieces fit
------------------
* The core hands every signal whose target is on another node to
  :meth:`ErlWorld.post`.  It becomes a control message
  (:mod:`~labrt.erl.control`) on the connection to that node.  If there is
  no connection yet, the signal waits while one is set up (EPMD look-up,
  then the handshake); if that fails, the sender sees what Erlang shows for
  an unreachable node (a link gives ``noconnection``, a message is lost).
* Each connection (:mod:`~labrt.erl.connection`) parses incoming packets
  into operations, which become signals handed to ``rt._arrive``.
* When a connection ends, for whatever reason, the node applies OTP's rules
  (:meth:`ErlWorld._nodedown`): links to the peer's processes fire
  ``noconnection``, monitors fire DOWN ``noconnection``, ``monitor_node``
  and ``monitor_nodes`` subscribers hear ``nodedown``.

* Transitive connections (item 102) are made as the BEAM makes them: the
  node runs OTP's ``global_name_server`` (:mod:`~labrt.erl.global_server`
  and its :mod:`~labrt.erl.locker`), which runs a sync session with every
  new peer, BEAM or labrt, and connects to the nodes the other partition
  knows.  The world tells it of every connection up (before any traffic on
  it) and down (after the last).  ``connect_all(False)`` turns it off, as
  Erlang's ``-connect_all false``.  A node started with
  ``speak_global=False`` runs no global; it sends its node list to
  ``$labrt_peers`` instead (labrt's older, labrt-only mechanism, which every
  labrt node still obeys).

What a peer can make this node do is bounded: it can send messages to
processes and names, link, monitor and send exit signals (what any Erlang
node can do to another), but code runs only if the node's program offered
it in ``allow`` (a dict from ``(module, function)`` to a Python callable),
for remote spawn and for ``rpc:call``: that half of the node is
:mod:`labrt.erl.remote_spawn`, which :class:`ErlWorld` inherits.
"""
from __future__ import annotations

import itertools
import os
import secrets
import ssl
import sys

import trio

from ..kernel.core import Runtime
from ..kernel.signals import Signal
from ..kernel.values import BadArg, Pid, Ref
from ..dist.world import _tell, connection_lost, signal_undeliverable
from . import control, epmd, etf, global_proto, handshake, system
from .connection import TICK, Connection
from .global_server import global_name_server
from .remote_spawn import RemoteSpawn, SpawnReply, _Addressed  # noqa: F401

__all__ = ["ErlWorld", "Node"]


#: The registered name labrt nodes send their node lists to (see _peers_heard).
PEERS_NAME = "$labrt_peers"
MAX_PEERS = 1000


def _split(name):
    if type(name) is not str or name.count("@") != 1 or not all(name.split("@")):
        raise BadArg(f"a node name looks like 'name@host', got {name!r}")
    return name.split("@")


def _why(e):
    """One line on why a connection failed (some exceptions have no message of their own)."""
    if isinstance(e, trio.TooSlowError):
        return "timed out"
    cause = e.__cause__ if isinstance(e, trio.BrokenResourceError) else e
    if isinstance(cause, ssl.SSLError) and cause.reason == "WRONG_VERSION_NUMBER":
        return ("the TLS handshake failed: the peer speaks plain TCP, this node TLS "
                "(every node of a cluster must use the same)")
    if isinstance(cause, ssl.SSLError):       # trio's SSLStream wraps them
        return f"the TLS handshake failed ({cause.reason or cause})"
    if isinstance(e, trio.BrokenResourceError):
        return "the peer closed the connection"
    return str(e) or type(e).__name__


class ErlWorld(RemoteSpawn):
    """What a trio runtime's ``world`` is when its node is real."""

    _split_name = staticmethod(_split)      # (for RemoteSpawn.spawn_remote)

    def __init__(self, rt: Runtime, name: str, cookie: str, *, allow=None,
                 host: str = "127.0.0.1", port: int = 0, tick: float = TICK,
                 limits: etf.Limits = etf.DEFAULT_LIMITS, records=None,
                 epmd_port: int = epmd.EPMD_PORT, log=None, tls=None,
                 speak_global: bool = True):
        _split(name)
        if not isinstance(cookie, str) or not cookie:
            raise BadArg("a real node needs a cookie: a non-empty string shared by "
                         "every node of the cluster (Erlang's -setcookie)")
        self.rt = rt
        self.name = name
        self.cookie = cookie
        self.allow = dict(allow or {})
        self.host = host
        self.port = port
        self.tick = tick
        self.limits = limits
        self.records = records
        self.epmd_port = epmd_port
        self.log = log or (lambda line: print(line, file=sys.stderr))
        self.tls = tls                         # None, or a labrt.erl.tls.TLS (both sides)
        self.creation = secrets.randbits(32) or 1
        self.table = etf.NodeTable(name, local_creation=self.creation)
        self.table.resolve_local = self._local_pid
        self.up = {0}                          # the core asks: is this node up?
        self.net = self                        # the core posts remote signals here
        self.conns: dict[str, Connection] = {}
        self._pending: dict[str, list] = {}    # signals waiting for a connection
        self._accepting: set = set()           # peers whose incoming attempt owns the pending slot
        self._replacing: set = set()           # peers taking over their old connection (alive)
        self._watch: dict[str, list] = {}      # monitor_node instances, by node
        self._subs: list = []                  # monitor_nodes subscribers
        self._unlink_id = 0
        self._spawns: dict = {}                # spawn request ref -> (pid, link, ref)
        self._dropped: set = set()             # connections disconnect_node closed
        self.connect_all = True                # Erlang's -connect_all (item 102)
        self.speak_global = speak_global       # run global_name_server (else $labrt_peers)
        self._global = None                    # its pid
        self.global_state = None               # its Server (labrt.erl.global_server)
        self._cids = itertools.count(1)        # connection ids, as ERTS numbers connections
        self.nursery = None
        self.epmd_server = None
        self.outside = Pid(0, 0, None, self.creation)   # the sender of rt.send

    # -- names and indices (as labrt.dist.World) ------------------------------
    def index(self, name: str) -> int:
        _split(name)
        return self.table.index_of(name)

    def name_of(self, index: int) -> str:
        return self.table.name_of(index)

    def node_index_of(self, target) -> int:
        if type(target) is tuple:
            return self.index(target[1])
        return target.node

    def _local_pid(self, pid):
        """The live pid object for a pid of this node, so a message finds its process."""
        p = self.rt.procs.get(pid.num)
        return p.pid if p is not None and p.pid == pid else pid

    def connected(self, name) -> list[str]:
        return sorted(self.conns)

    def who(self, dest):
        return None                            # a remote name resolves at its node

    # -- starting: listen, register with EPMD (ours if there is none) -------------
    async def serve(self, *, task_status=trio.TASK_STATUS_IGNORED):
        self._registration = None
        try:
            async with trio.open_nursery() as nursery:
                self.nursery = nursery
                listeners = await trio.open_tcp_listeners(self.port, host=self.host)
                self.port = listeners[0].socket.getsockname()[1]
                short = self.name.split("@")[0]
                if not await epmd.epmd_running(epmd_port=self.epmd_port):
                    await self._start_epmd()
                _creation, self._registration = await epmd.register(
                    short, self.port, epmd_port=self.epmd_port)
                nursery.start_soon(trio.serve_listeners, self._accepted, listeners)
                self._start_system()
                task_status.started(self.port)
        finally:
            # The node stops (run_main ended): EPMD forgets it when this closes,
            # so a node of the same name can start again at once.
            self.nursery = None
            if self._registration is not None:
                with trio.CancelScope(shield=True):
                    await trio.aclose_forcefully(self._registration)

    async def _start_epmd(self):
        """No EPMD answers: start labrt's own, as ``erl`` starts ``epmd -daemon``.

        It runs as a process of its own, so the other nodes keep finding
        each other when this node dies (a test or workshop stops it).
        """
        import subprocess
        self.epmd_process = subprocess.Popen(
            [sys.executable, "-m", "labrt.erl.epmd", "--port", str(self.epmd_port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.log(f"labrt.erl: no EPMD on port {self.epmd_port}; started labrt's own "
                 f"(OS process {self.epmd_process.pid})")
        with trio.move_on_after(10):
            while not await epmd.epmd_running(epmd_port=self.epmd_port):
                await trio.sleep(0.05)

    epmd_process = None

    def _start_system(self):
        rt = self.rt
        for name, fn, args in (("net_kernel", system.net_kernel, ()),
                               ("rex", system.rex, (self.allow,))):
            if rt.whereis(name) is None:
                pid = rt.spawn(fn, *args)
                rt.names[name] = rt.lookup(pid)
                rt.lookup(pid).name = name
        if self.speak_global and rt.whereis(global_proto.NAME) is None:
            pid = rt.spawn(global_name_server, self)
            rt.names[global_proto.NAME] = rt.lookup(pid)
            rt.lookup(pid).name = global_proto.NAME
            self._global = pid

    async def _accepted(self, stream):
        answered = {}                          # the status this attempt heard, by peer

        def status(peer):
            answered[peer] = self._status(peer)
            return answered[peer]
        got = None
        try:
            try:
                if self.tls is not None:
                    stream = await self.tls.server(stream)
                got = await handshake.accept(
                    stream, self.name, self.creation, self.cookie, status=status,
                    packet=4 if self.tls is not None else 2, replace=self._replace)
            except handshake.SimultaneousConnect:
                await trio.aclose_forcefully(stream)
            except (handshake.HandshakeError, trio.TooSlowError, trio.BrokenResourceError,
                    OSError, ssl.SSLError) as e:
                self.log(f"labrt.erl: refused a connection on {self.name}: {_why(e)}")
                await trio.aclose_forcefully(stream)
        finally:
            for name, said in answered.items():
                if said == "alive":
                    self._replacing.discard(name)
                elif said in ("ok", "ok_simultaneous") and got is None:
                    self._attempt_lost(name)
        if got is None:
            return
        peer, _flags, creation = got
        if peer in self.conns:
            self._accepting.discard(peer)
            self.log(f"labrt.erl: {peer} connected twice; keeping the first connection")
            await trio.aclose_forcefully(stream)
            return
        await self._serve_connection(stream, peer, creation)

    def _status(self, peer):
        """The handshake status for ``peer``, as OTP's ``net_kernel`` decides it.

        An attempt we answer ``ok`` or ``ok_simultaneous`` owns the peer's
        pending slot until it ends: what is sent to the peer meanwhile waits
        for it, and no second connection is started (OTP's ``pending`` state).
        A simultaneous connect goes to the greater name (``nok`` or
        ``ok_simultaneous``; after the latter our own attempt is no longer
        wanted).  A peer we still hold a connection from hears ``alive``
        (None, a refusal, when another attempt of its is already replacing it).
        """
        if peer in self.conns:
            if peer in self._replacing:
                return None
            self._replacing.add(peer)          # until this attempt ends (_accepted)
            return "alive"
        if peer in self._accepting:            # another attempt of its is under way
            return None
        if peer in self._pending:
            if self.name > peer:
                return "nok"
            answer = "ok_simultaneous"
        else:
            self._pending[peer] = []
            answer = "ok"
        self._accepting.add(peer)
        return answer

    def _attempt_lost(self, peer):
        """An incoming attempt that owned the pending slot failed.

        A slot nobody waits on is freed.  If something waits (our own
        attempt yielded to this one, or a send came meanwhile), we connect
        to the node ourselves.  Here labrt departs from OTP, whose aborted
        pending connection fails what waited at once: the attempt proved
        nothing about the node it named (its cookie may have been wrong), so
        a stranger claiming a name must not make that node look down.  When
        the node really is unreachable our attempt fails and what waited
        fails with it, as on the BEAM, just one attempt later."""
        self._accepting.discard(peer)
        if peer in self.conns or peer not in self._pending:
            return
        if self._pending[peer] or peer in self._watch:
            self._spawn_task(self._connect, peer)
        else:
            del self._pending[peer]

    async def _replace(self, peer):
        """A peer that answered ``alive`` with ``true`` and knows the cookie
        takes its name back: the old connection closes first (its nodedowns
        say ``wait_pending``, as on the BEAM), then the new one comes up."""
        conn = self.conns.get(peer)
        if conn is not None:                   # (else it went by itself meanwhile)
            conn.close("wait_pending")
            await conn.ended.wait()

    # -- connecting ------------------------------------------------------------
    def post(self, rt, sig):
        """A signal for another node: send it, or wait for the connection."""
        if type(sig) is _Addressed:
            peer, sig = sig.node, sig.op
        else:
            peer = self.name_of(self.node_index_of(sig.target))
        conn = self.conns.get(peer)
        if conn is not None:
            self._send(conn, sig)
            return
        waiting = self._pending.get(peer)
        if waiting is None:
            self._pending[peer] = [sig]
            self._spawn_task(self._connect, peer)
        else:
            waiting.append(sig)

    def message(self, rt, sender, dest, msg):
        """The core's shortcut for a plain message to a remote pid."""
        self.post(rt, Signal("message", sender, dest, msg))

    def _spawn_task(self, fn, *args):
        if self.nursery is None:
            raise BadArg(f"node {self.name} is not running yet: start it with "
                         "rt.run_main(main) or labrt.erl.run(...)")
        self.rt.kernel.token.run_sync_soon(self.nursery.start_soon, fn, *args)

    async def _connect(self, peer):
        short, host = _split(peer)
        try:
            port = await epmd.port_please(short, "127.0.0.1" if host == "localhost" else host,
                                          epmd_port=self.epmd_port)
            if port is None:
                raise OSError(f"no node called {short} is registered on {host}")
            with trio.fail_after(handshake.TIMEOUT):
                stream = await trio.open_tcp_stream(
                    "127.0.0.1" if host == "localhost" else host, port)
            if self.tls is not None:
                stream = await self.tls.client(stream, host)
            got, flags, creation = await handshake.initiate(
                stream, self.name, self.creation, self.cookie,
                packet=4 if self.tls is not None else 2,
                pending=lambda: peer not in self.conns and peer not in self._accepting)
            if got != peer:
                raise handshake.HandshakeError(f"{peer} answered as {got}")
        except handshake.SimultaneousConnect:
            await self._await_peer(peer)       # the peer's connection brings the pending
            return
        except (OSError, epmd.EpmdError, handshake.HandshakeError, trio.TooSlowError,
                trio.BrokenResourceError, ssl.SSLError) as e:
            if peer in self.conns or peer in self._accepting:   # its own attempt owns it now
                return
            self.log(f"labrt.erl: cannot connect {self.name} to {peer}: {_why(e)}")
            self._unreachable(peer)
            return
        if peer in self.conns:                 # ok_simultaneous: the peer's one is up
            await trio.aclose_forcefully(stream)
            return
        await self._serve_connection(stream, peer, creation)

    async def _await_peer(self, peer):
        """Our attempt yielded to the peer's (``nok``, or ``false`` to ``alive``).

        The peer's own attempt should then come, or be under way already.  If
        it does not within the handshake's time limit (the peer died, or it
        answers ``nok`` and never connects), what waits must not wait for
        ever: it fails as for an unreachable node, with one log line."""
        with trio.move_on_after(handshake.TIMEOUT):
            while peer not in self.conns and peer not in self._accepting:
                await trio.sleep(0.05)
            return
        if peer in self._pending and peer not in self.conns:
            self.log(f"labrt.erl: {peer} let its own connection win but did not connect "
                     f"to {self.name} within {handshake.TIMEOUT:g} s; giving up")
            self._unreachable(peer)

    def _unreachable(self, peer):
        rt = self.rt
        for sig in self._pending.pop(peer, []):
            if type(sig) is control.Op:
                self._spawn_failed(sig, "noconnection")
            else:
                signal_undeliverable(rt, sig)
        for pid in self._watch.pop(peer, ()):
            self._tell(pid, ("nodedown", peer))
        if self._global is not None:           # (global's extra_nodedown)
            self._tell(self._global, global_proto.ConnectFailed(peer))
        rt._drain()

    async def _serve_connection(self, stream, peer, creation):
        self._accepting.discard(peer)
        self.table.creation[peer] = creation
        conn = Connection(stream, peer, self.table, on_op=self._op, on_close=self._closed,
                          log=self.log, tick=self.tick, limits=self.limits,
                          records=self.records)
        self.conns[peer] = conn
        for pid, with_reason in list(self._subs):
            self._tell(pid, ("nodeup", peer, {}) if with_reason else ("nodeup", peer))
        if self._global is not None:           # before any traffic from the peer
            self._tell(self._global, global_proto.NodeUp(peer, next(self._cids)))
        for sig in self._pending.pop(peer, []):
            self._send(conn, sig)
        if self._global is None:
            others = sorted(n for n in self.conns if n != peer)
            conn.send(control.Op("reg_send", self.outside, PEERS_NAME, ("nodes", others)))
        await conn.run()

    # -- transitive connections between labrt nodes (OTP's connect_all) ------------
    def _peers_heard(self, conn, payload):
        """A labrt peer's list of its other nodes: connect to the ones we lack.

        On the BEAM, ``global`` does this after every new connection (item
        102).  labrt nodes do not speak global's protocol; they send each
        other this one message instead, to a name no Erlang node registers
        (so a BEAM peer drops it, and never sends one).  The list is
        untrusted: only well-formed node names, at most ``MAX_PEERS`` of them.
        """
        if not (type(payload) is tuple and len(payload) == 2 and payload[0] == "nodes"
                and type(payload[1]) is list and len(payload[1]) <= MAX_PEERS):
            self.log(f"labrt.erl: ignored a malformed node list from {conn.peer}")
            return
        if not self.connect_all:
            return
        for name in payload[1]:
            if (type(name) is not str or name.count("@") != 1 or not all(name.split("@"))
                    or name == self.name or name in self.conns or name in self._pending):
                continue
            self._pending[name] = []
            self._spawn_task(self._connect, name)

    # -- signals out: a signal becomes a control message ------------------------
    def _send(self, conn, sig):
        if type(sig) is control.Op:              # a spawn request (see spawn_remote)
            if not conn.send(sig):
                self._spawn_failed(sig, "noconnection")
            return
        op = self._op_for(sig)
        if op is not None and not conn.send(op):
            signal_undeliverable(self.rt, sig)

    def _op_for(self, sig):
        k, sender, target = sig.kind, sig.sender or self.outside, sig.target
        if k == "message":
            msg = sig.payload
            if type(msg) is tuple and len(msg) == 3 and msg[0] == "$system":
                # labrt's system messages (gen_server.stop, labrt.sys) are
                # OTP's {system, From, Request} on the wire.
                sig = Signal("message", sig.sender, target, ("system",) + msg[1:])
            if type(target) is tuple:
                return control.Op("reg_send", sender, target[0], sig.payload)
            if type(target) is Ref:
                return control.Op("alias_send", sender, target, sig.payload)
            return control.Op("send", sender, target, sig.payload)
        if k == "exit":
            return control.Op("exit" if sig.link else "exit2", sender, target, sig.payload)
        if k == "link":
            return control.Op("link", sender, target)
        if k == "unlink":
            self._unlink_id += 1
            return control.Op("unlink", sender, target, ref=self._unlink_id)
        if k == "monitor":
            ref, _obj = sig.payload
            return control.Op("monitor", sender, target, ref=ref)
        if k == "monitor_name":
            return control.Op("monitor", sender, target[0], ref=sig.payload)
        if k == "demonitor":
            return control.Op("demonitor", sender,
                              target[0] if type(target) is tuple else target, ref=sig.payload)
        if k == "down":
            ref, obj, reason = sig.payload
            src = obj[0] if type(obj) is tuple else (sig.sender or obj)
            return control.Op("down", src, target, reason, ref=ref)
        if k == "spawn":
            self.log(f"labrt.erl: remote spawn from {self.name} is not supported over the "
                     "wire; start the process on its node and send it messages")
            return None
        raise ValueError(f"unknown signal kind {k!r}")

    # -- signals in: a control message becomes a signal --------------------------
    def _op(self, conn, op):
        rt = self.rt
        k = op.kind
        me = (self.name,)
        if k == "send":
            sig = Signal("message", op.sender, op.target, op.payload)
        elif k == "reg_send":
            if op.target == PEERS_NAME:
                self._peers_heard(conn, op.payload)
                return
            sig = Signal("message", op.sender, (op.target,) + me, op.payload)
        elif k == "alias_send":
            sig = Signal("message", op.sender, op.target, op.payload)
        elif k == "link":
            sig = Signal("link", op.sender, op.target)
        elif k == "unlink":
            conn.send(control.Op("unlink_ack", op.target, op.sender, ref=op.ref))
            sig = Signal("unlink", op.sender, op.target)
        elif k in ("unlink_ack", "group_leader"):
            return
        elif k in ("exit", "exit2"):
            sig = Signal("exit", op.sender, op.target, op.payload, k == "exit")
        elif k == "monitor":
            if type(op.target) is str:
                sig = Signal("monitor_name", op.sender, (op.target,) + me, op.ref)
            else:
                sig = Signal("monitor", op.sender, op.target, (op.ref, op.target))
        elif k == "demonitor":
            target = (op.target,) + me if type(op.target) is str else op.target
            sig = Signal("demonitor", op.sender, target, op.ref)
        elif k == "down":
            obj = (op.sender, conn.peer) if type(op.sender) is str else op.sender
            sig = Signal("down", op.sender if type(op.sender) is Pid else None, op.target,
                         (op.ref, obj, op.payload))
        elif k == "spawn_request":
            self._spawn_request(conn, op)
            return
        elif k == "spawn_reply":
            sig = Signal("message", None, op.target, SpawnReply(op.ref, op.payload, op.sender))
        else:
            return
        if sig.kind == "message":
            msg = sig.payload
            if (type(msg) is tuple and len(msg) == 3 and msg[0] == "system"
                    and type(msg[1]) is tuple and len(msg[1]) == 2 and type(msg[1][0]) is Pid):
                sig.payload = ("$system",) + msg[1:]      # OTP's system message, labrt's name
        if _is_local(sig.target, self.name):
            rt._arrive(sig)
            rt._drain()

    # -- connections ending ------------------------------------------------------
    def _closed(self, conn, reason):
        if self.conns.get(conn.peer) is conn:
            del self.conns[conn.peer]
        if conn in self._dropped:            # disconnect_node has done the rest
            self._dropped.discard(conn)
            return
        self._nodedown(conn.peer, reason)

    def _nodedown(self, peer, reason):
        """The connection to ``peer`` is gone: OTP's failure semantics, here."""
        connection_lost(self.rt, self.index(peer), peer, reason, self._watch.pop(peer, ()),
                        self._subs, self.node_index_of)
        if self._global is not None:
            self._tell(self._global, global_proto.NodeDown(peer))

    def _tell(self, pid, msg):
        _tell(self.rt, pid, msg)

    # -- what processes ask for (labrt.dist.api forwards here) -------------------
    def connection(self, a, b):
        return self.conns.get(self.name_of(b))

    def disconnect(self, a, b, reason_a, reason_b) -> bool:
        peer = self.name_of(b)
        conn = self.conns.get(peer)
        if conn is None:
            return False
        # As on the BEAM, the node is gone from nodes() when disconnect_node
        # returns, and its nodedowns are on their way; the socket closes after.
        del self.conns[peer]
        self._dropped.add(conn)
        conn.close(reason_a)
        self._nodedown(peer, reason_a)
        return True

    def monitor_node(self, rt, p, name, flag) -> bool:
        if type(flag) is not bool:
            raise BadArg(f"monitor_node: the flag must be True or False, got {flag!r}")
        _split(name)
        if not flag:
            lst = self._watch.get(name)
            if lst and p.pid in lst:
                lst.remove(p.pid)
            return True
        if name == self.name:
            return True
        self._watch.setdefault(name, []).append(p.pid)
        if name not in self.conns and name not in self._pending:
            self._pending[name] = []
            self._spawn_task(self._connect, name)
        return True

    def monitor_nodes(self, rt, p, flag, with_reason) -> str:
        if flag:
            self._subs.append((p.pid, bool(with_reason)))
        else:           # OTP: ends every subscription it made with these options
            self._subs[:] = [(pid, wr) for pid, wr in self._subs
                             if not (pid == p.pid and wr == bool(with_reason))]
        return "ok"

def connect_all(flag=None) -> bool:
    """Whether this real node connects to the nodes its peers know (item 102).

    On by default, as Erlang's ``-connect_all true``; ``connect_all(False)``
    turns it off (a node then connects only where its processes send), and
    it returns the setting it had.  Called from a process of the node.
    """
    from ..kernel.core import _me
    world = _me().rt.world
    if not isinstance(world, ErlWorld):
        raise BadArg("connect_all is a setting of a real node (labrt.erl.Node)")
    old = world.connect_all
    if flag is not None:
        if type(flag) is not bool:
            raise BadArg(f"connect_all: the flag must be True or False, got {flag!r}")
        world.connect_all = flag
    return old


async def spawn(node: str, fn, *args, link: bool = False, monitor: bool = False,
                timeout: float = 5.0):
    """Start ``fn(*args)`` on real node ``node``; return its pid (and ref if ``monitor``).

    The other node runs only functions it allows (``--allow module:function``
    or ``Node(..., allow={(module, qualname): fn})``); anything else is
    refused and this raises :class:`~labrt.BadArg` saying so.  With
    ``link=True`` the new process is linked to the caller, atomically, as
    ``spawn_link`` does: a supervisor can start a child on another node.
    """
    from ..kernel.core import _me
    p = _me()
    world = p.rt.world
    if not isinstance(world, ErlWorld):
        raise BadArg("labrt.erl.spawn starts a process on a real node; this runtime is "
                     "not one (make it with labrt.erl.Node); in a simulated world use "
                     "spawn(fn, node=...)")
    return await world.spawn_remote(p, node, fn, args, link, monitor, timeout)


def _is_local(target, name):
    if type(target) is tuple:
        return target[1] == name
    return target.node == 0


def Node(name: str, cookie: str, *, allow=None, tick: float = TICK, host: str = "127.0.0.1",
         port: int = 0, epmd_port: int | None = None, trace: bool = False,
         reports="stderr", limits: etf.Limits = etf.DEFAULT_LIMITS, log=None,
         tls=None, speak_global: bool = True) -> Runtime:
    """A trio runtime that is node ``name`` of a real cluster.

    Run it like any trio runtime (``rt.run_main(main)``); the node listens on
    ``host`` (loopback by default), registers with EPMD (starting labrt's own
    when none answers), and connects to other nodes on first contact.  With
    ``tls=labrt.erl.tls.TLS(...)`` every connection runs over TLS, as
    Erlang's ``-proto_dist inet_tls`` does (the cookie authenticates the
    peer; TLS also encrypts, and checks certificates).  The node runs OTP's
    ``global_name_server`` (sync sessions, global's locks, transitive
    connections, prevent_overlapping_partitions) unless ``speak_global=False``.
    EPMD is asked on ``epmd_port``, by default ``$ERL_EPMD_PORT`` or 4369,
    as for Erlang nodes.  ``labrt.Runtime(kernel="trio", node=name,
    cookie=cookie)`` makes the same node with the other options' defaults.
    """
    rt = Runtime(kernel="trio", trace=trace, reports=reports)
    attach(rt, name, cookie, allow=allow, host=host, port=port, tick=tick, limits=limits,
           epmd_port=epmd_port, log=log, tls=tls, speak_global=speak_global)
    return rt


def default_epmd_port() -> int:
    """``$ERL_EPMD_PORT`` if set (as Erlang reads it), else 4369."""
    text = os.environ.get("ERL_EPMD_PORT", "").strip()
    if not text:
        return epmd.EPMD_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise BadArg(f"ERL_EPMD_PORT must be a TCP port number (1-65535), got {text!r}")
    return int(text)


def attach(rt: Runtime, name: str, cookie: str, *, epmd_port: int | None = None, **options):
    """Make the trio runtime ``rt`` node ``name`` of a real cluster (see :func:`Node`)."""
    if rt.kind != "trio":
        raise BadArg(f"node {name!r} would be a real node: it needs kernel='trio' "
                     "(simulated nodes come from labrt.dist.World)")
    world = ErlWorld(rt, name, cookie, epmd_port=default_epmd_port() if epmd_port is None
                     else epmd_port, **options)
    rt.world = world
    rt._wire = world.message                 # what send() calls for a remote pid
    rt.node_name = name
    rt.creation = world.creation
    rt.kernel.services.append(world.serve)
    return rt
