"""The checks can fail: a small synthetic site with one thing wrong per check is served,
visited like a book page, and every check must report its problem (and stay quiet on a
clean page)."""
from __future__ import annotations

import struct
import zlib

import pytest

import checks
from browserlib import serve, Visitor

HEAD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title>{extra}
</head><body><main><article class="bd-article">{body}</article></main></body></html>"""

BAD_BODY = """
<h1>Bad page</h1><h3 id="deep">Skips h2</h3><h1>A second h1</h1>
<img src="missing.png" alt="a picture that is not there">
<img src="dot.png">
<img src="dot.png" alt="_images/dot.png">
<svg width="0" height="0"></svg>
<a href="nowhere.html">broken</a> <a href="good.html#absent">bad anchor</a>
<a href="#deep">fine anchor</a>
<div style="width: 1600px">a paragraph wider than any screen</div>
<svg role="img" aria-label="tiny chart" viewBox="0 0 2000 100" width="100%" font-size="12">
  <title>tiny chart</title><desc>a chart drawn too wide</desc>
  <text x="10" y="10">A title too long to fi…</text>
  <g data-kind="exit_signal"><line x1="0" y1="5" x2="50" y2="5" stroke="#c62828"/>
     <text fill="#c62828">boom</text></g>
  <g data-kind="send"><line x1="0" y1="9" x2="50" y2="9" stroke="#222222"/>
     <text>EXIT killed</text></g>
  <g class="node worker restarting"><rect width="9" height="9" stroke="#8a5a00"/>
     <text>w1</text></g>
</svg>
<div class="cell_output">
  <script type="application/vnd.jupyter.widget-view+json">{"model_id": "abc123"}</script>
</div>
<svg role="img" aria-label="labels"><title>labels</title><desc>cut labels</desc>
  <g data-kind="send"><text x="5" y="20">exit signal: kil…</text></g>
  <g data-header="p"><text x="5" y="40">gen_server:supervis…</text></g></svg>
<svg role="img" aria-label="twice"><title>twice</title><desc>the same chart</desc>
  <g data-kind="spawn"><text x="5" y="20">spawn</text></g></svg>
<svg role="img" aria-label="twice"><title>twice</title><desc>the same chart</desc>
  <g data-kind="spawn"><text x="5" y="20">spawn</text></g></svg>
<button class="search-button-field">Search</button><button class="search-button-field">Search</button>
<div class="article-header-buttons">
  <a href="https://colab.research.google.com/github/o/r/blob/main/bad.md">Colab</a>
  <a href="bad.ipynb">.ipynb</a></div>
<div class="cell"><div class="cell_output">
  <pre style="width: 160px; overflow: auto; white-space: pre">                requests failed
stop and restart    1941    341</pre></div>
  <pre style="width: 200px; overflow: auto; white-space: pre">a line of code far too long to fit in two hundred pixels</pre>
  <pre style="font-size: 8px">tiny type</pre>
  <div class="labrt-playground"><button>crash w1</button>
    <p>Restarts remembered (second of each, newest first): []</p></div></div>
<p style="width: 90px"><code class="docutils literal" style="overflow-wrap: anywhere"
  >handle_call_with_a_very_long_name</code></p>
"""
BAD_EXTRA = """<script src="https://cdn.example.invalid/lib.js"></script>
<script src="missing.js"></script><script>console.error("a console error");</script>
<script>var twice = 1;</script><script>var twice = 1;</script>"""

GOOD_BODY = """<h1>Good page</h1><p id="present">Text.</p><h2>Part</h2>
<img src="dot.png" alt="a dot"><a href="bad.html#deep">to the bad page</a>
<button class="search-button-field">Search</button>
<div class="article-header-buttons"><a href="good.ipynb">.ipynb</a></div>
<div class="cell"><div class="cell_output"><pre>   requests failed
run      1941    341</pre></div></div>
<p><code class="docutils literal">handle_call(req, from_, state)</code></p>"""
GOOD_NOTEBOOK = """{"nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [{"cell_type": "code", "metadata": {}, "source": "1 + 1", "outputs": [],
            "execution_count": null, "id": "a"}]}"""


def png(width: int = 4, height: int = 4) -> bytes:
    """A small white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def fake(tmp_path_factory, browser):
    """A served synthetic site and a visitor for it."""
    root = tmp_path_factory.mktemp("fake-site")
    (root / "bad.html").write_text(HEAD.format(extra=BAD_EXTRA, body=BAD_BODY))
    (root / "good.html").write_text(HEAD.format(extra="", body=GOOD_BODY))
    (root / "dot.png").write_bytes(png())
    (root / "good.ipynb").write_text(GOOD_NOTEBOOK)
    (root / "bad.ipynb").write_text("# not a notebook: MyST Markdown")
    site = serve(root)
    yield site, Visitor(site, browser, shots=root / "shots")
    site.server.shutdown()
    site.server.server_close()


