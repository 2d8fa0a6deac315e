"""The instructor's grading command.

    python -m labrt.grading grade SUBMISSIONS --out report

grades every notebook in ``SUBMISSIONS`` (``alice.ipynb``, or
``alice/ch03-processes.ipynb``: one folder or file per student) with the
public and the hidden checks, and writes ``report.csv`` (one row per student
and task) and ``report.md`` (a table per notebook, then the details).

For each submission a fresh worker process (:mod:`labrt.grading.worker`)
runs the course's own given cells, the student's task cells (found by their
metadata or their ``# Task N (name)`` header: the student's check cells and
other cells are never run) and the official checks. The command stays in
charge of time and of crashes: a worker that dies (``os._exit``, a
segfault, memory exhausted) or stops reporting is ended, the task it was
on scores 0 with a message saying what happened, and a new worker carries
on with the remaining tasks. A notebook that is not valid JSON, or empty,
scores 0 with a message. Nothing here ever shows a traceback to a student.
"""
from __future__ import annotations

import json
import os
import secrets
import select
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import notebook as nbio
from .core import TaskResult, tasks_of
from .registry import load_checks

#: Seconds a worker may stay silent (one task's cells and checks) before it is stopped.
TASK_LIMIT = 30.0
#: Seconds for one notebook in all.
NOTEBOOK_LIMIT = 120.0
#: Seconds for one cell of the student's code to run (definitions should take no time).
CELL_LIMIT = 5.0


@dataclass
class Submission:
    student: str
    path: str
    notebook: str | None
    tasks: list = field(default_factory=list)        # TaskResult, in task order
    error: str = ""
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tasks)

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tasks)


def student_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else path.stem


def find_submissions(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def load_sources(folder: Path) -> dict[str, dict]:
    """The official notebooks (exercises or solutions), by notebook id."""
    sources = {}
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbio.read_notebook(path)
        sources[nbio.notebook_id(nb, path)] = nb
    return sources


def identify(nb: dict | None, path: Path, known: list[str]) -> str | None:
    """Which workbook notebook is this? Metadata, then file name, then task names."""
    if nb is not None:
        meta = nbio.notebook_id(nb)
        if meta in known:
            return meta
    for name in known:
        if name in path.name:
            return name
    if nb is not None:
        found = nbio.student_solutions(nb)
        votes = {n: sum(t.name in found for t in tasks_of(n)) for n in known}
        best = max(votes, key=votes.get, default=None)
        if best is not None and votes[best] > 0:
            return best
    return None


def _blank(task, status: str, message: str, include_hidden: bool) -> TaskResult:
    return TaskResult(task.notebook, task.name, task.number, task.title, 0,
                      task.points if include_hidden else task.public_points,
                      status, message, include_hidden, task.hidden_points)


def steps_for(source: dict, student: dict[str, list[str]]) -> list[dict]:
    steps = []
    for i, cell in enumerate(source["cells"]):
        r, task = nbio.role(cell)
        if r == "given":
            steps.append({"kind": "given", "code": nbio.source(cell),
                          "label": f"<course cell {i + 1}>"})
        elif r == "solution":
            if not any(s.get("task") == task and s["kind"] == "solution" for s in steps):
                steps.append({"kind": "solution", "task": task, "codes": student.get(task, [])})
        elif r == "check":
            steps.append({"kind": "check", "task": task, "missing": task not in student})
    return steps


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it was stopped"
    if code < 0:
        try:
            return f"it was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"it was killed by signal {-code}"
    return f"it exited with code {code}"


def run_workers(notebook: str, steps: list[dict], hidden_dir: str | None,
                include_hidden: bool, notebook_limit: float, task_limit: float,
                cell_limit: float) -> tuple[dict, list[str]]:
    """Run workers until every task of ``notebook`` has a result."""
    tasks = tasks_of(notebook)
    results: dict[str, TaskResult] = {}
    notes: list[str] = []
    skip: set[str] = set()
    deadline = time.monotonic() + notebook_limit
    while len(results) < len(tasks):
        if time.monotonic() >= deadline:
            for t in tasks:
                results.setdefault(t.name, _blank(
                    t, "timeout", f"not graded: the notebook's time limit "
                    f"({notebook_limit:g} s) was reached before this task", include_hidden))
            break
        modes = {t.name: ("skip" if t.name in skip else "exec" if t.name in results else "run")
                 for t in tasks}
        token = secrets.token_hex(16)
        job = {"token": token, "notebook": notebook, "steps": steps, "modes": modes,
               "hidden_dir": hidden_dir, "include_hidden": include_hidden,
               "cell_limit": cell_limit}
        fd, job_path = tempfile.mkstemp(prefix="labrt-grade-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(job, f)
        r, w = os.pipe()
        env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "labrt.grading.worker", job_path, str(w)],
                pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err, env=env, start_new_session=True)
            os.close(w)
            current, phase, why, done = None, None, None, False
            buf = b""
            last = time.monotonic()
            try:
                while True:
                    now = time.monotonic()
                    wait = min(deadline - now, task_limit - (now - last))
                    if wait <= 0:
                        why = ("notebook" if deadline - now <= 0 else "task")
                        break
                    ready, _, _ = select.select([r], [], [], wait)
                    if not ready:
                        continue
                    chunk = os.read(r, 65536)
                    if not chunk:
                        break                           # the worker is gone
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        try:
                            event = json.loads(line)
                        except ValueError:
                            continue
                        if event.get("token") != token:
                            continue
                        last = time.monotonic()
                        kind = event.get("event")
                        if kind == "start":
                            current, phase = event["task"], event.get("phase")
                        elif kind == "result":
                            results[event["task"]] = TaskResult.from_dict(event["result"])
                            current = None
                        elif kind == "note":
                            if event["text"] not in notes:
                                notes.append(event["text"])
                        elif kind == "done":
                            done = True
            finally:
                os.close(r)
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        proc.kill()
                code = proc.wait()
                if os.path.exists(job_path):
                    os.unlink(job_path)
                err.seek(0)
                stderr = err.read()[-2000:].decode("utf-8", "replace").strip()
        if done:
            continue
        if current is None:
            if why is None:
                # Died before (or between) tasks: nothing we can retry usefully.
                said = f"; it said: {stderr.splitlines()[-1]}" if stderr else ""
                for t in tasks:
                    results.setdefault(t.name, _blank(
                        t, "crashed", f"not graded: the grading process stopped outside any "
                        f"task ({_describe_exit(code)}{said})", include_hidden))
            continue
        task = next(t for t in tasks if t.name == current)
        if why == "task":
            message = (f"not graded: the checks of {task.label} did not finish within "
                       f"{task_limit:g} s (an endless loop the time guard could not stop, "
                       f"e.g. one that catches BaseException?)")
            status = "timeout"
        elif why == "notebook":
            message = (f"not graded: the notebook's time limit ({notebook_limit:g} s) was "
                       f"reached during {task.label}")
            status = "timeout"
        else:
            message = (f"not graded: the Python process running {task.label} stopped "
                       f"({_describe_exit(code)}): does your code call os._exit, or use "
                       f"all the memory?")
            status = "crashed"
        results[current] = _blank(task, status, message, include_hidden)
        if phase == "cells":
            skip.add(current)       # its cells are the problem: never run them again
        # (if its checks were the problem, its cells still run, for the tasks after it)
    return {t.name: results[t.name] for t in tasks}, notes


