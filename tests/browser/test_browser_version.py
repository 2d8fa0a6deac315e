"""The browser version of the book (issue 17): each page's "Run in your browser" button
opens the page in JupyterLite (Pyodide) from the same site, the kernel starts and the
first code cell prints what the static page shows; the ch05 playground restarts workers
when clicked; the race explorer's cells of ch03-ch05 print and draw what the static pages
show; the workbook's checks pass a solved task and give the hint for an unsolved one, and
every solution notebook gets the same verdicts in Pyodide as in a local kernel.

Cheap by design: one chromium for the module, one browser context (so Pyodide's files
come from the HTTP cache after the first page), every request that leaves the site
blocked and recorded.  A notebook is driven through JupyterLab's own commands
(``window.jupyterapp``, exposed by build.py's ``exposeAppInBrowser``).  Skipped when
_build/html/lite is absent (no npm), except in CI, where that fails.
"""
from __future__ import annotations

import html as html_lib
import json
import os
import re
import time
from pathlib import Path

import pytest

from browserlib import HTML, ROOT, page_url, serve, toc_docnames

LITE = HTML / "lite"
EXERCISE_SITE = LITE / "files" / "exercises"
TIMES: dict[str, float] = {}

# JavaScript run in the JupyterLite page: the open notebook panel and its cells
APP = """() => {
window.__nb = () => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  return w && w.content && w.content.widgets ? w : null;
};
window.__codeCells = () => window.__nb().content.widgets.filter(c => c.model.type === 'code');
window.__run = async (i) => {
  const panel = window.__nb();
  await panel.context.sessionContext.ready;
  const cell = window.__codeCells()[i];
  panel.content.activeCellIndex = panel.content.widgets.indexOf(cell);
  await window.jupyterapp.commands.execute('notebook:run-cell');
};
window.__exec = async (code) => {
  const session = window.__nb().context.sessionContext;
  await session.ready;
  return await new Promise((resolve) => {
  const kernel = session.session.kernel;
  const out = [];
  const future = kernel.requestExecute({code});
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type, c = msg.content;
    if (t === 'stream') out.push({type: c.name, text: c.text});
    else if (t === 'error') out.push({type: 'error', ename: c.ename, text: c.evalue});
    else if (t === 'execute_result' || t === 'display_data')
      out.push({type: t, text: (c.data && c.data['text/plain']) || '',
                svg: (c.data && c.data['image/svg+xml']) || ''});
  };
  future.done.then((reply) => resolve({status: reply.content.status, out}));
  });
};
window.__out = (i) => {
  const c = window.__codeCells()[i];
  return {count: c.model.executionCount,
          text: c.node.querySelector('.jp-OutputArea') ?
                c.node.querySelector('.jp-OutputArea').innerText : ''};
};
}"""


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_docnames() -> list[str]:
    """The toc pages that have code cells (they get the button)."""
    names = []
    for doc in toc_docnames():
        if doc.startswith("book/") and (ROOT / "_build" / "jupyter_execute" / f"{doc}.ipynb").is_file():
            names.append(doc)
        elif doc.startswith("exercises/"):
            names.append(doc)
    return names


