"""The rules that make a book page's notebook fit for the browser (jupyterlite/pages.py),
without a browser: which cells are commented out under a note, which of their lines
still run, and which names later cells can no longer use. The browser tests
(test_browser_version.py) check the outcome on the real pages in Pyodide."""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "jupyterlite"))

from pages import MARK, PART_MARK, browser_cells  # noqa: E402


def notebook(*sources: str) -> dict:
    return {"metadata": {}, "nbformat": 4, "nbformat_minor": 5,
            "cells": [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
                       "execution_count": 1} for s in sources]}


def rewritten(*sources: str) -> tuple[list[str], list[int]]:
    nb, changed = browser_cells(notebook(*sources))
    return [c["source"] for c in nb["cells"]], [i for i, _ in changed]


def run(source: str, env: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), env)
    return out.getvalue()


def test_a_numpy_cell_is_commented_out_and_says_why():
    """A cell importing numpy keeps its code as comments and prints what it needs."""
    (cell,), changed = rewritten("import numpy as np\nx = np.zeros(3)\nprint(x)")
    assert changed == [0] and cell.startswith(MARK)
    assert "#     x = np.zeros(3)" in cell
    assert run(cell, {}).startswith("This cell needs numpy")


def test_a_cell_using_a_missing_name_says_so_too():
    """A cell that only uses a name the numpy cell defines is rewritten as well; one that
    defines the name again is not."""
    cells, changed = rewritten("import numpy as np\nload = np.max([1, 2])",
                               "print(load)", "load = 3\nprint(load)")
    assert changed == [0, 1]
    assert cells[2] == "load = 3\nprint(load)"


def figure_cell(source: str, output: str = "png") -> dict:
    """A notebook of one executed cell whose output is a matplotlib figure ("png") or an
    SVG chart ("svg", as labrt.draw.chart draws)."""
    nb = notebook(source)
    data = ({"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 2 Axes>"}
            if output == "png" else
            {"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'></svg>",
             "text/plain": "<labrt.draw.chart.Chart object>"})
    nb["cells"][0]["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": data}]
    return nb


def test_definitions_without_calls_still_run():
    """Above a matplotlib plot, a literal list and a function that needs nothing missing
    still run, so the next cell (not rewritten) can use them."""
    nb = figure_cell('import math\nmarks = [(4 * 3600, "a"), (9 * 3600, "b")]\n'
                     "def hours(m):\n    return [t / 3600 for t, _ in m]\n"
                     "first.plot_day(peak, marks)")
    nb["cells"].append(notebook("print(len(marks), hours(marks), math.pi > 3)")["cells"][0])
    out, changed = browser_cells(nb)
    cells = [c["source"] for c in out["cells"]]
    changed = [i for i, _ in changed]
    assert changed == [0] and cells[0].startswith(PART_MARK)
    assert "\nmarks = [" in cells[0] and "\ndef hours(m):" in cells[0]
    assert "#     first.plot_day(peak, marks)" in cells[0]
    env: dict = {}
    assert run(cells[0], env).startswith("The lines commented out below need numpy")
    assert run(cells[1], env) == "2 [4.0, 9.0] True\n"


def test_assignments_from_calls_and_missing_names_do_not_run():
    """An assignment from a call, or from a name a commented-out line defines, is
    commented out, and so is every later cell that uses it."""
    cells, changed = rewritten(
        "import numpy as np\nn = len([1])\nm = np\nk = 2\nplot_it(n)", "print(n)", "print(m)",
        "print(k)")
    assert changed == [0, 1, 2]
    assert "#     n = len([1])" in cells[0] and "#     m = np" in cells[0]
    assert "\nk = 2\n" in cells[0] and cells[3] == "print(k)"


def test_a_name_changed_by_a_commented_out_line_is_missing_below():
    """A kept global that a commented-out line changes (a method call on it, or a thread
    running a kept function that sets it) is not the page's value: cells using it say so."""
    cells, changed = rewritten(
        "import threading\nlog = []\nbalance = 0\n"
        "def deposit():\n    global balance\n    balance += 1\n"
        "t = threading.Thread(target=deposit)\nlog.append(1)",
        "print(balance)", "print(log)", "deposit()")
    assert changed == [0, 1, 2]
    assert cells[3] == "deposit()"        # the function itself is defined in the browser


def test_a_cell_that_does_not_parse_is_commented_out_whole():
    """An IPython magic in a cell that cannot run: the whole cell becomes comments."""
    (cell,), _ = rewritten("%time import numpy\nx = 1")
    assert cell.startswith(MARK) and "#     x = 1" in cell
    assert run(cell, {}).startswith("This cell needs numpy")


def test_lines_sharing_a_line_with_a_missing_call_do_not_run():
    """`a = 1; np.sum(a)` is one line: it is commented out with the call."""
    (cell, after), changed = rewritten("a = 1; np.sum(a)", "print(a)")
    assert changed == [0, 1] and "#     a = 1; np.sum(a)" in cell


def test_a_cell_whose_output_is_a_figure_says_so():
    """A cell that drew a matplotlib figure (through a helper: nothing in its text says
    matplotlib) is rewritten; its list of marks above the call still runs."""
    nb = figure_cell('marks = [(4 * 3600, "upgrade")]\ncompare.plot(a, b, marks)')
    nb["cells"].append(notebook("print(marks)")["cells"][0])
    out, changed = browser_cells(nb)
    assert [i for i, _ in changed] == [0]
    assert "#     compare.plot(a, b, marks)" in out["cells"][0]["source"]
    assert out["cells"][1]["source"] == "print(marks)"


