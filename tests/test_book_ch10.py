"""Chapter 10's first system (book/_lib/ch10_first.py): fail-over, no loss, a dead site."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book"))

from labrt.dist import Crash, FaultSchedule, Partition, Heal, Restart  # noqa: E402

from _lib import ch10_first as f  # noqa: E402

KEYS = {"purchases", "decided", "failed", "lost", "duplicated", "p50_s", "p99_s",
        "availability", "downtime_s"}


def test_contract_keys_and_a_quiet_window():
    """run_first returns the agreed keys; without faults every purchase is decided fast."""
    r = f.run_first(hours=1, day=21, schedule="none")
    assert set(r) == KEYS
    assert r["purchases"] > 0 and r["failed"] == 0 and r["lost"] == 0
    assert r["availability"] == 1.0 and r["p99_s"] < f.DEADLINE


def test_master_crash_fails_over_and_switches_back():
    """A crashed master: the shop moves to the slave, then back to the restarted master."""
    sched = FaultSchedule([(600.0, Crash(f.MASTER)), (660.0, Restart(f.MASTER))])
    r = f.run(hours=1, day=21, schedule=sched)
    targets = [n for _t, n in r.shop.switches]
    assert targets[-2:] == [f.SLAVE, f.MASTER]
    assert r.figures["lost"] == 0 and r.figures["downtime_s"] == 0.0


def test_no_acknowledged_purchase_lost_under_crashes_and_a_partition():
    """Crashes of both nodes in turn and a cut master: every acknowledged purchase is in the books."""
    sched = FaultSchedule([
        (300.0, Crash(f.MASTER)), (360.0, Restart(f.MASTER)),
        (900.0, Crash(f.SLAVE)), (960.0, Restart(f.SLAVE)),
        (1500.0, Partition((f.MASTER,))), (1530.0, Heal()),
    ])
    r = f.run(hours=1, day=21, schedule=sched)
    assert r.figures["lost"] == 0 and r.missing == []
    assert r.in_books >= r.figures["decided"]


def test_both_nodes_dead_shows_as_failed_purchases_and_downtime():
    """Master and slave down together: purchases fail and the shop counts downtime."""
    sched = FaultSchedule([(600.0, Crash(f.SLAVE)), (620.0, Crash(f.MASTER)),
                           (660.0, Restart(f.SLAVE)), (700.0, Restart(f.MASTER))])
    r = f.run_first(hours=1, day=21, schedule=sched)
    assert r["failed"] > 0 and r["availability"] < 1.0
    assert 30.0 <= r["downtime_s"] <= 45.0


def test_partition_is_a_dead_node_and_the_books_sync_on_contact():
    """A cut master is failed over like a dead one; after the heal both back-office copies agree."""
    sched = FaultSchedule([(600.0, Partition((f.MASTER,))), (630.0, Heal())])
    r = f.run(hours=1, day=21, schedule=sched)
    assert [n for _t, n in r.shop.switches][-2:] == [f.SLAVE, f.MASTER]
    assert r.figures["lost"] == 0 and r.in_books == r.figures["purchases"]
    assert r.in_bo_slave == r.in_books


def test_planned_maintenance_and_upgrade_fail_nothing():
    """Moving traffic off a node before stopping it, and a rolling upgrade, fail no purchase."""
    r = f.run_first(hours=1, day=21, schedule=[(600.0, f.Op("maintain", f.MASTER, 600.0)),
                                              (2000.0, f.Op("upgrade"))])
    assert r["failed"] == 0 and r["lost"] == 0 and r["downtime_s"] == 0.0


def test_silent_bureau_costs_no_availability():
    """With the credit bureau cut off, fronts decide alone and purchases are still decided."""
    sched = FaultSchedule([(600.0, Partition((f.BUREAU,), (f.MASTER, f.SLAVE))),
                           (1200.0, Heal())])
    quiet = f.run(hours=1, day=21, schedule="none")
    r = f.run(hours=1, day=21, schedule=sched)
    assert r.figures["failed"] <= 5 and r.figures["purchases"] == quiet.figures["purchases"]
    assert max(r.latencies) > f.BUREAU_WAIT > max(quiet.latencies)
