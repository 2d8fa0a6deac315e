"""The workbook as a whole: exercises/ is generated from solutions/ and in sync,
solutions score full marks, exercises fail exactly at their checks, and the
notebooks, chapters and instructor files point at each other correctly."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from labrt.grading import assign, load_checks, tasks_of
from labrt.grading import notebook as nbio

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
load_checks()


def code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_the_three_first_notebooks_exist():
    """Chapters 2, 3 and 4 each have a solution and an exercise notebook."""
    names = {p.name for p in SOLUTIONS}
    assert {"ch02-functional.ipynb", "ch03-processes.ipynb", "ch04-links.ipynb"} <= names
    assert [p.name for p in EXERCISES] == [p.name for p in SOLUTIONS]


def test_exercises_are_in_sync_with_solutions():
    """exercises/ is exactly what `make exercises` generates from solutions/."""
    problems = assign.out_of_sync(ROOT / "solutions", ROOT / "exercises")
    assert problems == [], "run `make exercises` and commit both folders"


def test_solutions_are_executed():
    """Every code cell of a solution notebook has run, and every check cell shows a pass."""
    for path in SOLUTIONS:
        for cell in code_cells(path):
            assert cell["execution_count"] is not None, path.name
            role, _ = nbio.role(cell, trust_metadata=False)
            if role == "check":
                text = "".join("".join(o.get("text", "")) for o in cell["outputs"])
                assert text.startswith("\u2714 Task "), (path.name, text)


def test_exercises_hold_no_solution_and_no_output():
    """Exercises have no outputs, no solution markers, and a NotDone stub per task."""
    for path in EXERCISES:
        cells = code_cells(path)
        text = "".join(nbio.source(c) for c in cells)
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells)
        for task in tasks_of(path.stem):
            assert f'raise NotDone("{task.label} is not done yet: ' in text


def test_exercise_cells_carry_their_roles():
    """Generated cells record their role; check and given cells cannot be deleted."""
    for path in EXERCISES:
        roles = [c["metadata"][nbio.KEY]["role"] for c in code_cells(path)]
        assert roles.count("check") == roles.count("solution") == len(tasks_of(path.stem))
        for cell in code_cells(path):
            if cell["metadata"][nbio.KEY]["role"] in ("check", "given"):
                assert cell["metadata"]["deletable"] is False


def test_notebooks_explain_checks_and_link_their_chapter():
    """Each notebook opens with its chapter link and a 'How the checks work' note."""
    for path in SOLUTIONS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        opening = "".join(nbio.source(c) for c in nb["cells"][:3])
        chapter = f"../book/{path.stem}.md"
        assert f"]({chapter})" in opening, path.name
        assert (ROOT / "book" / f"{path.stem}.md").is_file()
        assert "How the checks work" in opening


def test_chapters_name_their_exercise_notebook():
    """Each workbook notebook's chapter points readers at `exercises/<name>.ipynb`."""
    for path in EXERCISES:
        chapter = (ROOT / "book" / f"{path.stem}.md").read_text(encoding="utf-8")
        assert f"exercises/{path.name}" in chapter, path.name


@pytest.fixture(scope="module")
def nbval_on_exercises(tmp_path_factory):
    """Run the student-facing command, `pytest --nbval-lax exercises/`, once."""
    report = tmp_path_factory.mktemp("nbval") / "junit.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
         "--nbval-cell-timeout=60", "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
         *[str(p.relative_to(ROOT)) for p in EXERCISES]],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    return done, ET.parse(report).getroot()


