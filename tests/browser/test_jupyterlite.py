"""The JupyterLite site (`make book` with npm, or `make lite`; built in CI): the Pyodide
kernel starts with labrt preloaded, and every exercise's first check passes with the
solution's code, with no request leaving localhost.  Skipped when _build/html/lite has not
been built, except in CI, where it fails."""
from __future__ import annotations

import json
import os
import time
import urllib.parse
from pathlib import Path

import pytest

from browserlib import ROOT, serve

LITE = ROOT / "_build" / "html" / "lite"


def first_task(notebook: Path) -> list[str]:
    """The code cells of a notebook up to and including its first check("...") cell."""
    cells = [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
             for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    end = next(i for i, c in enumerate(cells) if c.lstrip().startswith("check("))
    return cells[:end + 1]


@pytest.fixture(scope="module")
def lite():
    if not (LITE / "jupyter-lite.json").is_file():
        missing = "no JupyterLite build in _build/html/lite (needs npm: run `make book` or `make lite`)"
        if os.environ.get("CI"):
            pytest.fail(missing + "; CI installs npm and must build it")
        pytest.skip(missing)
    site = serve(LITE)
    yield site
    site.server.shutdown()
    site.server.server_close()


def run_in_repl(lite, browser, codes: list[str], done: str) -> tuple[list[str], list[str], float]:
    """Open JupyterLite's REPL with `codes` run one after the other; wait until the JS
    condition `done(texts)` holds for the output texts; return the texts, the requests
    that tried to leave localhost (blocked) and the seconds it took."""
    query = "&".join(["kernel=python", "toolbar=1"] +
                     ["code=" + urllib.parse.quote(c) for c in codes])
    external: list[str] = []
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if lite.is_local(r.request.url)
                  else (external.append(r.request.url), r.abort()))
    outputs = "[...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.innerText)"
    try:
        page = context.new_page()
        start = time.monotonic()
        page.goto(lite.base + "repl/index.html?" + query)
        page.wait_for_function(f"() => ({done})({outputs})", timeout=180_000)
        seconds = time.monotonic() - start
        texts = page.evaluate(f"() => {outputs}")
    finally:
        context.close()
    return texts, external, seconds


PING_PONG = """import labrt
async def echo():
    msg, sender = await labrt.receive()
    labrt.send(sender, ("pong", msg))
async def main():
    labrt.send(labrt.spawn(echo), ("ping", labrt.self()))
    return await labrt.receive()
print("result:", labrt.run(main), labrt.__file__)"""


@pytest.mark.timeout(300)
def test_labrt_runs_in_pyodide_offline(lite, browser):
    """The Pyodide kernel starts with labrt preloaded (no %pip) and runs a ping-pong on
    the simulated kernel, with no request leaving localhost."""
    texts, external, seconds = run_in_repl(
        lite, browser, [PING_PONG], "t => t.some(x => /result:|Error/.test(x))")
    assert any("result: ('pong', 'ping') /lib/python3" in t for t in texts), texts
    assert external == []
    print(f"JupyterLite: kernel up and ping-pong run in {seconds:.1f} s")


@pytest.mark.timeout(300)
def test_exercise_checks_pass_in_pyodide(lite, browser):
    """In JupyterLite, the solution of each exercise's first task passes its check."""
    exercises = sorted(p.name for p in (LITE / "files" / "exercises").glob("*.ipynb"))
    # an exercise whose setup needs numpy says so in the browser (jupyterlite/pages.py)
    solved = [n for n in exercises if (ROOT / "solutions" / n).is_file() and "browser-cannot-run"
              not in (LITE / "files" / "exercises" / n).read_text(encoding="utf-8")]
    assert solved, "no exercise notebook with a solution"
    codes = [c for name in solved for c in first_task(ROOT / "solutions" / name)]
    texts, external, seconds = run_in_repl(
        lite, browser, codes,
        f"t => t.filter(x => x.includes('\u2714')).length >= {len(solved)}"
        " || t.some(x => /\u2718|Error/.test(x))")
    assert [t for t in texts if "\u2718" in t or "Error" in t] == []
    assert len([t for t in texts if "\u2714" in t]) == len(solved)
    assert external == []
    print(f"JupyterLite: {len(solved)} exercises checked in Pyodide in {seconds:.1f} s")
