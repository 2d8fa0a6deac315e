"""The checks the browser tests make, as functions of one recorded page visit.

Each returns what is wrong (an empty list or dict when all is well), so that the tests
can assert `== []` and `test_checks.py` can show that every check does find problems.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

from browserlib import ALLOWED_EXTERNAL, TOLERATED_CONSOLE, Site, Visit, known_defect

# Text smaller than this (CSS px, as drawn on screen) is hard to read: labrt's diagrams
# keep it by a min-width and scroll sideways instead (at both widths), and code blocks
# never use a smaller type.
MIN_DIAGRAM_FONT_PX = 11.0
MIN_CODE_FONT_PX = 11.0

# Notebook services a launch button may point at; Colab is not one: it opens notebooks
# from GitHub only, where the pages are MyST Markdown it cannot read.
NO_LAUNCH_HOSTS = ("colab.research.google.com",)

# Column headers of output tables that must be in sight without scrolling, even on a
# phone, because the section is about them: word -> why.
MUST_SHOW_COLUMNS = {
    "failed": "the upgrade chapter's results table: failed requests are the section's point",
}


def unexpected(messages: list[str]) -> list[str]:
    """Messages that are neither tolerated upstream noise nor a known, tracked defect."""
    return [m for m in messages
            if not any(p.search(m) for p in TOLERATED_CONSOLE.values()) and not known_defect(m)]


def load_problems(v: Visit) -> dict[str, list[str]]:
    """Console errors, uncaught exceptions and failed same-site requests."""
    found = {"console errors": unexpected(v.console_errors),
             "uncaught exceptions": unexpected(v.page_errors),
             "failed requests": unexpected(v.failed_requests)}
    return {k: m for k, m in found.items() if m}


def external_requests(v: Visit) -> list[str]:
    """Requests that tried to leave localhost and are not explicitly allowed."""
    return [u for u in v.external if urllib.parse.urlsplit(u).netloc not in ALLOWED_EXTERNAL]


def unrendered_figures(v: Visit) -> list[str]:
    """Figures of the main content drawn with no size, and images that did not load."""
    empty = [f'{m["name"]}: {m["w"]}x{m["h"]} px' for m in v.dom["media"]
             if not (m["w"] > 0 and m["h"] > 0)]
    broken = [f'{m["name"]}: did not load' for m in v.dom["media"]
              if m["tag"] == "img" and not m["natural"]]
    return empty + broken


FILE_NAME = re.compile(r"(^[\w./-]+\.(png|jpe?g|gif|svg|webp)$)|_images/", re.I)


def alt_text_problems(v: Visit) -> list[str]:
    """Figures with no text alternative, and alt texts that are just a file name."""
    problems = []
    for m in v.dom["media"]:
        if m["math"] or m["aria_hidden"] == "true" or m["role"] in ("presentation", "none"):
            continue        # MathJax carries its own assistive MathML; decorative on purpose
        texts = [m["alt"], m["aria_label"], m["labelledby"], m["title_attr"], m["title_child"],
                 m["fallback"]]
        if not any(t and t.strip() for t in texts):
            problems.append(f'{m["name"]}: no alt/aria-label/title')
    for img in v.dom["pageImages"]:     # the theme's images too (logo, launch buttons)
        decorative = img["role"] in ("presentation", "none") or img["aria_hidden"] == "true"
        if img["alt"] is None and not decorative and f'{img["name"]}: no alt/aria-label/title' \
                not in problems:
            problems.append(f'{img["name"]}: no alt attribute')
        elif img["alt"] and FILE_NAME.search(img["alt"].strip()):
            problems.append(f'{img["name"]}: alt is a file name ("{img["alt"]}")')
    return problems


def heading_problems(v: Visit) -> list[str]:
    """The main content must start with its only h1 and never skip a level going down."""
    headings = v.dom["headings"]
    if not headings:
        return ["no heading in the main content"]
    problems = []
    if headings[0]["level"] != 1:
        problems.append(f'starts with h{headings[0]["level"]} "{headings[0]["text"]}"')
    h1s = [h["text"] for h in headings if h["level"] == 1]
    if len(h1s) > 1:
        problems.append(f"{len(h1s)} h1 headings: {h1s}")
    problems += [f'h{a["level"]} "{a["text"]}" is followed by h{b["level"]} "{b["text"]}"'
                 for a, b in zip(headings, headings[1:]) if b["level"] > a["level"] + 1]
    return problems


def ids_in(html: str) -> set[str]:
    """Every id (and <a name>) in an HTML text."""
    found = re.findall(r"""\sid=["']([^"']+)["']""", html)
    found += re.findall(r"""<a\s[^>]*\bname=["']([^"']+)["']""", html)
    return {urllib.parse.unquote(i) for i in found}


def link_problems(v: Visit, site: Site) -> list[str]:
    """Same-site links that do not fetch with 200, or whose #anchor is not on the target."""
    here = v.final_url.split("#")[0]
    problems = set()
    for link in v.dom["links"]:
        if not site.is_local(link["href"]):
            continue
        target, _, fragment = link["href"].partition("#")
        status, body = site.fetch(target)
        if status != 200:
            problems.add(f'{link["raw"]} ("{link["text"]}"): HTTP {status}')
            continue
        fragment = urllib.parse.unquote(fragment)
        if fragment and fragment not in (set(v.dom["ids"]) if target == here else ids_in(body)):
            problems.add(f'{link["raw"]} ("{link["text"]}"): no #{fragment} on the target')
    return sorted(problems)


