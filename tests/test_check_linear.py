"""labrt.check: the linearizability checker on hand-made histories (textbook
cases), unknown and failed outcomes, the models, the shortest violation and
its drawings."""
import re

import pytest

from labrt.check import (
    Counter, History, KeyValue, ModelError, Register, SearchBudgetExceeded, Set, check,
    is_linearizable, search,
    shortest_prefix, svg_timeline, text_timeline,
)


def H(*specs):
    """A history from (client, f, value, start, end, result[, status]) tuples."""
    return History.from_ops(specs)


REG = Register(initial=0)

# Each case: (why, history, linearizable?)
REGISTER_CASES = [
    ("a read overlapping a write may see the new value",
     H(("a", "write", 1, 0, 3, None), ("b", "read", None, 1, 2, 1)), True),
    ("... or the old one",
     H(("a", "write", 1, 0, 3, None), ("b", "read", None, 1, 2, 0)), True),
    ("a read that begins after a write completed must see it (stale read)",
     H(("a", "write", 1, 0, 1, None), ("b", "read", None, 2, 3, 0)), False),
    ("a value nobody wrote cannot be read",
     H(("a", "write", 1, 0, 1, None), ("b", "read", None, 2, 3, 7)), False),
    ("new-old inversion: once a read saw the new value, a later read may not see "
     "the old one, even while the write is still running (sequentially consistent, "
     "not linearizable)",
     H(("a", "write", 1, 0, 10, None), ("b", "read", None, 1, 2, 1),
       ("c", "read", None, 3, 4, 0)), False),
    ("the same reads in the other order are fine: the write took effect between them",
     H(("a", "write", 1, 0, 10, None), ("b", "read", None, 1, 2, 0),
       ("c", "read", None, 3, 4, 1)), True),
    ("two concurrent writes may take effect in either order ...",
     H(("a", "write", 1, 0, 5, None), ("b", "write", 2, 0, 5, None),
       ("c", "read", None, 6, 7, 2)), True),
    ("... but after both completed the value is settled: 1 then 2 would need a third write",
     H(("a", "write", 1, 0, 5, None), ("b", "write", 2, 0, 5, None),
       ("c", "read", None, 6, 7, 1), ("d", "read", None, 8, 9, 2)), False),
    ("readers during two overlapping writes may see 1 then 2 ...",
     H(("a", "write", 1, 0, 10, None), ("b", "write", 2, 0, 10, None),
       ("c", "read", None, 1, 2, 1), ("d", "read", None, 3, 4, 2)), True),
    ("... but not 1, 2, 1: each write takes effect once",
     H(("a", "write", 1, 0, 10, None), ("b", "write", 2, 0, 10, None),
       ("c", "read", None, 1, 2, 1), ("d", "read", None, 3, 4, 2),
       ("c", "read", None, 5, 6, 1)), False),
    ("a successful cas swaps the value",
     H(("a", "cas", [0, 5], 0, 1, True), ("b", "read", None, 2, 3, 5)), True),
    ("two sequential cas(0, 1) cannot both succeed",
     H(("a", "cas", [0, 1], 0, 1, True), ("b", "cas", [0, 1], 2, 3, True)), False),
    ("a cas that reported a mismatch saw another value",
     H(("a", "write", 2, 0, 1, None), ("b", "cas", [2, 3], 2, 3, False)), False),
    ("a mismatching cas after the value changed is fine",
     H(("a", "write", 2, 0, 1, None), ("b", "cas", [0, 3], 2, 3, False),
       ("c", "read", None, 4, 5, 2)), True),
    ("the empty history is linearizable", H(), True),
]


@pytest.mark.parametrize("why, history, expected", REGISTER_CASES,
                         ids=[c[0][:50] for c in REGISTER_CASES])
def test_register_textbook_cases(why, history, expected):
    """Known linearizable and non-linearizable register histories."""
    assert bool(check(history, REG)) is expected, why


