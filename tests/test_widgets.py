"""Tests for labrt.widgets: the supervisor playground, driven through its
controls (``button.click()``, setting values) the way a reader would, no browser."""
from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

from labrt.widgets import SupervisorPlayground  # noqa: E402


def workers(pg):
    """{worker name: pid} of the tree the widget shows."""
    return pg.pids()


def states(pg):
    return [n.state for n in pg.tree.nodes()]


def crash(pg, wid):
    pg.crash_buttons[wid].click()


def test_starts_with_three_running_workers():
    """A new playground shows a running supervisor with w1, w2, w3 in start order."""
    pg = SupervisorPlayground()
    assert list(workers(pg)) == ["w1", "w2", "w3"]
    assert states(pg) == ["running"] * 4
    assert pg.tree.root.strategy == "one_for_one"
    assert "w3" in pg.picture.value and "<svg" in pg.picture.value


@pytest.mark.parametrize("strategy, renewed", [
    ("one_for_one", {"w2"}),
    ("one_for_all", {"w1", "w2", "w3"}),
    ("rest_for_one", {"w2", "w3"}),
    ("simple_one_for_one", {"w2"}),
])
def test_crash_button_restarts_what_the_strategy_says(strategy, renewed):
    """After "crash w2", exactly the workers the strategy names have new pids."""
    pg = SupervisorPlayground()
    pg.strategy.value = strategy
    before = workers(pg)
    crash(pg, "w2")
    after = workers(pg)
    assert set(after) == {"w1", "w2", "w3"}
    assert {w for w in after if after[w] != before[w]} == renewed
    assert states(pg) == ["running"] * 4
    assert pg.tree.root.strategy == strategy


def test_one_for_all_stops_right_to_left_and_starts_left_to_right():
    """The "what happened" list shows w3 then w1 stopped, then w1, w2, w3 started."""
    pg = SupervisorPlayground(strategy="one_for_all")
    crash(pg, "w2")
    steps = [s.split()[0] + (" start" if "restarted" in s else " stop")
             for s in pg.story[1:]]
    assert steps == ["w2 stop", "w3 stop", "w1 stop", "w1 start", "w2 start", "w3 start"]


def test_too_many_restarts_make_the_supervisor_give_up():
    """MaxR=1: the second crash in the window stops everything; the tree says so."""
    pg = SupervisorPlayground(intensity=1)
    crash(pg, "w1")
    assert states(pg) == ["running"] * 4
    crash(pg, "w3")
    assert pg.gave_up
    assert states(pg) == ["undefined"] * 4
    assert workers(pg) == {}
    assert "gave up" in pg.picture.value
    assert any("reached_max_restart_intensity" in r for r in pg.rt.reports)
    assert pg.rt.result(pg.keeper) == "shutdown"        # it exited with shutdown
    crash(pg, "w2")                                     # a click now changes nothing
    assert "not running" in pg.story[0]


def test_intensity_zero_gives_up_on_the_first_crash():
    """MaxR=0: no restart is allowed at all."""
    pg = SupervisorPlayground()
    pg.intensity.value = 0
    crash(pg, "w2")
    assert pg.gave_up


def test_waiting_lets_old_restarts_leave_the_window():
    """MaxR=1 in MaxT=1 s: two crashes 2 s apart are fine, two at once are not."""
    pg = SupervisorPlayground(intensity=1, period=1)
    crash(pg, "w1")
    pg.wait_button.click()
    pg.wait_button.click()
    assert pg.rt.now == 2.0
    crash(pg, "w1")
    assert not pg.gave_up
    # the restart at second 0 is forgotten, the one at second 2 counts
    assert "1 restart in the last 1 s (at t=2 s)" in pg.status.value
    assert "no more is allowed" in pg.status.value
    crash(pg, "w1")
    assert pg.gave_up


def test_changing_a_control_starts_a_fresh_runtime():
    """A new strategy or intensity means a new runtime at t=0 with the new flags."""
    pg = SupervisorPlayground()
    crash(pg, "w1")
    pg.wait_button.click()
    old = pg.rt
    pg.period.value = 7
    assert pg.rt is not old and pg.rt.now == 0.0
    assert pg.flags.period == 7 and not pg.gave_up
    assert states(pg) == ["running"] * 4
    pg.reset_button.click()
    assert pg.rt.reports == []


def test_report_log_shows_the_supervisor_reports():
    """The log shows the crash, child_terminated and child_restarted reports."""
    pg = SupervisorPlayground()
    crash(pg, "w2")
    for word in ("CRASH REPORT", "child_terminated", "child_restarted"):
        assert word in pg.log.value


def test_same_clicks_same_pictures():
    """The widget is deterministic: the same clicks give the same HTML, byte for byte."""
    def session():
        pg = SupervisorPlayground(strategy="rest_for_one")
        crash(pg, "w1")
        pg.wait_button.click()
        crash(pg, "w3")
        return pg.picture.value + pg.happened.value + pg.log.value + pg.status.value
    assert session() == session()


def test_status_says_the_restart_window_in_words():
    """The status line counts the restarts in the window and says how many are left."""
    pg = SupervisorPlayground(intensity=2, period=5)
    assert "No restarts in the last 5 s: 2 more are allowed" in pg.status.value
    crash(pg, "w1")
    assert "1 restart in the last 5 s (at t=0 s): 1 more is allowed" in pg.status.value
    crash(pg, "w2")
    assert "2 restarts in the last 5 s (all at t=0 s): no more is allowed" in pg.status.value
    crash(pg, "w3")
    assert "gave up" in pg.status.value


def test_saved_run_shows_what_the_clicks_did():
    """The saved run under the widget replays its clicks on a fresh playground: each
    click's story, and the tree (with new pids) after the first."""
    pg = SupervisorPlayground(strategy="one_for_all")
    text = pg.saved_run()
    assert text.count("<svg") == 1                       # one tree, after click 1
    assert "w3 was restarted as &lt;0.10.0&gt;" in text  # one_for_all renewed all three
    assert "the supervisor gave up" in text               # the 4th crash within MaxT
    assert pg.rt.now == 0.0 and not pg.gave_up            # the shown widget is untouched
    other = SupervisorPlayground(strategy="one_for_one").saved_run(("crash w2",))
    assert "w2 was restarted" in other and "w3 was restarted" not in other


def test_static_page_marks_the_controls_as_needing_a_kernel():
    """The widget carries the class the book's CSS greys out, and a note that only the
    book's CSS shows (hidden inline, so a live notebook does not show it)."""
    pg = SupervisorPlayground()
    assert "labrt-playground" in pg.widget._dom_classes
    assert pg.widget.children[0] is pg.note
    assert 'class="labrt-static-note" style="display:none"' in pg.note.value
    assert "need a running Python kernel" in pg.note.value
