"""Chapter 11: the capacity model, the second system in labrt, and the measurements the page states."""
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


# --- chapter 11's second system and its measurements ---------------------------------

from labrt.dist import Crash, Drop, FaultSchedule, Heal, Partition, Restart, Slow  # noqa: E402
from _lib import ch10_first as first  # noqa: E402
from _lib import ch11_growth as growth  # noqa: E402
from _lib import ch11_second as second  # noqa: E402

HARD_HOUR = FaultSchedule([
    (600.0, Partition((first.MASTER,))), (630.0, Heal()),
    (1800.0, Crash(first.SLAVE)), (1820.0, Crash(first.BOM)), (1840.0, Crash(first.MASTER)),
    (1860.0, Restart(first.SLAVE)), (1880.0, Restart(first.BOM)), (1900.0, Restart(first.MASTER))])


def test_the_peak_hour_needs_a_bigger_box_than_the_average():
    """The month's peak hour needs more cores than its average, and the average's box fails it."""
    avg, peak = cap.average_rate(), cap.peak_rate()
    need_avg, need_peak = cap.cores_needed(avg), cap.cores_needed(peak)
    assert need_peak > need_avg
    assert not cap.verdict(peak, need_avg, service_s=0.5, seconds=3000)[0]


def test_more_boxes_are_enough_where_the_biggest_box_is_not():
    """In the year vertical scaling runs out, two of that year's boxes are enough."""
    rows, year = cap.runs_out()
    wide = dict((y, boxes) for y, _r, _c, boxes in cap.horizontal(rows))
    assert wide[year] >= 2 and all(wide[y] == 1 for y, *_ in rows if y < year)


def test_each_replaced_part_fixes_its_own_figure():
    """Under one hard hour: the queue ends losses, a third front ends downtime, retry ends failures."""
    f0 = first.run_first(hours=1, day=21, schedule=HARD_HOUR)
    f1 = second.run_second_design(second.LEDGER_ONLY, HARD_HOUR)
    f2 = second.run_second_design(second.Design(risks=(), retry=None), HARD_HOUR)
    f3 = second.run_second_design(second.Design(risks=()), HARD_HOUR)
    assert f0["lost"] > 0 and f1["lost"] == 0 and f1["failed"] == f0["failed"]
    assert f0["downtime_s"] > 0 and f1["downtime_s"] == f0["downtime_s"] and f2["downtime_s"] == 0
    assert 0 < f2["failed"] < f1["failed"] and f3["failed"] == 0


def test_site_one_down_costs_the_second_system_nothing():
    """Both site-1 nodes dead for five minutes: the first system fails purchases, the second none."""
    sched = FaultSchedule([(600.0, Crash(first.MASTER)), (600.0, Crash(first.SLAVE)),
                           (900.0, Restart(first.MASTER)), (900.0, Restart(first.SLAVE))])
    assert first.run_first(hours=1, day=21, schedule=sched)["failed"] > 100
    f = second.run_second(hours=1, day=21, schedule=sched)
    assert f["failed"] == 0 and f["downtime_s"] == 0 and f["lost"] == 0


def test_retry_does_not_wait_for_the_net_tick():
    """A cut-off master: with retry nothing fails; without it the purchases sent there wait for the tick."""
    cut = FaultSchedule([(600.0, Partition((first.MASTER,))), (630.0, Heal())])
    with_retry = second.run(hours=1, day=21, schedule=cut)
    assert with_retry.figures["failed"] == 0 and with_retry.retries > 0
    assert second.run_second_design(second.Design(retry=None), cut)["failed"] > 0


def test_stateless_risk_service_fails_over_and_back():
    """risk@site1 crashed: every purchase is assessed by risk@site2, and site 1 returns after."""
    r = second.run(hours=1, day=21, schedule=FaultSchedule(
        [(600.0, Crash(second.RISK1)), (900.0, Restart(second.RISK1))]))
    during = {risk for (m, risk) in r.by_risk if 10 <= m < 15}
    after = {risk for (m, risk) in r.by_risk if m >= 16}
    assert during == {second.RISK2} and second.RISK1 in after
    assert r.figures["failed"] == 0 and r.latencies[-1] < 3 * second.RISK_WAIT


