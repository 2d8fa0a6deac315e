"""Helpers for the "races made visible" sections of chapters 3, 4 and 5.

Each of those sections shows one race: the scenario, the explorer's
counterexample, its drawing, the fix and the explorer's word that the fixed
version fails under no schedule.  The scenario and the calls to
``labrt.explore`` are the lesson, so they stay in the chapter; what lives here
is the part a reader need not read: drawing a counterexample for the page
(a title, and a plain note instead of a traceback where the explorer cannot
run), and saying in one line how many of a scenario's schedules went wrong.

The explorer runs every process on a stack of its own: a greenlet locally, a
suspended WebAssembly stack in the browser build (JupyterLite in a browser with
JSPI, labrt/explore/_stacks.py).  Where it has neither, ``drawing`` returns a
short note instead of failing, so a reader there still sees why the picture is
missing.

Everything here is deterministic: the explorer's random search is seeded,
its systematic search is ordered, and the drawings come out the same on every
build.
"""
from __future__ import annotations

from labrt.explore import outcomes

__all__ = ["explorer_available", "drawing", "tally"]


class _Note:
    """A short text that Jupyter shows as a paragraph (IPython's Markdown, without IPython)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return f"*{self.text}*"

    def __repr__(self) -> str:
        return self.text


def explorer_available() -> bool:
    """True when the explorer can give each process a stack here (greenlet locally,
    WebAssembly stack switching in the browser)."""
    from labrt.explore import _stacks
    return _stacks.available()


def drawing(found, title: str):
    """The counterexample ``found`` as a sequence diagram, its deviations marked."""
    if found is None or not explorer_available():
        return _Note("The drawing needs labrt.explore, which cannot give each "
                     "process a stack here (it needs greenlet, or JSPI in a browser).")
    if not found.found:
        return _Note(f"No counterexample to draw: {found}")
    return found.draw(title=title)


def tally(scenario, *, args=(), key=None) -> str:
    """One line: the results a scenario can give, over every schedule Erlang allows."""
    seen = outcomes(scenario, key, args=args)
    cover = "every schedule" if seen.coverage.complete else "the schedules explored"
    shown = " or ".join(sorted(repr(v) for v in seen))
    return f"over {cover} ({seen.coverage.runs} runs): {shown}"
