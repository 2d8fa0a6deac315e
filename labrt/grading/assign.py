"""Generate the exercise notebooks from the solution notebooks.

    python -m labrt.grading.assign            # solutions/*.ipynb -> exercises/*.ipynb
    python -m labrt.grading.assign --execute  # first re-run the solutions, storing outputs
    python -m labrt.grading.assign --check    # exit 1 if exercises/ is out of date

(``make exercises`` runs the ``--execute`` form.)

For every solution notebook the generator

* checks it: every task registered for the notebook has a solution cell
  (header ``# Task N (name)``, balanced ``### BEGIN/END SOLUTION`` markers
  inside a function body) followed by its ``check("name")`` cell, and no cell
  names a task that does not exist;
* replaces each marked region inside a function body by one line at the same
  indentation, ``raise NotDone("Task N (name) is not done yet: ...")`` (the
  text after ``### BEGIN SOLUTION:`` if there is one), and a region at the top
  level of a cell (helper definitions) by a comment, keeping everything outside
  the markers (signatures, docstrings, hint comments);
* drops cells tagged ``instructor-only``, clears outputs and execution counts,
  records each cell's role in its metadata, makes given and check cells
  undeletable, and writes the result with stable formatting, so that the
  same solutions always give byte-identical exercises.
"""
from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

from . import notebook as nbio
from .core import tasks_of
from .registry import load_checks

DEFAULT_STUB = "replace this line with your code"
TOP_LEVEL_STUB = "your helper functions, if you need any, go here"


class AuthoringError(Exception):
    """A solution notebook breaks a rule; the message names the cell and the rule."""


def stub_solution(text: str, label: str, where: str) -> str:
    """Replace each marked region of ``text`` by a ``raise NotDone(...)`` line."""
    out, inside, indent, note, start = [], False, "", "", 0
    for i, line in enumerate(text.splitlines(keepends=True), start=1):
        begin, end = nbio.BEGIN.match(line), nbio.END.match(line)
        if begin:
            if inside:
                raise AuthoringError(f"{where}: line {i}: BEGIN SOLUTION inside another one")
            inside, indent, note, start = True, begin.group(1), begin.group(2), i
        elif end:
            if not inside:
                raise AuthoringError(f"{where}: line {i}: END SOLUTION without BEGIN")
            if indent:
                message = f"{label} is not done yet: {note or DEFAULT_STUB}"
                out.append(f"{indent}raise NotDone({_quote(message)})\n")
            else:
                # At the top level a raise would fail the cell itself, not the check:
                # a top-level region (helper definitions) becomes a comment.
                out.append(f"# {note or TOP_LEVEL_STUB}\n")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise AuthoringError(f"{where}: line {start}: BEGIN SOLUTION is never ended")
    return "".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan(nb: dict, notebook: str, path_label: str) -> list[tuple[str, str | None, int]]:
    """Check the notebook's structure against the registered tasks; return
    ``[(role, task, cell index)]`` for its code cells."""
    load_checks()
    tasks = {t.name: t for t in tasks_of(notebook)}
    if not tasks:
        raise AuthoringError(f"{path_label}: no tasks are registered for notebook "
                             f"{notebook!r} (add labrt/grading/checks/<module>.py)")
    roles, solved, checked = [], [], []
    for i, cell in enumerate(nb["cells"]):
        r, task = nbio.role(cell, trust_metadata=False)
        where = f"{path_label}, cell {i + 1}"
        if r == "solution":
            text = nbio.source(cell)
            header = nbio.HEADER.match(next(line for line in text.splitlines() if line.strip()))
            number, name = int(header.group(1)), header.group(2)
            if name not in tasks:
                raise AuthoringError(f"{where}: header names task {name!r}, which is not "
                                     f"registered for {notebook} ({', '.join(tasks)})")
            if tasks[name].number != number:
                raise AuthoringError(f"{where}: header says Task {number} ({name}) but the "
                                     f"checks register it as Task {tasks[name].number}")
            if name in checked:
                raise AuthoringError(f"{where}: solution of {name!r} after its check cell")
            solved.append(name)
        elif r == "check":
            if task not in tasks:
                raise AuthoringError(f"{where}: check({task!r}) names no task of {notebook}")
            if task not in solved:
                raise AuthoringError(f"{where}: check({task!r}) comes before any solution "
                                     f"cell of that task")
            if task in checked:
                raise AuthoringError(f"{where}: a second check({task!r}) cell")
            checked.append(task)
        roles.append((r, task, i))
    missing = [n for n in tasks if n not in solved or n not in checked]
    if missing:
        raise AuthoringError(f"{path_label}: task(s) {', '.join(missing)} need a solution "
                             f"cell and a check cell")
    order = [tasks[n].number for n in checked]
    if order != sorted(order):
        raise AuthoringError(f"{path_label}: tasks appear out of order ({order})")
    return roles


