"""Reading and writing workbook notebooks, and telling their cells apart.

A workbook notebook has four kinds of code cell:

* **solution** cells hold a task's answer between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION``, and start with a header comment ``# Task 2 (ring)``;
* **check** cells are ``check("ring")``;
* **given** cells are everything else (imports, helpers the tasks use): the
  grader runs them from the official notebook, never from the student's copy;
* cells tagged ``instructor-only`` are dropped from the exercises and ignored
  by the grader.

The generator writes each cell's role into its metadata
(``{"labrt_grading": {"role": "solution", "task": "ring"}}``).

In a student's copy, one rule says which cell is a task's (:func:`task_cells`):
**the last code cell whose first line is the task's heading, ``# Task N
(name)``, above the task's ``check("name")`` cell** (the last one in the
notebook if there is no check cell). Metadata only helps when no cell has
the heading. Run top to bottom, that is also the cell the student's own
check ran against, so the two agree. A scratch copy of a stub further down
changes nothing.

A student's file is checked before anything reads it (:func:`read_notebook`):
every field the grader uses must have the type Jupyter writes, and the file
must be of reasonable size and depth; otherwise :class:`NotebookError` says,
in one sentence, what is wrong.

Only the standard library is used (no nbformat), so grading needs nothing
beyond labrt itself.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

KEY = "labrt_grading"
INSTRUCTOR_ONLY = "instructor-only"
HEADER = re.compile(r"^\s*#\s*Task\s+(\d+)\s+\((\w+)\)")
CHECK = re.compile(r"""^\s*check\(\s*["'](\w+)["']\s*\)\s*(#.*)?$""")
BEGIN = re.compile(r"^(\s*)###\s*BEGIN SOLUTION\b:?\s*(.*?)\s*$")
END = re.compile(r"^\s*###\s*END SOLUTION\b")


#: Largest notebook file read, in bytes.
MAX_BYTES = 20 * 1024 ** 2


class NotebookError(Exception):
    """A file that is not a usable notebook; the message says why, plainly."""


def read_notebook(path) -> dict:
    """Parse a notebook file, with a clear error for every way it can be broken."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise NotebookError(f"{path.name} is too large ({size // 1024 ** 2} MB; "
                                f"the limit is {MAX_BYTES // 1024 ** 2} MB)")
        raw = path.read_bytes()
    except OSError as e:
        raise NotebookError(f"cannot read {path.name}: {e.strerror or e}") from None
    if not raw.strip():
        raise NotebookError(f"{path.name} is empty (0 cells): was it saved before it was submitted?")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{path.name} is not a text file (not UTF-8)") from None
    except json.JSONDecodeError as e:
        raise NotebookError(
            f"{path.name} is not valid notebook JSON (line {e.lineno}, column {e.colno}: "
            f"{e.msg}); it was probably edited outside Jupyter or cut short") from None
    except RecursionError:
        raise NotebookError(f"{path.name} is JSON nested too deeply to be a notebook") from None
    except ValueError as e:          # e.g. an integer with too many digits
        raise NotebookError(f"{path.name} is not valid notebook JSON ({e})") from None
    problem = _shape_problem(nb)
    if problem:
        raise NotebookError(f"{path.name} is JSON but not a notebook Jupyter wrote: {problem}")
    return nb


def _shape_problem(nb) -> str:
    """What is wrong with the fields the grader reads, or ""."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return "it has no list of cells"
    meta = nb.get("metadata", {})
    if not isinstance(meta, dict):
        return "its metadata is not a JSON object"
    ours = meta.get(KEY, {})
    if not isinstance(ours, dict) or not isinstance(ours.get("notebook", ""), str):
        return f"its {KEY} metadata is not what the course wrote"
    for i, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            return f"cell {i} is not a notebook cell"
        src = cell.get("source", "")
        if not (isinstance(src, str) or (isinstance(src, list)
                                         and all(isinstance(x, str) for x in src))):
            return f"the source of cell {i} is not text"
        cmeta = cell.get("metadata", {})
        if not isinstance(cmeta, dict):
            return f"the metadata of cell {i} is not a JSON object"
        ours = cmeta.get(KEY, {})
        if not isinstance(ours, dict) or not all(
                isinstance(ours.get(k, ""), str) for k in ("role", "task")):
            return f"the {KEY} metadata of cell {i} is not what the course wrote"
    return ""


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def split_lines(text: str) -> list[str]:
    """A cell source the way Jupyter stores it: a list of lines with their newlines."""
    return text.splitlines(keepends=True)


def dumps(nb: dict) -> str:
    """The notebook as Jupyter writes it (indent 1, sorted keys), newline at the end."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_notebook(nb: dict, path) -> None:
    Path(path).write_text(dumps(nb), encoding="utf-8", newline="\n")


def _meta(cell: dict) -> dict:
    m = cell.get("metadata", {})
    return m if isinstance(m, dict) else {}


def tags(cell: dict) -> list:
    t = _meta(cell).get("tags", [])
    return t if isinstance(t, list) else []


def role_from_source(text: str) -> tuple[str, str | None]:
    """("solution", task) / ("check", task) / ("given", None), from the text alone."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    header = HEADER.match(first)
    if header and any(BEGIN.match(line) for line in lines):
        return "solution", header.group(2)
    code = [line for line in lines if line.strip() and not line.strip().startswith("#")]
    if len(code) == 1:
        m = CHECK.match(code[0])
        if m:
            return "check", m.group(1)
    return "given", None


def role(cell: dict, trust_metadata: bool = True) -> tuple[str, str | None]:
    """The role of a cell: "markdown", "instructor", "solution", "check" or "given"."""
    if cell.get("cell_type") != "code":
        return "markdown", None
    if INSTRUCTOR_ONLY in tags(cell):
        return "instructor", None
    meta = _meta(cell).get(KEY) if trust_metadata else None
    if isinstance(meta, dict) and meta.get("role") in ("solution", "check", "given"):
        return meta["role"], meta.get("task")
    return role_from_source(source(cell))


def heading(text: str) -> tuple[int, str] | None:
    """(N, name) if the first non-blank line of ``text`` is ``# Task N (name)``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    m = HEADER.match(first)
    return (int(m.group(1)), m.group(2)) if m else None


@dataclass
class TaskCell:
    """The cell graded for a task, and how it was chosen (for the report)."""

    task: str
    index: int            # 1-based position among all the notebook's cells
    code: str
    candidates: int       # cells headed for this task
    by: str               # "heading" or "metadata" (", below": none above the check)

    def describe(self) -> str:
        if self.by.endswith("below"):
            return (f"cell {self.index} (no cell with this task's heading is above its "
                    f"check; the last one below it)")
        if self.by == "metadata":
            return (f"cell {self.index} (no cell starts with this task's heading; "
                    f"found by its metadata)")
        if self.candidates > 1:
            return (f"cell {self.index}, the last of {self.candidates} cells with this "
                    f"task's heading above its check")
        return f"cell {self.index}"


def task_cells(nb: dict) -> dict[str, TaskCell]:
    """``{task: TaskCell}`` by the rule in the module's essay."""
    headed: dict[str, list[int]] = {}
    tagged: dict[str, list[int]] = {}
    checks: dict[str, int] = {}
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        text = source(cell)
        r, task = role_from_source(text)
        if r == "check":
            checks.setdefault(task, i)
            continue
        found = heading(text)
        if found:
            headed.setdefault(found[1], []).append(i)
        meta = _meta(cell).get(KEY)
        if isinstance(meta, dict) and meta.get("role") == "solution" and isinstance(meta.get("task"), str):
            tagged.setdefault(meta["task"], []).append(i)
    out = {}
    for task in set(headed) | set(tagged):
        by, where = ("heading", headed[task]) if task in headed else ("metadata", tagged[task])
        limit = checks.get(task)
        above = [i for i in where if limit is None or i < limit]
        chosen = (above or where)[-1]
        how = by if above or limit is None else f"{by}, below"
        out[task] = TaskCell(task, chosen + 1, source(cells[chosen]), len(above or where), how)
    return out


def student_solutions(nb: dict) -> dict[str, list[str]]:
    """``{task: [code]}``: the code of each task's graded cell (see :func:`task_cells`)."""
    return {task: [c.code] for task, c in task_cells(nb).items()}


def notebook_id(nb: dict, path=None) -> str | None:
    meta = _meta(nb).get(KEY, {})
    if isinstance(meta, dict) and isinstance(meta.get("notebook"), str):
        return meta["notebook"]
    return Path(path).stem if path is not None else None
