"""Grading reports: a CSV with one row per student and task, and Markdown."""
from __future__ import annotations

import csv
import io

from .core import tasks_of
from .text import FAIL, PASS, task_text

SHORT = {"not_done": "not done", "missing": "no cell", "crashed": "crashed",
         "timeout": "time limit", "unreadable": "unreadable", "tampered": "tampered"}

CSV_FIELDS = ["student", "file", "notebook", "task", "number", "points", "max_points",
              "status", "failed_checks", "message"]


def to_csv(subs, hidden_details: bool = True) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in sorted(subs, key=lambda s: (s.notebook or "", s.student)):
        base = dict(student=s.student, file=s.path, notebook=s.notebook or "")
        for t in s.tasks:
            failed = [c.title for c in t.cases if c.status != "passed"
                      and (hidden_details or not c.hidden)]
            secret = sum(1 for c in t.cases if c.status != "passed" and c.hidden)
            if secret and not hidden_details:
                failed.append(f"{secret} hidden check(s)")
            writer.writerow({**base, "task": t.task, "number": t.number, "points": t.points,
                             "max_points": t.max_points, "status": t.status,
                             "failed_checks": "; ".join(failed),
                             "message": t.message})
        writer.writerow({**base, "task": "TOTAL", "number": "", "points": s.points,
                         "max_points": s.max_points,
                         "status": "error" if s.error and not s.tasks else "graded",
                         "failed_checks": "", "message": s.error})
    return out.getvalue()


def _cell(t) -> str:
    extra = SHORT.get(t.status)
    return f"{t.points} ({extra})" if extra else str(t.points)


def to_markdown(subs, hidden_details: bool = True, title: str = "Grades",
                include_hidden: bool = True, timing: bool = True) -> str:
    lines = [f"# {title}", ""]
    graded = [s for s in subs if s.tasks]
    lines.append(f"{len(subs)} notebook(s), {len(graded)} graded, with "
                 + ("public and hidden checks." if include_hidden else "public checks only."))
    lines.append("")
    for notebook in sorted({s.notebook for s in graded}):
        tasks = tasks_of(notebook)
        group = sorted((s for s in graded if s.notebook == notebook), key=lambda s: s.student)
        maxima = [group[0].tasks[i].max_points for i in range(len(tasks))]
        lines += [f"## {notebook} ({sum(maxima)} points)", ""]
        head = ["student"] + [f"Task {t.number} {t.name} ({m})" for t, m in zip(tasks, maxima)]
        head += ["total"] + (["seconds"] if timing else [])
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|---|" + "---:|" * (len(head) - 1))
        for s in group:
            row = [s.student] + [_cell(t) for t in s.tasks] + [f"{s.points}/{s.max_points}"]
            row += [f"{s.seconds:.1f}"] if timing else []
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    broken = [s for s in subs if not s.tasks]
    if broken:
        lines += ["## Not graded", "", "| student | file | why |", "|---|---|---|"]
        for s in broken:
            lines.append(f"| {s.student} | {s.path} | {s.error} |")
        lines.append("")
    lines += ["## Details", ""]
    for s in sorted(subs, key=lambda s: (s.notebook or "", s.student)):
        mark = PASS if s.tasks and s.points == s.max_points else FAIL
        lines.append(f"### {mark} {s.student}: {s.path} ({s.points}/{s.max_points})")
        lines.append("")
        if s.error:
            lines += [f"Not graded: {s.error}", ""]
        for note in s.notes:
            lines += [f"Note: {note}", ""]
        if s.tasks:
            lines.append("```text")
            for t in s.tasks:
                lines.append(task_text(t, hidden_details=hidden_details))
            lines.append("```")
            lines.append("")
    return "\n".join(lines)