def grade_one(path: Path, root: Path, sources: dict[str, dict], hidden_dir: str | None,
              include_hidden: bool = True, notebook_limit: float = NOTEBOOK_LIMIT,
              task_limit: float = TASK_LIMIT, cell_limit: float = CELL_LIMIT,
              notebook: str | None = None) -> Submission:
    """Grade one file. ``notebook`` says which workbook notebook it is meant to
    be when the file itself cannot tell (it is broken, or says nothing)."""
    start = time.monotonic()
    student = student_name(path, root)
    known = sorted(sources)
    try:
        nb = nbio.read_notebook(path)
        error = ""
    except nbio.NotebookError as e:
        nb, error = None, str(e)
    notebook = identify(nb, path, known) or notebook
    sub = Submission(student, str(path.relative_to(root) if path != root else path.name),
                     notebook)
    if notebook is None:
        sub.error = error or (f"{path.name} is not one of the workbook notebooks "
                              f"({', '.join(known)})")
    elif nb is None:
        sub.error = error
        sub.tasks = [_blank(t, "unreadable", f"not graded: {error}", include_hidden)
                     for t in tasks_of(notebook)]
    else:
        steps = steps_for(sources[notebook], nbio.student_solutions(nb))
        results, sub.notes = run_workers(notebook, steps, hidden_dir, include_hidden,
                                         notebook_limit, task_limit, cell_limit)
        sub.tasks = list(results.values())
    sub.seconds = time.monotonic() - start
    return sub


def grade(root: Path, source_dir: Path, hidden_dir: Path | None, jobs: int = 2,
          include_hidden: bool = True, notebook_limit: float = NOTEBOOK_LIMIT,
          task_limit: float = TASK_LIMIT, cell_limit: float = CELL_LIMIT,
          progress=None, notebook: str | None = None) -> list[Submission]:
    """Grade every submission under ``root``, ``jobs`` at a time. ``notebook``:
    which workbook notebook the files are (default: what they say)."""
    load_checks()
    if hidden_dir is not None and include_hidden:
        from .registry import load_hidden
        load_hidden(hidden_dir)          # so that hidden points are known here too
    sources = load_sources(source_dir)
    paths = find_submissions(root)
    base = root if root.is_dir() else root.parent
    hidden = str(hidden_dir) if (hidden_dir is not None and include_hidden) else None

    if notebook is None:
        # A folder usually holds one assignment: if every file that says which
        # notebook it is says the same, take that one for files that cannot say.
        said = set()
        for path in paths:
            try:
                said.add(identify(nbio.read_notebook(path), path, sorted(sources)))
            except nbio.NotebookError:
                said.add(identify(None, path, sorted(sources)))
        said.discard(None)
        if len(said) == 1:
            notebook = said.pop()

    def one(path):
        sub = grade_one(path, base, sources, hidden, include_hidden, notebook_limit,
                        task_limit, cell_limit, notebook)
        if progress:
            progress(sub)
        return sub

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))
