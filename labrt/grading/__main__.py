"""Command line: ``python -m labrt.grading grade ...``, ``... assign ...`` and ``... public OUT``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _default(folder: str) -> Path:
    """A folder of the course repository: the working directory's, else labrt's."""
    here = Path(folder)
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / folder


def grade_main(argv) -> int:
    from . import grade as g
    from .notebook import NotebookError
    from .report import to_csv, to_markdown

    parser = argparse.ArgumentParser(
        prog="python -m labrt.grading grade",
        description="Grade a folder of submitted workbook notebooks (one per student, "
                    "or one folder per student) with the public and hidden checks.")
    parser.add_argument("submissions", type=Path, help="a folder of .ipynb files (or one file)")
    parser.add_argument("--out", type=Path, default=Path("report"),
                        help="report path without suffix: writes OUT.csv and OUT.md (default: report)")
    parser.add_argument("--source", type=Path, default=None,
                        help="the official notebooks (default: exercises/)")
    parser.add_argument("--hidden", type=Path, default=None,
                        help="folder of hidden checks (default: instructor/hidden if it exists)")
    parser.add_argument("--notebook", default=None,
                        help="which workbook notebook the submissions are (e.g. ch03-processes), "
                             "for files that cannot say (default: what the files say)")
    parser.add_argument("--student", default=None,
                        help="name every submission after this student (e.g. in a student's "
                             "own repository); default: the file or folder name")
    parser.add_argument("--public-only", action="store_true", help="run the public checks only")
    parser.add_argument("--hide-hidden-details", action="store_true",
                        help="in the Markdown, show hidden checks as points only (for students)")
    parser.add_argument("--summary", type=Path, default=None,
                        help="also append the Markdown to this file (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded in parallel (default 2)")
    parser.add_argument("--time-limit", type=float, default=g.NOTEBOOK_LIMIT,
                        help=f"seconds per notebook (default {g.NOTEBOOK_LIMIT:g})")
    parser.add_argument("--task-limit", type=float, default=g.TASK_LIMIT,
                        help=f"seconds a task's cells and checks may take (default {g.TASK_LIMIT:g})")
    parser.add_argument("--fail-under", type=float, default=None, metavar="PERCENT",
                        help="exit 1 if any notebook scores below this percentage")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the bubblewrap sandbox (only if bwrap cannot run "
                             "here; student code can then read and change anything you can, "
                             "and the report says so on its first line)")
    args = parser.parse_args(argv)

    if not args.submissions.exists():
        print(f"error: {args.submissions} does not exist", file=sys.stderr)
        return 2
    source = args.source or _default("exercises")
    hidden = args.hidden
    if hidden is None and not args.public_only:
        candidate = _default("instructor/hidden")
        hidden = candidate if candidate.is_dir() else None
    if hidden is not None and not hidden.is_dir():
        print(f"error: hidden checks folder {hidden} does not exist", file=sys.stderr)
        return 2
    include_hidden = not args.public_only and hidden is not None
    use_sandbox = not args.no_sandbox
    if use_sandbox:
        from .sandbox import problem
        why = problem()
        if why:
            print(f"error: not grading: {why}.\nStudent code must not run unisolated; "
                  f"to grade anyway, without a sandbox, pass --no-sandbox.", file=sys.stderr)
            return 2
    else:
        print("warning: grading WITHOUT a sandbox (--no-sandbox): student code can read and "
              "change anything this user can", file=sys.stderr)
    start = time.monotonic()

    def progress(sub):
        total = f"{sub.points}/{sub.max_points}" if sub.tasks else "not graded"
        print(f"  {sub.student:<20} {sub.path:<40} {total:>10}  {sub.seconds:5.1f} s", flush=True)

    print(f"grading {args.submissions} with {'public and hidden' if include_hidden else 'public'} "
          f"checks ({args.jobs} at a time)")
    private = [_default("solutions"), _default("instructor"), args.out.parent.resolve()]
    try:
        subs = g.grade(args.submissions, source, hidden, jobs=args.jobs,
                       include_hidden=include_hidden, notebook_limit=args.time_limit,
                       task_limit=args.task_limit, progress=progress, notebook=args.notebook,
                       use_sandbox=use_sandbox, secrets_=private)
    except NotebookError as e:                  # the course's own notebooks, not a student's
        print(f"error: the official notebooks in {source}: {e}", file=sys.stderr)
        return 2
    elapsed = time.monotonic() - start
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out.with_name(out.name + ".csv"), out.with_name(out.name + ".md")
    if args.student:
        for sub in subs:
            sub.student = args.student
    if args.hide_hidden_details and hidden is not None:
        from .report import scrub
        lines = []
        for path in sorted(hidden.glob("*.py")):
            try:
                lines += path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                pass
        subs = scrub(subs, lines)
    csv_path.write_text(to_csv(subs, hidden_details=not args.hide_hidden_details,
                               sandboxed=use_sandbox), encoding="utf-8")
    md = to_markdown(subs, hidden_details=not args.hide_hidden_details,
                     include_hidden=include_hidden, sandboxed=use_sandbox)
    md_path.write_text(md, encoding="utf-8")
    if args.summary is not None:
        with open(args.summary, "a", encoding="utf-8") as f:
            f.write(md + "\n")
    print(f"graded {len(subs)} notebook(s) in {elapsed:.1f} s; wrote {csv_path} and {md_path}")
    if args.fail_under is not None:
        low = [s for s in subs if not s.tasks or 100 * s.points < args.fail_under * s.max_points]
        if low:
            return 1
    return 0


USAGE = """usage: python -m labrt.grading COMMAND ...

commands:
  grade SUBMISSIONS [--out report] ...   grade submitted notebooks (public + hidden checks)
  assign [--execute | --check]           generate exercises/ from solutions/
  public OUT                             copy the course for students (no solutions/,
                                         no instructor/hidden/) to the folder OUT

`python -m labrt.grading COMMAND --help` describes each command's options."""


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "grade":
        return grade_main(rest)
    if command == "assign":
        from .assign import main as assign_main
        return assign_main(rest)
    if command == "public":
        from .public import main as public_main
        return public_main(rest)
    print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
