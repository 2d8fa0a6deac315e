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
