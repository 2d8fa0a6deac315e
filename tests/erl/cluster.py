"""Real clusters for tests: a private EPMD, BEAM nodes, labrt nodes as OS processes.

Everything binds to loopback.  Each cluster gets its own EPMD port (so the
machine's epmd on 4369 is neither needed nor touched) and a marker in the
environment of every OS process it starts; on exit it kills them all and
checks, through /proc, that none is left (a leftover fails the test).
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MARKER = "LABRT_TEST_CLUSTER"


def erl_available() -> bool:
    return all(shutil.which(p) for p in ("erl", "erlc", "epmd"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _marked(token):
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes()
        except OSError:
            continue
        if f"{MARKER}={token}".encode() in env.split(b"\0"):
            out.append(int(d.name))
    return out


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def _listening(port, limit=10.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Cluster:
    """``with Cluster() as c: c.beam("b"); c.labrt("c", script)``."""

    def __init__(self, cookie="labrt-test-cookie", real_epmd=True, strict=False):
        self.cookie = cookie
        self.token = secrets.token_hex(8)
        self.epmd_port = free_port()
        self.real_epmd = real_epmd
        self.strict = strict       # a marked process it did not start itself fails the exit
        self.procs: list[subprocess.Popen] = []
        self.env = {**os.environ, "ERL_EPMD_PORT": str(self.epmd_port), MARKER: self.token,
                    "PYTHONPATH": str(REPO)}
        self._ebin = None

    def __enter__(self):
        if self.real_epmd:
            self._start(["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"])
            _listening(self.epmd_port)
        return self

    def _start(self, argv, **kw):
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                             start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def ebin(self):
        return self.ebin_of("labrt_agent.erl")

    def ebin_of(self, source):
        """A folder (one per cluster) with ``tests/erl/<source>`` compiled into it."""
        if self._ebin is None:
            self._ebin = tempfile.mkdtemp(prefix="labrt-agent-")
        beam = Path(self._ebin) / (Path(source).stem + ".beam")
        if not beam.exists():
            subprocess.run(["erlc", "-o", self._ebin, str(HERE / source)], check=True,
                           capture_output=True)
        return self._ebin

    def beam(self, short, cookie=None, eval=None, args=()):
        """Start ``erl -sname short@localhost`` running labrt_agent; return the Popen.

        ``args`` are more ``erl`` flags (``-proto_dist inet_tls ...``)."""
        p = self._start(["erl", "-sname", f"{short}@localhost", "-setcookie",
                         cookie or self.cookie, "-noshell", "-pa", self.ebin(), *args,
                         "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                         "-s", "labrt_agent", "start"] + (["-eval", eval] if eval else []),
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # Registered with epmd is not enough: the agent starts after distribution.
        line = p.stdout.readline()
        if b"labrt_agent ready" not in line:
            raise RuntimeError(f"erl node {short} did not start its agent: {line!r}")
        threading.Thread(target=p.stdout.read, daemon=True).start()   # never let it block
        return p

    def labrt(self, short, *args):
        """Start ``python -m labrt.node --sname short@localhost ...``; return the Popen."""
        p = self._start([sys.executable, "-m", "labrt.node", "--sname", f"{short}@localhost",
                         "--cookie", self.cookie, "--epmd-port", str(self.epmd_port), *args],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.wait_registered(short)
        return p

    def wait_registered(self, short, limit=20.0):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if short in self.names():
                return
            time.sleep(0.05)
        raise RuntimeError(f"node {short} did not register with epmd in {limit} s")

    def names(self):
        try:
            with socket.create_connection(("127.0.0.1", self.epmd_port), timeout=1) as s:
                s.sendall(b"\x00\x01n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
        except OSError:
            return set()
        return {line.split()[1] for line in data[4:].decode().splitlines() if line.startswith("name ")}

    def kill9(self, proc):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.wait()
        t0 = time.monotonic()
        left = _marked(self.token)
        while self.strict and left and time.monotonic() - t0 < 1:   # groups' members dying
            time.sleep(0.05)
            left = _marked(self.token)
        strays = [(pid, _cmdline(pid)) for pid in left]
        while left and time.monotonic() - t0 < 6:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
            left = _marked(self.token)
        if self._ebin:
            shutil.rmtree(self._ebin, ignore_errors=True)
        if left and exc[0] is None:
            raise AssertionError(f"OS processes left behind by the cluster: {left}")
        if self.strict and strays and exc[0] is None:
            raise AssertionError("OS processes left behind (killed now), not started by "
                                 f"the cluster: {strays}")
        return False
