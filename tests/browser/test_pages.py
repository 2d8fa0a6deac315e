"""Every page of the table of contents, opened in chromium: it loads cleanly and offline,
its figures, links, widgets and diagrams work, it reads on a phone, and it is accessible
at a basic level.  How pages are served, visited and recorded: browserlib.py; the checks
themselves: checks.py."""
from __future__ import annotations

import pytest

import checks
from browserlib import (HTML, KNOWN_DEFECTS, KNOWN_PAGE_FAILURES, SHOTS, known_defect,
                        page_url, shot_name, toc_docnames)


def none(problems) -> None:
    """Fail with every problem on its own line (pytest would truncate a list diff)."""
    if isinstance(problems, dict):
        problems = [f"{k}: {m}" for k, v in problems.items() for m in v]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def expect(request, check: str, docname: str, viewport: str = "") -> None:
    """Mark the running test as a strict xfail if the page has a known, reported failure
    (keyed by check, or check[viewport], and docname)."""
    reason = (KNOWN_PAGE_FAILURES.get((check, docname))
              or KNOWN_PAGE_FAILURES.get((f"{check}[{viewport}]", docname)))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


# -- loading --------------------------------------------------------------------------

def test_page_is_built(docname):
    """Every page the toc lists has a built HTML page."""
    assert (HTML / page_url(docname)).is_file(), f"{page_url(docname)} is not in {HTML}"


def test_page_loads_without_errors(request, visitor, docname):
    """The page loads with no console error, no uncaught exception and no failed
    request for the book's own files."""
    expect(request, "load_problems", docname)
    v = visitor.visit(docname, "desktop")
    assert v.dom["has_main"], "no <article> main content found"
    none(checks.load_problems(v))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_no_request_leaves_localhost(request, visitor, docname, viewport):
    """The page makes no request to a host other than localhost (all are blocked and
    recorded) except the explicitly allowed ones."""
    expect(request, "external_requests", docname, viewport)
    none(checks.external_requests(visitor.visit(docname, viewport)))


def test_landing_page_is_the_root(site, visitor, toc):
    """index.html sends the reader to the toc's root page."""
    external: list[str] = []
    context = visitor.new_context("desktop", external)
    try:
        page = context.new_page()
        page.goto(site.base + "index.html")
        page.wait_for_url(site.base + page_url(toc[0]), timeout=10_000)
    finally:
        context.close()
    assert external == []


# -- figures, alt text, headings --------------------------------------------------------

def test_figures_are_rendered(request, visitor, docname):
    """Every image and figure in the main content (img, svg, object) is drawn with a
    non-zero size, and every image loaded."""
    expect(request, "unrendered_figures", docname)
    none(checks.unrendered_figures(visitor.visit(docname, "desktop")))


def test_figures_have_alt_text(request, visitor, docname):
    """Every img/svg/object figure has a text alternative (alt, aria-label,
    aria-labelledby, title), and no alt text is just a file name."""
    expect(request, "alt_text_problems", docname)
    none(checks.alt_text_problems(visitor.visit(docname, "desktop")))


def test_headings_are_in_order(request, visitor, docname):
    """The main content starts with its one h1 and never skips a heading level."""
    expect(request, "heading_problems", docname)
    none(checks.heading_problems(visitor.visit(docname, "desktop")))


# -- links, widgets, diagrams -----------------------------------------------------------

def test_internal_links_resolve(request, site, visitor, docname):
    """Every same-site link on the page fetches with 200, and its #anchor exists on
    the target page."""
    expect(request, "link_problems", docname)
    none(checks.link_problems(visitor.visit(docname, "desktop"), site))


def test_widgets_render_offline(request, visitor, docname):
    """Every saved widget view renders from the saved state, non-empty, with nothing
    fetched from beyond localhost."""
    expect(request, "widget_problems", docname)
    none(checks.widget_problems(visitor.visit(docname, "desktop")))


def test_diagrams_encode_meaning_beyond_colour(request, visitor, docname):
    """Sequence charts and supervision trees tell exit signals, abnormal exits and
    process states by line pattern, markers and words, not by colour alone."""
    expect(request, "colour_only_problems", docname)
    none(checks.colour_only_problems(visitor.visit(docname, "desktop")))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_diagram_text_is_readable(request, visitor, docname, viewport):
    """No diagram is scaled down so far (to fit the column, 1280 px or a 390 px phone)
    that its labels drop under MIN_DIAGRAM_FONT_PX (11 px): it scrolls sideways
    instead."""
    expect(request, "small_diagram_text", docname, viewport)
    none(checks.small_diagram_text(visitor.visit(docname, viewport)))