def widget_problems(v: Visit) -> list[str]:
    """Saved widget views that did not render, rendered empty or with an error, and any
    widget page that tried to reach beyond localhost."""
    views = v.dom["views"]
    if not views:
        return []
    problems = []
    if v.dom["state"] < 1:
        problems.append("widget views but no saved widget state in the page")
    for view in views:
        where = f'widget {view["model"][:8]} in #{view["where"]}'
        if not view["rendered"]:
            problems.append(f"{where}: not rendered")
        elif not view["text"]:
            problems.append(f"{where}: rendered empty")
        elif "Error displaying widget" in view["text"] or "not found" in view["text"]:
            problems.append(f'{where}: {view["text"][:100]}')
    problems += [f"widget page fetched {u}" for u in v.external]
    return problems


def _is_red(colour: str) -> bool:
    m = re.fullmatch(r"#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})", colour.strip().lower())
    if not m:
        return colour.strip().lower() in ("red", "crimson", "darkred")
    r, g, b = (int(x, 16) for x in m.groups())
    return r >= 0x99 and g < 0x66 and b < 0x66


def diagram_problems(diagram: dict) -> list[str]:
    """What in one labrt diagram (sequence chart or supervision tree) is told by colour
    only, or has no text alternative."""
    problems = []
    if diagram["role"] != "img" or not (diagram["aria_label"] or diagram["title"]):
        problems.append("no role=img with an aria-label/title")
    if not diagram["desc"].strip():
        problems.append("no <desc> text alternative")
    for g in diagram["groups"]:
        words = " ".join(t["t"] for t in g["texts"]).strip()
        kind = g["kind"] or ""
        what = f"{kind} '{words[:40]}'"
        if any(_is_red(c) for c in g["strokes"]) and \
                not any(t["bold"] and t["t"].strip() for t in g["texts"]):
            problems.append(f"{what}: red (abnormal) without a bold text label")
        if kind == "exit_signal":
            if not g["dashes"]:
                problems.append(f"{what}: exit signal drawn with a solid line")
            if "exit" not in words.lower():
                problems.append(f"{what}: exit signal without an 'exit' label")
            if not (g["heads"] or g["markers"]):
                problems.append(f"{what}: exit signal without an arrowhead or marker")
        elif kind == "send":
            signal = words.startswith(("EXIT", "DOWN"))
            if signal and not g["dashes"]:
                problems.append(f"{what}: EXIT/DOWN message drawn like an ordinary message")
            if not signal and g["dashes"]:
                problems.append(f"{what}: ordinary message drawn dashed, like a signal")
        elif kind == "exit" and not words:
            problems.append(f"{what}: process exit without its reason written")
        elif kind.startswith("node "):      # a supervision tree's node ("node running")
            state = kind.split()[-1]
            if state in ("restarting", "undefined"):
                if not g["dashes"]:
                    problems.append(f"{what}: {state} node with a solid border")
                if ("restarting" if state == "restarting" else "stopped") not in words:
                    problems.append(f"{what}: {state} node without its state in words")
            elif state == "running" and g["dashes"]:
                problems.append(f"{what}: running node with a dashed border")
    kinds = [g["kind"] or "" for g in diagram["groups"]]
    if any(k.startswith("node ") for k in kinds) and \
            not any(g["kind"] == "legend" and g["texts"] for g in diagram["groups"]):
        problems.append("supervision tree without a key")
    return problems


def colour_only_problems(v: Visit) -> dict[str, list[str]]:
    """Per diagram on the page, what is told by colour alone."""
    found = {d["name"]: diagram_problems(d) for d in v.dom["diagrams"]}
    return {name: p for name, p in found.items() if p}


def small_diagram_text(v: Visit, minimum: float = MIN_DIAGRAM_FONT_PX) -> list[str]:
    """Diagrams scaled down so far that their smallest label is under `minimum` px."""
    return [f'{d["name"]}: smallest label {d["min_font_px"]} px'
            for d in v.dom["diagrams"]
            if d["min_font_px"] is not None and d["min_font_px"] < minimum]


def cut_diagram_titles(v: Visit) -> list[str]:
    """Diagram titles drawn cut short with an ellipsis (the headline of the picture)."""
    return [f'{d["name"]}: title drawn as "{t}"' for d in v.dom["diagrams"]
            for t in d["cut_headings"]]


