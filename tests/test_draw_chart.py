"""labrt.draw.chart: the book's charts as deterministic, accessible SVG."""
import re
import xml.etree.ElementTree as ET

import pytest

from labrt.draw import chart
from labrt.draw.chart import Chart
from labrt.draw.chart_render import nice_step, ticks

NS = "{http://www.w3.org/2000/svg}"


def _demo():
    c = Chart("Waits <over> a day & night", sharex=True)
    top = c.panel(ylabel="load", title="offered load")
    top.line([0, 6, 12, 18, 24], [0.2, 0.5, 1.3, 0.9, 0.3], colour="#1f6fb4", label="sale")
    top.hline(1.0, "capacity")
    top.span(10, 14, colour="#f3d6d3")
    top.vline(12, "the fault")
    low = c.panel(ylabel="wait (s)", ylog=True, xlabel="hour")
    low.points([0, 12, 24], [0.01, 30, 0.2], marker="v", label="longest wait")
    return c


def test_svg_parses_and_has_title_and_desc():
    """The SVG is well-formed XML with a <title> and a <desc> naming the series."""
    root = ET.fromstring(_demo().svg)
    assert root.find(NS + "title").text == "Waits <over> a day & night"
    desc = root.find(NS + "desc").text
    assert "sale" in desc and "longest wait" in desc
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 480 ")


def test_labels_are_escaped():
    """Markup in labels is escaped, never injected."""
    svg = _demo().svg
    assert "<over>" not in svg and "&lt;over&gt;" in svg and "&amp; night" in svg


def test_series_and_marks_present():
    """Lines become paths, points markers, spans and thresholds rects and dashed lines."""
    root = ET.fromstring(_demo().svg)
    texts = [t.text for t in root.iter(NS + "text")]
    assert "capacity" in texts and "the fault" in texts and "hour" in texts
    assert "sale" in texts and "longest wait" in texts            # legend
    assert any(p.get("stroke") == "#1f6fb4" for p in root.iter(NS + "path"))
    assert len([p for p in root.iter(NS + "polygon")]) >= 3       # 3 triangles (+ swatch)
    assert any(r.get("fill") == "#f3d6d3" for r in root.iter(NS + "rect"))


def test_log_ticks_are_powers_of_ten():
    """A log axis is labelled 0.01, 0.1, 1, 10, 100."""
    texts = [t.text for t in ET.fromstring(_demo().svg).iter(NS + "text")]
    for label in ("0.01", "0.1", "1", "10", "100"):
        assert label in texts


def test_shared_x_shows_ticks_once():
    """With sharex only the lowest panel writes its x tick labels."""
    texts = [t.text for t in ET.fromstring(_demo().svg).iter(NS + "text")]
    assert texts.count("20") == 1


def test_same_input_same_bytes():
    """Two charts of the same data are byte for byte the same."""
    assert _demo().svg == _demo().svg
    assert not re.search(r'id="', _demo().svg)


def test_nice_ticks():
    """Ticks are 1, 2 or 5 times a power of ten and cover the range."""
    assert nice_step(10) == 2 and nice_step(1.3) == 0.5 and nice_step(700) == 200
    assert ticks(0, 24) == [0, 5, 10, 15, 20]
    assert ticks(0, 1.3) == [0, 0.5, 1.0]


def test_fixed_ticks_and_two_line_labels():
    """Fixed tick labels are used as given, a newline making a second line."""
    c = Chart("states")
    c.panel().points([0, 1], [0, 10]).xticks([0, 1], ["start", "after m1\ndeposit 10"])
    texts = [t.text for t in ET.fromstring(c.svg).iter(NS + "text")]
    assert "start" in texts and "after m1" in texts and "deposit 10" in texts


def test_bars_grouped_and_stacked_with_values():
    """Bars draw one rect each; stacked bars sit on their bottoms; values are written."""
    c = Chart("bars")
    a, b = c.row((3, 1))
    a.bars([1, 2], [3, 4], width=0.4, colour="#111111", label="first")
    a.bars([1, 2], [1, 1], width=0.4, bottom=[3, 4], colour="#222222", label="top")
    b.bars([0, 1], [2.5, 0.5], colour=["#333333", "#444444"], values="{:.2f}")
    root = ET.fromstring(c.svg)
    fills = [r.get("fill") for r in root.iter(NS + "rect")]
    assert fills.count("#111111") == 2 + 1 and fills.count("#222222") == 2 + 1  # + swatch
    texts = [t.text for t in root.iter(NS + "text")]
    assert "2.50" in texts and "0.50" in texts


def test_histogram():
    """histogram counts values per bin, the last bin closed."""
    assert chart.edges(0, 1, 0.25) == [0, 0.25, 0.5, 0.75, 1.0]
    assert chart.histogram([0, 0.1, 0.3, 1.0, 2.0], [0, 0.25, 0.5, 0.75, 1.0]) == [2, 1, 0, 1]
    with pytest.raises(ValueError):
        chart.histogram([1], [0])


def test_empty_and_degenerate_data_draw():
    """No data, one value, NaN and non-positive values on a log axis still draw."""
    c = Chart("nothing yet")
    c.panel(ylabel="y")
    c.panel(ylog=True).line([0, 1, 2], [0, float("nan"), 5])
    c.panel().line([3, 3], [7, 7])
    root = ET.fromstring(c.svg)
    assert "no data" in root.find(NS + "desc").text


def test_bad_input_is_a_clear_error():
    """Mismatched lengths, a missing title or an unknown marker raise ValueError."""
    with pytest.raises(ValueError, match="2 x values but 1"):
        Chart("t").panel().line([1, 2], [1])
    with pytest.raises(ValueError):
        Chart("")
    with pytest.raises(ValueError, match="marker"):
        Chart("t").panel().points([1], [1], marker="*")


def test_displays_in_jupyter():
    """The chart shows as SVG, and as HTML in a sideways-scrolling box."""
    c = _demo()
    assert c._repr_svg_().startswith("<svg")
    assert 'overflow-x:auto' in c._repr_html_()


def test_side_by_side_widths_follow_ratios():
    """Panels of a row get plot areas whose widths follow the row's ratios."""
    c = Chart("ratios")
    a, b = c.row((3, 1))
    a.bars([1, 2], [1, 2])
    b.bars([1, 2], [1, 2])
    axes = [p.get("d") for p in ET.fromstring(c.svg).iter(NS + "path")
            if p.get("stroke") == "#888888"]
    widths = []
    for d in axes:
        left = float(re.match(r"M([\d.]+) ", d).group(1))
        right = float(re.search(r"H([\d.]+)$", d).group(1))
        widths.append(right - left)
    assert len(widths) == 2 and widths[0] > 2.5 * widths[1]
