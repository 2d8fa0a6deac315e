"""The book's pages as notebooks for the browser: what runs there, and what says it cannot.

The browser version of a book page is the notebook Jupyter Book executed for the static
page (``_build/jupyter_execute/book/<page>.ipynb``), so a reader opens it with the same
outputs the page shows and can run it again.  Most cells run unchanged on Pyodide:
labrt's simulated kernel, ``book/_lib`` (shipped as a wheel, importable as ``_lib``),
ipywidgets and simpy are in the site.  A few cannot, and running them would only end in a
traceback the reader cannot do anything about:

* numpy and matplotlib exist for Pyodide only as Pyodide's own builds, which come from a
  CDN or a GitHub release, not from a package registry; the offline site has neither.
  The book's figures are drawn as SVG by ``labrt.draw.chart`` and run; what still needs
  numpy or matplotlib is found from the code, not from a list of pages: a cell that
  names them, imports a ``book/_lib`` module that imports them when it loads
  (:func:`numpy_modules`), or whose saved output is a matplotlib figure (a helper that
  imports matplotlib inside a function: nothing in the cell's text says so).
* Pyodide has no threads (``threading.Thread.start`` raises), no trio kernel (no
  epoll/kqueue, no sockets) and no real Erlang nodes.  (labrt.explore runs: without
  greenlet it gives each process a suspended WebAssembly stack, labrt/explore/_stacks.py.)

:func:`browser_cells` rewrites such a cell: its code stays visible, commented out under a
note that says what it needs and where to run it, and running it prints the note.  Its
saved output is kept.  A cell that uses a name only such a cell defines (ch01's
``busiest_load`` comes from the numpy cell) is rewritten too, naming that cell's reason,
so "Run all" goes through a page without an error.

Not every line of such a cell is lost: a top-level statement that only *defines*
something and needs nothing missing (an import of a module Pyodide has, a ``def`` or
``class`` whose code uses nothing missing, an assignment of a value computed without a
call, such as ch10's list of the day's events above its plot) still runs, in its place,
so the cells below can use the name.  Anything else in the cell (a call, a loop, an
assignment from a call) is commented out: running half of it could print or change
something the static page does not show.  A cell that does not parse (an IPython magic)
is commented out whole.

The rules are textual (a regular expression per need) plus a small name analysis with
``ast``; tests/browser/test_lite_pages.py tests them and test_browser_version.py checks the
outcome by running pages in Pyodide.
"""
from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

LIB = Path(__file__).resolve().parents[3] / "book" / "_lib"