def test_without_a_risk_instance_the_front_decides_alone():
    """Both risk instances down: purchases are still decided (none fail), large ones turned down."""
    r = second.run(hours=1, day=21, schedule=FaultSchedule(
        [(600.0, Crash(second.RISK1)), (600.0, Crash(second.RISK2)),
         (900.0, Restart(second.RISK1)), (900.0, Restart(second.RISK2))]))
    assert r.figures["failed"] == 0
    during = {risk for (m, risk) in r.by_risk if 10 <= m < 15}
    assert during == {None}


def test_ordered_queue_refuses_entries_after_a_gap_and_loses_none():
    """A lossy link to the ledger: entries after a gap are refused, sent again, all booked."""
    r = second.run(hours=1, day=21, schedule=FaultSchedule(
        [(600.0, Drop(second.MASTER, second.BOM, 0.3)), (1200.0, Drop(second.MASTER, second.BOM, 0.0))]))
    assert r.refused > 0 and r.figures["lost"] == 0
    assert r.in_books == r.figures["purchases"]
    assert r.books_lag_s > second.RESEND


def test_books_lag_behind_a_back_end_crash_and_catch_up():
    """The ledger down for 30 s: the shop sees nothing, the books lag about that long, then hold all."""
    r = second.run(hours=1, day=21, schedule=FaultSchedule(
        [(600.0, Crash(second.BOM)), (630.0, Restart(second.BOM))]))
    assert r.figures["failed"] == 0 and r.figures["lost"] == 0
    assert 30.0 <= r.books_lag_s <= 30.0 + 2 * second.RESEND
    assert r.in_books == r.figures["purchases"]


def test_a_front_near_a_far_market_decides_fast_and_books_late():
    """150 ms away: the first system's median is the trip; a market front decides in ms."""
    far = 0.15
    away = [(0.0, Slow(first.WEB, n, far)) for n in (first.MASTER, first.SLAVE, first.BOM)]
    design = second.Design(fronts=("front@market", first.MASTER, first.SLAVE),
                           risks=("risk@market", second.RISK1), spread=False)
    links = away + [(0.0, Slow(a, b, far)) for a in ("front@market", "risk@market")
                    for b in (first.MASTER, first.SLAVE, first.BOM, second.RISK1)]
    assert first.run_first(hours=1, day=21, schedule=away)["p50_s"] >= far
    near = second.run(hours=1, day=21, schedule=links, design=design)
    assert near.figures["p50_s"] < 0.02 and near.books_lag_s >= far and near.figures["lost"] == 0


def test_the_first_systems_master_carries_every_purchase():
    """Messages per purchase: the first system's master is the busiest node; the second spreads it."""
    a, b = growth.messages_per_purchase("first"), growth.messages_per_purchase("second")
    assert max(a, key=a.get) == first.MASTER
    assert max(b[n] for n in second.SECOND.fronts) < a[first.MASTER] / 1.5
    assert growth.data_share(2.5, 9) > 0.5 > growth.data_share(1.2, 9)


def test_peak_day_schedule_adds_a_books_crash_inside_site_ones_outage():
    """The chapter's day schedule is chapter 10's day plus a books-master crash during site 1's outage."""
    ev = second.peak_day()
    t0 = first.at(21, 0)
    ch10_day = [(t - t0, e) for t, e in first.month_faults() if t0 <= t < t0 + first.D]
    extra = [e for e in ev if e not in ch10_day]
    assert [type(e).__name__ for _t, e in extra] == ["Crash", "Restart"]
    crash_t = extra[0][0]
    assert all(e.node == second.BOM for _t, e in extra)
    site = [t for t, e in ch10_day if isinstance(e, Crash) and t > 19 * 3600]
    assert min(site) < crash_t < max(site)
