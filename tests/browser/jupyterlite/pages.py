"""The book's pages as notebooks for the browser: what runs there, and what says it cannot.

The browser version of a book page is the notebook Jupyter Book executed for the static
page (``_build/jupyter_execute/book/<page>.ipynb``), so a reader opens it with the same
outputs the page shows and can run it again.  Most cells run unchanged on Pyodide:
labrt's simulated kernel, ``book/_lib`` (shipped as a wheel, importable as ``_lib``),
ipywidgets and simpy are in the site.  A few cannot, and running them would only end in a
traceback the reader cannot do anything about:

* numpy and matplotlib exist for Pyodide only as Pyodide's own builds, which come from a
  CDN or a GitHub release, not from a package registry; the offline site has neither.
* Pyodide has no threads (``threading.Thread.start`` raises), no trio kernel (no
  epoll/kqueue, no sockets) and no real Erlang nodes; labrt.explore needs greenlet, which
  Pyodide 314 does not ship.

:func:`browser_cells` rewrites such a cell: its code stays visible, commented out under a
note that says what it needs and where to run it, and running it prints the note.  Its
saved output is kept.  A cell that uses a name only such a cell defines (ch01's
``busiest_load`` comes from the numpy cell) is rewritten too, naming that cell's reason,
so "Run all" goes through a page without an error.  The rules are textual (a regular
expression per need) plus a small name analysis with ``ast``; tests/browser checks the
outcome by running pages in Pyodide.
"""
from __future__ import annotations

import ast
import copy
import re

# (reason shown to the reader, pattern over a cell's source)
NEEDS = [
    ("numpy and matplotlib, which have no offline build for Pyodide",
     re.compile(r"\bimport numpy\b|\bnumpy\.|\bnp\.|matplotlib|\bplot_\w+\(|ch01_traffic")),
    ("threads, which Pyodide does not have", re.compile(r"threading\.Thread\b")),
    ("the trio kernel, which does not run in Pyodide (no sockets, no epoll)",
     re.compile(r"\bimport trio\b|kernel\s*=\s*[\"']trio")),
    ("real Erlang nodes, which a browser cannot start",
     re.compile(r"\blabrt\.erl\b|from labrt\.erl\b|start_node\(")),
    ("greenlet (labrt.explore), which Pyodide 314 does not ship",
     re.compile(r"\blabrt\.explore\b|from labrt import explore")),
]
MARK = "# In your browser this cell cannot run:"


# modules a rewritten cell imports that are missing in the browser: what it imports from
# them is missing too (a plain `import time` in such a cell is not: Pyodide has time)
MISSING = re.compile(r"^(numpy|matplotlib|trio|greenlet|labrt\.explore|labrt\.erl|_lib\.ch01_traffic)\b")


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
        elif isinstance(node, ast.ImportFrom):
            if node.module and (MISSING.match(node.module) or
                                (node.module == "labrt" and any(a.name == "explore" for a in node.names))):
                names |= {a.asname or a.name for a in node.names}
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


def reason(source: str) -> str | None:
    """Why a cell cannot run in the browser, or None."""
    for why, pattern in NEEDS:
        if pattern.search(source):
            return why
    return None


def note(why: str) -> str:
    return (f"This cell needs {why}. Its output on the page (and below) comes from a "
            "local kernel: run this page locally with `make lab` to run it.")


def rewrite(source: str, why: str) -> str:
    """The cell's code, commented out under a note that running it prints."""
    text = note(why)
    code = "\n".join("#     " + line if line else "#" for line in source.splitlines())
    return f"{MARK}\n# {text}\n#\n{code}\nprint({text!r})\n"


def browser_cells(nb: dict) -> tuple[dict, list[tuple[int, str]]]:
    """A copy of an executed notebook for the browser, and the (code-cell index, reason)
    of every cell rewritten."""
    nb = copy.deepcopy(nb)
    blocked: dict[str, str] = {}       # name -> why the cell defining it cannot run
    changed = []
    index = -1
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        index += 1
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        why = reason(source)
        if why is None:
            inherited = sorted((_used(source) - _bound_any(source)) & blocked.keys())
            if inherited:
                why = blocked[inherited[0]]
        if why is None:
            for name in _bound_any(source):  # a name redefined here is fine again
                blocked.pop(name, None)
            continue
        for name in _bound(source):
            blocked[name] = why
        cell["source"] = rewrite(source, why)
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