def test_exercises_fail_exactly_at_their_checks(nbval_on_exercises):
    """Under `pytest --nbval-lax`, an unsolved exercise fails at each check cell, and
    only there, each time with a CheckFailed that scores 0."""
    done, root = nbval_on_exercises
    assert done.returncode == 1, done.stdout[-2000:]
    expected = {(path.name, i) for path in EXERCISES
                for i, cell in enumerate(code_cells(path))
                if cell["metadata"][nbio.KEY]["role"] == "check"}
    seen = set()
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        notebook = case.get("classname").split(".", 1)[1]      # "exercises.ch03-processes.ipynb"
        seen.add((notebook, int(case.get("name").split()[-1])))  # "Cell 4": 4th code cell
        text = problem.get("message", "") + (problem.text or "")
        assert "CheckFailed: Task" in text and " 0 of " in text, text[-500:]
    assert seen == expected


def test_solutions_pass_strict_nbval(request):
    """`pytest --nbval` on solutions/ passes: outputs are identical to the stored ones."""
    here = {Path(str(item.fspath)).resolve() for item in request.session.items}
    if getattr(request.config.option, "nbval", False) and all(p.resolve() in here for p in SOLUTIONS):
        pytest.skip("this session runs solutions/ under strict nbval itself (make test)")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "-q", *[str(p.relative_to(ROOT)) for p in SOLUTIONS]],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.fixture(scope="module")
def graded_folder(tmp_path_factory):
    """Grade solutions/ and exercises/ as if they were submissions (with hidden checks)."""
    out = {}
    for folder in ("solutions", "exercises"):
        report = tmp_path_factory.mktemp(folder) / "grades"
        done = subprocess.run([sys.executable, "-m", "labrt.grading", "grade", folder,
                               "--out", str(report), "--jobs", "2"],
                              capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        rows = list(csv.DictReader(io.StringIO(report.with_suffix(".csv").read_text(encoding="utf-8"))))
        out[folder] = (rows, done.stdout)
    return out


def test_every_solution_scores_full_marks(graded_folder):
    """Each solution notebook gets every public and hidden point."""
    rows, _ = graded_folder["solutions"]
    totals = [r for r in rows if r["task"] == "TOTAL"]
    assert len(totals) == len(SOLUTIONS)
    assert all(r["points"] == r["max_points"] != "0" for r in totals), totals


def test_every_exercise_scores_zero_as_not_done(graded_folder):
    """Each generated exercise scores 0, every task 'not done'."""
    rows, _ = graded_folder["exercises"]
    tasks = [r for r in rows if r["task"] != "TOTAL"]
    assert tasks and all(r["status"] == "not_done" and r["points"] == "0" for r in tasks)


def test_classroom_workflow_is_valid():
    """The GitHub Actions workflow parses, runs on push and writes the job summary."""
    flow = yaml.safe_load((ROOT / "instructor" / "classroom-workflow.yml").read_text(encoding="utf-8"))
    assert "push" in flow[True] or "push" in flow.get("on", {})
    text = (ROOT / "instructor" / "classroom-workflow.yml").read_text(encoding="utf-8")
    assert "python -m labrt.grading grade" in text and "GITHUB_STEP_SUMMARY" in text
    assert "--hide-hidden-details" in text


def test_authoring_guide_names_every_step():
    """instructor/AUTHORING.md covers markers, checks, hidden checks, wrong answers, regeneration."""
    text = (ROOT / "instructor" / "AUTHORING.md").read_text(encoding="utf-8")
    for needle in ("### BEGIN SOLUTION", "### END SOLUTION", "labrt/grading/checks/",
                   "instructor/hidden/", "instructor/wrong_answers/", "make exercises",
                   "@public", "@hidden", "hidden_points"):
        assert needle in text, needle


def test_task_headings_announce_the_registered_points():
    """Each task's heading, '## Task N: ... (P points: X public, Y hidden)', matches its checks."""
    for path in SOLUTIONS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "\n".join(nbio.source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
        found = {int(n): tuple(map(int, rest)) for n, *rest in re.findall(
            r"^## Task (\d+): .*\((\d+) points: (\d+) public, (\d+) hidden\)", text, flags=re.M)}
        want = {t.number: (t.points, t.public_points, t.hidden_points) for t in tasks_of(path.stem)}
        assert found == want, path.name
