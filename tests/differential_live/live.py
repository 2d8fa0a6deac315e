"""Run the distribution scenarios live: a labrt node against real peer OS processes.

The simulated differential (tests/differential_dist) runs each scenario in one
:class:`labrt.World` and compares its lines with those four BEAM peers
printed (``beam_expected.txt``).  Here the same scenarios run on real nodes:
the scenario's main process runs on ``a@localhost``, a labrt node on the trio
kernel in the test's own process (real sockets, Erlang's distribution
protocol), and its peers ``b@localhost`` and ``c@localhost`` are OS
processes of one *kind*:

- ``beam``: ``erl -sname`` nodes running ``tests/erl/live_agent.erl``, with
  Erlang's ``epmd`` (private port);
- ``labrt``: ``python -m labrt.node`` processes running
  :mod:`tests.differential_live.agent`, with labrt's own EPMD
  (``python -m labrt.erl.epmd``, private port): no Erlang needed.

A real node cannot spawn a Python closure on another node, so where the
simulated twin does ``spawn(fn, node=b)`` the live twin asks b's *agent* to
start the same process (``start_srv``, ``go_exit``, ``idle``, ``start_kv``)
and gets its pid; a link or monitor made right after is the same signal
either way.  ``stop_node`` is ``kill -9`` of the peer's OS process (its
sockets close, as with ``erlang:halt/0``: ``connection_closed``), and the
peer is started again (a new creation) before the next scenario that needs
it.

Before each scenario a fresh node ``a`` (a new creation) asks every peer's
agent to ``reset`` (kill what it started, drop its other connections), then
disconnects, so every scenario starts as the simulated ones do: peers up,
nothing connected, nothing left running.  Lines are printed by
``tests/differential_dist/harness.py``'s normaliser, after :func:`erlify`
turns what crossed the wire back into the terms the normaliser knows (a
BEAM ``{Reason, Stacktrace}`` into ``Reason``, a labrt exception that crossed
the wire into the Erlang error it stands for).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import labrt
from labrt import Down, Exit, TIMEOUT, receive, sleep
from labrt.erl import Node

from tests.differential_dist import harness

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "erl"))
from cluster import Cluster, _listening, _marked as marked  # noqa: E402

HOST = "localhost"
PEERS = ("b", "c")


def nd(role):
    return f"{role}@{HOST}"


# ------------------------------------------------------------- terms from the wire

#: A labrt exception that crossed the wire arrives as labrt.erl.etf.RemoteError
#: with the Python class name; this is the Erlang error each stands for.
REMOTE_ERRORS = {"ZeroDivisionError": "badarith", "BadArg": "badarg", "NoProc": "noproc"}


def _is_stack(x):
    return (isinstance(x, list) and x and all(
        isinstance(f, tuple) and len(f) == 4 and isinstance(f[0], str) for f in x))


def erlify(x):
    """What crossed the wire, as the normaliser's labrt side expects it."""
    from labrt.erl.etf import RemoteError
    if isinstance(x, RemoteError):
        return REMOTE_ERRORS.get(x.kind, f"python:{x.kind}")
    if isinstance(x, Exit):
        return Exit(x.pid, erlify(x.reason))
    if isinstance(x, Down):
        return Down(x.ref, x.pid, erlify(x.reason))
    if isinstance(x, labrt.ProcessExit):
        return erlify(x.reason)
    if isinstance(x, tuple):
        if len(x) == 2 and _is_stack(x[1]):
            return erlify(x[0])                      # {Reason, Stacktrace}
        return tuple(erlify(e) for e in x)
    if isinstance(x, list):
        return [erlify(e) for e in x]
    if isinstance(x, dict):
        return {erlify(k): erlify(v) for k, v in x.items()}
    return x


class Ctx(harness.Ctx):
    """harness.Ctx, with terms from the wire made plain first; ``peers`` for kill -9."""

    def __init__(self, peers):
        super().__init__(world=None)
        self.peers = peers

    def log(self, *terms):
        super().log(*[erlify(t) for t in terms])

    def log_sorted(self, lines):
        super().log_sorted([[erlify(t) for t in line] for line in lines])


# ------------------------------------------------------------- the peers