def overflow_problems(v: Visit) -> list[str]:
    """The page scrolls sideways, or something in the main content sticks out of the
    screen without being inside an element that scrolls by itself."""
    layout = v.layout
    problems = [f'{s["what"]} spans x={s["left"]}..{s["right"]} on a {layout["viewport"]} px '
                f'screen' for s in layout["sticking_out"]]
    if layout["scroll_width"] > layout["viewport"]:
        problems.append(f'the page scrolls sideways: {layout["scroll_width"]} px wide on a '
                        f'{layout["viewport"]} px screen')
    return problems


# -- added for issue 9 ("the rendered pages") --------------------------------------------

def repeated_scripts(v: Visit) -> list[str]:
    """Inline scripts that appear more than once on the page (each runs twice)."""
    counts: dict[str, int] = {}
    for text in v.dom["inline_scripts"]:
        counts[text] = counts.get(text, 0) + 1
    return [f"{n}x: {text[:90]}" for text, n in counts.items() if n > 1]


def search_box_problems(v: Visit) -> list[str]:
    """Exactly one search field or button on the page, and it is in sight at the top."""
    found = v.dom["search_controls"]
    if len(found) != 1:
        return [f"{len(found)} search controls: {[c['what'] for c in found]}"]
    return [] if found[0]["in_sight"] else [f"the search control is out of sight: {found[0]['what']}"]


def launch_problems(v: Visit, site: Site) -> list[str]:
    """No launch button to a service that cannot open the page, and a page made of
    notebook cells offers its notebook as a .ipynb download that is a real notebook."""
    problems = [f'launch button "{link["text"]}" -> {link["href"]}'
                for link in v.dom["header_links"]
                if urllib.parse.urlsplit(link["href"]).netloc in NO_LAUNCH_HOSTS]
    if v.dom["cells"]:
        notebooks = [link["href"] for link in v.dom["header_links"]
                     if urllib.parse.urlsplit(link["href"]).path.endswith(".ipynb")]
        if not notebooks:
            problems.append("a notebook page without a .ipynb download")
        for url in notebooks:
            problems += notebook_problems(url, site)
    return problems


def notebook_problems(url: str, site: Site) -> list[str]:
    """A same-site .ipynb that does not fetch, is not nbformat 4 JSON, or has no code."""
    if not site.is_local(url):
        return [f"{url}: not on this site"]
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            nb = json.loads(reply.read().decode("utf-8"))
    except (urllib.error.URLError, ValueError) as err:
        return [f"{url}: {err}"]
    if nb.get("nbformat") != 4:
        return [f"{url}: nbformat {nb.get('nbformat')!r}, not 4"]
    if not any(c.get("cell_type") == "code" for c in nb.get("cells", [])):
        return [f"{url}: no code cell"]
    return []


def clipped_code(v: Visit) -> list[str]:
    """Code or output lines that run on past the edge of their block (hidden text)."""
    return [f'{c["what"]}: {c["hidden_px"]} px of its lines out of sight'
            for c in v.layout["clipped_code"]]


def split_inline_code(v: Visit) -> list[str]:
    """Inline code broken across lines in the middle of a word."""
    return list(v.layout["split_code"])


def small_code_text(v: Visit, minimum: float = MIN_CODE_FONT_PX) -> list[str]:
    """Code blocks set in type smaller than `minimum` px."""
    size = v.layout["min_code_px"]
    return [] if size is None or size >= minimum else [f"code in {size} px type"]


def hidden_columns(v: Visit) -> list[str]:
    """Output tables whose must-show column header is scrolled out of sight."""
    return [f'"{word}" ({why}) is out of sight in: {h["first_line"]!r}'
            for h in v.layout["hidden_header_words"]
            for word, why in MUST_SHOW_COLUMNS.items() if word in h["hidden"]]


def cut_diagram_labels(v: Visit) -> list[str]:
    """Diagram labels (events, headers, tree boxes) cut short with an ellipsis."""
    return [f'{d["name"]}: "{t}"' for d in v.dom["diagrams"] for t in d["cut_labels"]]


def repeated_diagrams(v: Visit) -> list[str]:
    """The same diagram (same title and text alternative) drawn twice on one page."""
    seen: dict[tuple, int] = {}
    for d in v.dom["diagrams"]:
        key = (d["title"], d["desc"])
        seen[key] = seen.get(key, 0) + 1
    return [f'{n}x: "{title}": {desc[:100]}' for (title, desc), n in seen.items()
            if n > 1 and desc]


def static_widget_problems(v: Visit) -> list[str]:
    """The supervisor playground on a static page: its note that the controls need a
    kernel is shown, no control looks clickable, a saved run with a tree follows it,
    and its status line is in words (no bare Python list)."""
    problems = []
    for i, w in enumerate(v.dom["playground"]):
        where = f"playground {i + 1}"
        if not w["note"] or "kernel" not in w["note"]:
            problems.append(f"{where}: no visible note that the controls need a kernel")
        if w["live_controls"]:
            problems.append(f"{where}: controls that still react to clicks: {w['live_controls']}")
        if not w["saved_run"]:
            problems.append(f"{where}: no saved run (with its tree) under the widget")
        if re.search(r"\[\s*[\d., ]*\]|newest first", w["text"]):
            problems.append(f"{where}: status line shows a raw list of restart times")
    return problems
