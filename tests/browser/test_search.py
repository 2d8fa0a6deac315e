"""The book's search page (Sphinx's JavaScript search) finds what a student types."""
from __future__ import annotations

from browserlib import page_url, toc_docnames


def search(site, visitor, words: str) -> tuple[list[str], list[str]]:
    """Type `words` into search.html's box, press Enter, wait for the results; return
    the result links and any request that tried to leave localhost."""
    external: list[str] = []
    context = visitor.new_context("desktop", external)
    try:
        page = context.new_page()
        page.goto(site.base + "search.html")
        box = page.locator("form.bd-search input[name=q]").locator("visible=true").first
        box.fill(words)
        box.press("Enter")
        page.wait_for_selector("#search-results ul.search li a", timeout=20_000)
        links = page.eval_on_selector_all("#search-results ul.search li a",
                                          "els => els.map(a => a.href)")
    finally:
        context.close()
    return links, external


def test_search_finds_supervisor(site, visitor):
    """Searching for "supervisor" lists results, and they point at pages of the book."""
    links, external = search(site, visitor, "supervisor")
    assert links, "no search results for 'supervisor'"
    pages = {site.base + page_url(d) for d in toc_docnames()}
    assert {link.split("#")[0].split("?")[0] for link in links} & pages
    assert external == []
