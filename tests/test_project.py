"""Project-level checks: the README's entry points, the book's table of contents,
the pinned requirements and the offline widget setup."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com")


def readme_commands() -> list[str]:
    """The shell commands in README.md's fenced code blocks, in order, comments removed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                commands.append(command)
    return commands


def toc_files(node) -> list[str]:
    """Every `root`/`file` entry of a parsed _toc.yml, depth first."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("root", "file") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(toc_files(item))
    return found


def requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_readme_starts_with_build_then_test():
    """README's first two commands are `make book` (build and say where to open) then `make test`."""
    assert readme_commands()[:2] == ["make book", "make test"]


def test_ci_runs_the_readme_test_command():
    """.ci/run ends by running the README's test command."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    last = [line.strip() for line in script.splitlines() if line.strip() and not line.strip().startswith("#")][-1]
    assert last.endswith(readme_commands()[1])


def test_every_toc_entry_exists():
    """Every file named in _toc.yml exists as .md or .ipynb (the build fails on a missing one)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    entries = toc_files(toc)
    assert toc["root"] in entries and len(entries) >= 3
    missing = [e for e in entries
               if not any((ROOT / e).with_suffix(s).is_file() for s in (".md", ".ipynb"))
               and not (ROOT / e).is_file()]
    assert missing == []


def test_toc_entries_are_unique():
    """No page is listed twice in _toc.yml."""
    entries = toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
    assert len(entries) == len(set(entries))


def test_requirements_are_pinned_exactly():
    """Every requirement in requirements.txt is pinned with `==`."""
    unpinned = [line for line in requirement_lines()
                if not re.fullmatch(r"[A-Za-z0-9._-]+(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+", line)]
    assert unpinned == []


def test_jupyter_book_is_version_1():
    """jupyter-book is pinned below 2 (version 2 is not Sphinx-based and fetches its theme)."""
    pins = dict(line.split("==") for line in requirement_lines())
    version = pins[next(name for name in pins if name.lower().replace("_", "-") == "jupyter-book")]
    assert int(version.split(".")[0]) < 2


def test_direct_dependencies_are_pinned():
    """Everything the course uses directly appears in requirements.txt."""
    pinned = {line.split("==")[0].lower().replace("_", "-") for line in requirement_lines()}
    wanted = {"jupyter-book", "myst-nb", "ipywidgets", "simpy", "trio", "nbval", "pytest",
              "pytest-timeout", "hypothesis", "matplotlib", "pykka", "playwright", "nbformat",
              "nbclient", "ipykernel", "sphinxcontrib-bibtex"}
    assert wanted - pinned == set()


def test_package_ships_py_typed():
    """labrt is a typed package: py.typed exists and pyproject ships it."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (ROOT / "labrt" / "py.typed").is_file()
    assert 'labrt = ["py.typed"]' in pyproject
    assert 'requires-python = ">=3.11"' in pyproject


def test_offline_javascript_is_vendored():
    """The widget and MathJax scripts the config points at exist in book/_widgets, not in _static."""
    config = book_config()["sphinx"]["config"]
    static_dirs = [ROOT / d for d in config["html_static_path"]]
    assert [d.name for d in static_dirs] == ["_widgets", "_css"]   # scripts, then our CSS
    assert all(d.is_dir() for d in static_dirs)
    scripts = list(config["nb_ipywidgets_js"]) + [config["mathjax_path"]]
    for script in scripts:
        assert "://" not in script
        assert (static_dirs[0] / script).is_file(), script


def test_bibliography_has_the_course_sources():
    """references.bib holds the talk, the thesis, LYSE, both CAP sources and the OTP manuals."""
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))
    assert {"ahs2014klarna", "armstrong2003thesis", "hebert2013lyse", "brewer2000cap",
            "gilbert2002cap", "otp-supervisor", "otp-gen-server", "otp-sys",
            "otp-processes"} <= keys


def html_pages() -> list[Path]:
    if not (HTML / "index.html").is_file():
        pytest.skip("the book is not built (run `make book`, or `make test` which builds it)")
    return sorted(HTML.rglob("*.html"))


def loaded_urls(page: str) -> list[str]:
    """URLs a page loads by itself: script src and stylesheet/link href."""
    return (re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", page)
            + re.findall(r"<link[^>]*\shref=\"([^\"]+)\"[^>]*rel=\"(?:stylesheet|preload)\"", page)
            + re.findall(r"<link[^>]*rel=\"(?:stylesheet|preload)\"[^>]*\shref=\"([^\"]+)\"", page))


def test_built_pages_load_nothing_from_the_network():
    """No built page loads a script or stylesheet from another host (offline reading)."""
    remote = {}
    for path in html_pages():
        urls = [u for u in loaded_urls(path.read_text(encoding="utf-8")) if "://" in u or u.startswith("//")]
        if urls:
            remote[str(path.relative_to(HTML))] = urls
    assert remote == {}


def test_built_pages_name_no_widget_cdn():
    """No built page mentions a CDN host, except thebe's dormant constant (thebe is switched off)."""
    offenders = {}
    for path in html_pages():
        lines = [line for line in path.read_text(encoding="utf-8").splitlines()
                 if any(host in line for host in CDN_HOSTS) and "THEBE_JS_URL" not in line]
        if lines:
            offenders[str(path.relative_to(HTML))] = lines
    assert offenders == {}


WIDGET_PAGE = """\
---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# A saved widget

```{code-cell} ipython3
import ipywidgets
ipywidgets.IntSlider(value=7, description="restarts")
```
"""


@pytest.mark.timeout(600)
def test_saved_widget_renders_from_vendored_scripts(tmp_path):
    """A page with an ipywidget, built with the book's config, embeds the widget state and
    loads require.js and embed-amd.js from _static, with no CDN URL in the page."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.exists():
        pytest.skip("jupyter-book is not installed next to this Python (use .venv)")
    shutil.copy(ROOT / "_config.yml", tmp_path)
    shutil.copytree(ROOT / "book" / "_widgets", tmp_path / "book" / "_widgets")
    shutil.copytree(ROOT / "book" / "_css", tmp_path / "book" / "_css")
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book")
    (tmp_path / "book" / "widget.md").write_text(WIDGET_PAGE, encoding="utf-8")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/widget\n", encoding="utf-8")
    done = subprocess.run([str(jupyter_book), "build", str(tmp_path), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = (tmp_path / "_build" / "html" / "book" / "widget.html").read_text(encoding="utf-8")
    assert 'type="application/vnd.jupyter.widget-state+json"' in page
    assert 'type="application/vnd.jupyter.widget-view+json"' in page
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"?]+)", page)
    assert "../_static/requirejs/require.js" in scripts
    assert "../_static/jupyter-widgets/embed-amd.js" in scripts
    assert [s for s in scripts if "://" in s] == []
    assert [h for h in CDN_HOSTS if h in page.replace("https://unpkg.com/thebe@", "")] == []
    assert (tmp_path / "_build" / "html" / "_static" / "jupyter-widgets" / "embed-amd.js").is_file()
