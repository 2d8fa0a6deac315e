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
(``{"labrt_grading": {"role": "solution", "task": "ring"}}``). When reading a
student's copy the grader trusts that metadata first and falls back on the
header comment, so a cell that lost its metadata is still found.

Only the standard library is used (no nbformat), so grading needs nothing
beyond labrt itself.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

KEY = "labrt_grading"
INSTRUCTOR_ONLY = "instructor-only"
HEADER = re.compile(r"^\s*#\s*Task\s+(\d+)\s+\((\w+)\)")
CHECK = re.compile(r"""^\s*check\(\s*["'](\w+)["']\s*\)\s*(#.*)?$""")
BEGIN = re.compile(r"^(\s*)###\s*BEGIN SOLUTION\b:?\s*(.*?)\s*$")
END = re.compile(r"^\s*###\s*END SOLUTION\b")


class NotebookError(Exception):
    """A file that is not a usable notebook; the message says why, plainly."""


def read_notebook(path) -> dict:
    """Parse a notebook file, with a clear error for every way it can be broken."""
    path = Path(path)
    try:
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
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path.name} is JSON but not a notebook (no list of cells)")
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or "cell_type" not in cell:
            raise NotebookError(f"{path.name}: cell {i + 1} is not a notebook cell")
    return nb


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


def tags(cell: dict) -> list:
    t = cell.get("metadata", {}).get("tags", [])
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
    meta = cell.get("metadata", {}).get(KEY) if trust_metadata else None
    if isinstance(meta, dict) and meta.get("role") in ("solution", "check", "given"):
        return meta["role"], meta.get("task")
    return role_from_source(source(cell))


def student_solutions(nb: dict) -> dict[str, list[str]]:
    """``{task: [code, ...]}``: the code of each task's solution cells in a
    student's notebook, found by metadata or, failing that, by header comment."""
    found: dict[str, list[str]] = {}
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        text = source(cell)
        meta = cell.get("metadata", {}).get(KEY)
        if isinstance(meta, dict) and meta.get("role"):
            if meta["role"] != "solution" or not meta.get("task"):
                continue
            task = meta["task"]
        else:                       # metadata lost: go by the header comment
            first = next((line for line in text.splitlines() if line.strip()), "")
            header = HEADER.match(first)
            if not header:
                continue
            task = header.group(2)
        found.setdefault(task, []).append(text)
    return found


def notebook_id(nb: dict, path=None) -> str | None:
    meta = nb.get("metadata", {}).get(KEY, {})
    if isinstance(meta, dict) and isinstance(meta.get("notebook"), str):
        return meta["notebook"]
    return Path(path).stem if path is not None else None
