"""How results read: in a notebook after ``check()``, and in the grading report."""
from __future__ import annotations

from .core import CaseResult, TaskResult

PASS, FAIL = "\u2714", "\u2718"   # check mark, cross


def _points(n: int) -> str:
    return f"{n} point" + ("" if n == 1 else "s")


def _indent(label: str, text: str, width: int = 12) -> list[str]:
    lines = str(text).splitlines() or [""]
    head = f"      {label + ':':<{width}}"
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]


def case_lines(c: CaseResult, details: bool = True) -> list[str]:
    """A case as a few lines: a mark and title, then what went wrong."""
    mark = PASS if c.status == "passed" else FAIL
    kind = "hidden: " if c.hidden else ""
    if c.hidden and not details:
        return [f"  {mark} a hidden check ({c.points} of {_points(c.max_points)})"]
    if c.status == "passed":
        return [f"  {mark} {kind}{c.title} ({_points(c.points)})"]
    out = [f"  {mark} {kind}{c.title} (0 of {_points(c.max_points)})"]
    if details:
        if c.expected:
            out += _indent("expected", c.expected)
        if c.observed:
            out += _indent("observed", c.observed)
        if c.hint:
            out += _indent("hint", c.hint)
    return out


def task_text(r: TaskResult, hidden_details: bool = True) -> str:
    """The text ``check()`` prints for a task (also used in reports)."""
    public_max = r.max_points
    if r.status == "not_done":
        return f"{FAIL} {r.message} (0 of {_points(public_max)})"
    if r.status == "passed" and not r.hidden_included:
        later = (f" Hidden checks worth {r.hidden_points} more point{'' if r.hidden_points == 1 else 's'} run when "
                 f"your notebook is graded." if r.hidden_points else "")
        return f"{PASS} {r.label} passes its checks: {r.points}/{_points(public_max)}.{later}"
    if r.status == "passed":
        return f"{PASS} {r.label}: {r.points}/{_points(r.max_points)}"
    lines = [f"{FAIL} {r.label}: {r.points} of {_points(public_max)}"]
    if r.message:
        lines += ["  " + line for line in r.message.splitlines()]
    for c in r.cases:
        lines += case_lines(c, details=hidden_details or not c.hidden)
    return "\n".join(lines)