def test_diagram_labels_are_whole(request, visitor, docname):
    """No event label, lifeline header or tree box of a diagram is cut with an
    ellipsis (labels get the room they need, or are abbreviated by structure)."""
    expect(request, "cut_diagram_labels", docname)
    none(checks.cut_diagram_labels(visitor.visit(docname, "desktop")))


def test_no_diagram_is_drawn_twice(request, visitor, docname):
    """No page shows the same diagram (same title and text alternative) twice."""
    expect(request, "repeated_diagrams", docname)
    none(checks.repeated_diagrams(visitor.visit(docname, "desktop")))


def test_static_widgets_say_they_need_a_kernel(request, visitor, docname):
    """The supervisor playground on the static page says that its controls need a
    kernel, shows no clickable-looking control, is followed by a saved run, and says
    its restart window in words."""
    expect(request, "static_widget_problems", docname)
    none(checks.static_widget_problems(visitor.visit(docname, "desktop")))


def test_diagram_titles_are_whole(request, visitor, docname):
    """No diagram's title is drawn cut short with an ellipsis."""
    expect(request, "cut_diagram_titles", docname)
    none(checks.cut_diagram_titles(visitor.visit(docname, "desktop")))


# -- scripts, search, launch buttons --------------------------------------------------

def test_no_script_runs_twice(request, visitor, docname):
    """No inline script is written into the page twice (Jupyter Book 1 on Sphinx 7.4
    did so with thebe's and togglebutton's)."""
    expect(request, "repeated_scripts", docname)
    none(checks.repeated_scripts(visitor.visit(docname, "desktop")))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_one_search_box(request, visitor, docname, viewport):
    """Exactly one search field or button, in sight when the page opens."""
    expect(request, "search_box_problems", docname, viewport)
    none(checks.search_box_problems(visitor.visit(docname, viewport)))


def test_launch_buttons_can_open_the_page(request, site, visitor, docname):
    """No launch button points at a service that cannot read the page (Colab and
    MyST Markdown), and a notebook page offers a valid .ipynb of itself."""
    expect(request, "launch_problems", docname)
    none(checks.launch_problems(visitor.visit(docname, "desktop"), site))


# -- layout and screenshots ---------------------------------------------------------------

def test_code_lines_are_whole_on_desktop(request, visitor, docname):
    """At 1280 px no line of code or output runs on past the edge of its block."""
    expect(request, "clipped_code", docname)
    none(checks.clipped_code(visitor.visit(docname, "desktop")))


def test_inline_code_breaks_between_words(request, visitor, docname):
    """At 1280 px inline code (in tables too) never wraps in the middle of a word."""
    expect(request, "split_inline_code", docname)
    none(checks.split_inline_code(visitor.visit(docname, "desktop")))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_code_text_is_readable(request, visitor, docname, viewport):
    """Code blocks are set in at least MIN_CODE_FONT_PX (11 px) type."""
    expect(request, "small_code_text", docname, viewport)
    none(checks.small_code_text(visitor.visit(docname, viewport)))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_must_show_columns_are_in_sight(request, visitor, docname, viewport):
    """The column headers listed in MUST_SHOW_COLUMNS (ch07's "failed") are in sight
    without scrolling the output table sideways, on a phone too."""
    expect(request, "hidden_columns", docname, viewport)
    none(checks.hidden_columns(visitor.visit(docname, viewport)))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_no_horizontal_overflow(request, visitor, docname, viewport):
    """The page does not scroll sideways and nothing in the main content sticks out of
    the screen (code blocks and diagrams may scroll inside themselves)."""
    expect(request, "overflow_problems", docname, viewport)
    none(checks.overflow_problems(visitor.visit(docname, viewport)))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshot_saved(visitor, docname, viewport):
    """A full-page screenshot of the page is saved under _build/screenshots/."""
    visitor.visit(docname, viewport)
    shot = SHOTS / viewport / shot_name(docname)
    assert shot.is_file() and shot.stat().st_size > 5_000


# -- known defects --------------------------------------------------------------------

@pytest.mark.parametrize("defect", sorted(KNOWN_DEFECTS))
def test_known_defect_is_fixed(request, visitor, defect):
    """A known, reported defect no longer shows on any page (strict xfail until it is
    fixed; then remove it from KNOWN_DEFECTS)."""
    reason, _pattern = KNOWN_DEFECTS[defect]
    request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    seen = []
    for docname in toc_docnames():
        for viewport in ("desktop", "phone"):
            v = visitor.visit(docname, viewport)
            seen += [f"{docname}: {m}" for m in v.console_errors + v.page_errors
                     + v.failed_requests if known_defect(m) == defect]
    assert seen == []
