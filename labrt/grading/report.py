"""Grading reports: a CSV with one row per student and task, and Markdown.

Much of what a report shows comes from students: file and folder names,
exception names and messages, whatever their code printed into a value a
check shows. None of it may change the report's structure:

* in Markdown tables and headings, text is flattened to one line, ``< > &``
  become HTML entities and ``| * _ [ ] ` \\ ~`` are escaped, so a name cannot
  open a link, a tag, a code span, an emphasis or a new table cell;
* the details are in a fenced block whose fence is longer than any run of
  backticks inside it, and every line break (including Unicode ones) is a
  real line of the block, so nothing can close the fence early;
* in the CSV, the ``csv`` module quotes, and a text field that a spreadsheet
  would read as a formula (starting with ``= + - @``, a tab or a carriage
  return) gets a leading apostrophe.

``hidden_details=False`` (``--hide-hidden-details``) shows hidden checks as
points only: no titles, no expected or observed values, no hints, no traces.
The command also passes the hidden checks' source lines to :func:`scrub`,
which withholds any student-originated text that quotes one of them (the
sandbox keeps that source out of the student's reach; this is the second
lock on the same door).
"""
from __future__ import annotations

import copy
import csv
import io
import re

from .core import tasks_of
from .text import FAIL, PASS, task_text

SHORT = {"not_done": "not done", "missing": "no cell", "crashed": "crashed",
         "timeout": "time limit", "unreadable": "unreadable", "tampered": "tampered"}

CSV_FIELDS = ["student", "file", "notebook", "task", "number", "points", "max_points",
              "status", "failed_checks", "message", "graded_cell"]

NO_SANDBOX = ("**Graded WITHOUT a sandbox (--no-sandbox)**: student code ran with the "
              "grader's rights and could have changed these results.")

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def md_text(text) -> str:
    """Student text for a Markdown table cell or heading: one line, inert."""
    text = _CONTROL.sub("", _BREAKS.sub(" ", str(text)))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_block(lines: list[str]) -> list[str]:
    """A fenced text block that its content cannot close."""
    body = []
    for line in lines:
        body += [_CONTROL.sub("", part) for part in str(line).splitlines()] or [""]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text"] + body + [fence]


def csv_text(text) -> str:
    """Student text for a CSV cell: never read as a formula by a spreadsheet."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


WITHHELD = "(withheld: this text quoted the hidden checks)"


def scrub(subs, secret_lines) -> list:
    """Copies of ``subs`` in which every text that contains one of ``secret_lines``
    (lines of the hidden checks' source, 24 characters or more) is withheld."""
    needles = sorted({line.strip() for line in secret_lines if len(line.strip()) >= 24})
    if not needles:
        return list(subs)

    def clean(text):
        return WITHHELD if isinstance(text, str) and any(n in text for n in needles) else text

    out = []
    for sub in subs:
        sub = copy.deepcopy(sub)
        sub.error = clean(sub.error)
        sub.notes = [clean(n) for n in sub.notes]
        for t in sub.tasks:
            t.message = clean(t.message)
            for c in t.cases:
                c.expected, c.observed = clean(c.expected), clean(c.observed)
                c.hint, c.trace = clean(c.hint), clean(c.trace)
        out.append(sub)
    return out


def _failed_checks(t, hidden_details: bool) -> str:
    failed = [c.title for c in t.cases if c.status != "passed"
              and (hidden_details or not c.hidden)]
    secret = sum(1 for c in t.cases if c.status != "passed" and c.hidden)
    if secret and not hidden_details:
        failed.append(f"{secret} hidden check(s)")
    return "; ".join(failed)


def to_csv(subs, hidden_details: bool = True, sandboxed: bool = True) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for s in sorted(subs, key=lambda s: (s.notebook or "", s.student)):
        base = dict(student=csv_text(s.student), file=csv_text(s.path),
                    notebook=csv_text(s.notebook or ""))
        for t in s.tasks:
            writer.writerow({**base, "task": t.task, "number": t.number, "points": t.points,
                             "max_points": t.max_points, "status": t.status,
                             "failed_checks": csv_text(_failed_checks(t, hidden_details)),
                             "message": csv_text(t.message), "graded_cell": csv_text(t.cell)})
        status = "error" if s.error and not s.tasks else "graded"
        message = s.error if sandboxed else " ".join(
            x for x in ("graded without a sandbox (--no-sandbox).", s.error) if x)
        writer.writerow({**base, "task": "TOTAL", "number": "", "points": s.points,
                         "max_points": s.max_points, "status": status,
                         "failed_checks": "", "message": csv_text(message), "graded_cell": ""})
    return out.getvalue()


def _cell(t) -> str:
    extra = SHORT.get(t.status)
    return f"{t.points} ({extra})" if extra else str(t.points)


def _details(t, hidden_details: bool) -> list[str]:
    """A task's text, its graded cell, and the traces of its failed public checks."""
    lines = task_text(t, hidden_details=hidden_details).splitlines()
    if t.cell:
        lines.append(f"  (graded: {t.cell})")
    for c in t.cases:
        if c.status != "passed" and c.trace and (hidden_details or not c.hidden):
            lines.append(f"  trace of \"{c.title}\" (the end of the run):")
            lines += ["    " + line for line in c.trace.splitlines()]
    return lines


def to_markdown(subs, hidden_details: bool = True, title: str = "Grades",
                include_hidden: bool = True, timing: bool = True,
                sandboxed: bool = True) -> str:
    lines = ([NO_SANDBOX, ""] if not sandboxed else []) + [f"# {title}", ""]
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
            row = [md_text(s.student)] + [_cell(t) for t in s.tasks] + [f"{s.points}/{s.max_points}"]
            row += [f"{s.seconds:.1f}"] if timing else []
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    broken = [s for s in subs if not s.tasks]
    if broken:
        lines += ["## Not graded", "", "| student | file | why |", "|---|---|---|"]
        for s in broken:
            lines.append(f"| {md_text(s.student)} | {md_text(s.path)} | {md_text(s.error)} |")
        lines.append("")
    lines += ["## Details", ""]
    for s in sorted(subs, key=lambda s: (s.notebook or "", s.student)):
        mark = PASS if s.tasks and s.points == s.max_points else FAIL
        lines.append(f"### {mark} {md_text(s.student)}: {md_text(s.path)} "
                     f"({s.points}/{s.max_points})")
        lines.append("")
        if s.error:
            lines += [f"Not graded: {md_text(s.error)}", ""]
        for note in s.notes:
            lines += [f"Note: {md_text(note)}", ""]
        if s.tasks:
            body = []
            for t in s.tasks:
                body += _details(t, hidden_details)
            lines += md_block(body) + [""]
    return "\n".join(lines)
