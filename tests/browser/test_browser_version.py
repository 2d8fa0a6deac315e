"""The browser version of the book (issue 17): each page's "Run in your browser" button
opens the page in JupyterLite (Pyodide) from the same site, the kernel starts and the
first code cell prints what the static page shows; the ch05 playground restarts workers
when clicked; the workbook's checks pass a solved task and give the hint for an unsolved
one, and every solution notebook gets the same verdicts in Pyodide as in a local kernel.

Cheap by design: one chromium for the module, one browser context (so Pyodide's files
come from the HTTP cache after the first page), every request that leaves the site
blocked and recorded.  A notebook is driven through JupyterLab's own commands
(``window.jupyterapp``, exposed by build.py's ``exposeAppInBrowser``).  Skipped when
_build/html/lite is absent (no npm), except in CI, where that fails.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from browserlib import HTML, ROOT, page_url, serve, toc_docnames

LITE = HTML / "lite"
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
                           " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0",
                           timeout=120_000)
    lite.evaluate(APP)
    return lite, start, static_first


def run_cell(lite, index: int, timeout: float = 120_000) -> str:
    lite.evaluate(f"() => {{ window.__run({index}); }}")
    lite.wait_for_function(f"() => window.__out({index}).count !== null", timeout=timeout)
    return lite.evaluate(f"() => window.__out({index}).text")


@pytest.mark.timeout(240)
@pytest.mark.parametrize("docname", page_docnames())
def test_button_runs_first_cell_in_browser(context, lite_site, docname):
    """The page's button opens JupyterLite; the kernel starts and the first code cell
    shows what the static page shows (or says why it cannot run here), with no request
    leaving the site."""
    before = len(context.external)
    lite, start, static_first = open_from_button(context, lite_site, docname)
    try:
        source = lite.evaluate("() => window.__codeCells()[0].model.sharedModel.getSource()")
        text = run_cell(lite, 0)
        TIMES[docname.split("/")[-1]] = time.monotonic() - start
        errors = lite.evaluate("() => [...document.querySelectorAll('.jp-OutputArea-output')]"
                               ".filter(e => e.dataset.mimeType === 'application/vnd.jupyter.stderr'"
                               " && /Error|Traceback/.test(e.innerText)).map(e => e.innerText)")
        assert errors == [], errors
        if source.startswith("# In your browser this cell cannot run:"):
            assert "This cell needs" in text, text
        else:
            assert norm(text) == norm(static_first), (text, static_first)
    finally:
        lite.close()
    assert context.external[before:] == []