class Peers:
    """The peer OS processes of one kind, their EPMD, and kill -9 / restart."""

    def __init__(self, kind: str, roles=PEERS):
        assert kind in ("beam", "labrt"), kind
        self.kind = kind
        self.roles = roles
        self.cluster = Cluster(real_epmd=(kind == "beam"), strict=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.dirty = set(roles)            # peers a scenario may have left connected
        self.starts = 0

    @property
    def cookie(self):
        return self.cluster.cookie

    @property
    def epmd_port(self):
        return self.cluster.epmd_port

    def __enter__(self):
        c = self.cluster.__enter__()
        try:
            if self.kind == "labrt":
                c._start([sys.executable, "-m", "labrt.erl.epmd", "--port", str(c.epmd_port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _listening(c.epmd_port)
            for r in self.roles:
                self._launch(r)
            for r in self.roles:
                self._ready(r)
        except BaseException:
            self.cluster.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc):
        return self.cluster.__exit__(*exc)

    def _launch(self, role):
        c = self.cluster
        if self.kind == "beam":
            argv = ["erl", "-sname", nd(role), "-setcookie", c.cookie, "-noshell", "+S", "1",
                    "-pa", c.ebin_of("live_agent.erl"),
                    "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                    "-kernel", "logger_level", "none",
                    "-s", "live_agent", "start"]
        else:
            argv = [sys.executable, "-m", "labrt.node", "--sname", nd(role), "--cookie",
                    c.cookie, "--epmd-port", str(c.epmd_port),
                    "--run", "tests.differential_live.agent:agent"]
        self.procs[role] = c._start(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.starts += 1

    def _ready(self, role, limit=30.0):
        p = self.procs[role]
        t0 = time.monotonic()
        while True:
            line = p.stdout.readline()
            if b"live_agent ready" in line:
                break
            if not line or time.monotonic() - t0 > limit:
                raise RuntimeError(f"peer {role} ({self.kind}) did not start: {line!r}")
        self.cluster.wait_registered(role)
        threading.Thread(target=p.stdout.read, daemon=True).start()   # never let it block

    def alive(self, role) -> bool:
        return self.procs[role].poll() is None

    def kill9(self, role):
        self.cluster.kill9(self.procs[role])

    def restart(self, role):
        """A fresh node of the same name (a new creation), once EPMD has forgotten the old."""
        t0 = time.monotonic()
        while role in self.cluster.names() and time.monotonic() - t0 < 5:
            time.sleep(0.02)
        self._launch(role)
        self._ready(role)

    def freeze(self, role):
        os.killpg(self.procs[role].pid, signal.SIGSTOP)

    def thaw(self, role):
        os.killpg(self.procs[role].pid, signal.SIGCONT)

    def revive(self):
        """Start again every peer a scenario killed."""
        for r in self.roles:
            if not self.alive(r):
                self.restart(r)


# ------------------------------------------------------------- one scenario

async def ask(node, cmd, timeout=5.0):
    """Ask ``node``'s agent to do ``cmd``; its answer (``agent_timeout`` if none)."""
    labrt.send(("agent", node), (labrt.self(), cmd))
    m = await receive(lambda m: type(m) is tuple and len(m) == 2 and m[0] == "agent",
                      timeout=timeout)
    return "agent_timeout" if m is TIMEOUT else m[1]


async def _reset(roles, log):
    """Every peer: kill what it started, drop its other connections; then settle.

    labrt peers pass their node lists on (item 102, as the BEAM's ``global``
    does), so the runner's own contacts could connect the peers to each other
    again: ``reset`` turns that off on the peer until ``arm``.  Round one
    resets every peer; round two drops what round one's contacts made; then
    each peer is armed alone (a connected to it only, so no list carries
    another peer) and disconnected.  Finally the runner watches 0.05 s for a
    peer connecting back, and disconnects again if one did."""
    for r, cmd in [(r, "reset") for r in roles] + [(r, "reset_again") for r in roles]:
        got = await ask(nd(r), cmd)
        assert got == "ok", f"peer {r} did not reset: {got!r}"
    for n in labrt.nodes():
        labrt.disconnect_node(n)
    for r in roles:
        await sleep(0.02)
        got = await ask(nd(r), "arm")
        assert got == "ok", f"peer {r} did not arm: {got!r}"
        labrt.disconnect_node(nd(r))
    labrt.monitor_nodes(True)
    for _ in range(5):
        for n in labrt.nodes():
            labrt.disconnect_node(n)
        await sleep(0.05)
        back = []
        while (m := await receive(timeout=0)) is not TIMEOUT:
            if type(m) is tuple and m[0] == "nodeup":
                back.append(m[1])
        if not back and not labrt.nodes():
            break
        log(f"runner: {back} connected again after the reset")
    labrt.monitor_nodes(False)


async def _runner(body, ctx, roles, log):
    await _reset(roles, log)
    pid, ref = labrt.spawn_monitor(body, ctx)
    ctx.names[pid] = "main"
    msg = await receive(lambda m: isinstance(m, Down) and m.ref == ref, timeout=25.0)
    if msg is TIMEOUT:
        ctx.log("runner", "timeout")
    else:
        ctx.log("a", "exit", msg.reason)


def run_scenario(peers: Peers, body, log=None, roles=None) -> list[str]:
    """Run one live twin on a fresh node a; return its lines.

    ``roles`` are the peers the scenario uses (all when None); the peers the
    previous scenario used are reset too, the others are as they were left:
    up, connected to nothing."""
    peers.revive()
    t0 = time.monotonic()       # the last scenario's a: EPMD must have let its name go
    while "a" in peers.cluster.names() and time.monotonic() - t0 < 5:
        time.sleep(0.01)
    roles = tuple(peers.roles if roles is None else roles)
    touch = tuple(r for r in peers.roles if r in roles or r in peers.dirty)
    peers.dirty = set(roles)
    logs = [] if log is None else log
    rt = Node(nd("a"), peers.cookie, epmd_port=peers.epmd_port, reports=None,
              log=logs.append)
    ctx = Ctx(peers)
    rt.run_main(_runner, body, ctx, touch, logs.append)
    return ctx.lines()