@pytest.fixture(scope="module")
def lite_site():
    if not (LITE / "jupyter-lite.json").is_file() or not (HTML / "index.html").is_file():
        missing = ("no browser version in _build/html/lite (it needs npm: run `make book` "
                   "with npm installed)")
        if os.environ.get("CI"):
            pytest.fail(missing + "; CI installs npm and must build it")
        pytest.skip(missing)
    site = serve(HTML)
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture(scope="module")
def context(lite_site, browser):
    """One browser context for the module: requests leaving the site are blocked and
    recorded in context.external."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.external = []
    ctx.route("**/*", lambda r: r.continue_() if lite_site.is_local(r.request.url)
              else (ctx.external.append(r.request.url), r.abort()))
    yield ctx
    ctx.close()
    if TIMES:
        print("\nclick to first output (s): " +
              ", ".join(f"{k} {v:.1f}" for k, v in TIMES.items()))


def open_from_button(context, site, docname: str):
    """Open the static page, click its button; return the JupyterLite page and the time
    of the click."""
    page = context.new_page()
    page.goto(site.base + page_url(docname))
    button = page.locator("a.labrt-run-in-browser-button")
    assert button.count() == 1, f"{docname}: no 'Run in your browser' button"
    with context.expect_page() as new:
        start = time.monotonic()
        button.click()
    lite = new.value
    static_first = page.evaluate(
        "() => { const c = document.querySelector('.cell .cell_output');"
        " const cell = document.querySelector('div.cell');"
        " const o = cell && cell.querySelector('.cell_output'); return o ? o.innerText : ''; }")
    page.close()
    lite.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content"
                           " && window.jupyterapp.shell.currentWidget.content.widgets"
                           " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0"
                           " && window.jupyterapp.shell.currentWidget.context.isReady",
                           timeout=120_000)
    lite.evaluate(APP)
    return lite, start, static_first


def run_cell(lite, index: int, timeout: float = 120_000) -> str:
    lite.evaluate(f"() => {{ window.__run({index}); }}")
    lite.wait_for_function(f"() => window.__out({index}).count !== null", timeout=timeout)
    return lite.evaluate(f"() => window.__out({index}).text")


def static_first_output(context, site, docname: str) -> str:
    """The first code cell's output as the static page shows it."""
    page = context.new_page()
    try:
        page.goto(site.base + page_url(docname))
        return page.evaluate("() => { const cell = document.querySelector('div.cell');"
                             " const o = cell && cell.querySelector('.cell_output');"
                             " return o ? o.innerText : ''; }")
    finally:
        page.close()


def local_first_output(docname: str, static_first: str) -> str:
    """What the first code cell prints in a local kernel. A book page shows it; a workbook
    page is shown unexecuted, so for it this is the solution notebook's stored output of
    the same cell (the exercise's first cell is the solution's, as it is given)."""
    solution = ROOT / "solutions" / (docname.removeprefix("exercises/") + ".ipynb")
    if not docname.startswith("exercises/") or not solution.is_file():
        return static_first
    cell = next(c for c in json.loads(solution.read_text(encoding="utf-8"))["cells"]
                if c["cell_type"] == "code")
    if "".join(cell["source"]) != code_sources(EXERCISE_SITE / f"{solution.name}")[0]:
        return static_first
    text = lambda t: "".join(t) if isinstance(t, list) else t  # noqa: E731
    return "".join(text(o.get("text", "")) if o["output_type"] == "stream"
                   else text(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []) if o.get("name") != "stderr")


def check_first_cell(lite, docname: str, static_first: str, source: str | None = None) -> None:
    source = source or code_sources(LITE / "files" / f"{docname}.ipynb")[0]
    static_first = local_first_output(docname, static_first)
    text = run_cell(lite, 0)
    errors = lite.evaluate("() => [...window.__nb().node.querySelectorAll('.jp-OutputArea-output')]"
                           ".filter(e => e.dataset.mimeType === 'application/vnd.jupyter.stderr'"
                           " && /Error|Traceback/.test(e.innerText)).map(e => e.innerText)")
    assert errors == [], (docname, errors)
    if source.startswith(("# In your browser this cell cannot run:",
                          "# In your browser part of this cell cannot run:")):
        # jupyterlite/pages.py's note, printed instead of what needs what Pyodide lacks
        assert "Its output on the page (and below) comes from a local kernel" in text, (docname, text)
    else:
        assert norm(text) == norm(static_first), (docname, text, static_first)


