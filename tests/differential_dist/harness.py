"""Run the distribution scenarios on real BEAM nodes and on labrt, printed alike.

A scenario is written twice: in Erlang (``dist_scenarios.erl``, with the
runner and helpers of ``dist_kit.erl``, run on four peer nodes by
``beam_dist.escript``) and with labrt's distribution API (``scenarios.py``,
run in one simulated :class:`labrt.World`).  On both sides
the scenario's main process runs on node ``a`` and logs *lines* of terms; both
sides print a line the same way:

- a node name ``Role@localhost`` prints as its role: ``a``, ``b``, ``c`` (and
  ``x``, a node that never exists), so the host and Erlang's node indices
  never show;
- a pid prints as ``<Role.Name>``: the role of the pid's node and the name the
  scenario gave it (``?`` if none), so a process born on the wrong node is a
  visible difference;
- a ref prints as its given name or ``'#ref'``; nothing prints a time;
- other terms print as Erlang's ``~w`` does, maps with their keys sorted.  On
  the labrt side a ``str`` is an atom, ``None`` is ``undefined``, a ``dict`` a
  map, ``Exit``/``Down`` the ``'EXIT'``/``'DOWN'`` tuples, an exception the
  Erlang error it stands for, and a failed gen_server call's argument tuple
  Erlang's list with the timeout in milliseconds.

The BEAM side needs an epmd: this module starts a private one on a free
loopback port (``ERL_EPMD_PORT``), so the run neither needs nor disturbs the
machine's epmd on 4369.  Every OS process of a run (epmd, the escript's VM,
the four peers) carries a marker in its environment; after the run, any
process still holding the marker is killed and reported, and the test that
checks for leftovers fails.

Re-record the BEAM's output (three runs, which must agree)::

    .venv/bin/python -m tests.differential_dist.harness --record
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import labrt
from labrt import Down, Exit, Pid, ProcessExit, Ref, Timeout

HERE = Path(__file__).resolve().parent
ESCRIPT = HERE / "beam_dist.escript"
RECORDED = HERE / "beam_expected.txt"
HOST = "localhost"
ROLES = ("a", "b", "c", "d")
#: The peers' net_ticktime (beam_dist.escript), and so the world's tick.
TICK = 2.0
MARKER = "LABRT_DIFF_DIST_RUN"
HEADER = (
    "% BEAM output of beam_dist.escript (four peer nodes), recorded on Erlang/OTP {release}.\n"
    "% Re-record: .venv/bin/python -m tests.differential_dist.harness --record\n")


def node_name(role: str) -> str:
    return f"{role}@{HOST}"


# ----------------------------------------------------------------- terms

#: Python exception class -> the Erlang error reason it stands for.
EXCEPTIONS = [
    (labrt.BadTimeout, "timeout_value"),
    (labrt.BadArg, "badarg"),
    (labrt.NoProc, "noproc"),
    (ZeroDivisionError, "badarith"),
]

_RESERVED = set("""after and andalso band begin bnot bor bsl bsr bxor case catch
cond div end fun if let not of or orelse receive rem try when xor""".split())
_PLAIN_ATOM = re.compile(r"[a-z][A-Za-z0-9_@]*\Z")
_NODE = re.compile(r"([a-z][A-Za-z0-9_]*)@" + re.escape(HOST) + r"\Z")


@dataclass(frozen=True)
class PidAt:
    """A pid together with the role of its node (known only inside the world)."""
    pid: Pid
    role: str


@dataclass(frozen=True)
class Printed:
    """A normalised pid: prints ``<role.name>``."""
    role: str
    name: str


class Atom(str):
    """An atom made by normalisation (a ref's name)."""


def role(node) -> str:
    """``b@localhost`` -> ``b``; anything else is itself."""
    m = _NODE.match(node) if isinstance(node, str) else None
    return m.group(1) if m else node


def exception_atom(exc: BaseException) -> str:
    for cls, atom in EXCEPTIONS:
        if isinstance(exc, cls):
            return atom
    return f"python:{type(exc).__name__}"      # shows up as a visible diff


def locate(x):
    """Inside a process: wrap every pid in ``x`` with the role of its node."""
    if isinstance(x, Pid):
        return PidAt(x, role(labrt.node(x)))
    if isinstance(x, Exit):
        return ("EXIT", locate(x.pid), locate(x.reason))
    if isinstance(x, Down):
        return ("DOWN", x.ref, "process", locate(x.pid), locate(x.reason))
    if isinstance(x, ProcessExit):
        return locate(x.reason)
    if isinstance(x, tuple):
        return tuple(locate(e) for e in x)
    if isinstance(x, list):
        return [locate(e) for e in x]
    if isinstance(x, dict):
        return {locate(k): locate(v) for k, v in x.items()}
    return x


def norm(x, names: dict):
    """Replace labrt values (after :func:`locate`) by the Erlang terms they stand for."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "undefined"
    if isinstance(x, PidAt):
        return Printed(x.role, names.get(x.pid, "?"))
    if isinstance(x, Pid):                       # not located: a harness bug
        return Printed("?", names.get(x, "?"))
    if isinstance(x, Ref):
        return Atom(names.get(x, "#ref"))
    if isinstance(x, Timeout):
        return "timeout"
    if isinstance(x, BaseException):
        return exception_atom(x)
    if isinstance(x, str) and not isinstance(x, Atom):
        return role(x)
    if (isinstance(x, tuple) and len(x) == 3 and x[0] == "gen_server"
            and isinstance(x[2], tuple)):
        # A failed call's {gen_server, call, Args}: Erlang's Args is a list and
        # its timeout is in milliseconds; labrt uses a tuple and seconds.
        args = list(x[2])
        if (len(args) == 3 and isinstance(args[2], (int, float))
                and not isinstance(args[2], bool)):
            args[2] = round(args[2] * 1000)
        return ("gen_server", norm(x[1], names), norm(args, names))
    if isinstance(x, tuple):
        return tuple(norm(e, names) for e in x)
    if isinstance(x, list):
        return [norm(e, names) for e in x]
    if isinstance(x, dict):
        return {norm(k, names): norm(v, names) for k, v in x.items()}
    return x


def fmt(x) -> str:
    """Format a normalised term as ``dist_kit:fmt/1`` does (``~w`` plus pids)."""
    if isinstance(x, Printed):
        return f"<{x.role}.{x.name}>"
    if isinstance(x, str):
        if _PLAIN_ATOM.match(x) and x not in _RESERVED:
            return x
        return "'" + x.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, tuple):
        return "{" + ",".join(fmt(e) for e in x) + "}"
    if isinstance(x, list):
        return "[" + ",".join(fmt(e) for e in x) + "]"
    if isinstance(x, dict):
        kvs = sorted((fmt(k), fmt(v)) for k, v in x.items())
        return "#{" + ",".join(f"{k} => {v}" for k, v in kvs) + "}"
    return f"'python:{type(x).__name__}'"


def fmt_line(terms, names) -> str:
    return " ".join(fmt(norm(t, names)) for t in terms)


# ----------------------------------------------------------------- labrt side

class Ctx:
    """What a labrt scenario gets: ``log``, ``log_sorted``, ``name``, the world."""

    def __init__(self, world):
        self.world = world
        self.items: list = []         # ("line", terms) | ("sorted", [terms])
        self.names: dict = {}

    def __deepcopy__(self, memo):
        return self        # a recorder shared on purpose: spawn must not copy it

    def log(self, *terms):
        self.items.append(("line", locate(list(terms))))

    def log_sorted(self, lines):
        self.items.append(("sorted", [locate(list(t)) for t in lines]))

    def name(self, x, role_name: str):
        self.names[x] = role_name
        return x

    def lines(self) -> list[str]:
        out = []
        for kind, body in self.items:
            if kind == "line":
                out.append(fmt_line(body, self.names))
            else:
                out.extend(sorted(fmt_line(t, self.names) for t in body))
        return out


async def _runner(body, ctx: Ctx):
    pid, ref = labrt.spawn_monitor(body, ctx)
    ctx.names[pid] = "main"
    msg = await labrt.receive(lambda m: isinstance(m, Down) and m.ref == ref,
                              timeout=20.0)
    if isinstance(msg, Timeout):
        ctx.log("runner", "timeout")
    else:
        ctx.log("a", "exit", msg.reason)


def run_labrt(body, setup=(), seed=1, latency=None) -> list[str]:
    """Run one labrt scenario in a fresh world of nodes a, b, c, d; return its lines.

    The world runs with ``prevent_overlapping_partitions=True``, as the peers
    do (OTP 25's default, passed explicitly by beam_dist.escript).

    ``setup`` lists ``("connect", "b", "c")`` actions done before the scenario
    starts, as the controller does on the BEAM side.  ``latency`` is the
    network's (the world's default when None).
    """
    kw = {} if latency is None else {"latency": latency}
    world = labrt.World(seed=seed, reports=None, tick=TICK,
                        prevent_overlapping_partitions=True, **kw)
    nodes = {r: world.node(node_name(r)) for r in ROLES}
    for action, frm, to in setup:
        assert action == "connect", action
        nodes[frm].spawn(_connect_to, node_name(to))
        world.run()
    ctx = Ctx(world)
    nodes["a"].spawn(_runner, body, ctx)
    world.run()
    return ctx.lines()


async def _connect_to(node):
    """Setup on one node: a send to a name on ``node`` connects the two."""
    labrt.send(("nosuch", node), "hello")


# ----------------------------------------------------------------- BEAM side

def erl_available() -> bool:
    return all(shutil.which(p) for p in ("escript", "erl", "epmd"))


def parse_sections(text: str) -> tuple[dict[str, list[str]], int]:
    """Split the escript's output into ({scenario: lines}, count from the end marker)."""
    sections: dict[str, list[str]] = {}
    current = None
    count = -1
    for line in text.splitlines():
        if line.startswith("%"):
            continue
        if line.startswith("=== end "):
            count = int(line.split()[2])
            current = None
        elif line.startswith("=== "):
            current = line[4:].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections, count


@dataclass
class BeamRun:
    """One run of the escript: its output, and the OS processes it left behind."""
    stdout: str
    stderr: str
    returncode: int
    leftovers: list[str] = field(default_factory=list)

    @property
    def sections(self):
        return parse_sections(self.stdout)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, proc, limit=10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"epmd exited at once ({proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"epmd did not listen on {port}")


def marked_processes(token: str) -> list[tuple[int, str]]:
    """(pid, command line) of every OS process whose environment has our marker."""
    needle = f"{MARKER}={token}".encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes()
            if needle not in env + b"\0":
                continue
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        found.append((int(entry), cmd.decode(errors="replace").strip()))
    return found


def _kill_group(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def run_beam(names=(), timeout=120.0) -> BeamRun:
    """Start a private epmd, run the escript (all scenarios or the named ones), clean up.

    The peers halt by themselves when the escript's VM ends (their standard
    input closes); whatever still carries the run's marker a few seconds after
    that is killed and listed in ``leftovers``.
    """
    token = uuid.uuid4().hex
    port = _free_port()
    env = {**os.environ, "ERL_EPMD_PORT": str(port), MARKER: token}
    epmd = subprocess.Popen(["epmd", "-port", str(port), "-address", "127.0.0.1"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    proc = None
    try:
        _wait_listening(port, epmd)
        proc = subprocess.Popen(["escript", str(ESCRIPT), *names], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            err += f"\n(harness: the escript ran over {timeout} s and was killed)"
        code = proc.returncode
    finally:
        if proc is not None:
            _kill_group(proc)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            if all(pid == epmd.pid for pid, _ in marked_processes(token)):
                break
            time.sleep(0.05)
        epmd.terminate()
        try:
            epmd.wait(timeout=5)
        except subprocess.TimeoutExpired:
            epmd.kill()
            epmd.wait()
        left = marked_processes(token)
        for pid, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return BeamRun(out, err, code, [f"{pid} {cmd}" for pid, cmd in left])


def read_recorded() -> tuple[dict[str, list[str]], int]:
    return parse_sections(RECORDED.read_text())


def otp_release() -> str:
    out = subprocess.run(
        ["erl", "-noshell", "-eval",
         'io:format("~s~n", [erlang:system_info(otp_release)]), halt().'],
        capture_output=True, text=True, timeout=60, check=True).stdout
    return out.strip()


def otp_version() -> str:
    """The full OTP version (e.g. 25.2.3), from the OTP_VERSION file."""
    code = ('{ok, V} = file:read_file(filename:join([code:root_dir(), "releases", '
            'erlang:system_info(otp_release), "OTP_VERSION"])), '
            'io:format("~s~n", [string:trim(V)]), halt().')
    out = subprocess.run(["erl", "-noshell", "-eval", code], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return out.strip()


def record(runs: int = 3) -> int:
    """Run the BEAM ``runs`` times; if every run printed the same, write the recording."""
    outs = []
    for i in range(runs):
        r = run_beam()
        if r.returncode or r.leftovers:
            print(f"run {i + 1}: exit {r.returncode}, leftovers {r.leftovers}\n{r.stderr}",
                  file=sys.stderr)
            return 1
        outs.append(r.stdout)
        print(f"run {i + 1}: {len(r.sections[0])} scenarios", file=sys.stderr)
    if any(o != outs[0] for o in outs):
        import difflib
        for i, o in enumerate(outs[1:], 2):
            sys.stderr.writelines(difflib.unified_diff(
                outs[0].splitlines(True), o.splitlines(True), "run 1", f"run {i}"))
        print("the runs differ: not recorded", file=sys.stderr)
        return 1
    RECORDED.write_text(HEADER.format(release=otp_version()) + outs[0])
    print(f"wrote {RECORDED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--record", action="store_true", help="re-record beam_expected.txt")
    ap.add_argument("--runs", type=int, default=3, help="BEAM runs that must agree")
    ap.add_argument("names", nargs="*", help="without --record: run these scenarios, print")
    a = ap.parse_args()
    if a.record:
        sys.exit(record(a.runs))
    r = run_beam(a.names)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.leftovers:
        print("left behind:", *r.leftovers, sep="\n  ", file=sys.stderr)
    sys.exit(r.returncode or bool(r.leftovers))
