"""Cells too slow for the browser: they show the runs the site was built with, and say so.

Chapter 11's peak-day cell runs both systems through 24 simulated hours of traffic
(225,000 purchases each, every one a few messages between simulated nodes).  A local
kernel (CPython) takes seconds per system; Pyodide, CPython compiled to WebAssembly and
run by the browser, is a few times slower again, and that cell alone took 40-60 s there:
a reader who clicks *Run all* waits a minute at that cell with nothing on the screen.

Running a shorter window instead would show other numbers than the prose states, and
the page's later cells (its hidden checks, its figure) would then disagree with the page.
So the browser version of such a cell does what the site can do honestly: the site's
build runs the page's own lines in a local kernel (:func:`script`, run by build.py, cached
by a hash of the code it depends on) and saves what the later cells read (for chapter 11
``ch11_compare.save``: figures, failed-purchase times, books lag).  In the browser the cell
(:func:`rewrite`) keeps the page's lines under ``if RUN_HERE:`` and loads the saved runs
otherwise, printing a note that says where they came from, how long the local run took,
and how to run the day right there (``RUN_HERE = True``, about a minute) or a tenth of
it (``total=250_000``, a few seconds, with other numbers).  Everything after that line of
the cell (printing the table) runs as on the page.

A cell is named by its page and a line only it has, so a change to the page that loses
the line is noticed (tests/browser/test_lite_pages.py checks every spec against the
page's source).
"""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Slow:
    page: str                 # the page (book/<page>.md)
    line: str                 # a line only that cell has
    names: tuple[str, ...]    # what its slow lines bind, read by the cells below
    setup: str                # the page's earlier lines those lines need (each on the page)
    save: str                 # saves `names` to the path `SAVED_PATH` (a local kernel)
    load: str                 # reads `names` back from `{file}` (in the browser)
    file: str                 # the saved file's name, in course-lib's _data/


SLOW = [
    Slow(page="ch11-growing-up",
         line="peak_second = second.run(hours=24, day=21, schedule=day_events)",
         names=("peak_first", "peak_second"),
         setup="from _lib import ch10_first as first\n"
               "from _lib import ch11_compare as compare\n"
               "from _lib import ch11_second as second\n"
               "day_events = second.peak_day()",
         save="compare.save(peak_first, peak_second, SAVED_PATH, **ABOUT)",
         load="peak_first, peak_second, _saved = compare.load_saved({file!r})",
         file="ch11-peak-day.json"),
]


def find(page: str, source: str) -> Slow | None:
    """The spec of a page's cell, or None."""
    return next((s for s in SLOW if s.page == page and s.line in source.splitlines()), None)


def cell_source(spec: Slow) -> str:
    """The spec's cell as the page has it (from book/<page>.md)."""
    text = (ROOT / "book" / f"{spec.page}.md").read_text(encoding="utf-8")
    for block in text.split("```{code-cell}")[1:]:
        body = block.split("\n", 1)[1].split("\n```", 1)[0]
        if spec.line in body.splitlines():
            return body.strip("\n") + "\n"
    raise LookupError(f"{spec.page}.md has no cell with the line {spec.line!r}")


def _split(source: str, names) -> tuple[list[str], list[str]]:
    """The cell's top-level statements that bind ``names`` (the slow ones), and the rest
    after them; the slow ones must come first."""
    tree = ast.parse(source)
    lines = source.splitlines()
    slow, rest = [], []
    for stmt in tree.body:
        text = "\n".join(lines[stmt.lineno - 1:stmt.end_lineno])
        binds = {n.id for t in getattr(stmt, "targets", []) for n in ast.walk(t)
                 if isinstance(n, ast.Name)}
        if binds & set(names):
            if rest:
                raise ValueError(f"a slow line after the others: {text!r}")
            slow.append(text)
        else:
            rest.append(text)
    return slow, rest


def script(spec: Slow, path: Path, about: dict) -> str:
    """Python for a local kernel (run in book/): the page's lines, then save them."""
    slow, _rest = _split(cell_source(spec), spec.names)
    return (f"SAVED_PATH = {str(path)!r}\n"
            "import platform, time\n"
            f"{spec.setup}\n"
            "_t = time.process_time()\n" + "\n".join(slow) + "\n"
            f"ABOUT = dict({about!r}, python=platform.python_version(), "
            "cpu_s=round(time.process_time() - _t, 1))\n"
            f"{spec.save}\n")


def key(spec: Slow) -> str:
    """A hash of what the saved runs depend on: the script's code, labrt and book/_lib."""
    h = hashlib.sha256(repr(spec).encode() + cell_source(spec).encode())
    for p in sorted([*(ROOT / "labrt").rglob("*.py"), *(ROOT / "book" / "_lib").glob("*.py")]):
        h.update(p.relative_to(ROOT).as_posix().encode() + p.read_bytes())
    return h.hexdigest()[:16]


def note(about: dict) -> str:
    """What the cell prints in the browser: where its runs came from."""
    return (f"In your browser this cell shows saved runs: the site's build ran its two days "
            f"in a local kernel (Python {about.get('python', '?')}, {about.get('cpu_s', '?')} s "
            "of CPU); here they take about a minute. Set RUN_HERE = True to run them here.")


def rewrite(source: str, spec: Slow, about: dict) -> str:
    """The browser's version of the cell: the page's slow lines under ``if RUN_HERE:``,
    the saved runs otherwise (with the note printed), then the rest of the cell."""
    slow, rest = _split(source, spec.names)
    text = note(about)
    comment = "\n".join("# " + line for line in _wrap(
        text + " The saved runs are what the lines under `if RUN_HERE:` give (seed 1), so "
        "the cells below show the page's numbers. For a quick live run, set RUN_HERE = "
        "True and add total=250_000 to both runs: a tenth of the traffic, a few seconds, "
        "and numbers that are not the ones the page states (its checks below will say so)."))
    indent = lambda block: "\n".join("    " + ln if ln else ln for ln in block.splitlines())  # noqa: E731
    body = "\n".join(indent(s) for s in slow)
    return (f"{comment}\nRUN_HERE = False\nif RUN_HERE:\n{body}\nelse:\n"
            f"    {spec.load.format(file=spec.file)}\n    print({text!r})\n    print()\n"
            + "\n".join(rest) + ("\n" if rest else ""))


def _wrap(text: str, width: int = 86) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return out + [line]
