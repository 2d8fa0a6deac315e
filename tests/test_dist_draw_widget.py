"""The fault-schedule playground (labrt.dist.widget), driven through its controls
(``button.click()``, the node dropdown) the way a reader would; no browser. Each action
must change the world as its button's label says."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("ipywidgets")

from labrt.dist import FaultSchedule, Heal, Partition  # noqa: E402
from labrt.dist.widget import DEFAULT_SCHEDULE, FaultPlayground, periods  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def cut(pg):
    """The cut directions of the playground's world, as node-name pairs."""
    w = pg.world
    return {(w.name_of(a), w.name_of(b)) for a, b in w.net.blocked}


def test_buttons_name_the_chosen_node():
    """The partition, crash and restart buttons say which node they act on."""
    pg = FaultPlayground()
    assert pg.crash_button.description == "crash b@h"
    pg.node.value = "c@h"
    assert (pg.partition_button.description, pg.crash_button.description,
            pg.restart_button.description) == ("partition c@h off", "crash c@h", "restart c@h")
    assert pg.restart_button.disabled and not pg.crash_button.disabled


def test_partition_button_cuts_the_node_off_from_every_other():
    """"partition b@h off" cuts both directions between b@h and a@h, c@h; nothing else."""
    pg = FaultPlayground(schedule=None)
    pg.run_button.click()
    pg.partition_button.click()
    assert cut(pg) == {("b@h", "a@h"), ("a@h", "b@h"), ("b@h", "c@h"), ("c@h", "b@h")}
    assert pg.cluster.state.link("a@h", "b@h").state == "partitioned"
    assert [(t, f) for t, f in pg.faults] == [(1.0, Partition(("b@h",), ("a@h", "c@h")))]
    assert "you cut b@h off from a@h, c@h" in pg.story[0]


def test_heal_button_mends_every_link():
    """"heal all links" leaves no direction cut, and the nodes connect again on contact."""
    pg = FaultPlayground(schedule=None)
    pg.partition_button.click()
    for _ in range(3):
        pg.run_button.click()
    assert pg.cluster.state.link("a@h", "b@h").noticed
    pg.heal_button.click()
    assert cut(pg) == set()
    pg.run_button.click()
    assert pg.cluster.state.link("a@h", "b@h").state == "up"


def test_crash_and_restart_buttons():
    """"crash c@h" takes c@h down (its kv server gone); "restart c@h" brings it back, booted."""
    pg = FaultPlayground(schedule=None)
    pg.node.value = "c@h"
    pg.run_button.click()
    assert pg.world["c@h"].whereis("kv") is not None
    pg.crash_button.click()
    assert not pg.world.is_up("c@h") and pg.world["c@h"].whereis("kv") is None
    assert pg.crash_button.disabled and not pg.restart_button.disabled
    assert not pg.cluster.state.node("c@h").up
    pg.crash("c@h")                              # again: refused, in words
    assert pg.story == ["c@h is down already: restart it first."]
    pg.restart_button.click()
    assert pg.world.is_up("c@h") and pg.world["c@h"].whereis("kv") is not None
    assert [f.kind for _, f in pg.faults] == ["crash", "restart"]


def test_run_button_moves_the_clock_and_the_schedule_fires():
    """With the default schedule a@h is cut off at 3 s; the timeline's "now" line follows."""
    pg = FaultPlayground()
    for _ in range(4):
        pg.run_button.click()
    assert pg.world.now == 4.0
    assert cut(pg) == {("a@h", "b@h"), ("b@h", "a@h"), ("a@h", "c@h"), ("c@h", "a@h")}
    svg = pg.timeline.value[pg.timeline.value.index("<svg"):pg.timeline.value.rindex("</svg>") + 6]
    root = ET.fromstring(svg)
    assert [l.get("data-now") for l in root.iter(SVG + "line") if l.get("data-now")] == ["4"]
    bars = [(r.get("data-node"), r.get("data-bar")) for r in root.iter(SVG + "rect")
            if r.get("data-bar")]
    assert bars == [("a@h", "cut")]
    pg.run(2.0)
    assert cut(pg) == set()
    assert any("connection down (net_tick_timeout)" in s for s in pg.story)


def test_timeline_periods_of_a_schedule():
    """A partition is a bar on the cut-off side until the heal; a crash one until the restart."""
    from labrt.dist import Crash, Restart
    sched = DEFAULT_SCHEDULE + [(7.0, Crash("c@h")), (9.0, Restart("c@h")), (11.0, Crash("b@h"))]
    assert periods(sched, 14.0) == [("a@h", "cut", 3.0, 6.0, "cut from b@h, c@h"),
                                    ("c@h", "down", 7.0, 9.0, "down"),
                                    ("b@h", "down", 11.0, 14.0, "down")]


def test_static_page_greys_the_controls_and_shows_a_saved_run():
    """The widget carries the class the book greys, the hidden note, and a deterministic
    saved run with its cluster pictures, timeline and sequence diagram."""
    pg = FaultPlayground()
    assert "labrt-playground" in pg.widget._dom_classes
    assert "labrt-static-note" in pg.note.value and "display:none" in pg.note.value
    run = pg.saved_run()
    assert run == FaultPlayground().saved_run()
    assert run.count("<svg") == 6 + 2            # a cluster per click, the timeline, the chart
    assert "c@h crashes" in run and "connection down" in run
    with pytest.raises(ValueError, match="unknown click"):
        pg.saved_run(("jump",))


def test_a_schedule_of_ones_own():
    """A schedule given to the playground is the one applied and drawn."""
    sched = FaultSchedule([(1.0, Partition(("c@h",))), (2.0, Heal())])
    pg = FaultPlayground(schedule=sched)
    pg.run(1.5)
    assert ("c@h", "a@h") in cut(pg)
    assert periods(pg.all_faults(), 10.0) == [("c@h", "cut", 1.0, 2.0, "cut from a@h, b@h")]
