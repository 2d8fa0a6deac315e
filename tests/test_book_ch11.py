"""Chapter 11: the capacity model of "buy a bigger box"."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book"))
from _lib import ch11_capacity as cap  # noqa: E402


def test_verdict_moves_with_load():
    """The same box is enough at a low rate and not enough at a rate above its capacity."""
    assert cap.verdict(rate=10.0, cores=2, service_s=0.05)[0]
    assert not cap.verdict(rate=60.0, cores=2, service_s=0.05)[0]


def test_bigger_box_rescues_the_same_load():
    """More cores turn a failing verdict into a passing one at the same load."""
    assert not cap.verdict(rate=60.0, cores=2)[0]
    assert cap.verdict(rate=60.0, cores=8)[0]


def test_vertical_scaling_runs_out_when_load_outgrows_the_box():
    """Load growing faster than the biggest box names a year; slow growth names none."""
    _rows, year = cap.runs_out(growth=2.5)
    assert year is not None and 2005 < year <= 2013
    _rows, none = cap.runs_out(growth=1.2)
    assert none is None


def test_peak_rate_comes_from_the_traffic_model():
    """The peak rate is the busiest hour of the month, above the average."""
    assert cap.peak_rate() > 2_500_000 / (31 * 86400)


def test_ordered_queue_loses_and_duplicates_nothing_across_a_back_end_crash():
    """A back-end crash and a purchase-node crash: every acknowledged purchase is booked once."""
    from labrt.dist import Crash, FaultSchedule, Restart
    from _lib import ch11_second as second
    sched = FaultSchedule([(600.0, Crash(second.BOM)), (630.0, Restart(second.BOM)),
                           (1200.0, Crash(second.MASTER)), (1230.0, Restart(second.MASTER))])
    r = second.run(hours=1, day=21, schedule=sched)
    f = r.summary()
    assert f["purchases"] > 1000
    assert f["lost"] == 0 and f["duplicated"] == 0
    assert r.in_books == f["purchases"]
