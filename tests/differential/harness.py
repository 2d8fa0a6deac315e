"""Run one scenario on both sides and print it the same way.

A scenario is a small program written twice: in Erlang (``beam_scenarios.escript``)
and with labrt (``scenarios.py``).  Each side logs *lines*, a line being a list of
terms, and gives pids and refs role names (``a`` is always the scenario's main
process).  Both sides then print every line as Erlang's ``~w`` would print it,
with pids and refs replaced by their role names, so the two outputs can be
compared as plain text.

Python values map to Erlang terms like this: a ``str`` is an atom, a tuple a
tuple, a list a list, ``True``/``False`` the atoms ``true``/``false``, ``None``
the atom ``undefined`` (what ``whereis`` returns), ``TIMEOUT`` the atom
``timeout``, ``Exit(p, r)`` is ``{'EXIT',P,R}`` and ``Down(ref, p, r)`` is
``{'DOWN',Ref,process,P,R}``.  An exception used as an exit reason becomes the
Erlang error it stands for (``ZeroDivisionError`` -> ``badarith``); the Erlang
side drops the stacktrace from ``{Reason, Stacktrace}`` to match.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import labrt
from labrt import Down, Exit, Pid, ProcessExit, Ref, Timeout

HERE = Path(__file__).resolve().parent
ESCRIPT = HERE / "beam_scenarios.escript"
UPGRADE_ESCRIPT = HERE / "beam_upgrade.escript"

#: Each escript, with the file that holds its output as recorded on OTP 25.
BEAM_RUNS = [
    (ESCRIPT, HERE / "beam_expected.txt"),
    (UPGRADE_ESCRIPT, HERE / "beam_upgrade_expected.txt"),
]

# ----------------------------------------------------------------- terms

#: Python exception class -> the Erlang error reason it stands for.  Order
#: matters: subclasses before their bases.
EXCEPTIONS = [
    (labrt.BadTimeout, "timeout_value"),
    (labrt.BadArg, "badarg"),
    (labrt.NoProc, "noproc"),
    (ZeroDivisionError, "badarith"),
]

_RESERVED = set("""after and andalso band begin bnot bor bsl bsr bxor case catch
cond div end fun if let not of or orelse receive rem try when xor""".split())
_PLAIN_ATOM = re.compile(r"[a-z][A-Za-z0-9_@]*\Z")


class Atom(str):
    """A role name or other atom made by normalisation (prints unquoted)."""


def exception_atom(exc: BaseException) -> str:
    for cls, atom in EXCEPTIONS:
        if isinstance(exc, cls):
            return atom
    return f"python:{type(exc).__name__}"      # shows up as a visible diff


def norm(x, names: dict):
    """Replace labrt values by the Erlang terms they stand for."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if x is None:
        return "undefined"
    if isinstance(x, Pid):
        return Atom(names.get(x, "#pid"))
    if isinstance(x, Ref):
        return Atom(names.get(x, "#ref"))
    if isinstance(x, Timeout):
        return "timeout"
    if isinstance(x, Exit):
        return ("EXIT", norm(x.pid, names), norm(x.reason, names))
    if isinstance(x, Down):
        return ("DOWN", norm(x.ref, names), "process", norm(x.pid, names),
                norm(x.reason, names))
    if isinstance(x, ProcessExit):
        return norm(x.reason, names)
    if isinstance(x, BaseException):
        return exception_atom(x)
    if (isinstance(x, tuple) and len(x) == 3 and x[0] == "gen_server"
            and isinstance(x[2], tuple)):
        # A failed call's {gen_server, call, Args}: Erlang's Args is a list and
        # its timeout is in milliseconds; labrt uses a tuple and seconds.
        args = list(x[2])
        if (len(args) == 3 and isinstance(args[2], (int, float))
                and not isinstance(args[2], bool)):
            args[2] = round(args[2] * 1000)
        return ("gen_server", x[1], norm(args, names))
    if isinstance(x, tuple):
        return tuple(norm(e, names) for e in x)
    if isinstance(x, list):
        return [norm(e, names) for e in x]
    return x


def fmt(x) -> str:
    """Format a normalised term like Erlang's ``io_lib:format("~w", [X])``."""
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
    return f"'python:{type(x).__name__}'"


def fmt_line(terms, names) -> str:
    return " ".join(fmt(norm(t, names)) for t in terms)


# ----------------------------------------------------------------- labrt side

class Ctx:
    """What a labrt scenario gets: ``log`` and ``name``, like the Erlang side."""

    def __init__(self):
        self.lines: list[list] = []
        self.names: dict = {}

    def __deepcopy__(self, memo):
        return self        # a recorder shared on purpose: spawn must not copy it

    def log(self, *terms):
        self.lines.append(list(terms))

    def name(self, x, role: str):
        self.names[x] = role
        return x


async def _runner(body, ctx: Ctx):
    pid, ref = labrt.spawn_monitor(body, ctx)
    ctx.names[pid] = "a"
    msg = await labrt.receive(lambda m: isinstance(m, Down) and m.ref == ref,
                              timeout=5.0)
    if isinstance(msg, Timeout):
        ctx.lines.append(["runner", "timeout"])
    else:
        ctx.lines.append(["a", "exit", msg.reason])
    for p in list(ctx.names):                    # tidy up, as the Erlang runner does
        if isinstance(p, Pid) and p != pid:
            labrt.exit(p, "kill")


def run_labrt(body, seed=None, kernel="sim") -> list[str]:
    """Run one labrt scenario (simulated kernel by default); return its printed lines."""
    ctx = Ctx()
    labrt.run(_runner, body, ctx, seed=seed, kernel=kernel, reports=None)
    return [fmt_line(line, ctx.names) for line in ctx.lines]


# ----------------------------------------------------------------- BEAM side

def erl_available() -> bool:
    return shutil.which("escript") is not None


def parse_sections(text: str) -> tuple[dict[str, list[str]], int]:
    """Split the escript's output into ({scenario: lines}, count from the end marker)."""
    sections: dict[str, list[str]] = {}
    current = None
    count = -1
    for line in text.splitlines():
        if line.startswith("=== end "):
            count = int(line.split()[2])
            current = None
        elif line.startswith("=== "):
            current = line[4:].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections, count


def merge_sections(parsed) -> tuple[dict[str, list[str]], int]:
    """Join several ``parse_sections`` results; the count is -1 if any end marker is missing."""
    sections: dict[str, list[str]] = {}
    total = 0
    for secs, count in parsed:
        twice = sections.keys() & secs.keys()
        assert not twice, f"scenarios in two escripts: {sorted(twice)}"
        sections.update(secs)
        total = -1 if count < 0 or total < 0 else total + count
    return sections, total


def run_beam(names=()) -> tuple[dict[str, list[str]], int]:
    """Run every escript once (all scenarios, or the named ones) and parse the output.

    The escripts run side by side, each in its own VM, so the second one costs
    no extra start-up time.
    """
    procs = [subprocess.Popen(["escript", str(script), *names], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for script, _ in BEAM_RUNS]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, out, err)
        outs.append(out)
    return merge_sections(parse_sections(out) for out in outs)


def read_recorded() -> tuple[dict[str, list[str]], int]:
    """The recorded output of every escript, merged like :func:`run_beam`'s."""
    return merge_sections(parse_sections(rec.read_text()) for _, rec in BEAM_RUNS)


def otp_release() -> str:
    out = subprocess.run(
        ["erl", "-noshell", "-eval",
         'io:format("~s~n", [erlang:system_info(otp_release)]), halt().'],
        capture_output=True, text=True, timeout=60, check=True).stdout
    return out.strip()
