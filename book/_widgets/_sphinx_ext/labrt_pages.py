"""labrt_pages: small corrections to what Jupyter Book 1 writes into every page.

Jupyter Book 1.0.4 on Sphinx 7.4 with sphinx-book-theme 1.3 (pydata-sphinx-theme 0.17)
builds pages that a browser complains about, and this extension fixes that in the one
place where every page's scripts and theme options pass through.  It is loaded by
``_config.yml`` (``sphinx.local_extensions``) and lives beside the vendored JavaScript
because both are about what a reader's browser loads; ``exclude_patterns`` keeps it out
of the copied ``_static/`` folder.

Inline scripts twice.  Extensions that add an inline script (``app.add_js_file(None,
body=...)``) after the HTML builder has started get it twice: Sphinx stores it in its
registry with the file name ``None`` and in the builder with ``''``, and the two do not
compare equal.  sphinx-thebe's ``const THEBE_JS_URL = ...`` then throws "Identifier
'THEBE_JS_URL' has already been declared" on every page, and sphinx-togglebutton's
selector is set twice.  :func:`tidy_scripts` drops exact repeats (same source, same
body, same attributes) from every page, keeping the first.

Thebe while switched off.  With ``launch_buttons.thebe: false`` nothing runs thebe, but
sphinx-thebe still adds its configuration (naming a CDN URL), its loader and a
``text/x-thebe-config`` block (naming somebody else's Binder repository) to every page.
They are left out too, so the pages name no CDN at all; switch thebe on and they come
back.

Two search boxes.  pydata-sphinx-theme 0.17 puts a search field in a header bar
(``navbar_persistent``) unless the theme says otherwise, and sphinx-book-theme 1.3 also
has one at the top of its sidebar (and a search button in the article's header on a
phone).  :func:`one_search_box` empties ``navbar_persistent``: the header bar, which held
nothing else, is no longer drawn.

Nothing here changes what a page says; the browser tests (``tests/browser``) check the
outcome: no console error, one visible search field, no repeated inline script.
"""
from __future__ import annotations

from typing import Any

__all__ = ["setup"]


def _script_key(script) -> tuple:
    """What makes two script entries the same script: source, body, other attributes."""
    attrs = dict(getattr(script, "attributes", {}) or {})
    return (getattr(script, "filename", str(script)) or "",
            tuple(sorted((k, str(v)) for k, v in attrs.items())))


def _is_thebe(script) -> bool:
    name = getattr(script, "filename", "") or ""
    body = (getattr(script, "attributes", {}) or {}).get("body", "") or ""
    return name.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def _thebe_on(app) -> bool:
    options = app.config.html_theme_options or {}
    return bool((options.get("launch_buttons") or {}).get("thebe"))


def tidy_scripts(app, pagename: str, templatename: str, context: dict[str, Any],
                 doctree) -> None:
    """Remove repeated inline scripts (and dormant thebe) from one page's script list.

    ``context["script_files"]`` is the builder's own list, restored after each page, so
    it is edited in place."""
    scripts = context.get("script_files")
    if not scripts:
        return
    keep_thebe = _thebe_on(app)
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        key = _script_key(script)
        if key in seen or (not keep_thebe and _is_thebe(script)):
            continue
        seen.add(key)
        kept.append(script)
    scripts[:] = kept
    if not keep_thebe and context.get("css_files"):
        context["css_files"][:] = [c for c in context["css_files"]
                                   if not str(getattr(c, "filename", c)).endswith("sphinx-thebe.css")]


def no_dormant_thebe(app, config) -> None:
    """With thebe off, sphinx-thebe does not write its per-page config block
    (``config-inited``: its ``doctree-resolved`` listener is disconnected)."""
    if _thebe_on(app):
        return
    for listener in list(app.events.listeners.get("doctree-resolved", [])):
        handler = listener.handler
        if getattr(handler, "__module__", "") == "sphinx_thebe" and \
                handler.__name__ == "update_thebe_context":
            app.disconnect(listener.id)


def one_search_box(app, config) -> None:
    """No search field in the theme's header bar: the sidebar has one (``config-inited``)."""
    options = config.html_theme_options
    if options is None:
        config.html_theme_options = options = {}
    options.setdefault("navbar_persistent", [])


def setup(app):
    app.connect("config-inited", one_search_box)
    app.connect("config-inited", no_dormant_thebe)
    # after myst-nb and the theme have added their per-page scripts (default priority 500)
    app.connect("html-page-context", tidy_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
