"""The grading worker: runs one student's task cells and the official checks.

Started by the grading command (:mod:`labrt.grading.grade`) as a fresh
Python process for each notebook, so nothing a notebook did to the grading
module in the student's own Jupyter session matters here:

    python -m labrt.grading.worker JOB.json RESULT_FD

The job names the workbook notebook and lists its steps in order: the
course's given cells (taken from the official notebook), the student's code
for each task, and the checks to run. For each task the job says whether to
run its cells and checks (``run``), only its cells (``exec``: the task was
graded by an earlier worker that crashed later on), or nothing (``skip``:
the task crashed or hung a worker).

Results go, one JSON object per line, to a pipe (``RESULT_FD``) rather than
to stdout, and each line carries a token from the job, so what the student's
code prints cannot pass for a result. Before each task's checks the worker
also verifies that no function or class in labrt (or in the hidden checks)
and no builtin has been replaced since it started; if one has, the task and
all later ones score 0 with a message that names it.
"""
from __future__ import annotations

import builtins
import io
import json
import linecache
import os
import sys
import types

MEMORY_LIMIT = 2 * 1024 ** 3      # bytes of address space for the worker


class _Capped(io.StringIO):
    """Swallows what the student's code prints, keeping at most a little of it."""

    LIMIT = 4000

    def write(self, text):
        if self.tell() < self.LIMIT:
            super().write(text[: self.LIMIT - self.tell()])
        return len(text)


def fingerprint() -> dict:
    """Identity of every function, class and module in labrt, the hidden checks
    and builtins, so that a replaced one can be noticed."""
    fp = {}
    for name, mod in list(sys.modules.items()):
        if not (name == "labrt" or name.startswith(("labrt.", "labrt_hidden_"))):
            continue
        fp[("sys.modules", name)] = id(mod)
        for attr, val in list(vars(mod).items()):
            if callable(val) or isinstance(val, types.ModuleType):
                fp[(name, attr)] = id(val)
            if isinstance(val, type) and val.__module__ == name:
                for sub, v2 in list(vars(val).items()):
                    if callable(v2) or isinstance(v2, (staticmethod, classmethod, property)):
                        fp[(name, f"{attr}.{sub}")] = id(v2)
    for attr, val in vars(builtins).items():
        if callable(val):
            fp[("builtins", attr)] = id(val)
    return fp


def tampered(before: dict) -> list[str]:
    now = fingerprint()
    return [f"{mod}.{attr}" if mod != "sys.modules" else f"sys.modules[{attr!r}]"
            for (mod, attr), ident in before.items() if now.get((mod, attr)) != ident]


def _limit_memory() -> None:
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):
        pass


def run_cell(code: str, filename: str, ns: dict, limit: float) -> str:
    """Execute one cell; return "" or a one-line description of what went wrong."""
    from .core import where
    from .guard import wall_clock_limit
    from labrt.trace import show

    lines = code.splitlines(keepends=True)
    linecache.cache[filename] = (len(code), None, lines, filename)
    guard = None
    try:
        compiled = compile(code, filename, "exec")
    except SyntaxError as e:
        return f"SyntaxError: {e.msg} (line {e.lineno})"
    try:
        with wall_clock_limit(limit) as guard:
            exec(compiled, ns)
    except KeyboardInterrupt:
        raise
    except BaseException as e:      # noqa: BLE001
        if guard is not None and guard.fired:
            return f"the cell was still running after {limit:g} s and was stopped"
        if isinstance(e, SystemExit):
            return "the cell called exit()"
        return f"{show(e)}{where(e)}"
    if guard is not None and guard.fired:
        return f"the cell was still running after {limit:g} s and was stopped"
    return ""


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    job_path, fd = argv[0], int(argv[1])
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    try:
        os.unlink(job_path)
    except OSError:
        pass
    out = os.fdopen(fd, "w", buffering=1, encoding="utf-8")
    token = job["token"]

    def emit(**event):
        out.write(json.dumps({"token": token, **event}) + "\n")
        out.flush()

    _limit_memory()
    sys.stdout = sys.stderr = _Capped()
    sys.stdin = io.StringIO("")

    from . import registry
    from .core import TASKS, TaskResult, run_task

    registry.load_checks()
    if job.get("hidden_dir"):
        registry.load_hidden(job["hidden_dir"])
    before = fingerprint()

    ns = {"__name__": "__main__", "__builtins__": builtins}
    notes: dict[str, list[str]] = {}
    spoiled: list[str] = []
    cell_limit = job.get("cell_limit", 10.0)
    for step in job["steps"]:
        kind, task = step["kind"], step.get("task")
        mode = job["modes"].get(task, "run") if task else "run"
        if kind == "given":
            problem = run_cell(step["code"], step["label"], ns, cell_limit)
            if problem:
                emit(event="note", text=f"course cell {step['label']} failed: {problem}")
        elif kind == "solution" and mode != "skip":
            if mode == "run":
                emit(event="start", task=task, phase="cells")
            t = TASKS[task]
            for i, code in enumerate(step["codes"]):
                label = f"<{t.label} cell>" if len(step["codes"]) == 1 else f"<{t.label} cell {i + 1}>"
                problem = run_cell(code, label, ns, cell_limit)
                if problem:
                    notes.setdefault(task, []).append(f"your {t.label} cell: {problem}")
        elif kind == "check" and mode == "run":
            emit(event="start", task=task, phase="checks")
            t = TASKS[task]
            if not spoiled:
                spoiled = tampered(before)
            if spoiled:
                names = ", ".join(spoiled[:3]) + (" ..." if len(spoiled) > 3 else "")
                result = TaskResult(t.notebook, t.name, t.number, t.title, 0,
                                    t.points if job["include_hidden"] else t.public_points,
                                    "tampered", f"not graded: code in this notebook replaced "
                                    f"{names}, which the checks rely on",
                                    job["include_hidden"], t.hidden_points)
            elif step.get("missing"):
                result = TaskResult(t.notebook, t.name, t.number, t.title, 0,
                                    t.points if job["include_hidden"] else t.public_points,
                                    "missing", f"no cell for {t.label} in the notebook "
                                    f"(a cell starting with '# {t.label}')",
                                    job["include_hidden"], t.hidden_points)
            else:
                result = run_task(t, ns, include_hidden=job["include_hidden"])
                if notes.get(task):
                    result.message = "\n".join(notes[task] + ([result.message] if result.message else []))
            emit(event="result", task=task, result=result.to_dict())
    emit(event="done")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
