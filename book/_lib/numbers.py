"""Numbers from code: the figures a chapter's prose states, checked against the runs.

Why
---
Part 2 of the book argues from measurements: "the restart lost 3 of the 8
acknowledged writes", "the client noticed after 4.0 s".  A number typed into
a sentence goes stale the moment someone changes a seed, a latency or the
store, and nobody notices, because the page still builds.  The rule (issue
15, "Numbers from code") is that every such number is computed by a cell the
reader can run, and that the build fails when a sentence and the computation
disagree.

How (for chapter authors)
-------------------------
1. Near the top of the page, in a cell tagged ``remove-cell``::

       from _lib.numbers import Numbers
       nums = Numbers("ch08-nodes.md")      # this page's own source file

2. Wherever the code computes a figure the prose will quote, record it
   (``record`` returns the value, so it fits inside an expression)::

       lost = nums.record("lost", acked - len(after))
       nums.record("gap", gap, "{:.1f}")    # a format for how the prose writes it

3. Write the prose with the number as plain text, the way a reader expects
   to read it: "... and 3 of them are gone."

4. At the end of the page, in a cell tagged ``remove-cell``, state each
   sentence as a template over the recorded names, and check::

       nums.says("and {lost} of them are gone")
       nums.says("noticed after {gap} s")
       nums.check()

``says`` fills the template with the recorded values (each in its format)
and ``check`` asserts that every filled sentence occurs in the page source
(whitespace, line breaks and ``*``/backtick emphasis ignored).  It fails,
and so does the build (``jupyter-book build -W``), when the code's value
changed and the prose did not, when the prose was edited and the template
was not, or when a template names a number nothing recorded.  ``check``
also fails when a recorded number is stated by no sentence, so a figure
cannot be dropped from the checks silently (pass ``unstated_ok=True`` to
allow it for values recorded only to be printed).

The build's cache (``execute_notebooks: cache``) re-runs a page only when
its *code* changed, so a cached build does not see a prose-only edit.  Two
things close that gap: a clean build (CI's) and ``make test``'s strict nbval
re-run execute every page, check cell included; and ``check`` leaves what
it checked in ``_build/numbers/<page>.json`` (values as the prose writes
them, and the templates), which ``tests/test_book_numbers.py`` checks again
against the current source without running anything.

MyST's ``{glue:text}`` is the other way to get numbers into prose; it
cannot drift either, but it hides the number from anyone reading the page
source and from search.  Plain text plus this check keeps the source
readable and still makes drift a build failure.
"""
from __future__ import annotations

import json
import pathlib
import re

__all__ = ["BOOK", "Numbers", "NumberDrift", "recheck"]

#: The book's folder: a page's own source and its Erlang snippets are found from
#: here, whatever the working directory (the build runs pages in book/, the
#: strict re-run in _build/jupyter_execute/book/).
BOOK = pathlib.Path(__file__).resolve().parent.parent

# Where check() leaves its record: <repo>/_build/numbers/<page>.json
RECORDS = BOOK.parent / "_build" / "numbers"


class NumberDrift(AssertionError):
    """A sentence of the page no longer says what the code computes."""


def _plain(text: str) -> str:
    text = re.sub(r"[*`]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def recheck(record: dict, source: str) -> list[str]:
    """The sentences of a saved record (see ``Numbers._save``) missing from ``source``."""
    plain = _plain(source)
    texts = record["numbers"]
    return [t.format(**{n: texts[n] for n in re.findall(r"{(\w+)}", t)})
            for t in record["sentences"]
            if _plain(t.format(**{n: texts[n] for n in re.findall(r"{(\w+)}", t)}))
            not in plain]


class Numbers:
    """The figures one page states, and the sentences that state them."""

    def __init__(self, page: str | pathlib.Path):
        page = pathlib.Path(page)
        self.page = page if page.is_absolute() else BOOK / page
        self.values: dict[str, object] = {}
        self.formats: dict[str, str] = {}
        self.sentences: list[str] = []

    def record(self, name: str, value, fmt: str = "{}") -> None:
        """Remember ``value`` under ``name`` (written in prose as ``fmt``).

        It returns nothing, so a cell that ends with it shows no output under any
        runner (a trailing ``;`` is not honoured when a runner keeps no history,
        as nbval's strict re-run does not)."""
        self.values[name] = value
        self.formats[name] = fmt

    def text(self, name: str) -> str:
        """The recorded value as the prose writes it."""
        return self.formats[name].format(self.values[name])

    def says(self, template: str) -> str:
        """Declare that the page contains ``template`` filled with the values."""
        self.sentences.append(template)
        return template

    def _fill(self, template: str) -> str:
        names = re.findall(r"{(\w+)}", template)
        missing = [n for n in names if n not in self.values]
        if missing:
            raise NumberDrift(f"{template!r} names numbers nothing recorded: {missing}")
        return template.format(**{n: self.text(n) for n in names})

    def check(self, unstated_ok: bool = False) -> str:
        """Fail with every drifted sentence listed; return a short account if all agree."""
        source = _plain(self.page.read_text(encoding="utf-8"))
        problems, used = [], set()
        for template in self.sentences:
            used.update(re.findall(r"{(\w+)}", template))
            try:
                sentence = self._fill(template)
            except NumberDrift as e:
                problems.append(str(e))
                continue
            if _plain(sentence) not in source:
                problems.append(f"the page does not say {sentence!r} (template {template!r})")
        if not unstated_ok:
            for name in sorted(set(self.values) - used):
                problems.append(f"{name} = {self.text(name)} is recorded but no sentence states it")
        if problems:
            raise NumberDrift(f"{self.page.name}: prose and code disagree:\n  "
                              + "\n  ".join(problems))
        self._save()
        return f"{len(self.sentences)} sentences agree with {len(self.values)} computed numbers"

    def _save(self):
        """Leave what was checked for a later recheck (best effort: never fails a page)."""
        try:
            RECORDS.mkdir(parents=True, exist_ok=True)
            record = {"page": self.page.name,
                      "numbers": {n: self.text(n) for n in self.values},
                      "sentences": self.sentences}
            (RECORDS / (self.page.stem + ".json")).write_text(json.dumps(record, indent=1))
        except OSError:
            pass
