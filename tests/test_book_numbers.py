"""book/_lib/numbers.py: a page's stated numbers are checked against the computed ones."""
import sys
import pathlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "book"))
from _lib.numbers import NumberDrift, Numbers  # noqa: E402

PAGE = "The restart lost *3* of the\n8 writes, and the\nclient noticed after `4.0` s.\n"


def page(tmp_path, text=PAGE):
    p = tmp_path / "page.md"
    p.write_text(text)
    return Numbers(p)


def test_sentences_that_agree_pass(tmp_path):
    """Filled templates found in the page (line breaks and emphasis ignored) pass."""
    nums = page(tmp_path)
    nums.record("lost", 3)
    nums.record("acked", 8)
    nums.record("gap", 4.0, "{:.1f}")
    nums.says("lost {lost} of the {acked} writes")
    nums.says("noticed after {gap} s")
    assert nums.check().startswith("2 sentences agree")


def test_a_number_that_drifted_fails(tmp_path):
    """When the code computes another value than the prose states, check fails."""
    nums = page(tmp_path)
    nums.record("lost", 2)
    nums.says("lost {lost} of the")
    with pytest.raises(NumberDrift, match="does not say 'lost 2 of the'"):
        nums.check()


def test_a_name_nothing_recorded_fails(tmp_path):
    """A template naming a number no cell recorded fails."""
    nums = page(tmp_path)
    nums.says("lost {lost} of the")
    with pytest.raises(NumberDrift, match="nothing recorded"):
        nums.check()


def test_a_recorded_number_no_sentence_states_fails(tmp_path):
    """A recorded figure without a sentence fails, unless unstated_ok is given."""
    nums = page(tmp_path)
    nums.record("lost", 3)
    with pytest.raises(NumberDrift, match="no sentence states it"):
        nums.check()
    assert nums.check(unstated_ok=True)