def test_an_svg_chart_cell_runs_as_it_is():
    """A figure drawn as SVG (labrt.draw.chart, no matplotlib) runs in the browser: the
    same plot call with an SVG output is left as it is, and so are the cells after it."""
    nb = figure_cell('marks = [(4 * 3600, "a")]\nplots.plot_day(peak, marks)', output="svg")
    nb["cells"].append(notebook("print(marks)")["cells"][0])
    out, changed = browser_cells(nb)
    assert changed == []
    assert out["cells"][0]["source"] == 'marks = [(4 * 3600, "a")]\nplots.plot_day(peak, marks)'


def test_a_lib_module_importing_numpy_on_load_is_missing(tmp_path):
    """A book/_lib module that imports numpy at its top level (or imports such a module
    when it loads) cannot be imported in the browser; one that imports matplotlib only
    inside a function can."""
    import pages
    (tmp_path / "heavy.py").write_text("import numpy as np\n")
    (tmp_path / "uses_heavy.py").write_text("try:\n    from . import heavy\nexcept ImportError:\n    import heavy\n")
    (tmp_path / "lazy.py").write_text("def plot():\n    import matplotlib.pyplot as plt\n")
    (tmp_path / "plain.py").write_text("from _lib import lazy\nimport math\n")
    assert pages.numpy_modules(tmp_path) == ["heavy", "uses_heavy"]


def test_importing_a_numpy_module_from_lib_is_rewritten():
    """`from _lib import <module that loads numpy>` says why it cannot run, and a later
    cell using the name says so too; other _lib imports in that cell still run."""
    import pages
    if not pages.NUMPY_MODULES:
        return          # no such module in book/_lib any more: nothing to rewrite
    mod = pages.NUMPY_MODULES[0]
    cells, changed = rewritten(f"from _lib import {mod} as t\nfrom _lib import ch01_availability",
                               "print(t)", "print(ch01_availability)")
    assert changed == [0, 1] and cells[2] == "print(ch01_availability)"
    assert "\nfrom _lib import ch01_availability\n" in cells[0]


def test_the_course_lib_wheel_carries_what_the_pages_checks_read(tmp_path):
    """Every page source and Erlang snippet a page's check reads (`Numbers("<page>.md")`,
    `BOOK / "<file>"`) is in the course-lib wheel, where `_lib.numbers.BOOK` points in
    the browser (site-packages, the folder above `_lib`)."""
    import re
    import zipfile

    import build
    names = set(zipfile.ZipFile(build.course_lib_wheel(tmp_path)).namelist())
    read = set()
    for page in sorted((build.ROOT / "book").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        read |= set(re.findall(r'Numbers\("([^"]+)"\)', text))
        read |= set(re.findall(r'BOOK / "([^"]+)"', text))
    assert read, "no page reads a source file: the pattern is stale"
    assert sorted(read - names) == []
    assert "_lib/numbers.py" in names


def test_prompts_reset_and_kernel_is_pyodide():
    """Every code cell opens unrun, and the notebook names the Pyodide kernel."""
    nb, _ = browser_cells(notebook("x = 1"))
    assert nb["cells"][0]["execution_count"] is None
    assert nb["metadata"]["kernelspec"]["name"] == "python"


def test_every_slow_cell_spec_matches_its_page():
    """Each cell slow.py shows from saved runs is still on its page (its line, and each
    line of the setup its local run repeats), and its slow lines come first in it."""
    import slow
    for spec in slow.SLOW:
        page = (Path(__file__).parents[2] / "book" / f"{spec.page}.md").read_text(encoding="utf-8")
        source = slow.cell_source(spec)
        for line in spec.setup.splitlines():
            assert line in page.splitlines(), (spec.page, line)
        lines, _rest = slow._split(source, spec.names)
        assert lines and all(any(f"{n} =" in s for n in spec.names) for s in lines)


def test_a_slow_cell_shows_saved_runs_and_says_so():
    """With saved runs in the site, the slow cell keeps its lines under `if RUN_HERE:`,
    loads the saved runs, prints where they came from, then runs the rest of the cell;
    without them it is left as it is."""
    import slow
    spec = slow.SLOW[0]
    source = slow.cell_source(spec)
    nb = notebook(source)
    out, changed = browser_cells(nb, spec.page, {spec.file: {"python": "3.11", "cpu_s": 25.0}})
    cell = out["cells"][0]
    assert [i for i, _ in changed] == [0] and "browser-saved-runs" in cell["metadata"]["tags"]
    for line in slow._split(source, spec.names)[0]:
        assert "\n    " + line in cell["source"]          # the page's code, under if RUN_HERE:

    class Compare:                                    # stands in for ch11_compare
        @staticmethod
        def load_saved(name):
            assert name == spec.file
            return "A", "B", {}

        @staticmethod
        def table(a, b):
            return f"table of {a} and {b}"
    env = {"compare": Compare}
    printed = run(cell["source"], env)
    assert printed.startswith("In your browser this cell shows saved runs")
    assert "3.11, 25.0 s of CPU" in printed and printed.endswith("table of A and B\n")
    assert env["RUN_HERE"] is False
    assert browser_cells(notebook(source), spec.page, {})[1] == []
