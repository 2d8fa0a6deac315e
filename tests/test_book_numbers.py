"""book/_lib/numbers.py: a page's stated numbers are checked against the computed ones."""
import json
import sys
import pathlib

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "book"))
from _lib.numbers import NumberDrift, Numbers  # noqa: E402

PAGE = "The restart lost *3* of the\n8 writes, and the\nclient noticed after `4.0` s.\n"


@pytest.fixture(autouse=True)
def records_elsewhere(tmp_path, monkeypatch, request):
    """Unit tests leave their records in tmp_path, not in the build's folder."""
    if "path" not in request.fixturenames:
        import _lib.numbers as numbers
        monkeypatch.setattr(numbers, "RECORDS", tmp_path / "records")


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


def test_check_leaves_a_record_that_recheck_reads(tmp_path):
    """check() saves values and templates; recheck finds a sentence edited afterwards."""
    import _lib.numbers as numbers
    nums = page(tmp_path)
    nums.record("lost", 3)
    nums.says("lost {lost} of the")
    nums.check()
    record = json.loads((tmp_path / "records" / "page.json").read_text())
    assert numbers.recheck(record, PAGE) == []
    assert numbers.recheck(record, PAGE.replace("*3*", "4")) == ["lost 3 of the"]


BOOK = pathlib.Path(__file__).resolve().parent.parent / "book"
SAVED = sorted(__import__("_lib.numbers").numbers.RECORDS.glob("*.json"))


@pytest.mark.skipif(not SAVED, reason="no page has been built with numbers checks yet")
@pytest.mark.parametrize("path", SAVED, ids=[p.stem for p in SAVED])
def test_built_pages_still_state_their_numbers(path):
    """The prose of each built page still states the numbers its last run computed."""
    import _lib.numbers as numbers
    record = json.loads(path.read_text())
    source = BOOK / record["page"]
    if not source.exists():
        pytest.skip(f"{record['page']} is not in book/ any more")
    assert numbers.recheck(record, source.read_text()) == []