UNKNOWN_CASES = [
    ("a timed-out write may take effect long after the timeout",
     H(("a", "write", 1, 0, 1, "timeout", "info"), ("b", "read", None, 5, 6, 1)), True),
    ("... or never",
     H(("a", "write", 1, 0, 1, "timeout", "info"), ("b", "read", None, 5, 6, 0)), True),
    ("... or in between two reads",
     H(("a", "write", 1, 0, 1, None, "info"), ("b", "read", None, 5, 6, 0),
       ("b", "read", None, 7, 8, 1)), True),
    ("but once seen it cannot be undone",
     H(("a", "write", 1, 0, 1, None, "info"), ("b", "read", None, 5, 6, 1),
       ("b", "read", None, 7, 8, 0)), False),
    ("it cannot take effect before it was invoked",
     H(("b", "read", None, 0, 1, 1), ("a", "write", 1, 2, 3, None, "info")), False),
    ("an operation never completed counts as unknown",
     H(("a", "write", 1, 0, None, None, None), ("b", "read", None, 5, 6, 1)), True),
    ("a failed write did not happen, so nobody can read it",
     H(("a", "write", 1, 0, 1, "refused", "fail"), ("b", "read", None, 2, 3, 1)), False),
    ("a failed write constrains nothing else",
     H(("a", "write", 1, 0, 1, "refused", "fail"), ("b", "read", None, 2, 3, 0)), True),
    ("a client may go on after a timeout; its unknown write floats",
     H(("a", "write", 1, 0, 1, None, "info"), ("a", "write", 2, 2, 3, None),
       ("b", "read", None, 4, 5, 1)), True),
    ("an unknown cas can only apply where it matches",
     H(("a", "write", 2, 0, 1, None), ("b", "cas", [0, 9], 2, 3, None, "info"),
       ("c", "read", None, 4, 5, 9)), False),
    ("an unknown read constrains nothing",
     H(("a", "write", 1, 0, 1, None), ("b", "read", None, 2, 3, None, "info")), True),
]


@pytest.mark.parametrize("why, history, expected", UNKNOWN_CASES,
                         ids=[c[0][:50] for c in UNKNOWN_CASES])
def test_unknown_and_failed_outcomes(why, history, expected):
    """info ops may happen any time after invocation or never; failed ops never."""
    assert bool(check(history, REG)) is expected, why


def test_set_cases():
    """A set: an acknowledged add must be in every read that begins after it."""
    S = Set()
    assert check(H(("a", "add", 1, 0, 2, None), ("b", "read", None, 1, 3, [])), S)
    assert not check(H(("a", "add", 1, 0, 1, None), ("b", "read", None, 2, 3, [])), S)
    assert check(H(("a", "add", 1, 0, 1, None), ("a", "add", 2, 2, 3, None),
                   ("b", "read", None, 4, 5, [2, 1])), S)
    assert check(H(("a", "add", 1, 0, 1, None, "info"), ("b", "read", None, 4, 5, [1])), S)
    assert not check(H(("b", "read", None, 0, 1, [1]), ("b", "read", None, 2, 3, []),
                       ("a", "add", 1, 0, 3, None)), S)


def test_counter_cases():
    """A counter: reads see the sum of the increments that took effect."""
    C = Counter()
    assert check(H(("a", "incr", None, 0, 2, None), ("b", "incr", 2, 0, 2, None),
                   ("c", "read", None, 1, 3, 2)), C)
    assert not check(H(("a", "incr", None, 0, 1, None), ("c", "read", None, 2, 3, 0)), C)
    assert check(H(("a", "incr", 5, 0, 1, None, "info"), ("c", "read", None, 2, 3, 5)), C)
    with pytest.raises(ModelError, match="incr takes a number, got 'x'"):
        check(H(("a", "incr", "x", 0, 1, None)), C)


def test_key_value_is_checked_key_by_key():
    """A map is split by key: a violation on one key is found and named."""
    KV = KeyValue(initial=0)
    h = H(("a", "put", ["x", 1], 0, 1, None), ("b", "get", "y", 2, 3, 0),
          ("c", "put", ["y", 2], 0, 1, None), ("a", "get", "x", 2, 3, 1))
    r = check(h, KV)
    assert not r and r.key == "y" and r.parts == 2
    h2 = H(("a", "put", ["x", 1], 0, 1, None), ("b", "get", "y", 2, 3, 0),
           ("a", "get", "x", 2, 3, 1))
    r2 = check(h2, KV)
    assert r2 and r2.parts == 2
    assert sorted(r2.order) == [0, 1, 2]      # the witness order uses the whole history's ids