@pytest.mark.parametrize("page", page_docnames())
def test_page_has_a_working_button(lite_site, page):
    """The page's 'Run in your browser' button points into the site's JupyterLite, at a
    notebook the site has."""
    import urllib.request
    html = (HTML / f"{page}.html").read_text(encoding="utf-8")
    m = re.search(r'class="btn btn-sm labrt-run-in-browser-button" href="([^"]+)"', html)
    assert m, f"{page}: no 'Run in your browser' button"
    href = m.group(1).replace("&amp;", "&")
    assert href.startswith("../lite/notebooks/index.html?path="), href
    path = href.split("?path=", 1)[1]
    assert (LITE / "files" / path).is_file(), path
    with urllib.request.urlopen(lite_site.base + "lite/notebooks/index.html") as r:
        assert r.status == 200


@pytest.mark.timeout(900)
def test_buttons_run_first_cells_in_browser(context, lite_site):
    """Clicking a page's button opens JupyterLite, the kernel starts and the first code cell
    shows what the static page shows (a workbook page, shown unexecuted: what its
    solution notebook's same cell printed locally), or says why it cannot run here; a second page's
    button the same (warm cache, new kernel; both timed); then every other page's first
    cell runs in that second kernel (reused: cheap, one Pyodide start) and shows its
    static output. No request leaves the site."""
    pages = page_docnames()
    first, rest = pages[0], pages[1:]
    lite, start, static_first = open_from_button(context, lite_site, first)
    try:
        check_first_cell(lite, first, static_first)
        TIMES[f"{first} (first click)"] = time.monotonic() - start
    finally:
        lite.close()
    lite, start, static_first = open_from_button(context, lite_site, rest[0])
    try:
        check_first_cell(lite, rest[0], static_first)
        TIMES[f"{rest[0]} (warm cache)"] = time.monotonic() - start
    finally:
        lite.close()
    # the other pages' first cells, in the second page's kernel (reused: each first cell
    # is self-contained), set into its first cell and run there
    lite = open_notebook(context, lite_site, rest[0] + ".ipynb")
    try:
        run_cell(lite, 0)
        for docname in rest[1:]:
            static = static_first_output(context, lite_site, docname)
            source = code_sources(LITE / "files" / f"{docname}.ipynb")[0]
            lite.evaluate("(src) => { const c = window.__codeCells()[0];"
                          " c.model.sharedModel.setSource(src); c.model.executionCount = null; }",
                          source)
            t = time.monotonic()
            check_first_cell(lite, docname, static, source)
            TIMES[f"{docname} (reused kernel)"] = time.monotonic() - t
    finally:
        lite.close()
    assert context.external == []


def open_notebook(context, site, path: str):
    lite = context.new_page()
    lite.goto(site.base + "lite/notebooks/index.html?path=" + path.removeprefix("/"))
    lite.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content"
                           " && window.jupyterapp.shell.currentWidget.content.widgets"
                           " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0"
                           " && window.jupyterapp.shell.currentWidget.context.isReady",
                           timeout=120_000)
    lite.evaluate(APP)
    return lite


