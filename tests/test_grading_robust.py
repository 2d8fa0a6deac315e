"""The grading command's robustness: malformed files (fuzzed), escaped reports,
scores bounded by the registry, the observation encoding, wrappers that are not
tampering, hidden details kept hidden, and refusing to grade without a sandbox."""
from __future__ import annotations

import builtins
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labrt
from labrt.grading import TASKS, load_checks, load_hidden
from labrt.grading import grade as g
from labrt.grading import notebook as nbio
from labrt.grading import protocol, worker
from labrt.grading.core import CaseResult, TaskResult
from labrt.grading.judging import assemble, requests_for
from labrt.grading.report import csv_text, md_text, to_csv, to_markdown
from labrt.grading.sandbox import problem

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")
NOTEBOOK = "ch02-functional"
EXERCISE = json.loads((ROOT / "exercises" / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
SOLUTION = json.loads((ROOT / "solutions" / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
SOURCES = g.load_sources(ROOT / "exercises")
needs_sandbox = pytest.mark.skipif(problem() is not None, reason=f"no sandbox: {problem()}")


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "labrt.grading", "grade", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


# ---------------------------------------------------------------------------
# malformed notebooks

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)

PLACES = ["metadata", "cells", "cell", "cell.metadata", "cell.source", "cell.cell_type",
          "cell.metadata.labrt_grading", "cell.metadata.labrt_grading.task",
          "cell.metadata.labrt_grading.role", "metadata.labrt_grading",
          "metadata.labrt_grading.notebook", "cell.metadata.tags", "root"]


def _spoil(nb: dict, place: str, index: int, value):
    nb = json.loads(json.dumps(nb))
    if place == "root":
        return value
    if place in ("metadata", "cells"):
        nb[place] = value
        return nb
    if place.startswith("metadata."):
        nb.setdefault("metadata", {}).setdefault("labrt_grading", {})
        if place == "metadata.labrt_grading":
            nb["metadata"]["labrt_grading"] = value
        else:
            nb["metadata"]["labrt_grading"]["notebook"] = value
        return nb
    cell_index = index % len(nb["cells"])
    if place == "cell":
        nb["cells"][cell_index] = value
        return nb
    cell = nb["cells"][cell_index]
    parts = place.split(".")[1:]
    target = cell
    for key in parts[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[parts[-1]] = value
    return nb


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(PLACES), index=st.integers(0, 100), value=json_values,
       base=st.sampled_from(["exercise", "solution"]))
def test_fuzzed_notebooks_get_a_sentence_never_a_traceback(tmp_path, monkeypatch, place, index,
                                                           value, base):
    """Any JSON put anywhere in a notebook gives a graded submission or a one-sentence
    error; the reading and cell-finding code never raises."""
    monkeypatch.setattr(g, "run_workers", lambda notebook, steps, setup: (
        {t.name: g._blank(t, "failed", "", True) for t in g.tasks_of(notebook)}, []))
    nb = _spoil(EXERCISE if base == "exercise" else SOLUTION, place, index, value)
    path = tmp_path / "fuzz.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = g.grade_one(path, tmp_path, SOURCES, g.Setup())
    assert sub.tasks or sub.error
    assert "could not be graded (an error in the grader" not in sub.error, sub.error
    if sub.error:
        assert "\n" not in sub.error and len(sub.error) < 400


MALFORMED = {
    "meta_list": lambda nb: {**nb, "metadata": []},
    "cell_meta_null": lambda nb: {**nb, "cells": [{**c, "metadata": None} for c in nb["cells"]]},
    "task_list": lambda nb: {**nb, "cells": [
        {**c, "metadata": {nbio.KEY: {"role": "solution", "task": ["step"]}}} for c in nb["cells"]]},
    "source_number": lambda nb: {**nb, "cells": [{**c, "source": 7} for c in nb["cells"]]},
}


def test_malformed_files_each_get_zero_and_a_sentence(tmp_path):
    """The issue's malformed files (and deep nesting) score 0 with one sentence;
    a good notebook beside them is graded as usual."""
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, spoil in MALFORMED.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(spoil(SOLUTION)), encoding="utf-8")
    (subs / "deep.ipynb").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    (subs / "digits.ipynb").write_text('{"cells": [], "x": ' + "9" * 10_000 + "}", encoding="utf-8")
    (subs / "good.ipynb").write_text(json.dumps(SOLUTION), encoding="utf-8")
    done = _cli(subs, "--out", tmp_path / "r", "--notebook", NOTEBOOK,
                *(["--no-sandbox"] if problem() else []))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8"))))
    totals = {r["student"]: r for r in rows if r["task"] == "TOTAL"}
    full = sum(t.points for t in TASKS.values() if t.notebook == NOTEBOOK)
    assert totals["good"]["points"] == str(full)
    for name in [*MALFORMED, "deep", "digits"]:
        assert totals[name]["points"] == "0", name
        assert totals[name]["message"].count(". ") == 0 and totals[name]["message"], name


# ---------------------------------------------------------------------------
# escaping

NASTY = "x`\n```\n| fake | 999 |\n<script>alert(1)</script> *b* [l](http://e) \\| \u2028# h"


def _sub(name, message):
    task = TaskResult(NOTEBOOK, "step", 1, "t", 0, 8, "failed", message, True, 2,
                      [CaseResult(message, False, 0, 2, "failed", message, message, message,
                                  trace=message)])
    other = [TaskResult(NOTEBOOK, n, i, "t", 0, 8, "failed", "", True, 2) for i, n in
             ((2, "machine"), (3, "shop"))]
    return g.Submission(name, name + ".ipynb", NOTEBOOK, [task, *other], error="", notes=[message])


def _outside_blocks(md: str) -> tuple[list[str], int]:
    """The lines of ``md`` outside fenced blocks (CommonMark's rule for closing
    a fence: a line of at least as many backticks), and how many blocks there were."""
    outside, fence, blocks = [], None, 0
    for line in md.splitlines():
        if fence is None:
            m = re.fullmatch(r"(`{3,})(\w*)", line)
            if m:
                fence, blocks = len(m.group(1)), blocks + 1
            else:
                outside.append(line)
        elif re.fullmatch(r"`{%d,}\s*" % fence, line):
            fence = None
    assert fence is None, "a block was never closed"
    return outside, blocks


def test_markdown_keeps_its_structure_whatever_students_write():
    """Backticks, pipes, newlines and HTML in names and messages stay inert text."""
    md = to_markdown([_sub(NASTY, NASTY), _sub("=cmd|' /C calc'!A0", NASTY)])
    outside, blocks = _outside_blocks(md)
    assert blocks == 2                          # one details block per student, not more
    text = "\n".join(outside)
    assert "<script>" not in text and "\n| fake" not in text and "\n# h" not in text
    table = [line for line in outside if line.startswith("| ")]
    widths = {len(re.split(r"(?<!\\)\|", line)) for line in table}
    assert len(widths) == 1, table


def test_csv_is_parsed_back_and_has_no_formulas():
    """Every CSV cell reads back as written; cells that look like formulas are defused."""
    text = to_csv([_sub("=HYPERLINK(\"http://e\")", "+1+1"), _sub("@SUM(A1)", "-2")])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 8
    for row in rows:
        for key in ("student", "file", "message", "failed_checks"):
            assert not row[key][:1] in ("=", "+", "-", "@"), (key, row[key])
    assert rows[0]["student"] == "'=HYPERLINK(\"http://e\")"
    assert csv_text("plain") == "plain" and md_text("a|b") == "a\\|b"


def test_an_exception_name_cannot_fake_a_score_table(tmp_path):
    """A task cell raising an exception whose class name holds newlines, backticks
    and a table row: the report shows it as text."""
    subs = tmp_path / "subs"
    subs.mkdir()
    code = ("\nraise type('E\\n```\\n| fake | 999 | 999 |\\n<b>', (Exception,), {})"
            "('\\n```\\n## all full marks')\n")
    nb = json.loads(json.dumps(EXERCISE))
    for cell in nb["cells"]:
        if nbio.heading(nbio.source(cell) or "") == (1, "step"):
            cell["source"] = nbio.source(cell) + code
    (subs / "eve|`x`.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    done = _cli(subs, "--out", tmp_path / "r", *(["--no-sandbox"] if problem() else []))
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "fake | 999" in md                       # it is there, as text in a block...
    outside, blocks = _outside_blocks(md)
    assert blocks == 1                              # ...that it could not close
    assert not any(line.startswith(("| fake", "## all")) for line in outside)
    assert "<b>" not in "\n".join(outside)


# ---------------------------------------------------------------------------
# bounds: what the sandbox says is not believed

def test_forged_replies_cannot_earn_points():
    """'passed' replies for judged cases, points fields and unknown ids give 0."""
    task = TASKS["step"]
    n = len(requests_for(task, True))
    forged = {"replies": {str(i): {"status": "passed", "points": 999} for i in range(n + 5)}}
    result = assemble(task, True, forged)
    assert result.points == 0 and result.max_points == task.points
    assert all(c.status == "error" for c in result.cases)


def test_observations_of_the_wrong_shape_score_nothing():
    """Empty, truncated, malformed and oversized observations fail or error, never pass."""
    task = TASKS["step"]
    for obs in ([], None, {"D": []}, {"O": "x"}, {"T": [1, 2]}, [[["deep"]]] * 3):
        replies = {str(i): {"status": "observed", "obs": obs}
                   for i in range(len(requests_for(task, True)))}
        assert assemble(task, True, {"replies": replies}).points == 0, obs
    with pytest.raises(protocol.ObservationError):
        protocol.loads("[" * 200_000 + "]" * 200_000, 10 ** 7)
    with pytest.raises(protocol.ObservationError):
        protocol.decode(json.loads('[' * 60 + ']' * 60))


def test_the_encoding_keeps_types_and_drops_tricks():
    """Tuples stay tuples; a str subclass that equals everything arrives as a plain str;
    objects arrive as their text."""
    class Liar(str):
        def __eq__(self, other):
            return True
        __hash__ = str.__hash__

    rt = labrt.Runtime()
    pid = rt.spawn(_idle)
    rt.run()
    value = {"t": (1, ("a", [2.5, None])), "s": frozenset({1, 2}), "liar": Liar("no"),
             "pid": pid, "big": 2 ** 300}
    back = protocol.roundtrip(value)
    assert back["t"] == (1, ("a", [2.5, None])) and isinstance(back["t"][1], tuple)
    assert type(back["liar"]) is str and back["liar"] != "yes"
    assert isinstance(back["pid"], protocol.Opaque) and back["pid"].text.startswith("<")
    assert back["s"] == frozenset({1, 2}) and isinstance(back["big"], protocol.Opaque)


async def _idle():
    return None


# ---------------------------------------------------------------------------
# tampering and wrappers

def test_wrapping_print_or_send_is_not_tampering():
    """A wrapper that calls the original is not a replacement; a lambda that does not is."""
    before = worker.fingerprint()
    original_print, original_send = builtins.print, labrt.send

    def logged(*args, **kwargs):
        return original_print(*args, **kwargs)

    try:
        builtins.print = logged
        labrt.send = lambda pid, msg, _send=original_send: _send(pid, msg)
        assert worker.tampered(before) == []
        labrt.send = lambda pid, msg: msg
        assert worker.tampered(before) == ["labrt.send"]
    finally:
        builtins.print, labrt.send = original_print, original_send
    assert worker.tampered(before) == []


# ---------------------------------------------------------------------------
# hidden details and the sandbox switch

@needs_sandbox
def test_hide_hidden_details_leaks_no_hidden_text(tmp_path):
    """With --hide-hidden-details, no hidden title, hint, expected value or source line
    appears, even for a notebook that tries to read and print the hidden checks."""
    hidden = tmp_path / "hidden"
    shutil.copytree(ROOT / "instructor" / "hidden", hidden)
    with open(hidden / "ch02_functional.py", "a", encoding="utf-8") as f:
        f.write("\n# SECRET-COMMENT-4711: the source itself must not show\n"
                "hidden(STEP, 1, 'SECRET-TITLE-4711', step_table, starts=[((0, 0), ('coin', 1))],\n"
                "       afters=[(4711, 4711)], hint='SECRET-HINT-4711')\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "zoe.ipynb").write_text(json.dumps(SOLUTION), encoding="utf-8")
    nb = json.loads(json.dumps(EXERCISE))
    for cell in nb["cells"]:
        if nbio.heading(nbio.source(cell) or "") == (1, "step"):
            cell["source"] = nbio.source(cell) + (
                f"\nraise RuntimeError(open({str(hidden / 'ch02_functional.py')!r}).read()[-600:])\n")
    (subs / "mallory.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    done = _cli(subs, "--out", tmp_path / "r", "--hidden", hidden, "--hide-hidden-details")
    assert done.returncode == 0, done.stderr
    for report in ("r.md", "r.csv"):
        text = (tmp_path / report).read_text(encoding="utf-8")
        assert "4711" not in text and "SECRET" not in text, report
    assert "a hidden check" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_without_bwrap_the_command_refuses_unless_told(tmp_path):
    """No bwrap on the PATH: a plain refusal (exit 2); --no-sandbox grades and says so first."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "zoe.ipynb").write_text(json.dumps(EXERCISE), encoding="utf-8")
    env = dict(os.environ, PATH=str(tmp_path / "empty"))
    refused = _cli(subs, "--out", tmp_path / "r", "--public-only", env=env)
    assert refused.returncode == 2 and "bubblewrap" in refused.stderr
    assert "--no-sandbox" in refused.stderr and not (tmp_path / "r.md").exists()
    done = _cli(subs, "--out", tmp_path / "r", "--public-only", "--no-sandbox", env=env)
    assert done.returncode == 0, done.stderr
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert md.splitlines()[0].startswith("**Graded WITHOUT a sandbox")
    assert "without a sandbox" in (tmp_path / "r.csv").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# the task-cell rule, and a notebook that loops for ever

SPIN = """
def _spin():
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
"""


def _cells(nb: dict, task: str) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            and (nbio.heading(nbio.source(c)) or (0, ""))[1] == task]


def test_task_cells_by_rule_and_endless_loops(tmp_path):
    """A scratch stub below a solved task's check changes nothing, and the report says
    which cell was graded; a notebook whose every task loops catching BaseException
    is stopped by the time limits, and its classmate is graded as usual."""
    subs = tmp_path / "subs"
    subs.mkdir()
    scratch = json.loads(json.dumps(SOLUTION))
    stub = next(c for i, c in enumerate(EXERCISE["cells"]) if i in _cells(EXERCISE, "step"))
    wrong = dict(json.loads(json.dumps(stub)), source="# Task 1 (step)\ndef step(m, msg):\n    return m\n")
    at = _cells(scratch, "step")[0]
    scratch["cells"].insert(at, wrong)                   # an older, wrong attempt above...
    scratch["cells"].append(json.loads(json.dumps(stub)))  # ...and a scratch stub at the end
    (subs / "amy.ipynb").write_text(json.dumps(scratch), encoding="utf-8")
    spinner = json.loads(json.dumps(EXERCISE))
    for name, code in (("step", "def step(m, msg):\n    _spin()\n"),
                       ("machine", "async def machine(m):\n    _spin()\n"),
                       ("shop", "async def shop(messages):\n    _spin()\n")):
        cell = spinner["cells"][_cells(spinner, name)[0]]
        cell["source"] = f"# Task 0 ({name})\n{SPIN}\n{code}"
    (subs / "sam.ipynb").write_text(json.dumps(spinner), encoding="utf-8")
    done = _cli(subs, "--out", tmp_path / "r", "--task-limit", "2", "--time-limit", "6",
                *(["--no-sandbox"] if problem() else []))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text(encoding="utf-8"))))
    amy = {r["task"]: r for r in rows if r["student"] == "amy"}
    full = sum(t.points for t in TASKS.values() if t.notebook == NOTEBOOK)
    assert amy["TOTAL"]["points"] == str(full)
    assert amy["step"]["graded_cell"] == (f"cell {at + 2}, the last of 2 cells with this "
                                          f"task's heading above its check")
    sam = [r for r in rows if r["student"] == "sam" and r["task"] != "TOTAL"]
    assert [r["points"] for r in sam] == ["0", "0", "0"]
    assert all(r["status"] == "timeout" for r in sam), sam


def test_check_says_when_the_grader_would_take_another_cell(capsys):
    """check() notes a definition that comes from a cell without the task's heading."""
    import linecache
    from labrt.grading import CheckFailed, check
    ns: dict = {}
    for name, text in (("<cell-a>", "# Task 1 (step)\ndef step(m, msg):\n    return m\n"),
                       ("<cell-b>", "def step(m, msg):\n    return m\n")):
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        exec(compile(text, name, "exec"), ns)
    exec(compile(SOLUTION_GIVEN, "<given>", "exec"), ns)
    with pytest.raises(CheckFailed):
        check("step", ns)
    assert "note: `step` comes from a cell that does not start with '# Task 1 (step)'" in \
        capsys.readouterr().out


SOLUTION_GIVEN = "\n".join(nbio.source(c) for c in SOLUTION["cells"]
                           if c["cell_type"] == "code" and nbio.role(c)[0] == "given")


# ---------------------------------------------------------------------------
# the public copy

def test_public_copy_leaves_out_what_students_must_not_see():
    """The students' copy has labrt, exercises and the book, and none of solutions/,
    instructor/hidden/ or instructor/wrong_answers/."""
    from labrt.grading.public import public_files
    files = public_files(ROOT)
    assert "labrt/grading/checks/ch02_functional.py" in files
    assert f"exercises/{NOTEBOOK}.ipynb" in files and "_config.yml" in files
    assert not [f for f in files if f.startswith(("solutions/", "instructor/hidden/",
                                                  "instructor/wrong_answers/"))]


def test_public_copy_refuses_a_notebook_with_a_solution(tmp_path):
    """A solution marker in a notebook that would be copied stops the command; nothing is written."""
    from labrt.grading.public import make_public
    repo = tmp_path / "course"
    (repo / "book").mkdir(parents=True)
    (repo / "book" / "page.ipynb").write_text('{"cells": ["### BEGIN SOLUTION"]}', encoding="utf-8")
    (repo / "solutions").mkdir()
    (repo / "solutions" / "notes.txt").write_text("private", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        make_public(repo, tmp_path / "out")
    assert "book/page.ipynb contains a solution marker" in str(info.value)
    assert not (tmp_path / "out").exists()
    (repo / "book" / "page.ipynb").write_text('{"cells": []}', encoding="utf-8")
    (repo / "exercises").mkdir()
    make_public(repo, tmp_path / "out")
    assert (tmp_path / "out" / "book" / "page.ipynb").exists()
    assert not (tmp_path / "out" / "solutions").exists()


def test_every_notebook_states_the_task_cell_rule():
    """Each workbook notebook's opening cells state the one rule for task cells."""
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        opening = " ".join(" ".join(nbio.source(c) for c in nb["cells"][:3]).split())
        assert "the last cell that starts with `# Task N (name)` above the task's" in opening, path.name


def test_a_symbolic_link_is_not_graded(tmp_path):
    """A submission that is a link (to a classmate's notebook, say) scores 0 with a sentence."""
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / f"{NOTEBOOK}.ipynb").write_text(json.dumps(SOLUTION), encoding="utf-8")
    (subs / "mallory").mkdir()
    (subs / "mallory" / f"{NOTEBOOK}.ipynb").symlink_to(subs / "bob" / f"{NOTEBOOK}.ipynb")
    (subs / "trudy").symlink_to(subs / "bob", target_is_directory=True)
    setup = g.Setup(root=subs)
    for who in ("mallory", "trudy"):
        sub = g.grade_one(subs / who / f"{NOTEBOOK}.ipynb", subs, SOURCES, setup)
        assert sub.points == 0 and "symbolic link" in sub.error, who