def test_witness_order_is_a_valid_linearization():
    """When linearizable, Result.order replays legally in real-time order."""
    h = H(("a", "write", 1, 0, 10, None), ("b", "read", None, 1, 2, 0),
          ("c", "read", None, 3, 4, 1), ("d", "write", 2, 11, 12, None))
    r = check(h, REG)
    assert r.order == [1, 0, 2, 3]
    sub = h.subset([0, 2, 3])                  # a sub-history keeps its own ids
    assert check(sub, REG).order == [0, 1, 2]


def test_model_rejects_unknown_operations_clearly():
    """An operation the model does not know raises ModelError naming it."""
    with pytest.raises(ModelError, match="a register has no operation 'put'; it knows read, write, cas"):
        check(H(("a", "put", ["k", 1], 0, 1, None)), REG)
    with pytest.raises(ModelError, match=r"cas takes \[old, new\], got 3"):
        check(H(("a", "cas", 3, 0, 1, True)), REG)
    with pytest.raises(ModelError, match="a set's read returns a list, got 3"):
        check(H(("a", "read", None, 0, 1, 3)), Set())


def test_search_budget_gives_up_with_none_or_an_exact_error():
    """With a tiny step budget the search answers None and check raises SearchBudgetExceeded."""
    h = H(*[(f"c{i}", "write", i, 0, 10, None) for i in range(6)], ("z", "read", None, 11, 12, 99))
    assert search(h, REG, budget=5)[0] is None
    assert search(h, REG)[0] is False
    with pytest.raises(SearchBudgetExceeded, match=r"gave up after \d+ search steps "
                       r"\(the budget is 5\): too many overlapping operations"):
        check(h, REG, budget=5)
    with pytest.raises(SearchBudgetExceeded):
        is_linearizable(h, REG, budget=5)
    assert not check(h, REG, budget=10_000)


# -- the shortest violation -----------------------------------------------------------

STALE = H(("a", "write", 1, 0, 1, None), ("b", "read", None, 1.5, 2.5, 1),
          ("a", "write", 2, 2, 3, None), ("b", "read", None, 3, 3.5, 2),
          ("c", "read", None, 4, 5, 1), ("a", "write", 3, 6, 7, None),
          ("b", "read", None, 8, 9, 3))


def test_stale_read_evidence_keeps_where_the_value_came_from():
    """A stale read is shown with the write it saw and the write that replaced it."""
    r = check(STALE, REG)
    assert not r and r.stale
    assert [str(op) for op in r.violation] == ["write(1)", "write(2)", "read() -> 1"]
    assert r.violation[r.culprit].f == "read" and r.violation.origin == [0, 2, 4]


def test_impossible_value_evidence_is_just_the_read():
    """A value no write could have produced is shown alone."""
    h = H(("a", "write", 1, 0, 1, None), ("b", "read", None, 2, 3, 1),
          ("c", "read", None, 4, 5, 42), ("a", "write", 5, 6, 7, None))
    r = check(h, REG)
    assert not r.stale and [str(op) for op in r.violation] == ["read() -> 42"]


def test_shortest_prefix_ends_at_the_culprits_completion():
    """The failing prefix is the first events up to the culprit's completion."""
    n = shortest_prefix(STALE, REG)
    kind, op = STALE.events()[n - 1]
    assert (kind, op.id) == ("ok", 4)
    assert is_linearizable(STALE.prefix(n - 1), REG)
    assert not is_linearizable(STALE.prefix(n), REG)


def test_new_old_inversion_evidence_has_all_three():
    """The inversion needs the write and both reads; nothing can be dropped."""
    h = REGISTER_CASES[4][1]
    r = check(h, REG)
    assert len(r.violation) == 3 and r.violation[r.culprit].result == 0
    # the write is still running at the cut: drawn open-ended, listed as "not yet"
    assert r.violation[0].status is None and "0        not yet" in r.text()


def test_a_failure_that_makes_the_history_impossible_is_the_culprit():
    """When only a failed op could explain a read, the failure is what is marked."""
    h = H(("a", "write", 1, 0, 5, "refused", "fail"), ("b", "read", None, 1, 2, 1))
    r = check(h, REG)
    assert r.violation[r.culprit].status == "fail" and len(r.violation) == 2
    assert r.explain() == (
        "Not linearizable: client 'a' was told write failed, but if it did not happen, "
        "no order of the others explains what they saw. The shortest violating "
        "sub-history has 2 operations.")
    assert "<-- its failure is impossible" in r.text()


