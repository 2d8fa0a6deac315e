"""The committed month of Klarna (book/_data/month.json): current, refusing when stale, and reproducible."""
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book"))
from _lib import ch10_first as c10  # noqa: E402
from _lib import klarna_traffic as kt  # noqa: E402
from _lib import month  # noqa: E402

# Windows start at midnight.  The first system's: 21 December up to 16:00,
# past the master's 30 s partition at 15:00 (18 purchases fail in that hour
# inside the month); the second system's: 5 December up to 11:00, past the
# master's crash at 10:00 (it fails none, so the purchases carry the check).
WINDOWS = {"first": (21, 16), "second": (5, 11)}

@pytest.fixture(scope="module")
def data():
    return month.load()


def test_committed_month_matches_the_current_sources(data):
    """The file's source hash is the hash of the sources as they are now."""
    assert data["source_hash"] == month.source_hash()
    assert data["command"] == month.COMMAND


def test_a_changed_source_makes_the_month_refuse(tmp_path):
    """Changing one hashed source makes load() raise, naming the command to regenerate."""
    for name in month.SOURCES:
        shutil.copy(month.HERE / name, tmp_path / name)
    assert month.source_hash(tmp_path) == month.source_hash()
    with open(tmp_path / "ch11_second.py", "a") as f:
        f.write("\nRETRY = 2.0\n")
    with pytest.raises(month.StaleMonth, match="book._lib.month"):
        month.load(folder=tmp_path)


def test_both_systems_ran_the_whole_month(data):
    """Each system saw December's 2.5 million purchases, and its figures add up."""
    expected = sum(kt.Month(total=2_500_000).hourly_counts())
    for which in ("first", "second"):
        s = data[which]
        assert s["purchases"] == expected
        assert s["decided"] + s["failed"] == s["purchases"]
        assert sum(s["failed_per_hour"]) == s["failed"]
        assert len(s["failed_per_hour"]) == 31 * 24
        assert s["downtime_min"] == pytest.approx(s["downtime_s"] / 60)
        assert s["budget_min"] == pytest.approx(c10.BUDGET_MIN)


def test_comments_and_docstrings_do_not_make_the_month_stale(tmp_path):
    """Rewording a docstring or a comment keeps the hash; the code is what counts."""
    for name in month.SOURCES:
        shutil.copy(month.HERE / name, tmp_path / name)
    src = (tmp_path / "ch10_first.py").read_text()
    src = src.replace('"""Klarna\'s first system', '"""Klarna\'s FIRST system, reworded', 1)
    (tmp_path / "ch10_first.py").write_text(src + "\n# a comment\n")
    assert src != (month.HERE / "ch10_first.py").read_text()
    assert month.source_hash(tmp_path) == month.source_hash()


@pytest.mark.parametrize("which", ["first", "second"])
def test_a_fresh_window_fails_as_the_same_hours_did_inside_the_month(data, which):
    """Hours of December run alone fail hour by hour as they did inside the month run."""
    day, hours = WINDOWS[which]
    fresh = month.run_system(which, hours=hours, day=day)
    start = (day - 1) * 24
    inside = data[which]["failed_per_hour"][start:start + hours]
    assert fresh["failed_per_hour"] == inside
    counts = kt.Month(total=2_500_000).hourly_counts()
    assert fresh["purchases"] == sum(counts[start:start + hours])
    if which == "first":
        assert sum(inside) > 0              # the window holds failures, not only zeros
