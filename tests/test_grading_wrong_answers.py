"""Every wrong answer in instructor/wrong_answers/ is caught by its task's checks,
with a message that names the problem."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from labrt.grading import TASKS, load_checks, load_hidden, run_task, task_text
from labrt.grading import notebook as nbio

ROOT = Path(__file__).resolve().parents[1]
WRONG_DIR = ROOT / "instructor" / "wrong_answers"
HIDDEN_DIR = ROOT / "instructor" / "hidden"

load_checks()
load_hidden(HIDDEN_DIR)


def _wrong_answers():
    cases = []
    for path in sorted(WRONG_DIR.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"wrong_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for entry in module.WRONG:
            cases.append(pytest.param(entry, id=f"{entry['task']}: {entry['label']}"))
    return cases


def solved_namespace(notebook: str) -> dict:
    """The solution notebook's given and solution cells, run in order."""
    nb = json.loads((ROOT / "solutions" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    ns: dict = {"__name__": "__main__"}
    for cell in nb["cells"]:
        role, _ = nbio.role(cell, trust_metadata=False)
        if role in ("given", "solution"):
            exec(compile(nbio.source(cell), f"<{notebook} solution>", "exec"), ns)
    return ns


WRONG = _wrong_answers()


def test_there_are_wrong_answers_for_every_task():
    """Each task has at least three wrong answers."""
    counts: dict = {}
    for param in WRONG:
        counts[param.values[0]["task"]] = counts.get(param.values[0]["task"], 0) + 1
    assert {name: n for name, n in counts.items() if n < 3} == {}
    course = {name for name, t in TASKS.items()
              if (ROOT / "solutions" / f"{t.notebook}.ipynb").is_file()}
    assert set(counts) == course


@pytest.mark.parametrize("entry", WRONG)
def test_wrong_answer_is_caught_and_named(entry):
    """The wrong answer loses points, and the check's text names the problem."""
    task = TASKS[entry["task"]]
    ns = solved_namespace(task.notebook)
    exec(compile(entry["code"], f"<wrong answer: {entry['label']}>", "exec"), ns)
    public = run_task(task, ns, include_hidden=False)
    text = task_text(public)
    if entry.get("public", True):
        assert public.status != "passed", text
        assert public.points < public.max_points
        assert entry["says"] in text, text
    full = run_task(task, ns, include_hidden=True)
    assert full.points < full.max_points
    assert entry["says"] in task_text(full)
