"""labrt_browser: a "Run in your browser" button on every page that has code.

The button opens the page's notebook in JupyterLite (Pyodide), served from the same static
site under ``lite/`` (built by ``tests/browser/jupyterlite/build.py``, which ``make book``
runs after Sphinx).  A book page opens as ``lite/notebooks/index.html?path=book/<page>.ipynb``
(its executed notebook, rewritten where a cell cannot run in Pyodide), a workbook page as
``.../exercises/<name>.ipynb``.

Why not jupyterlite-sphinx: it builds a JupyterLite site inside the Sphinx build and gives
directives that embed or open *named* notebooks, but (1) it loads Pyodide and every wheel
from a CDN unless it is handed an offline Pyodide distribution, which it does not make
(the `pyodide` npm package plus PyPI wheels, build.py's job), (2) it has no per-page launch
button for Jupyter Book's MyST pages (each chapter would need a directive in its text), and
(3) it would run ``jupyter lite build`` in every Sphinx build even where npm is missing.
This button is a few lines; the build is ours anyway.

The button is added only when the browser version is built along (``make book`` builds
it when npm is present and sets ``LABRT_BROWSER`` to 1 or 0; when it is unset, as in a
bare ``jupyter-book build``, the button is there when npm is): without the ``lite/``
folder it would be a dead link.  The value is a Sphinx config value with ``rebuild="html"``, so
switching it rewrites every page.  A page gets a button when its doctree has a code cell
(myst-nb's ``nb_element="cell_code"`` containers).
"""
from __future__ import annotations

import html
import os
import shutil

__all__ = ["setup"]

BUTTON = ('<p class="labrt-run-in-browser"><a class="btn btn-sm labrt-run-in-browser-button" '
          'href="{href}" target="_blank" rel="noopener" '
          'title="Open this page as a notebook in JupyterLite: Python (Pyodide) runs in '
          'your browser, nothing to install">&#9654; Run in your browser</a> '
          '<span class="labrt-run-in-browser-note">JupyterLite, in this site; cells that '
          'need numpy, threads, the trio kernel or real nodes say so there.</span></p>\n')


def _has_code(doctree) -> bool:
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(
        lambda n: getattr(n, "get", None) is not None and n.get("nb_element") == "cell_code"))


def notebook_path(pagename: str) -> str | None:
    """The notebook a page opens as in the JupyterLite site, or None."""
    if pagename.startswith("book/"):
        return pagename + ".ipynb"
    if pagename.startswith("exercises/"):
        return pagename + ".ipynb"
    return None


def add_button(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if not app.config.labrt_browser or "body" not in context:
        return
    path = notebook_path(pagename)
    if path is None or not _has_code(doctree):
        return
    href = context["pathto"]("lite/notebooks/index.html", 1) + "?path=" + path
    # after the page's title: the main content must start with its h1
    body, button = context["body"], BUTTON.format(href=html.escape(href))
    end = body.find("</h1>")
    context["body"] = (body[:end + 5] + "\n" + button + body[end + 5:]) if end >= 0 else button + body


def setup(app):
    wanted = os.environ.get("LABRT_BROWSER", "")
    app.add_config_value("labrt_browser",
                         wanted == "1" if wanted else shutil.which("npm") is not None, "html")
    app.connect("html-page-context", add_button, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
