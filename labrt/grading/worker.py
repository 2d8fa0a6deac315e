"""The grading worker: runs one student's task cells and observes the checks.

Started by the grading command (:mod:`labrt.grading.grade`), normally inside
the sandbox (:mod:`labrt.grading.sandbox`), as a fresh Python process for
each notebook, so nothing a notebook did to the grading module in the
student's own Jupyter session matters here:

    python -m labrt.grading.worker JOB.json RESULT_FD

The job names the workbook notebook and lists its steps in order: the
course's given cells (taken from the official notebook), the student's code
for each task, and the checks to run. For each task the job says whether to
run its cells and checks (``run``), only its cells (``exec``: the task was
graded by an earlier worker that crashed later on), or nothing (``skip``:
the task crashed or hung a worker).

A check step carries *requests* (:mod:`labrt.grading.judging`): which
scenario to run with which inputs. The worker answers them with
observations and never learns the expected values: the grading command
judges. Replies go, one JSON object per line, to a pipe (``RESULT_FD``)
rather than to stdout, each line with the job's token; the command reads
at most so many bytes and parses them strictly. The student's code runs in
this process and can write to the pipe too: what it could forge is
observations (judged like any others) or failures (worth nothing).

Before each task's checks the worker also looks for functions and classes
of labrt (or of older, self-judging hidden checks) and builtins that were
replaced since it started. A wrapper that calls the original (a logging
``print``, a tracing ``labrt.send``) is not a replacement. A replacement is
reported in the task's message; it zeroes only tasks whose checks still
judge themselves, since the others are judged outside.
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
FILE_LIMIT = 64 * 1024 ** 2       # bytes any file the worker writes may reach


class _Capped(io.StringIO):
    """Swallows what the student's code prints, keeping at most a little of it."""

    LIMIT = 4000

    def write(self, text):
        if self.tell() < self.LIMIT:
            super().write(text[: self.LIMIT - self.tell()])
        return len(text)


def fingerprint() -> dict:
    """Every function, class and module in labrt, the hidden checks and
    builtins (and the code of each function), so that a replaced one can be noticed."""
    fp = {}
    for name, mod in list(sys.modules.items()):
        if not (name == "labrt" or name.startswith(("labrt.", "labrt_hidden_"))):
            continue
        fp[("sys.modules", name)] = mod
        for attr, val in list(vars(mod).items()):
            if callable(val) or isinstance(val, types.ModuleType):
                fp[(name, attr)] = val
                code = getattr(val, "__code__", None)
                if isinstance(code, types.CodeType) and getattr(val, "__module__", None) == name:
                    fp[(name, f"{attr}.__code__")] = code
            if isinstance(val, type) and val.__module__ == name:
                for sub, v2 in list(vars(val).items()):
                    if callable(v2) or isinstance(v2, (staticmethod, classmethod, property)):
                        fp[(name, f"{attr}.{sub}")] = v2
    for attr, val in vars(builtins).items():
        if callable(val):
            fp[("builtins", attr)] = val
    return fp


def _names(code: types.CodeType, depth: int = 0) -> set:
    names = set(code.co_names) | set(code.co_freevars)
    if depth < 3:
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                names |= _names(const, depth + 1)
    return names


def wraps(new, old) -> bool:
    """Does ``new`` call ``old``? (``functools.wraps``, a closure, a default
    argument, or a global that holds the original.)"""
    try:
        if getattr(new, "__wrapped__", None) is old:
            return True
        if isinstance(new, type) and isinstance(old, type) and issubclass(new, old):
            return True                                     # a subclass extends the original
        func = getattr(new, "__func__", new)
        code = getattr(func, "__code__", None)
        if not isinstance(code, types.CodeType):
            return False
        for cell in getattr(func, "__closure__", None) or ():
            try:
                if cell.cell_contents is old:
                    return True
            except ValueError:                              # an empty cell
                continue
        defaults = (func.__defaults__ or ()) + tuple((func.__kwdefaults__ or {}).values())
        if any(d is old for d in defaults):
            return True
        g = getattr(func, "__globals__", {}) or {}
        return any(g.get(n) is old for n in _names(code))
    except Exception:                                       # noqa: BLE001 - odd objects: not a wrapper
        return False


def tampered(before: dict) -> list[str]:
    """What was replaced since ``before``, wrappers that call the original aside."""
    now = fingerprint()
    out = []
    for (mod, attr), old in before.items():
        new = now.get((mod, attr))
        if new is old:
            continue
        if attr.endswith(".__code__") and now.get((mod, attr[:-9])) is not before.get((mod, attr[:-9])):
            continue                                    # the function itself was replaced
        if new is not None and not attr.endswith("__code__") and wraps(new, old):
            continue
        out.append(f"{mod}.{attr}" if mod != "sys.modules" else f"sys.modules[{attr!r}]")
    return out


def set_limits(memory: int = MEMORY_LIMIT, cpu: float | None = None) -> None:
    """Hard limits on this process and all it starts (the student's code cannot
    raise a hard limit again): address space, CPU seconds, file size, no core files."""
    try:
        import resource
    except ImportError:
        return
    wanted = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, FILE_LIMIT),
              (resource.RLIMIT_CORE, 0)]
    if cpu:
        wanted.append((resource.RLIMIT_CPU, int(cpu) + 1))
    for which, cap in wanted:
        try:
            soft, hard = resource.getrlimit(which)
            cap = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
            resource.setrlimit(which, (cap, cap))
        except (ValueError, OSError):
            pass


def run_cell(code: str, filename: str, ns: dict, limit: float) -> str:
    """Execute one cell; return "" or a one-line description of what went wrong."""
    from .core import where
    from .guard import wall_clock_limit
    from labrt.kernel.trace import show

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

    set_limits(job.get("memory") or MEMORY_LIMIT, job.get("cpu"))
    sys.stdout = sys.stderr = _Capped()
    sys.stdin = io.StringIO("")

    from . import registry
    from .core import TASKS
    from .judging import observe_task

    registry.load_checks()
    if job.get("hidden_dir"):
        registry.load_hidden(job["hidden_dir"])     # older, self-judging hidden checks only
    before = fingerprint()

    ns = {"__name__": "__main__", "__builtins__": builtins}
    notes: dict[str, list[str]] = {}
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
            spoiled = tampered(before)
            if step.get("missing"):
                bundle = {"absent": True}
            else:
                bundle, _ = observe_task(t, ns, step["requests"], ship_traces=True)
            emit(event="observed", task=task, bundle=bundle, tampered=spoiled[:20],
                 notes=notes.get(task, []))
    emit(event="done")
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
