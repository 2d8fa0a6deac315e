"""Real nodes on loopback: Erlang's distribution protocol, labrt and the BEAM.

Three pairs, measured in the same run: Erlang to Erlang (the baseline, an
escript that starts a peer node), labrt to labrt, and labrt to Erlang.
Each workload returns the seconds its n messages (or round trips) took,
timed inside the sending node, so node start-up is not counted.
"""
import re
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Skip(Exception):
    """The workload cannot run here; the message says why."""


def _escript(metric, n):
    if shutil.which("escript") is None:
        raise Skip("needs a real Erlang (escript)")
    out = subprocess.run(["escript", str(HERE / "erl" / "dist_bench.escript"), metric, str(n)],
                         capture_output=True, text=True, timeout=300)
    m = re.search(r"seconds ([0-9.]+)", out.stdout)
    if out.returncode != 0 or m is None:
        raise RuntimeError(f"dist_bench.escript failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    return float(m.group(1))


def erlang_oneway(n):
    """n one-way messages from one Erlang node to a process on another."""
    return _escript("oneway", n)


def erlang_pingpong(n):
    """n ping-pong round trips between processes on two Erlang nodes."""
    return _escript("pingpong", n)


# --- labrt nodes (trio kernel) ------------------------------------------------

import os  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

COOKIE = "labrt_bench"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Peer:
    """A private EPMD and one peer node (labrt or Erlang) in OS processes of their own."""

    def __init__(self, kind):
        self.port = _free_port()
        self.env = {**os.environ, "ERL_EPMD_PORT": str(self.port),
                    "PYTHONPATH": f"{HERE}{os.pathsep}{HERE.parent}"}
        self.procs = []
        self._start([sys.executable, "-m", "labrt.erl.epmd", "--port", str(self.port)])
        self._wait(self.port)
        if kind == "labrt":
            self._start([sys.executable, "-m", "labrt.node", "--sname", "bench_b@localhost",
                         "--cookie", COOKIE, "--epmd-port", str(self.port),
                         "--run", "wl_erl:peer_app"])
        else:
            if shutil.which("erl") is None:
                raise Skip("needs a real Erlang (erl)")
            self._start(["erl", "-sname", "bench_b@localhost", "-setcookie", COOKIE,
                         "-noshell", "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                         "-eval", _ERLANG_PEER])
        time.sleep(0.2)
        for _ in range(200):
            if self._registered():
                return
            time.sleep(0.05)
        self.close()
        raise RuntimeError("the peer node did not register with epmd")

    def _start(self, argv):
        self.procs.append(subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, start_new_session=True))

    def _wait(self, port):
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def _registered(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"\x00\x01n")
                data = b""
                while chunk := s.recv(4096):
                    data += chunk
            return b"name bench_b " in data
        except OSError:
            return False

    def close(self):
        for p in reversed(self.procs):
            p.kill()
            p.wait()


# The peer's program: `sink` counts n messages then answers; `echo` returns each.
_ERLANG_PEER = (
    "register(sink, spawn(fun S() -> receive {start, N, From} -> "
    "  (fun L(0) -> From ! done; L(K) -> receive {msg, _} -> L(K - 1) end end)(N), S() end end)),"
    "register(echo, spawn(fun E() -> receive {From, X} -> From ! X, E() end end)).")


async def peer_app():
    """What a labrt peer node runs for the benchmark: the same sink and echo."""
    import labrt

    async def sink():
        while True:
            _, n, sender = await labrt.receive(lambda m: m[0] == "start")
            for _ in range(n):
                await labrt.receive()
            labrt.send(sender, "done")

    async def echo():
        while True:
            sender, x = await labrt.receive()
            labrt.send(sender, x)

    labrt.register("sink", labrt.spawn(sink))
    labrt.register("echo", labrt.spawn(echo))
    await labrt.receive("a message nobody sends")


def _labrt_side(kind, metric, n):
    import labrt
    from labrt.erl import Node
    peer = _Peer(kind)
    try:
        rt = Node("bench_a@localhost", COOKIE, epmd_port=peer.port, reports=None,
                  log=lambda line: None)
        box = {}

        async def main():
            me = labrt.self()
            dest = ("sink" if metric == "oneway" else "echo", "bench_b@localhost")
            labrt.send(("echo", "bench_b@localhost"), (me, "warm"))   # connect first
            await labrt.receive("warm")
            t0 = time.perf_counter()
            if metric == "oneway":
                labrt.send(dest, ("start", n, me))
                for i in range(n):
                    labrt.send(dest, ("msg", i))
                    if i % 1000 == 999:
                        await labrt.sleep(0)        # let the connection's writer run
                await labrt.receive("done")
            else:
                for i in range(n):
                    labrt.send(dest, (me, i))
                    await labrt.receive()
            box["seconds"] = time.perf_counter() - t0
        rt.run_main(main)
        return box["seconds"]
    finally:
        peer.close()


def labrt_oneway(n):
    """n one-way messages from a labrt node to a labrt node (two OS processes)."""
    return _labrt_side("labrt", "oneway", n)


def labrt_pingpong(n):
    """n round trips between processes on two labrt nodes (two OS processes)."""
    return _labrt_side("labrt", "pingpong", n)


def labrt_to_erlang_oneway(n):
    """n one-way messages from a labrt node to an Erlang node."""
    return _labrt_side("erlang", "oneway", n)


def labrt_to_erlang_pingpong(n):
    """n round trips between a labrt node and an Erlang node."""
    return _labrt_side("erlang", "pingpong", n)
