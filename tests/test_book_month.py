"""The committed month of Klarna (book/_data/month.json): current, refusing when stale, and reproducible."""
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book"))
from labrt.dist import Crash, Restart  # noqa: E402

from _lib import ch10_first as c10  # noqa: E402
from _lib import ch11_second as c11  # noqa: E402
from _lib import fidelity as fid  # noqa: E402
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
        assert s["fidelity"] == data["fidelity"] in fid.FIDELITIES
        assert (s["sampled_share"] == 1.0) == (data["fidelity"] == fid.FULL)


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


# Eight hours of 14 December (no fault of the month's on that day) with both
# purchase nodes of site 1 down at 05:00 for a little over a minute: hours 0
# and 1 follow the boot, 5 holds the outage and 6 is the hour after it, so
# the quiet hours are 2, 3, 4 and 7.
_H = c10.H
OUTAGE = [(5 * _H, Crash(c10.SLAVE)), (5 * _H + 20, Crash(c10.MASTER)),
          (5 * _H + 60, Restart(c10.SLAVE)), (5 * _H + 100, Restart(c10.MASTER))]


def _window(schedule, day=14, hours=8, seed=1):
    _t0, span, faults, ops, _arr, sampler = c10.window(hours, day, schedule, seed, 2_500_000,
                                                       fid.QUIET_SAMPLED)
    return sorted(sampler.quiet)


def test_quiet_hours_follow_from_the_schedule_alone():
    """The quiet hours are those with no fault or operation in them or the hour before, off the peak day."""
    assert _window(OUTAGE) == [2, 3, 4, 7]
    assert _window("none") == [2, 3, 4, 5, 6, 7]
    assert _window(OUTAGE, seed=7) == [2, 3, 4, 7]            # the seed (results) plays no part
    assert _window(OUTAGE[:2]) == [2, 3, 4]                   # never restarted: never steady again
    assert _window("none", day=kt.PEAK_DAY) == []             # the peak day runs in full
    month_quiet = _window("month", day=1, hours=month.HOURS)
    for t, ev in c10.month_faults():                          # every hour with an event is full
        assert int(t // _H) not in month_quiet and int(t // _H) + 1 not in month_quiet


@pytest.mark.parametrize("system", [c10, c11], ids=["first", "second"])
def test_quiet_sampled_agrees_with_full_fidelity(system):
    """A window run both ways: the same figures, the full hours' failures purchase for purchase."""
    full = system.run(hours=8, day=14, schedule=OUTAGE)
    coarse = system.run(hours=8, day=14, schedule=OUTAGE, fidelity=fid.QUIET_SAMPLED)
    assert full.fidelity == fid.FULL and coarse.fidelity == fid.QUIET_SAMPLED
    assert coarse.quiet == [2, 3, 4, 7] and 0.5 < coarse.sampled_share < 0.7
    a, b = full.summary(), coarse.summary()
    assert b["purchases"] == a["purchases"]                   # counted, not sampled
    for key in ("p50_s", "p99_s", "lost", "duplicated", "downtime_s"):
        assert b[key] == a[key], key
    for h in range(8):                                        # exact in full hours, within K in quiet
        tolerance = fid.K if h in coarse.quiet else 0
        assert abs(coarse.failed_per_hour[h] - full.failed_per_hour[h]) <= tolerance, h
    assert sum(coarse.failed_per_hour) == b["failed"] == b["purchases"] - b["decided"]
    if system is c10:
        assert a["failed"] > 0 and b["failed"] == a["failed"]  # the outage's failures are there