def test_evidence_is_deterministic():
    """Checking the same history twice gives the same evidence, text and SVG bytes."""
    a, b = check(STALE, REG), check(History.loads(STALE.dumps()), REG)
    assert a.violation.dumps() == b.violation.dumps() and a.culprit == b.culprit
    assert a.text() == b.text() and a.svg() == b.svg()


def test_shrink_false_reports_the_failing_part():
    """check(..., shrink=False) skips the minimisation."""
    r = check(STALE, REG, shrink=False)
    assert not r and r.violation is STALE


def test_explanation_wording():
    """The explanation names the operation, the client and the kind of failure."""
    r = check(STALE, REG)
    assert r.explain() == (
        "Not linearizable: read() -> 1 by client 'c' cannot be placed; its result was "
        "out of date: it could have happened earlier, but not between its invocation "
        "and completion. The shortest violating sub-history has 3 operations.")
    assert check(H(), REG).explain().startswith("Linearizable: the 0 operations")


# -- drawings --------------------------------------------------------------------------

def test_text_timeline_exact():
    """The text timeline: one row per client, bars in event order, the culprit marked."""
    r = check(STALE, REG)
    assert r.text().split("\n\n", 1)[1] == (
        "a  [0:write(1)--] [1:write(2)--]\n"
        "c                                [2:read() -> 1--]  <-- cannot be placed\n"
        "\n"
        "op  client  operation    invoked  completed\n"
        "0   a       write(1)     0        1\n"
        "1   a       write(2)     2        3\n"
        "2   c       read() -> 1  4        5   <-- cannot be placed")


def test_text_timeline_unknown_ops_run_to_the_edge_in_their_own_lane():
    """An info op has no end ('~...?') and later ops of its client get a new lane."""
    h = H(("a", "write", 1, 0, 1, "timeout", "info"), ("a", "write", 2, 2, 3, None),
          ("b", "read", None, 4, 5, 1))
    text = text_timeline(h)
    rows = text.split("\n")
    assert rows[0].startswith("a  [0:write(1) -> ?~") and rows[0].endswith("?")
    assert rows[1].startswith("   ") and "[1:write(2)--]" in rows[1]
    assert "0   a       write(1) -> ?  0        1 (unknown)" in text


def test_svg_timeline_is_phone_readable_and_deterministic():
    """SVG: fixed pixel width (scrolls, never shrinks), text >= 11 px, escaped, stable."""
    h = H(("<a&b>", "write", "x<y", 0, 1, None), ("b", "read", None, 2, 3, "q"))
    svg = svg_timeline(h, mark=1, title="t")
    assert svg == svg_timeline(h, mark=1, title="t")
    head = svg.split("\n", 1)[0]
    text = re.search(r'width="([\d.]+)"', head).group(1)
    assert float(text) >= 320 and f"min-width:{text}px" in head
    assert "100%" not in head
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 11
    assert "&lt;a&amp;b&gt;" in svg and "<a&b>" not in svg
    assert "cannot be placed" in svg and "#c62828" in svg


def test_svg_width_grows_with_the_history():
    """A longer history gives a wider SVG (horizontal scroll), not smaller text."""
    short = svg_timeline(H(("a", "write", 1, 0, 1, None)))
    specs = [("a", "write", i, 2 * i, 2 * i + 1, None) for i in range(30)]
    long = svg_timeline(H(*specs))
    w = lambda s: float(re.search(r'width="([\d.]+)"', s).group(1))
    assert w(long) > 5 * w(short)


def test_result_html_wraps_svg_in_a_scroller():
    """In a notebook a failing Result shows its explanation and a scrollable SVG."""
    html = check(STALE, REG)._repr_html_()
    assert html.startswith("<p>Not linearizable") and "overflow-x:auto" in html and "<svg" in html


def test_design_note_worked_example_prints_what_the_note_says(capsys):
    """The worked example in notes/labrt-check.md runs and prints its stated output."""
    from pathlib import Path
    note = (Path(__file__).resolve().parent.parent / "notes" / "labrt-check.md").read_text()
    part = note.split("## Worked example", 1)[1]
    blocks = re.findall(r"```(?:python)?\n(.*?)```", part, re.S)
    code, expected = blocks[0], blocks[1]
    exec(compile(code, "labrt-check.md", "exec"), {})
    assert capsys.readouterr().out == expected