def numpy_modules(lib: Path = LIB) -> list[str]:
    """The ``book/_lib`` modules that import numpy or matplotlib when they load (at their
    top level, not inside a function), or import such a module so: importing one fails
    in the browser. A module that imports matplotlib inside a plot function loads fine;
    a cell calling that function is found by :func:`draws_figure` instead."""
    loads: dict[str, set[str]] = {}      # module -> first parts of what it imports on load
    for path in sorted(lib.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        found: set[str] = set()
        todo = list(tree.body)
        while todo:                # module level, including its if/try blocks
            node = todo.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.Import):
                found |= {_first(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                mod = _first(node.module or "")
                found |= {mod} if mod else {_first(a.name) for a in node.names}
            todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
        loads[path.stem] = found
    blocked = {"numpy", "matplotlib"}
    while True:                    # ... or a module that imports one of those on load
        more = {m for m, found in loads.items() if m not in blocked and found & blocked}
        if not more:
            return sorted(blocked - {"numpy", "matplotlib"})
        blocked |= more


def _first(name: str) -> str:
    """A module name's first part, inside _lib: `_lib.ch01_traffic.x` -> `ch01_traffic`."""
    name = name.removeprefix("_lib.") if name != "_lib" else ""
    return name.split(".")[0]


NUMPY_MODULES = numpy_modules()        # ['ch01_traffic'] until its numpy goes
_LIBS = "|".join(NUMPY_MODULES) or "(?!)"

# (reason shown to the reader, pattern over a cell's source)
NEEDS = [
    ("numpy and matplotlib, which have no offline build for Pyodide",
     re.compile(r"\bimport numpy\b|\bnumpy\.|\bnp\.|matplotlib|"
                rf"\b_lib\.({_LIBS})\b|\bfrom _lib import .*\b({_LIBS})\b")),
    ("threads, which Pyodide does not have", re.compile(r"threading\.Thread\b")),
    ("the trio kernel, which does not run in Pyodide (no sockets, no epoll)",
     re.compile(r"\bimport trio\b|kernel\s*=\s*[\"']trio")),
    ("real Erlang nodes, which a browser cannot start",
     re.compile(r"\blabrt\.erl\b|from labrt\.erl\b|start_node\(")),
]
MARK = "# In your browser this cell cannot run:"
PART_MARK = "# In your browser part of this cell cannot run:"


# modules a rewritten cell imports that are missing in the browser: what it imports from
# them is missing too (a plain `import time` in such a cell is not: Pyodide has time)
MISSING = re.compile(r"^(numpy|matplotlib|trio|greenlet|labrt\.erl"
                     rf"|_lib\.({_LIBS}))\b")


def _missing_from(module: str, name: str) -> bool:
    """Whether ``from module import name`` imports something the browser lacks
    (``from _lib import ch01_traffic``, ``from labrt import erl``)."""
    return bool(MISSING.match(module) or MISSING.match(f"{module}.{name}"))


def _bound(source: str) -> set[str]:
    """Names a cell binds (assignments, defs, imports from modules Pyodide lacks)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names
                      if MISSING.match(a.name)}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {a.asname or a.name for a in node.names if _missing_from(node.module, a.name)}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _bound_any(source: str) -> set[str]:
    """Every name a cell binds itself (it does not need them from a cell above)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _used(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def draws_figure(cell: dict) -> bool:
    """Whether an executed cell's output is a matplotlib figure (an image with the
    figure's repr): a call such as ch11's ``compare.plot(...)`` needs matplotlib even
    when nothing in the cell's text says so (the helper imports it inside)."""
    return any("image/png" in out.get("data", {}) and
               "<Figure" in "".join(out["data"].get("text/plain", ""))
               for out in cell.get("outputs", []))


def reason(source: str) -> str | None:
    """Why a cell cannot run in the browser, or None."""
    for why, pattern in NEEDS:
        if pattern.search(source):
            return why
    return None


def note(why: str, partly: bool = False) -> str:
    what = ("The lines commented out below need" if partly else "This cell needs")
    return (f"{what} {why}. Its output on the page (and below) comes from a "
            "local kernel: run this page locally with `make lab` to run it.")


def rewrite(source: str, why: str, keep: list[tuple[int, int]] = ()) -> str:
    """The cell's code, commented out under a note that running it prints; the line
    ranges ``keep`` (1-based, inclusive: statements that still run) stay as they are."""
    text = note(why, partly=bool(keep))
    kept = {n for first, last in keep for n in range(first, last + 1)}
    code = "\n".join(line if n in kept else ("#     " + line if line else "#")
                     for n, line in enumerate(source.splitlines(), 1))
    return f"{PART_MARK if keep else MARK}\n# {text}\n#\n{code}\nprint({text!r})\n"


def _calls(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr))
               for n in ast.walk(node))


def _runs_now(stmt: ast.stmt) -> list[ast.AST]:
    """What a definition evaluates when it runs (not a function's body, which runs when
    called): decorators, defaults, bases, and a class's body."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [*stmt.decorator_list, *stmt.args.defaults,
                *[d for d in stmt.args.kw_defaults if d is not None]]
    if isinstance(stmt, ast.ClassDef):
        return [*stmt.decorator_list, *stmt.bases, *stmt.keywords,
                *[n for b in stmt.body for n in _runs_now(b)]]
    return [stmt]


def _defines_only(stmt: ast.stmt, segment: str, blocked: set[str]) -> bool:
    """Whether a top-level statement of a cell that cannot run may still run: it only
    binds names, without a call, and needs nothing missing."""
    if reason(segment) is not None or _used(segment) & blocked:
        return False
    if isinstance(stmt, ast.Import):
        return not any(MISSING.match(a.name) for a in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return (stmt.level == 0 and bool(stmt.module)
                and not any(_missing_from(stmt.module, a.name) for a in stmt.names))
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return not any(_calls(n) for n in _runs_now(stmt))
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        plain = all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Starred, ast.expr_context))
                    for t in targets for n in ast.walk(t))       # no x[i] = or x.a =
        return plain and stmt.value is not None and not _calls(stmt.value)
    return False


def _kept(source: str, blocked: set[str]) -> tuple[list[tuple[int, int]], set[str], bool]:
    """Of a cell that cannot run: the line ranges (1-based, inclusive) of the statements
    that still run (see _defines_only), the names only they bind, and whether the
    cell parsed."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [], set(), False
    lines = source.splitlines()
    spans = [(min([st.lineno] + [d.lineno for d in getattr(st, "decorator_list", [])]),
              st.end_lineno, st) for st in tree.body]
    local = set(blocked)            # names missing so far, this cell's included
    keep, kept_names = [], set()
    for i, (first, last, stmt) in enumerate(spans):
        segment = "\n".join(lines[first - 1:last])
        # a statement sharing a line with another (`a = 1; f()`) goes with the cell
        shares = any(j != i and f <= last and first <= l for j, (f, l, _) in enumerate(spans))
        if not shares and _defines_only(stmt, segment, local):
            names = _binds(stmt)
            keep.append((first, last))
            kept_names |= names
            local -= names
        else:
            names = _bound_any(segment) - _params(stmt)
            local |= names
            kept_names -= names | _changed(stmt)
    if len(keep) < len(spans):
        # a kept function may set globals when a commented-out line calls it (ch03's
        # threads run deposit_many, which sets `balance`): those are not as on the page
        kept_names -= {n for st in tree.body for g in ast.walk(st)
                       if isinstance(g, (ast.Global, ast.Nonlocal)) for n in g.names}
    return keep, kept_names, True


def _changed(stmt: ast.stmt) -> set[str]:
    """Names whose object a statement changes in place: `x.a = ...`, `x[i] = ...`,
    `x += ...`, `x.append(...)` (a call of one of its methods)."""
    names = set()
    for n in ast.walk(stmt):
        target = None
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, (ast.Store, ast.Del)):
            target = n.value
        elif isinstance(n, ast.AugAssign):
            target = n.target
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            target = n.func.value
        while isinstance(target, (ast.Attribute, ast.Subscript)):
            target = target.value
        if isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _binds(stmt: ast.stmt) -> set[str]:
    """The names a kept statement (an import, a definition, a plain assignment) binds."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _params(stmt: ast.stmt) -> set[str]:
    """Parameter names inside a statement (local to their functions, not bound by it)."""
    return {n.arg for n in ast.walk(stmt) if isinstance(n, ast.arg)}


def browser_cells(nb: dict, page: str | None = None,
                  saved: dict[str, dict] | None = None) -> tuple[dict, list[tuple[int, str]]]:
    """A copy of an executed notebook for the browser, and the (code-cell index, reason)
    of every cell rewritten. ``page`` names the book page and ``saved`` maps the files of
    saved runs the site has to how they were made (slow.py): a cell too slow for the
    browser then shows them (and can still run)."""
    import slow
    nb = copy.deepcopy(nb)
    saved = saved or {}
    blocked: dict[str, str] = {}       # name -> why the cell defining it cannot run
    changed = []
    index = -1
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        index += 1
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        spec = slow.find(page, source) if page else None
        if spec and spec.file in saved:
            cell["source"] = slow.rewrite(source, spec, saved[spec.file])
            cell.setdefault("metadata", {}).setdefault("tags", []).append("browser-saved-runs")
            changed.append((index, f"slow in Pyodide: shows saved runs ({spec.file})"))
            for name in _bound_any(source):
                blocked.pop(name, None)
            continue
        why = reason(source) or (NEEDS[0][0] if draws_figure(cell) else None)
        if why is None:
            inherited = sorted((_used(source) - _bound_any(source)) & blocked.keys())
            if inherited:
                why = blocked[inherited[0]]
        if why is None:
            for name in _bound_any(source):  # a name redefined here is fine again
                blocked.pop(name, None)
            continue
        keep, kept_names, _parsed = _kept(source, set(blocked))
        # what a line commented out binds is missing below; what only the kept lines
        # bind is defined in the browser too
        for name in _bound(source) - kept_names:
            blocked[name] = why
        for name in kept_names:
            blocked.pop(name, None)
        cell["source"] = rewrite(source, why, keep)
        cell.setdefault("metadata", {}).setdefault("tags", []).append("browser-cannot-run")
        changed.append((index, why))
    # unrun in the browser: `[ ]:` until the reader runs a cell (outputs stay)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None
    # the browser runs Python 3 in Pyodide, whatever kernel the page was built with
    nb["metadata"]["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)",
                                    "language": "python"}
    return nb, changed
