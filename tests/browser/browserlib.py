"""Library of the browser tests of the built book: serve _build/html on localhost, open every page the
table of contents lists in Debian's chromium (driven by Playwright), and record what a
reader's browser would do.

Each page is loaded once per viewport (desktop 1280 px, phone 390 px) and everything the
tests need is collected in that one visit (:class:`Visit`); the tests then assert on the
record.  Every request that leaves localhost is blocked and recorded.

The fixtures live in conftest.py.
"""
from __future__ import annotations

import functools
import glob
import http.server
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("BROWSER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORTS = {
    "desktop": dict(viewport={"width": 1280, "height": 800}),
    # A phone: the page's <meta viewport> applies, as on a real handset.
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
}

# Requests to hosts other than localhost that a page may *attempt* (they are still blocked).
# Every entry needs a comment saying why it is acceptable.  Empty: no page may try.
ALLOWED_EXTERNAL: dict[str, str] = {}

# Console messages of type "error" and uncaught exceptions that are tolerated on every
# page.  Only upstream bugs that a reader cannot notice belong here, each with its reason.
# (Empty: the sphinx-thebe script that Jupyter Book wrote twice, "Identifier
# 'THEBE_JS_URL' has already been declared", is gone; book/_widgets/_sphinx_ext.)
TOLERATED_CONSOLE: dict[str, re.Pattern] = {}

# Known defects of the book, found by this suite and reported, not yet fixed (each has an
# owner outside tests/browser).  Messages matching them are left out of the general
# checks and tracked by `test_known_defect_is_fixed`, a strict xfail: once the defect is
# fixed that test XPASSes, which fails the run, so the entry is removed and the general
# checks guard against it again.
KNOWN_DEFECTS: dict[str, tuple[str, re.Pattern]] = {}
# Fixed and now guarded by the general checks: "widget-fonts-404" (embed-amd.js looked
# for its fonts under <page dir>/@jupyter-widgets/; book/_widgets/offline.js maps them)
# and "widget-mathjax2-hub" (MathJax.Hub.Queue on MathJax 3; the same file shims it).


# Pages that fail one check for a known, reported reason: (check, docname) -> reason.
# The test is a strict xfail there, so fixing the page makes the run fail until the entry
# is removed here.
KNOWN_PAGE_FAILURES: dict[tuple[str, str], str] = {}


def known_defect(text: str) -> str | None:
    """The id of the known defect a console message or URL belongs to, if any."""
    for name, (_reason, pattern) in KNOWN_DEFECTS.items():
        if pattern.search(text):
            return name
    return None


# -- the table of contents ----------------------------------------------------------------