def make_exercise(nb: dict, notebook: str, path_label: str, source_name: str) -> dict:
    """The exercise notebook for solution notebook ``nb``."""
    roles = {i: (r, task) for r, task, i in plan(nb, notebook, path_label)}
    tasks = {t.name: t for t in tasks_of(notebook)}
    out = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(out["cells"]):
        r, task = roles.get(i, ("markdown", None))
        if r == "instructor":
            continue
        meta = cell.setdefault("metadata", {})
        for key in ("execution", "collapsed", "scrolled", nbio.KEY):
            meta.pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            text = nbio.source(cell)
            if r == "solution":
                text = stub_solution(text, tasks[task].label, f"{path_label}, cell {i + 1}")
                try:
                    ast.parse(text)
                except SyntaxError as e:
                    raise AuthoringError(f"{path_label}, cell {i + 1}: the exercise version "
                                         f"is not valid Python ({e.msg}, line {e.lineno})")
            cell["source"] = nbio.split_lines(text)
            meta[nbio.KEY] = {"role": r, **({"task": task} if task else {})}
            if r in ("check", "given"):
                meta["deletable"] = False
            if r == "check":
                meta["editable"] = False
        cells.append(cell)
    out["cells"] = cells
    out.setdefault("metadata", {})[nbio.KEY] = {
        "notebook": notebook,
        "generated_from": source_name,
        "note": "generated by `make exercises`: edit the solution notebook, not this file",
    }
    return out


def expected_exercises(solutions: Path) -> dict[str, str]:
    """``{file name: text}`` of every exercise the solutions generate."""
    texts = {}
    for path in sorted(solutions.glob("*.ipynb")):
        nb = nbio.read_notebook(path)
        label = f"solutions/{path.name}"
        exercise = make_exercise(nb, path.stem, label, label)
        texts[path.name] = nbio.dumps(exercise)
    return texts


def out_of_sync(solutions: Path, exercises: Path) -> list[str]:
    """What differs between ``exercises/`` and what ``solutions/`` generate."""
    want = expected_exercises(solutions)
    problems = []
    for name, text in want.items():
        target = exercises / name
        if not target.is_file():
            problems.append(f"exercises/{name} is missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"exercises/{name} differs from what solutions/{name} generates")
    for path in sorted(exercises.glob("*.ipynb")):
        if path.name not in want:
            problems.append(f"exercises/{path.name} has no solution notebook")
    return problems


def execute(path: Path, timeout: int = 120) -> None:
    """Run a solution notebook top to bottom and store its outputs in place."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            record_timing=False, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    data = nbformat.writes(nb)          # normalise, then write in our stable layout
    nbio.write_notebook(nbio.json.loads(data), path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labrt.grading.assign",
        description="Generate exercises/*.ipynb from solutions/*.ipynb.")
    parser.add_argument("--solutions", default="solutions", type=Path)
    parser.add_argument("--exercises", default="exercises", type=Path)
    parser.add_argument("--execute", action="store_true",
                        help="re-run each solution notebook first and store its outputs")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if exercises/ is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = out_of_sync(args.solutions, args.exercises)
            for p in problems:
                print(p)
            if problems:
                print("run `make exercises` and commit solutions/ and exercises/ together")
            return 1 if problems else 0
        if args.execute:
            for path in sorted(args.solutions.glob("*.ipynb")):
                print(f"executing {path}")
                execute(path)
        args.exercises.mkdir(parents=True, exist_ok=True)
        for name, text in expected_exercises(args.solutions).items():
            target = args.exercises / name
            old = target.read_text(encoding="utf-8") if target.is_file() else None
            if old != text:
                target.write_text(text, encoding="utf-8", newline="\n")
                print(f"wrote {target}")
            else:
                print(f"unchanged {target}")
    except (AuthoringError, nbio.NotebookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
