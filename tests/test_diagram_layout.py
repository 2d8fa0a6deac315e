"""Layout of labrt's diagrams as the book shows them: labels get the room they need or are
abbreviated by their structure (never cut mid-word), and the SVG keeps a min-width so that
its text never shows under 11 px (the page scrolls instead). No browser: the SVG text is
read back; tests/browser checks the rendered pages."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from labrt.draw import svg as S
from labrt.draw.seqdiagram import MIN_READABLE_PX, abbreviate
from labrt.trace import Event, Trace

SVG = "{http://www.w3.org/2000/svg}"


class P:
    """A stand-in pid that prints like a real one."""

    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return f"<0.{self.n}.0>"

    def __eq__(self, other):
        return isinstance(other, P) and other.n == self.n

    def __hash__(self):
        return hash(self.n)


def make(rows):
    return Trace(Event(i, *row) for i, row in enumerate(rows))


def labels(svg, kind=None):
    root = ET.fromstring(svg)
    return [t.text for g in root.iter(SVG + "g")
            if g.get("data-kind") and (kind is None or g.get("data-kind") == kind)
            for t in g.iter(SVG + "text")]


GEN_CALL = "('$gen_call', (<0.3.0>, #Tag<2>), ('get', 'alice'))"


def test_abbreviate_keeps_text_that_fits():
    """Text that fits is returned as it is."""
    assert abbreviate(GEN_CALL, 1000) == GEN_CALL


def test_abbreviate_elides_the_deepest_then_largest_bracket_first():
    """The outer shape stays: the pid/tag pair goes before the request."""
    assert abbreviate(GEN_CALL, 220) == "('$gen_call', (\u2026), ('get', 'alice'))"
    reason = "(KeyError('alice'), ('gen_server', 'call', ('fragile', ('get', 'alice'))))"
    assert abbreviate(reason, 300) == "(KeyError('alice'), ('gen_server', 'call', (\u2026)))"


def test_abbreviate_never_cuts_words_outside_brackets_while_they_fit():
    """'exit signal: killed' is never shown as 'exit signal: kil…' when it has room."""
    text = "exit signal: killed"
    assert abbreviate(text, S.text_width(text, 12, True), bold=True) == text
    assert abbreviate(text, 60).endswith("\u2026")       # a last resort only


def test_long_labels_run_past_neighbouring_lifelines_whole():
    """A message wider than its arrow is drawn whole, and the chart widens for it."""
    t = make([(0.0, "send", P(1), P(2), ("$gen_call", ("<0.3.0>", "#Tag<2>"), ("get", "alice"))),
              (0.0, "exit_signal", P(2), P(1), "killed")])
    d = t.sequence_diagram()
    drawn = labels(d.svg)
    assert not [s for s in drawn if s.endswith("\u2026")]
    assert "exit signal: killed" in drawn
    width = float(ET.fromstring(d.svg).get("viewBox").split()[2])
    assert width >= S.text_width(drawn[0], 12)


def test_header_lines_fit_their_box():
    """A process header's function line ('gen_server:supervisor') is not cut."""
    t = make([(0.0, "spawn", None, P(1), "gen_server:supervisor"),
              (0.0, "send", None, P(1), "hello")])
    root = ET.fromstring(t.sequence_diagram().svg)
    headers = [t.text for g in root.iter(SVG + "g") if g.get("data-header")
               for t in g.iter(SVG + "text")]
    assert "gen_server:supervisor" in headers


def test_svg_keeps_a_readable_min_width():
    """The chart's style has a min-width at which its smallest text is 11 px."""
    t = make([(0.0, "send", P(1), P(2), "ping"), (0.0, "receive", P(2), None, "ping")])
    root = ET.fromstring(t.sequence_diagram().svg)
    width = float(root.get("viewBox").split()[2])
    style = dict(p.split(":") for p in root.get("style").split(";"))
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    least = float(style["min-width"].removesuffix("px"))
    assert least <= width == float(style["max-width"].removesuffix("px"))
    assert min(sizes) * least / width >= MIN_READABLE_PX - 0.05


def test_html_wraps_the_svg_in_a_scrolling_box():
    """Charts and trees are shown in a box that scrolls sideways (class labrt-diagram)."""
    t = make([(0.0, "send", P(1), P(2), "ping")])
    html = t.sequence_diagram()._repr_html_()
    assert re.match(r'<div class="labrt-diagram" style="[^"]*overflow-x:auto', html)
    from labrt.widgets import SupervisorPlayground
    tree = SupervisorPlayground().tree
    assert tree._repr_html_().startswith('<div class="labrt-diagram"')
    assert "min-width:" in ET.fromstring(tree.svg).get("style")


def test_layout_is_deterministic():
    """Same trace, same bytes, with the new label placement."""
    def draw():
        return make([(0.0, "send", P(1), P(2), GEN_CALL),
                     (0.5, "exit", P(2), None, "killed")]).sequence_diagram().svg
    assert draw() == draw()