def test_checks_find_every_planted_problem(fake):
    """Each check reports the problem planted for it in bad.html."""
    site, visitor = fake
    v = visitor.visit("bad", "desktop")
    phone = visitor.visit("bad", "phone")
    load = checks.load_problems(v)
    assert any("a console error" in m for m in load["console errors"])
    assert any("missing.js" in m for m in load["failed requests"])
    assert checks.external_requests(v) == ["https://cdn.example.invalid/lib.js"]
    assert {p.split(":")[0] for p in checks.unrendered_figures(v)} == {
        "img missing.png", "svg"}
    alt = checks.alt_text_problems(v)
    assert any("no alt" in p for p in alt) and any("file name" in p for p in alt)
    assert any("svg" in p for p in alt)                     # the zero-size, unlabelled svg
    headings = checks.heading_problems(v)
    assert len(headings) == 2 and "2 h1 headings" in headings[0]
    assert checks.link_problems(v, site) == [
        'good.html#absent ("bad anchor"): no #absent on the target',
        'nowhere.html ("broken"): HTTP 404']
    widgets = checks.widget_problems(v)
    assert "widget views but no saved widget state in the page" in widgets
    assert any("not rendered" in p for p in widgets)
    colour = " ".join(sum(checks.colour_only_problems(v).values(), []))
    for expected in ("red (abnormal) without a bold", "exit signal drawn with a solid line",
                     "without an 'exit' label", "EXIT/DOWN message drawn like an ordinary",
                     "restarting node with a solid border", "without its state in words",
                     "supervision tree without a key"):
        assert expected in colour
    assert checks.small_diagram_text(v) != []
    assert checks.cut_diagram_titles(v) == ['svg "tiny chart": title drawn as "A title too long to fi…"']
    assert any("1600" in p or "scrolls sideways" in p for p in checks.overflow_problems(phone))
    assert checks.cut_diagram_labels(v) == ['svg "labels": "exit signal: kil…"',
                                            'svg "labels": "gen_server:supervis…"']
    assert len(checks.repeated_diagrams(v)) == 1
    assert checks.repeated_scripts(v) == ["2x: var twice = 1;"]
    assert checks.search_box_problems(v)[0].startswith("2 search controls")
    launch = checks.launch_problems(v, site)
    assert any("Colab" in p for p in launch) and any("bad.ipynb" in p for p in launch)
    assert len(checks.clipped_code(v)) == 2              # the output table and the code
    assert any("handle_call" in p for p in checks.split_inline_code(v))
    assert checks.small_code_text(v) == ["code in 8 px type"]
    assert any('"failed"' in p for p in checks.hidden_columns(v))
    widget = " ".join(checks.static_widget_problems(v))
    for expected in ("no visible note", "still react", "no saved run", "raw list"):
        assert expected in widget


def test_checks_pass_a_clean_page(fake):
    """A page with nothing wrong passes every check."""
    site, visitor = fake
    v = visitor.visit("good", "desktop")
    assert checks.load_problems(v) == {}
    assert checks.external_requests(v) == []
    assert checks.unrendered_figures(v) == []
    assert checks.alt_text_problems(v) == []
    assert checks.heading_problems(v) == []
    assert checks.link_problems(v, site) == []
    assert checks.widget_problems(v) == []
    assert checks.colour_only_problems(v) == {}
    assert checks.small_diagram_text(v) == [] and checks.cut_diagram_titles(v) == []
    assert checks.overflow_problems(visitor.visit("good", "phone")) == []
    assert checks.cut_diagram_labels(v) == [] and checks.repeated_diagrams(v) == []
    assert checks.repeated_scripts(v) == [] and checks.search_box_problems(v) == []
    assert checks.launch_problems(v, site) == []
    assert checks.clipped_code(v) == [] and checks.split_inline_code(v) == []
    assert checks.small_code_text(v) == [] and checks.hidden_columns(v) == []
    assert checks.static_widget_problems(v) == []