def toc_docnames(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every page `_toc.yml` lists (root, file and glob entries), in reading order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    found.append(re.sub(r"\.(md|ipynb|rst)$", "", value))
                elif key == "glob" and isinstance(value, str):
                    for path in sorted(glob.glob(str(ROOT / value) + ".*")):
                        if path.endswith((".md", ".ipynb", ".rst")):
                            found.append(str(Path(path).relative_to(ROOT).with_suffix("")))
                elif key != "url":      # url entries point outside the book
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return list(dict.fromkeys(found))


def page_url(docname: str) -> str:
    """The built page's path relative to the site root."""
    return docname + ".html"


def shot_name(docname: str) -> str:
    return docname.replace("/", "-") + ".png"


# -- serving the book ---------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):   # keep pytest output clean
        pass


@dataclass
class Site:
    base: str                       # http://127.0.0.1:PORT/
    server: http.server.ThreadingHTTPServer
    _fetched: dict = field(default_factory=dict)

    def is_local(self, url: str) -> bool:
        return url.startswith(self.base)

    def fetch(self, url: str) -> tuple[int, str]:
        """Status and (for HTML) body of a same-site URL, cached; the fragment is ignored."""
        url = url.split("#", 1)[0]
        if url not in self._fetched:
            try:
                with urllib.request.urlopen(url, timeout=10) as reply:
                    kind = reply.headers.get("Content-Type", "")
                    body = reply.read().decode("utf-8", "replace") if "html" in kind else ""
                    self._fetched[url] = (reply.status, body)
            except urllib.error.HTTPError as err:
                self._fetched[url] = (err.code, "")
        return self._fetched[url]


def serve(directory: Path) -> Site:
    """Serve `directory` with http.server on a free localhost port, in a daemon thread."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Site(f"http://127.0.0.1:{server.server_port}/", server)


# -- the browser --------------------------------------------------------------------------

# -- one visit of one page ----------------------------------------------------------------

@dataclass
class Visit:
    """What happened when a page was opened, and what it showed."""
    docname: str
    viewport: str
    url: str = ""
    status: int = 0
    final_url: str = ""
    seconds: float = 0.0
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)   # same-site, failed or >= 400
    external: list[str] = field(default_factory=list)          # attempts to leave localhost
    dom: dict = field(default_factory=dict)                    # COLLECT_JS's result
    layout: dict = field(default_factory=dict)                 # LAYOUT_JS's result


WAIT_JS = """async () => {
  // MathJax 3 typesets asynchronously; wait for it when the page loaded it.
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) {}
  }
  // Saved widget views are rendered by embed-amd.js after load: wait (up to 10 s)
  // until every view script's output area holds a rendered widget.
  const views = () => [...document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')];
  const done = () => views().every(s => s.parentElement.querySelector('.jupyter-widgets'));
  if (!document.querySelector('script[src*="embed-amd"]')) return;   // no widget renderer
  for (let i = 0; i < 100 && !done(); i++) await new Promise(r => setTimeout(r, 100));
}"""

# Everything the per-page tests look at, read from the rendered DOM in one call.
COLLECT_JS = r"""() => {
  const main = document.querySelector('article.bd-article') || document.querySelector('main')
               || document.body;
  const box = e => { const r = e.getBoundingClientRect();
                     return {w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10}; };
  const name = e => {
    const tag = e.tagName.toLowerCase();
    const src = e.getAttribute('src') || e.getAttribute('data') || '';
    const label = e.getAttribute('aria-label') || (e.querySelector(':scope > title') || {}).textContent || '';
    const where = e.closest('section[id]');
    return `${tag}${src ? ' ' + src : ''}${label ? ' "' + label.slice(0, 50) + '"' : ''}` +
           (where ? ` in #${where.id}` : '');
  };
  // Open every collapsed block first, so that hidden figures count as shown.
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));

  const media = [...main.querySelectorAll('img, svg, object')]
    .filter(e => !(e.tagName.toLowerCase() === 'svg' && e.parentElement.closest('svg')))
    .filter(e => !e.closest('button'))           // icons inside controls are not figures
    .map(e => ({
      tag: e.tagName.toLowerCase(), name: name(e), ...box(e),
      natural: e.tagName === 'IMG' ? e.naturalWidth : null,
      alt: e.getAttribute('alt'), aria_label: e.getAttribute('aria-label'),
      labelledby: e.getAttribute('aria-labelledby'), title_attr: e.getAttribute('title'),
      title_child: ((e.tagName.toLowerCase() === 'svg' && e.querySelector(':scope > title')) || {}).textContent || null,
      fallback: e.tagName === 'OBJECT' ? e.textContent.trim() : null,
      aria_hidden: e.getAttribute('aria-hidden'), role: e.getAttribute('role'),
      math: !!e.closest('mjx-container, .MathJax'),
    }));
  const pageImages = [...document.querySelectorAll('img')].map(e => ({
      name: name(e), alt: e.getAttribute('alt'), role: e.getAttribute('role'),
      aria_hidden: e.getAttribute('aria-hidden')}));
  const links = [...document.querySelectorAll('a[href]')].map(a => ({
      href: a.href, raw: a.getAttribute('href'), text: a.textContent.trim().slice(0, 60)}));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id)
      .concat([...document.querySelectorAll('a[name]')].map(e => e.getAttribute('name')));
  const headings = [...main.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => ({
      level: +h.tagName[1], text: h.textContent.replace(/[#¶]\s*$/, '').trim().slice(0, 80)}));
  const views = [...document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')].map(s => {
    const area = s.parentElement;
    const shown = [...area.querySelectorAll('.jupyter-widgets')].filter(e => {
      const b = box(e); return b.w > 0 && b.h > 0; });
    let model = ''; try { model = JSON.parse(s.textContent).model_id; } catch (e) {}
    return {model, rendered: shown.length, text: area.innerText.trim().slice(0, 300),
            where: (area.closest('section[id]') || {}).id || ''};
  });
  const state = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-state+json"]').length;
  // Diagrams drawn by labrt: sequence charts (g[data-kind]) and supervision trees (g.node).
  const attr = (g, a) => [...g.querySelectorAll(`[${a}]`)].map(e => e.getAttribute(a));
  const texts = g => [...g.querySelectorAll('text')].map(t => ({
      t: t.textContent, bold: (t.getAttribute('font-weight') || '') === 'bold',
      fill: t.getAttribute('fill') || ''}));
  const diagrams = [...main.querySelectorAll('svg')]
    .filter(s => s.querySelector('g[data-kind], g.node'))
    .map(s => ({
      name: name(s), role: s.getAttribute('role'), aria_label: s.getAttribute('aria-label'),
      // the smallest label as drawn on screen, in CSS px (the chart may be scaled down)
      min_font_px: (() => {
        const vb = s.viewBox && s.viewBox.baseVal, w = s.getBoundingClientRect().width;
        const scale = vb && vb.width ? w / vb.width : 1;
        const sizes = [...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize));
        return sizes.length ? Math.round(Math.min(...sizes) * scale * 10) / 10 : null; })(),
      title: (s.querySelector(':scope > title') || {}).textContent || '',
      // labels that did not fit and were cut with an ellipsis (their <title> has them whole)
      cut_headings: [...s.querySelectorAll(':scope > text')].map(t => t.textContent)
                      .filter(t => t.endsWith('\u2026')),
      labels: s.querySelectorAll('g[data-kind] text').length,
      cut_labels: [...s.querySelectorAll('g[data-kind] text, g[data-header] text, g.node text')]
                      .map(t => t.textContent).filter(t => t.endsWith('\u2026')),
      desc: (s.querySelector(':scope > desc') || {}).textContent || '',
      groups: [...s.querySelectorAll('g[data-kind], g.node, g.legend')].map(g => ({
        kind: g.getAttribute('data-kind') || g.getAttribute('class'),
        texts: texts(g), dashes: attr(g, 'stroke-dasharray'),
        markers: attr(g, 'marker-end').concat(attr(g, 'marker-start')),
        heads: g.querySelectorAll('polygon, path, circle').length,
        strokes: attr(g, 'stroke').concat(attr(g, 'fill')),
      })),
    }));
  // Inline scripts that run (not JSON data blocks): a repeated one is an injection bug.
  const inline_scripts = [...document.querySelectorAll('script:not([src])')]
    .filter(s => ['', 'text/javascript', 'module'].includes(s.type || ''))
    .map(s => s.textContent.trim()).filter(t => t);
  // Search fields and buttons that are displayed, and whether each is in sight at the
  // top of the page (not scrolled away with the sidebar).
  const search_controls = [...document.querySelectorAll(
      '.search-button-field, button.search-button, form.bd-search')]
    .filter(e => !e.closest('dialog, .search-button__wrapper'))
    .filter(e => { const r = e.getBoundingClientRect(), st = getComputedStyle(e);
                   return r.width > 0 && r.height > 0 && st.visibility !== 'hidden'; })
    .map(e => { const r = e.getBoundingClientRect();
      return {what: `${e.tagName.toLowerCase()}.${(e.className || '').split(/\s+/).slice(0, 2).join('.')}` +
                    ` in ${(e.parentElement.closest('[id], [class]') || {}).className || '?'}`,
              in_sight: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth}; });
  // The header's launch and download buttons.
  const header_links = [...document.querySelectorAll(
      '.article-header-buttons a[href], .header-article-items a[href]')]
    .map(a => ({href: a.href, text: a.textContent.trim().slice(0, 40)}));
  const cells = main.querySelectorAll('div.cell').length;
  // The supervisor playground as a static page shows it.
  const playground = [...main.querySelectorAll('.labrt-playground')].map(w => {
    const note = w.querySelector('.labrt-static-note');
    const live = [...w.querySelectorAll('button, select')]
      .filter(c => getComputedStyle(c).pointerEvents !== 'none').map(c => c.textContent.trim() || c.tagName);
    const area = w.closest('.cell') || w.parentElement;
    return {note: note ? getComputedStyle(note).display !== 'none' && note.innerText.trim() : '',
            live_controls: live, text: w.innerText.slice(0, 2000),
            saved_run: !!(area && area.querySelector('.labrt-saved-run svg'))};
  });
  return {title: document.title, media, pageImages, links, ids, headings,
          views, state, diagrams, has_main: main !== document.body,
          inline_scripts, search_controls, header_links, cells, playground};
}"""

# Horizontal overflow at the current viewport width.
LAYOUT_JS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const main = document.querySelector('article.bd-article') || document.body;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const describe = e => {
    const where = e.closest('section[id]');
    const cls = (e.getAttribute('class') || '').split(/\s+/).slice(0, 2).join('.');
    return `<${e.tagName.toLowerCase()}${cls ? '.' + cls : ''}>` +
           (where ? ` in #${where.id}` : '') + ` "${(e.textContent || '').trim().slice(0, 40)}"`;
  };
  // Elements of the main content that stick out of the viewport and are not inside
  // something that scrolls by itself (a code block may scroll; the page must not).
  const out = [];
  for (const e of main.querySelectorAll('*')) {
    if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || (r.right <= vw + 1 && r.left >= -1)) continue;
    let a = e.parentElement, contained = false;
    for (; a && a !== document.documentElement; a = a.parentElement) {
      if (scrolls(a)) {
        const ar = a.getBoundingClientRect();
        contained = ar.right <= vw + 1 && ar.left >= -1;
        break;
      }
    }
    if (contained) continue;
    const parent = e.parentElement.getBoundingClientRect();
    if (parent.right > vw + 1 || parent.left < -1) continue;   // report outermost only
    out.push({what: describe(e), left: Math.round(r.left), right: Math.round(r.right)});
  }
  // Code blocks whose lines run on past the visible edge (they scroll, hiding text).
  const clipped_code = [...main.querySelectorAll('pre')]
    .filter(p => p.scrollWidth > p.clientWidth + 1 && p.getBoundingClientRect().width > 0)
    .map(p => ({what: describe(p), hidden_px: p.scrollWidth - p.clientWidth}));
  // Inline code broken across lines inside a word (`old_vs|n`): the characters on
  // each side of a line break are both letters, digits or underscores.
  const word = c => /[A-Za-z0-9_]/.test(c);
  const split_code = [];
  for (const c of main.querySelectorAll('code.literal')) {
    if (c.getClientRects().length < 2) continue;
    const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
    let prev = null;   // [char, top]
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < n.length; i++) {
        const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
        const rect = r.getClientRects()[0];
        if (!rect || !n.data[i].trim()) { prev = null; continue; }
        if (prev && rect.top > prev[1] + 2 && word(prev[0]) && word(n.data[i]))
          split_code.push(`${describe(c)}: "...${prev[0]}|${n.data[i]}..."`);
        prev = [n.data[i], rect.top];
      }
    }
  }
  // The smallest type of code blocks and outputs.
  const code_sizes = [...main.querySelectorAll('pre')].map(p => parseFloat(getComputedStyle(p).fontSize));
  // Output blocks: which words of their first line (a table's header) are out of sight.
  const hidden_header_words = [...main.querySelectorAll('div.cell_output pre')].map(p => {
    const box = p.getBoundingClientRect();
    const text = p.firstChild && p.firstChild.nodeType === 3 ? p.firstChild : null;
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    const hidden = [];
    let node = walker.nextNode(), line = '';
    for (; node; node = walker.nextNode()) {
      const end = node.data.indexOf('\n');
      const part = end < 0 ? node.data : node.data.slice(0, end);
      const re = /\S+/g; let m;
      while ((m = re.exec(part))) {
        const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const rect = r.getBoundingClientRect();
        if (rect.right > box.right + 1) hidden.push(m[0]);
      }
      line += part;
      if (end >= 0) break;
    }
    return {first_line: line.slice(0, 120), hidden};
  }).filter(h => h.hidden.length);
  return {viewport: vw, scroll_width: document.documentElement.scrollWidth,
          body_scroll_width: document.body.scrollWidth, sticking_out: out,
          clipped_code, split_code, hidden_header_words,
          min_code_px: code_sizes.length ? Math.min(...code_sizes) : null};
}"""


def settle(page, inflight: set, quiet: float = 0.5, limit: float = 10.0) -> bool:
    """Wait until no request has been in flight for `quiet` seconds (at most `limit`).
    Playwright's own "networkidle" wait sometimes never fires on pages whose requests
    are aborted (seen on the widget pages), so the page's requests are counted here."""
    deadline = time.monotonic() + limit
    busy = time.monotonic()
    while time.monotonic() < deadline:
        if inflight:
            busy = time.monotonic()
        elif time.monotonic() - busy >= quiet:
            return True
        page.wait_for_timeout(100)
    return False


class Visitor:
    """Opens pages (once per page and viewport), records them, saves screenshots."""

    def __init__(self, site: Site, browser, shots: Path = SHOTS):
        self.site, self.browser, self.shots = site, browser, shots
        self.visits: dict[tuple[str, str], Visit] = {}

    def new_context(self, viewport: str, record: list[str]):
        """A fresh browser context (a first-time reader: no cookies, no localStorage)
        that blocks and records every request not to localhost."""
        context = self.browser.new_context(**VIEWPORTS[viewport])
        context.set_default_timeout(20_000)

        def route(r):
            url = r.request.url
            if self.site.is_local(url):
                r.continue_()
            else:
                record.append(url)
                r.abort("blockedbyclient")

        context.route("**/*", route)
        return context

    def visit(self, docname: str, viewport: str) -> Visit:
        key = (docname, viewport)
        if key not in self.visits:
            self.visits[key] = self._visit(docname, viewport)
        v = self.visits[key]
        assert v.status == 200, f"{v.url} answered HTTP {v.status}: is the book built?"
        return v

    def _visit(self, docname: str, viewport: str) -> Visit:
        v = Visit(docname, viewport, url=self.site.base + page_url(docname))
        context = self.new_context(viewport, v.external)
        page = context.new_page()
        def console(m):
            where = m.location.get("url", "")
            # A blocked external request also logs "Failed to load resource" for its URL;
            # the external-request check reports it once.
            if m.type == "error" and (self.site.is_local(where) or not where):
                v.console_errors.append(f"{m.text} [{where}]")
        page.on("console", console)
        page.on("pageerror", lambda e: v.page_errors.append(str(e.message)))
        page.on("requestfailed", lambda r: self.site.is_local(r.url) and v.failed_requests
                .append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.site.is_local(r.url) and
                v.failed_requests.append(f"{r.url} (HTTP {r.status})"))
        inflight: set = set()
        page.on("request", lambda r: inflight.add(r))
        page.on("requestfinished", lambda r: inflight.discard(r))
        page.on("requestfailed", lambda r: inflight.discard(r))
        start = time.monotonic()
        try:
            response = page.goto(v.url, wait_until="load")
            v.status = response.status if response else 0
            if v.status != 200:
                return v
            page.evaluate(WAIT_JS)
            settle(page, inflight)
            v.seconds = time.monotonic() - start
            v.final_url = page.url
            shot = self.shots / viewport / shot_name(docname)
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            v.layout = page.evaluate(LAYOUT_JS)
            v.dom = page.evaluate(COLLECT_JS)
        finally:
            context.close()
        return v
