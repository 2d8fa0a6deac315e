"""The book's "In Erlang" snippets, run on a real BEAM.

Each ``book/erlang/<module>.erl`` exports ``main/0`` and states what it prints
in ``%% expect:`` header lines.  This test compiles every snippet, runs it, and
compares the printed lines exactly.  It is skipped when ``erl`` is absent
(``.ci/run`` installs Debian's erlang-nox, so CI always runs it).
"""
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SNIPPETS = sorted((ROOT / "book" / "erlang").glob("*.erl"))
needs_erl = pytest.mark.skipif(
    shutil.which("erl") is None or shutil.which("erlc") is None,
    reason="no Erlang here: apt-get install -y erlang-nox")


def expected_lines(path):
    return re.findall(r"^%% expect: ?(.*)$", path.read_text(), re.M)


def test_every_snippet_states_its_output():
    """A snippet without `%% expect:` lines could never fail, so it is not allowed."""
    assert SNIPPETS, "no Erlang snippets found in book/erlang"
    for path in SNIPPETS:
        assert expected_lines(path), f"{path.name} has no '%% expect:' lines"
        module = re.search(r"^-module\((\w+)\)\.", path.read_text(), re.M)
        assert module and module.group(1) == path.stem, \
            f"{path.name}: the module name must match the file name"


def test_every_snippet_is_shown_in_a_chapter():
    """Each snippet file is included by some chapter, so what runs is what readers see."""
    pages = "".join(p.read_text() for p in (ROOT / "book").glob("*.md"))
    for path in SNIPPETS:
        assert f"erlang/{path.name}" in pages, f"{path.name} is not used by any page"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    out = tmp_path_factory.mktemp("beam")
    subprocess.run(["erlc", "-o", str(out), *map(str, SNIPPETS)], check=True,
                   capture_output=True, text=True, timeout=120)
    return out


@needs_erl
@pytest.mark.parametrize("path", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_snippet_prints_what_the_book_says(path, compiled):
    """Run the snippet's main/0 on the BEAM; its output must equal the expect lines."""
    # The output goes to files, not pipes: a daemon the snippet leaves behind (an epmd
    # it could not kill, CI 2026-12-04) would hold a pipe open and make run() wait for
    # its end long after the BEAM halted; a file only records what it writes.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        try:    # a snippet runs in seconds; 180 s only bounds a wedged BEAM on a busy machine
            run = subprocess.run(
                ["erl", "-noshell", "-pa", str(compiled), "-s", path.stem, "main",
                 "-s", "init", "stop"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=180)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if timed_out:
        pytest.fail(f"{path.name} did not finish in 180 s; its output so far:\n"
                    + stdout + "\n" + stderr)
    assert run.returncode == 0, stderr
    assert stdout.splitlines() == expected_lines(path)