def code_sources(notebook: Path) -> list[str]:
    return [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


def verdicts(texts) -> list[str]:
    """The check lines (passed or not) of some output texts."""
    return [norm(line) for text in texts for line in text.splitlines()
            if line.startswith(("\u2714", "\u2718"))]


# A live widget in a cell's output: the element with the class ``labrt-playground`` that
# the kernel's ipywidgets rendered (not the *saved run* printed under it, which has the
# same words: "w1 was restarted as", "exited", and a tree of its own).  Its text is read
# as textContent: JupyterLab's windowed notebook may not be rendering a cell scrolled out
# of view, and then innerText is empty.
WIDGET = "window.__codeCells()[{index}].node.querySelector('.jp-OutputArea .labrt-playground')"


def widget_state(lite, index: int) -> dict:
    """The live widget's text, its pictures' svg, and its buttons' labels."""
    return lite.evaluate(
        "() => { const w = " + WIDGET.format(index=index) + ";"
        " if (!w) return null;"
        " return {text: w.textContent, svgs: [...w.querySelectorAll('svg')].map(s => s.outerHTML),"
        "         buttons: [...w.querySelectorAll('button')].map(b => b.textContent.trim())}; }")


def show_live_widget(lite, index: int, button: str) -> dict:
    """Run cell ``index`` (a playground's ``show()``) and wait until its widget is drawn
    in the page with ``button`` among its buttons and its pictures in place."""
    run_cell(lite, index)
    lite.wait_for_function(
        "() => { const w = " + WIDGET.format(index=index) + ";"
        " return w && w.querySelector('svg') &&"
        f" [...w.querySelectorAll('button')].some(b => b.textContent.trim() === {json.dumps(button)}); }}",
        timeout=60_000)
    lite.evaluate("() => (" + WIDGET.format(index=index) + ").scrollIntoView()")
    return widget_state(lite, index)


def click_live_widget(lite, index: int, button: str, says: str, before: dict,
                      redrawn: list[int] | None = None) -> dict:
    """Click the live widget's button ``button`` and wait for the kernel's answer: the
    widget's own text says ``says`` (which it did not before) and the pictures it
    redraws (``redrawn``: their indexes; all of them when None) have arrived, their svg
    differing from ``before``'s. The click goes to the kernel as a comm message; the
    redraw comes back as state updates, some time later."""
    assert says not in before["text"], (button, says, before["text"])
    redrawn = list(range(len(before["svgs"]))) if redrawn is None else redrawn
    lite.evaluate("(label) => [...(" + WIDGET.format(index=index) + ").querySelectorAll('button')]"
                  ".find(b => b.textContent.trim() === label).click()", button)
    lite.wait_for_function(
        "([says, svgs, redrawn]) => { const w = " + WIDGET.format(index=index) + ";"
        " const now = [...w.querySelectorAll('svg')].map(s => s.outerHTML);"
        " return w.textContent.includes(says) && now.length === svgs.length"
        " && redrawn.every(i => now[i] !== svgs[i]); }",
        arg=[says, before["svgs"], redrawn], timeout=60_000)
    return widget_state(lite, index)


@pytest.mark.timeout(240)
def test_playground_crash_restarts_workers_in_browser(context, lite_site):
    """In JupyterLite the ch05 playground is live: 'crash w1' under one_for_all
    restarts every worker and redraws the tree with their new pids, as the page says."""
    before = len(context.external)
    lite = open_notebook(context, lite_site, "book/ch05-supervisors.ipynb")
    try:
        sources = code_sources(LITE / "files" / "book" / "ch05-supervisors.ipynb")
        index = next(i for i, s in enumerate(sources) if "SupervisorPlayground(" in s)
        assert "one_for_all" in sources[index]
        start = show_live_widget(lite, index, "crash w1")
        assert len(start["svgs"]) == 1, start["svgs"]          # the tree, drawn once
        after = click_live_widget(lite, index, "crash w1", "you crashed w1", start)
        text = after["text"]
        pids = {}
        for worker in ("w1", "w2", "w3"):       # one_for_all: all of them start again
            m = re.search(rf"{worker} was restarted as (<[\d.]+>)", text)
            assert m, text
            pids[worker] = m.group(1)
        assert "exited" in text, text
        tree = html_lib.unescape(after["svgs"][0])
        for worker, pid in pids.items():        # the redrawn tree shows the new pids
            assert pid in tree, (worker, pid)
            assert pid not in html_lib.unescape(start["svgs"][0]), (worker, pid)
    finally:
        lite.close()
    assert context.external[before:] == []


@pytest.mark.timeout(240)
def test_fault_playground_partition_heal_crash_in_browser(context, lite_site):
    """In JupyterLite the ch08 fault-schedule playground is live: 'partition b@h off' cuts
    b@h's links, 'run 1 s' moves the clock, 'heal all links' mends them and 'crash b@h'
    takes b@h down; after each click the status, the timeline and the cluster picture
    are redrawn as the page describes."""
    before = len(context.external)
    lite = open_notebook(context, lite_site, "book/ch08-nodes.ipynb")
    try:
        sources = code_sources(LITE / "files" / "book" / "ch08-nodes.ipynb")
        index = next(i for i, s in enumerate(sources) if "FaultPlayground(" in s)
        state = show_live_widget(lite, index, "partition b@h off")
        assert len(state["svgs"]) == 2, state["svgs"]    # the timeline, the cluster
        assert "t=0 s. Up: a@h, b@h, c@h." in state["text"], state["text"]
        # the schedule's cut of a@h at 3 s is drawn ahead; nothing of b@h yet
        assert 'data-bar="cut" data-node="a@h"' in state["svgs"][0]
        assert 'data-node="b@h"' not in state["svgs"][0]

        state = click_live_widget(lite, index, "partition b@h off",
                                  "you cut b@h off from a@h, c@h", state)
        assert "cut: a@h | b@h; b@h | c@h." in state["text"], state["text"]
        assert 'data-bar="cut" data-node="b@h"' in state["svgs"][0]     # on the timeline

        state = click_live_widget(lite, index, "run 1 s", "The clock moved to t=1 s.", state,
                                  redrawn=[0])                # the 'now' line moved
        assert "t=1 s. Up: a@h, b@h, c@h; cut: a@h | b@h; b@h | c@h." in state["text"]

        state = click_live_widget(lite, index, "heal all links", "you healed every link", state)
        assert "t=1 s. Up: a@h, b@h, c@h." in state["text"] and "cut:" not in state["text"]

        state = click_live_widget(lite, index, "crash b@h", "you crashed b@h", state)
        assert "t=1 s. Up: a@h, c@h; down: b@h." in state["text"], state["text"]
        assert 'data-bar="down" data-node="b@h"' in state["svgs"][0]
        assert "restart b@h" in state["buttons"]
        disabled = lite.evaluate(
            "() => Object.fromEntries([...(" + WIDGET.format(index=index) + ")"
            ".querySelectorAll('button')].map(b => [b.textContent.trim(), b.disabled]))")
        assert disabled["crash b@h"] and not disabled["restart b@h"], disabled
    finally:
        lite.close()
    assert context.external[before:] == []


@pytest.mark.timeout(240)
def test_calculator_reacts_in_browser(context, lite_site):
    """In JupyterLite the ch01 availability calculator is live: typing 99.9 into its
    availability field recomputes the monthly downtime (43.2 min) and its summary."""
    before = len(context.external)
    lite = open_notebook(context, lite_site, "book/ch01-never-stop.ipynb")
    try:
        sources = code_sources(LITE / "files" / "book" / "ch01-never-stop.ipynb")
        index = next(i for i, s in enumerate(sources) if s.rstrip().endswith("calculator()"))
        run_cell(lite, index)
        out = lite.locator(".jp-CodeCell").filter(has=lite.locator(".widget-vbox")).first
        out.scroll_into_view_if_needed()
        fields = out.locator(".widget-vbox input[type=number]")
        fields.first.wait_for(timeout=60_000)
        summary = out.locator(".widget-vbox .widget-html")
        start = summary.text_content()
        assert "At 99.99 % you may be down for" in start, start
        fields.nth(0).fill("99.9")
        fields.nth(0).press("Enter")
        lite.wait_for_function(
            "(el) => el.textContent.includes('At 99.9 % you may be down for')",
            arg=summary.element_handle(), timeout=30_000)
        text = summary.text_content()
        assert "30-day month: 43.2 min" in text, text
        assert fields.nth(1).input_value() == "43.2", fields.nth(1).input_value()
    finally:
        lite.close()
    assert context.external[before:] == []


def figure_cells() -> dict[str, int]:
    """Per book page of the site, its first figure cell (a caption in its metadata) whose
    page output is an SVG chart (drawn without matplotlib): code-cell index. Every such
    cell must run in the browser (pages.py must not rewrite it)."""
    found = {}
    for nb in sorted((LITE / "files" / "book").glob("*.ipynb")):
        cells = [c for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
                 if c["cell_type"] == "code"]
        for i, c in enumerate(cells):
            svg = any("image/svg+xml" in o.get("data", {}) for o in c.get("outputs", []))
            if "figure" in c.get("metadata", {}).get("mystnb", {}) and svg:
                assert "browser-cannot-run" not in c["metadata"].get("tags", []), (nb.stem, i)
                found[nb.stem] = i
                break
    return found


@pytest.mark.timeout(600)
def test_figure_cell_draws_svg_in_browser(context, lite_site):
    """A page's figure cell runs in the browser and shows the figure as an SVG (with its
    text alternative) in its output, drawn by Pyodide: the page's cells up to it run
    first, the figure's saved output is cleared before it runs. The page with the fewest
    cells before its figure by default; every such page with LABRT_BROWSER_ALL_CELLS=1."""
    found = figure_cells()
    if not found:
        pytest.skip("no figure of the book is an SVG chart yet (all are matplotlib, which "
                    "the browser lacks: pages.py rewrites them)")
    pages = (sorted(found) if os.environ.get("LABRT_BROWSER_ALL_CELLS") == "1"
             else [min(found, key=lambda p: (found[p], p))])
    before = len(context.external)
    failures = {}
    for docname in pages:
        index = found[docname]
        lite = open_notebook(context, lite_site, f"book/{docname}.ipynb")
        try:
            t = time.monotonic()
            sources = code_sources(LITE / "files" / "book" / f"{docname}.ipynb")
            for i, src in enumerate(sources[:index]):
                result = lite.evaluate("(src) => window.__exec(src)", src)
                errors = [o["text"][:300] for o in result["out"] if o["type"] == "error"]
                if errors:
                    failures[(docname, i)] = errors
            lite.evaluate(f"() => window.__codeCells()[{index}].model.outputs.clear()")
            run_cell(lite, index, timeout=300_000)
            TIMES[f"{docname} figure cell, with the cells before it"] = time.monotonic() - t
            svg = lite.evaluate(
                f"() => {{ const c = window.__codeCells()[{index}];"
                " const s = c.node.querySelector('.jp-OutputArea svg');"
                " return s ? {html: s.outerHTML.slice(0, 2000), w: s.getBoundingClientRect().width,"
                " title: (s.querySelector('title') || {}).textContent || s.getAttribute('aria-label') || ''} : null; }")
            errs = lite.evaluate(
                f"() => [...window.__codeCells()[{index}].node.querySelectorAll('.jp-OutputArea-output')]"
                ".filter(e => e.dataset.mimeType === 'application/vnd.jupyter.stderr')"
                ".map(e => e.innerText)")
            if not svg or svg["w"] <= 0 or not svg["title"].strip() or errs:
                failures[(docname, index)] = (svg, errs)
        finally:
            lite.close()
    assert failures == {}
    assert context.external[before:] == []


def checked_pages() -> list[str]:
    """The site's book pages that end with a check of their prose (`nums.check()`:
    every number a sentence states is the one the code computed; part 2's pages)."""
    return sorted(nb.stem for nb in (LITE / "files" / "book").glob("*.ipynb")
                  if any("nums.check(" in src for src in code_sources(nb)))


@pytest.mark.timeout(900)
def test_pages_prose_checks_pass_in_browser(context, lite_site):
    """Every page whose prose is checked against its runs (part 2), run cell by cell in
    Pyodide: no cell fails except those that fail on the page too (the same exception),
    and the check at its end passes, so the browser computes the numbers the page
    states. One kernel, its namespace reset between pages. Slow (ch11 alone runs about a
    minute in Pyodide), so only with LABRT_BROWSER_ALL_CELLS=1; the cheap guards of the
    same are in test_lite_pages.py (the wheel carries the files the checks read; a cell
    that cannot run keeps the definitions the next cells use)."""
    if os.environ.get("LABRT_BROWSER_ALL_CELLS") != "1":
        pytest.skip("runs every cell of part 2's pages in Pyodide (minutes): "
                    "set LABRT_BROWSER_ALL_CELLS=1")
    pages = checked_pages()
    assert pages, "no page with a nums.check() cell in the site"
    failures = {}
    lite = open_notebook(context, lite_site, f"book/{pages[0]}.ipynb")
    try:
        for docname in pages:
            t = time.monotonic()
            site_nb = LITE / "files" / "book" / f"{docname}.ipynb"
            stored = [c for c in json.loads((ROOT / "_build" / "jupyter_execute" / "book" /
                                             f"{docname}.ipynb").read_text(encoding="utf-8"))["cells"]
                      if c["cell_type"] == "code"]
            assert lite.evaluate("() => window.__exec('%reset -f')")["status"] == "ok"
            checked = None
            for i, src in enumerate(code_sources(site_nb)):
                result = lite.evaluate("(src) => window.__exec(src)", src)
                errors = [o["ename"] for o in result["out"] if o["type"] == "error"]
                expected = [o["ename"] for o in stored[i].get("outputs", [])
                            if o["output_type"] == "error"]
                if errors != expected:
                    failures[(docname, i)] = [o["text"][:300] for o in result["out"]]
                if "nums.check(" in src:
                    checked = "".join(o["text"] for o in result["out"])
            TIMES[f"{docname} (every cell, reused kernel)"] = time.monotonic() - t
            if not (checked and "sentences agree with" in checked):
                failures[(docname, "check")] = checked
    finally:
        lite.close()
    assert failures == {}, "\n".join(f"{k}: {str(v)[:400]}" for k, v in failures.items())
    assert context.external == []


def explorer_pages() -> dict[str, int]:
    """The site's book pages that run the race explorer (labrt.explore): the index of the
    last code cell that explores, tallies schedules or draws a counterexample."""
    found = {}
    for nb in sorted((LITE / "files" / "book").glob("*.ipynb")):
        last = [i for i, src in enumerate(code_sources(nb))
                if re.search(r"labrt\.explore\b|\btally\(|\bdrawing\(", src)]
        if last and any("labrt.explore" in src for src in code_sources(nb)):
            found[nb.stem] = last[-1]
    return found


def _stored(docname: str) -> list[dict]:
    return [c for c in json.loads((ROOT / "_build" / "jupyter_execute" / "book" /
                                   f"{docname}.ipynb").read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


@pytest.mark.timeout(600)
def test_explorer_cells_match_static_page_in_browser(context, lite_site):
    """The race sections of chapters 3-5 run in Pyodide (labrt.explore on JSPI stacks,
    labrt/explore/_stacks.py): every cell of such a page up to its last explorer cell
    runs without an error, and each explorer cell prints what the static page shows (the
    counterexample step by step, the coverage, the tallies) and draws the same SVG. One
    kernel, reset between pages."""
    pages = explorer_pages()
    assert set(pages) >= {"ch03-processes", "ch04-links", "ch05-supervisors"}, pages
    failures, compared = {}, 0
    lite = open_notebook(context, lite_site, f"book/{min(pages)}.ipynb")
    try:
        for docname, last in sorted(pages.items()):
            t = time.monotonic()
            stored = _stored(docname)
            sources = code_sources(LITE / "files" / "book" / f"{docname}.ipynb")
            assert lite.evaluate("() => window.__exec('%reset -f')")["status"] == "ok"
            for i, src in enumerate(sources[:last + 1]):
                explores = re.search(r"labrt\.explore\b|\btally\(|\bdrawing\(", src)
                assert not (explores and src.startswith("# In your browser")), (docname, i)
                out = lite.evaluate("(src) => window.__exec(src)", src)["out"]
                if any(o["type"] == "error" for o in out):
                    failures[(docname, i)] = [o["text"][:400] for o in out]
                    continue
                if not explores:
                    continue
                want = stored[i]["outputs"]
                got = ({name: "".join(o["text"] for o in out if o["type"] == name)
                        for name in ("stdout", "stderr")},
                       [(o["text"], o["svg"]) for o in out if o["type"] == "execute_result"])
                expected = ({name: "".join(_text(o.get("text")) for o in want if o.get("name") == name)
                             for name in ("stdout", "stderr")},
                            [(_text(o["data"].get("text/plain")), _text(o["data"].get("image/svg+xml")))
                             for o in want if o["output_type"] == "execute_result"])
                if got != expected:
                    failures[(docname, i)] = (got, expected)
                compared += 1
            TIMES[f"{docname} explorer cells, with the cells before them"] = time.monotonic() - t
    finally:
        lite.close()
    assert failures == {}, "\n".join(f"{k}: {str(v)[:1500]}" for k, v in failures.items())
    assert compared >= 10, compared
    assert context.external == []


@pytest.mark.timeout(240)
def test_workbook_check_passes_solved_and_hints_unsolved(context, lite_site):
    """In the browser, ch02's exercise with task 1 solved: its check passes; task 2, left
    as it is, shows its 'not done yet' hint."""
    name = "ch02-functional.ipynb"
    solution = code_sources(ROOT / "solutions" / name)
    stub = code_sources(ROOT / "exercises" / name)
    hint = re.search(r'NotDone\("([^"]+)"', stub[3]).group(1)
    lite = open_notebook(context, lite_site, "exercises/" + name)
    try:
        lite.evaluate("(src) => window.__codeCells()[1].model.sharedModel.setSource(src)",
                      solution[1])
        outs = [run_cell(lite, i) for i in range(5)]
    finally:
        lite.close()
    assert outs[2].startswith("\u2714 Task 1 (step) passes its checks"), outs[2]
    assert "\u2718 " + hint in norm(outs[4]), outs[4]


@pytest.mark.timeout(600)
def test_solution_checks_give_local_verdicts_in_browser(context, lite_site):
    """Every solution notebook's code, run in Pyodide, prints the same check verdicts as
    its outputs from a local kernel. One kernel for all of them, its namespace reset
    (`%reset -f`) before each notebook: a page and a Pyodide start cost about 15 s each,
    twelve times what the checks of most notebooks take (a leftover of one notebook
    could only make the next one's verdicts differ, never agree). Driving the cells
    through the notebook's UI is test_workbook_check_passes_solved_and_hints_unsolved's."""
    failures, checked = {}, []
    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    runnable = []
    for notebook in solutions:
        site_copy = LITE / "files" / "exercises" / notebook.name
        if site_copy.is_file() and "browser-cannot-run" not in site_copy.read_text(encoding="utf-8"):
            runnable.append(notebook)   # else: not in the site, or needs what Pyodide lacks
    assert runnable, "no workbook notebook in the site"
    lite = open_notebook(context, lite_site, "exercises/" + runnable[0].name)
    try:
        for notebook in runnable:
            checked.append(notebook.name)
            local = verdicts(
                "".join(o["text"]) if isinstance(o.get("text"), list) else o.get("text", "")
                for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                if c["cell_type"] == "code" for o in c.get("outputs", []))
            t = time.monotonic()
            assert lite.evaluate("() => window.__exec('%reset -f')")["status"] == "ok"
            texts = []
            for src in code_sources(notebook):
                result = lite.evaluate("(src) => window.__exec(src)", src)
                texts.append("".join(o["text"] for o in result["out"]))
            TIMES[f"{notebook.stem} checks (reused kernel)"] = time.monotonic() - t
            browser = verdicts(texts)
            assert local, f"{notebook.name}: no stored verdicts"
            if browser != local:
                failures[notebook.name] = (local, browser)
    finally:
        lite.close()
    assert failures == {}
    assert checked == [n.name for n in solutions] and len(checked) >= 12, checked
