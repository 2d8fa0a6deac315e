"""Checks and grading for the workbook (``exercises/*.ipynb``).

In a notebook::

    from labrt.grading import check, NotDone
    ...
    check("ring")        # runs the public checks of the task named "ring"

``check`` runs the student's code on fresh simulated runtimes, prints what
passed and, for what failed, what was expected, what happened and a hint,
then raises :class:`CheckFailed` (so that the cell, and ``pytest
--nbval-lax``, fail) unless the task is complete.

For instructors: ``python -m labrt.grading grade SUBMISSIONS --out report``
grades a folder of notebooks with the public and hidden checks, and
``python -m labrt.grading assign`` regenerates ``exercises/`` from
``solutions/``. See ``instructor/AUTHORING.md`` and the instructor's guide.
"""
from __future__ import annotations

import sys

from .core import (CASE_LIMIT, TASKS, CaseResult, CheckFailed, Fail, NotDone, Play,
                   Task, TaskResult, Trial, hidden, public, run_task, tasks_of)
from .protocol import Opaque, plain_reason, scenario
from .registry import load_checks, load_hidden
from .text import task_text

__all__ = ["check", "NotDone", "CheckFailed", "Fail", "Task", "Trial", "Play",
           "public", "hidden", "run_task", "load_checks", "load_hidden", "TASKS",
           "tasks_of", "TaskResult", "CaseResult", "CASE_LIMIT", "task_text", "scenario",
           "Opaque", "plain_reason"]


def check(name: str, namespace: dict | None = None) -> None:
    """Run the public checks of task ``name`` against the caller's globals.

    Prints a short report; raises :class:`CheckFailed` unless every public
    check passed.
    """
    load_checks()
    ns = namespace if namespace is not None else sys._getframe(1).f_globals
    task = TASKS.get(name)
    if task is None:
        known = ", ".join(sorted(TASKS)) or "none"
        print(f"\u2718 there is no task named {name!r} (tasks: {known})")
        raise CheckFailed(f"unknown task {name!r}")
    result = run_task(task, ns, include_hidden=False)
    print(task_text(result))
    for line in _cell_notes(task, ns):
        print(line)
    _show_diagrams(result)
    if result.status != "passed":
        raise CheckFailed(f"{result.label}: {result.points} of {result.max_points} points "
                          f"(details above)")


def _cell_notes(task: Task, ns: dict) -> list[str]:
    """Say so when a name the task defines comes from a cell the grader would not
    take (one whose first line is not the task's heading), so that the grade
    does not come as a surprise."""
    import linecache
    from .notebook import heading
    out = []
    for name in task.defines:
        obj = ns.get(name)
        code = getattr(obj, "__code__", None)
        if code is None and isinstance(obj, type):
            code = next((getattr(v, "__code__", None) for v in vars(obj).values()
                         if getattr(v, "__code__", None) is not None), None)
        lines = linecache.getlines(code.co_filename) if code is not None else []
        if not lines:
            continue
        found = heading("".join(lines))
        if found is None or found[1] != task.name:
            out.append(f"note: `{name}` comes from a cell that does not start with "
                       f"'# {task.label}'. The grader takes only the last cell with that "
                       f"heading above this check, so it may score this task differently.")
    return out


def _show_diagrams(result: TaskResult) -> None:
    """In Jupyter, draw the trace of the first failed case that has one."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    for case in result.cases:
        if case.status != "passed" and case.diagram is not None:
            rt, options = (case.diagram if isinstance(case.diagram, tuple)
                           else (case.diagram, {}))
            options = {"max_events": 60, **options}
            options.setdefault("title", f"what happened in: {case.title}")
            try:
                display(rt.trace.sequence_diagram(**options))
            except Exception:                  # noqa: BLE001 - a picture is optional
                pass
            return
