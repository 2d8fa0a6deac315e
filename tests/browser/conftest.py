"""Fixtures of the browser tests: the built book served on localhost, chromium, and a
visitor that opens each page once per viewport (see browserlib.py).

Skips (with the reason) only when the book is not built or no chromium is installed.
The fixtures are per test module, so that chromium is closed before the rest of the
test suite runs.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from browserlib import CHROMIUM, CHROMIUM_ARGS, HTML, Visitor, serve, toc_docnames


@pytest.fixture(scope="module")
def site():
    """The built book, served on localhost."""
    if not (HTML / "index.html").is_file():
        pytest.skip(f"the book is not built ({HTML}/index.html is missing): run `make book`")
    served = serve(HTML)
    yield served
    served.server.shutdown()
    served.server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, launched by Playwright with its own fresh temporary
    profile (Playwright's launch() always creates a new --user-data-dir)."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium, or set "
                    "BROWSER_TEST_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Python playwright is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def visitor(site, browser):
    """Opens book pages, once per page and viewport, and keeps what it saw."""
    return Visitor(site, browser)


@pytest.fixture(scope="session")
def toc():
    names = toc_docnames()
    assert names, "_toc.yml lists no pages"
    return names


def pytest_generate_tests(metafunc):
    """Parametrize `docname` with every page of the table of contents."""
    if "docname" in metafunc.fixturenames:
        names = toc_docnames()
        metafunc.parametrize("docname", names, ids=names)
