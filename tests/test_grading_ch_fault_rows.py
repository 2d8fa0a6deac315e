"""The one converter from a check's fault rows to a labrt.dist.FaultSchedule
(checks/_faults.fault_schedule, also importable from checks._kit), used by chapters 8,
10, 11 and 12: every kind those chapters write, the t0 offset, lists of nodes, and a
clear error for a bad row."""
from __future__ import annotations

import pytest

from labrt.dist import Crash, Drop, FaultSchedule, Heal, Partition, Restart, Slow
from labrt.grading.checks._faults import BadFaultRow, fault_rows, fault_schedule

A, B, C = "a@dc1", "b@dc1", "c@dc2"


def test_every_kind_becomes_its_fault():
    """Each kind of row becomes the labrt.dist fault of that kind, in time order."""
    rows = [[0, "crash", A], [5, "restart", A], [6, "partition", [A]],
            [7, "partition", [A], [B, C]], [8, "partition", [A], [B], "oneway"],
            [9, "heal"], [10, "drop", A, B, 0.5], [11, "slow", A, C, 0.8],
            [12, "unslow", A, C]]
    assert fault_rows(rows) == [
        (0.0, Crash(A)), (5.0, Restart(A)), (6.0, Partition((A,))),
        (7.0, Partition((A,), (B, C))), (8.0, Partition((A,), (B,), oneway=True)),
        (9.0, Heal()), (10.0, Drop(A, B, 0.5)), (11.0, Slow(A, C, 0.8)), (12.0, Slow(A, C, None))]
    assert isinstance(fault_schedule(rows), FaultSchedule)


def test_t0_shifts_every_row_and_a_list_of_nodes_is_one_fault_each():
    """t0 is added to every time; crash/restart of a list is one fault per node."""
    assert fault_rows([[1, "crash", [A, B]], [3, "restart", [A, B]]], t0=10.0) == [
        (11.0, Crash(A)), (11.0, Crash(B)), (13.0, Restart(A)), (13.0, Restart(B))]


def test_no_rows_is_an_empty_schedule():
    """An empty list of rows is a schedule with no faults."""
    assert fault_rows([]) == []


@pytest.mark.parametrize("row, says", [
    ([0, "explode", A], "unknown kind 'explode'"),
    ([0, "crash"], "0 arguments after the kind"),
    (["soon", "heal"], "the time 'soon' is not a number"),
    ([-1, "heal"], "the time -1 is not a number >= 0"),
    ([0, "crash", "a"], "'a' is not a node name"),
    ([0, "partition", [A], [A, B]], "on both sides"),
    ([0, "partition", [A], [B], "both"], "is not \"oneway\""),
    ([0, "drop", A, B, 2], "the share 2 is not a number from 0 to 1"),
    ([0, "slow", [A], B, 0.1], "a link is between two nodes"),
    ("crash a", "not a [time, kind, *args] row"),
])
def test_a_bad_row_is_named_with_what_a_row_looks_like(row, says):
    """A bad row raises BadFaultRow naming the row, the problem and the row's shape."""
    with pytest.raises(BadFaultRow) as err:
        fault_rows([[0, "heal"], row])
    text = str(err.value)
    assert text.startswith(f"fault row 1 {row!r}: "), text
    assert says in text, text
    assert "looks like" in text or "a row is [time, kind, *args]" in text, text


def test_a_bad_row_of_a_known_kind_shows_that_kind():
    """The message shows the shape of the row's own kind (here: drop)."""
    with pytest.raises(BadFaultRow, match=r'a drop row looks like \[t, "drop", node_a, node_b, share\]'):
        fault_rows([[0, "drop", A, B]])


def test_rows_that_are_not_a_list():
    """A schedule that is not a list of rows says so."""
    with pytest.raises(BadFaultRow, match="not a list of rows"):
        fault_rows("crash a at 0")
