"""The public copy of the course: what students may see.

    python -m labrt.grading public OUT        # or: make public PUBLIC=OUT

copies the course repository to ``OUT`` without what only the instructor
may read: ``solutions/`` (the reference notebooks), ``instructor/hidden/``
(the hidden checks) and ``instructor/wrong_answers/`` (near-solutions with
one mistake each), nor the tests that need them. Students, Binder's launch
buttons and the classroom workflow's grading job use this copy, so the
hidden checks never sit in a repository a student can read.

Only the files git tracks are copied (no virtual environment, build output,
caches or stray local files), and the copy is checked before it is written
in full: no notebook in it may contain a ``### BEGIN SOLUTION`` marker, and
``exercises/`` must be what ``solutions/`` generate (otherwise the students
would get stale exercises). Either problem stops the command with a message
and writes nothing.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

#: Paths (relative to the repository) that never go into the public copy.
PRIVATE = ("solutions/", "instructor/hidden/", "instructor/wrong_answers/",
           "tests/test_grading_wrong_answers.py", "tests/test_workbook.py")


def tracked_files(root: Path) -> list[str]:
    """The files git tracks under ``root`` (relative paths), or every file if it is not a clone."""
    try:
        done = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True,
                              check=True, timeout=60)
        return sorted(p for p in done.stdout.decode("utf-8", "replace").split("\0") if p)
    except (OSError, subprocess.SubprocessError):
        skip = {".git", ".venv", "_build", "__pycache__", ".pytest_cache", ".hypothesis"}
        return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                      if p.is_file() and not skip & set(p.relative_to(root).parts))


def public_files(root: Path) -> list[str]:
    return [p for p in tracked_files(root)
            if not any(p == x.rstrip("/") or p.startswith(x) for x in PRIVATE)]


def problems(root: Path, files: list[str]) -> list[str]:
    """Why the copy must not be made (empty if it may)."""
    out = []
    for rel in files:
        if rel.endswith(".ipynb"):
            try:
                text = (root / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "BEGIN SOLUTION" in text:
                out.append(f"{rel} contains a solution marker (### BEGIN SOLUTION)")
    if (root / "solutions").is_dir() and (root / "exercises").is_dir():
        from .assign import out_of_sync
        try:
            stale = out_of_sync(root / "solutions", root / "exercises")
        except Exception as e:                  # noqa: BLE001 - say it, do not crash
            stale = [f"exercises/ cannot be compared with solutions/ ({e})"]
        out += [f"{p} (run `make exercises`)" for p in stale]
    return out


def make_public(root: Path, out: Path) -> list[str]:
    """Copy the public part of ``root`` to ``out``; returns the files copied."""
    root, out = root.resolve(), out.resolve()
    if out == root or root in out.parents:
        raise SystemExit(f"error: {out} is inside the course repository; choose a folder outside it")
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"error: {out} exists and is not empty")
    files = public_files(root)
    found = problems(root, files)
    if found:
        raise SystemExit("error: not making a public copy:\n  " + "\n  ".join(found))
    for rel in files:
        src, dst = root / rel, out / rel
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labrt.grading public",
        description="Copy the course without solutions/, instructor/hidden/ and "
                    "instructor/wrong_answers/: the copy students (and Binder) get.")
    parser.add_argument("out", type=Path, help="an empty or new folder outside the repository")
    parser.add_argument("--from", dest="root", type=Path,
                        default=Path(__file__).resolve().parents[2],
                        help="the course repository (default: the one labrt is in)")
    args = parser.parse_args(argv)
    files = make_public(args.root, args.out)
    left = ", ".join(PRIVATE)
    print(f"wrote {len(files)} files to {args.out} (left out: {left})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
