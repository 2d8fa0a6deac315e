"""The three chapter examples in notes/labrt-explore.md print exactly the output shown there."""
import contextlib
import io
import re
from pathlib import Path

import pytest

NOTES = Path(__file__).resolve().parent.parent / "notes" / "labrt-explore.md"


def _sections():
    text = NOTES.read_text(encoding="utf-8")
    for part in text.split("\n### ")[1:]:
        title = part.splitlines()[0]
        blocks = re.findall(r"```(python)?\n(.*?)```", part, re.S)
        yield title, [(kind == "python", body) for kind, body in blocks]


@pytest.mark.parametrize("title,blocks", list(_sections()), ids=lambda x: x if isinstance(x, str) else "")
def test_example_prints_what_the_note_shows(title, blocks):
    """Each python block of an example, run in one namespace, prints the block after it."""
    namespace = {"__name__": "__notes__"}
    pending = None
    checked = 0
    for is_code, body in blocks:
        if is_code:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, f"<{title}>", "exec"), namespace)
            pending = out.getvalue()
        elif pending is not None:
            assert pending == body, f"{title}: the output differs from the note"
            pending = None
            checked += 1
    assert checked >= 1
