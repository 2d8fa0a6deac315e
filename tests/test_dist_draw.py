"""Pictures of several nodes: sequence diagrams with a band per node (remote messages,
lost messages, partitions, crashes, nodedown) and the cluster picture. No browser: the
SVG is parsed and its structure asserted (which groups, where, in what order)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import labrt
from labrt import receive, register, send, sleep, trap_exit
from labrt.draw.seqdiagram import MIN_READABLE_PX
from labrt.dist import FaultSchedule, Heal, Partition, World, draw
from labrt.trace import Trace

SVG = "{http://www.w3.org/2000/svg}"
NODES = ("a@h", "b@h", "c@h")


async def echo():
    register("echo", labrt.self())
    while True:
        m = await receive()
        if isinstance(m, tuple) and m[0] == "ping":
            send(m[1], ("pong", m[2]))


async def client(n):
    trap_exit(True)
    for i in range(n):
        send(("echo", "b@h"), ("ping", labrt.self(), i))
        await receive(timeout=1.0)               # a reply, or TIMEOUT
        await sleep(1.0)


def partition_run(seed=1, crash=False, sides=(("a@h",), ("b@h", "c@h"))):
    """Three nodes; a@h pings b@h once a second; a@h is cut off from 2.5 s to 6 s."""
    w = World(seed=seed, latency=0.01, tick=2.0, reports=None)
    a, b, c = (w.node(n) for n in NODES)
    b.spawn(echo)
    c.spawn(echo)
    a.spawn(client, 6)
    faults = [(2.5, Partition(*sides)), (6.0, Heal())]
    if crash:
        from labrt.dist import Crash, Restart
        faults += [(6.5, Crash("c@h")), (7.5, Restart("c@h"))]
    w.apply(FaultSchedule(faults))
    w.run_until(10)
    return w


def groups(svg, attr="data-kind"):
    root = ET.fromstring(svg)
    return [g for g in root.iter(SVG + "g") if g.get(attr)]


def texts(g):
    return "".join(t.text or "" for t in g.iter(SVG + "text"))


def rects(svg, attr):
    return [r for r in ET.fromstring(svg).iter(SVG + "rect") if r.get(attr) is not None]


def lifelines(svg):
    out = {}
    for line in ET.fromstring(svg).iter(SVG + "line"):
        if line.get("data-lifeline"):
            out.setdefault(line.get("data-lifeline"), []).append(
                (float(line.get("x1")), float(line.get("y1")), float(line.get("y2"))))
    return out


def band_ranges(svg):
    return {r.get("data-band"): (float(r.get("x")), float(r.get("x")) + float(r.get("width")))
            for r in rects(svg, "data-band")}


def y_of(g):
    """The height at which a row's group is drawn (its first line or circle)."""
    for el in g:
        if el.tag == SVG + "line":
            return float(el.get("y1"))
    raise AssertionError("no line in the group")


@pytest.fixture(scope="module")
def run():
    return partition_run()


@pytest.fixture(scope="module")
def chart(run):
    return draw.sequence_diagram(run, title="Three nodes, a partition")


def test_one_node_trace_gets_no_bands():
    """A trace of one runtime draws no band, no key and no remote marks (as before)."""
    rt = labrt.Runtime(reports=None)
    rt.spawn(echo)
    rt.run()
    svg = rt.trace.sequence_diagram().svg
    assert "data-band" not in svg and "data-legend" not in svg and "data-remote" not in svg


def test_lifelines_are_grouped_in_a_labelled_band_per_node(chart):
    """Three bands in node order, named by node, each holding its nodes' lifelines."""
    bands = band_ranges(chart.svg)
    assert list(bands) == list(NODES)
    xs = [lo for lo, _ in bands.values()]
    assert xs == sorted(xs)
    for key, pieces in lifelines(chart.svg).items():
        m = re.match(r"<(\d+)\.", key)
        if m:
            lo, hi = bands[NODES[int(m.group(1))]]
            assert all(lo < x < hi for x, _, _ in pieces), key
    band_names = [t.text for t in ET.fromstring(chart.svg).iter(SVG + "text")]
    assert all(n in band_names for n in NODES)


def test_messages_between_nodes_are_marked(chart):
    """Sends from a@h to b@h are drawn remote (teal, a ring in the gap); receives are not."""
    sends = [g for g in groups(chart.svg) if g.get("data-kind") == "send"]
    remote = [g for g in sends if g.get("data-remote") == "1"]
    assert len(remote) >= 6
    for g in remote:
        assert any(c.tag == SVG + "circle" and c.get("fill") == "#ffffff" for c in g)
    assert not any(g.get("data-remote") for g in groups(chart.svg)
                   if g.get("data-kind") == "receive")


def test_a_lost_message_is_an_arrow_ending_in_a_cross(run, chart):
    """The two pings sent while a@h was cut off end in a cross before b@h's band, labelled lost."""
    lost = [g for g in groups(chart.svg)
            if g.get("data-kind") == "send" and "(lost)" in texts(g)]
    assert [texts(g) for g in lost] == ["('ping', <0.1.0>, 3) (lost)",
                                        "('ping', <0.1.0>, 4) (lost)"]
    b_left = band_ranges(chart.svg)["b@h"][0]
    for g in lost:
        crosses = [p for p in g.iter(SVG + "path") if p.get("data-mark") == "cross"]
        assert len(crosses) == 1
        x = float(re.match(r"M([\d.]+)", crosses[0].get("d")).group(1))
        assert x < b_left
    # matched to its send, a lost event has no row of its own
    assert not [g for g in groups(chart.svg) if g.get("data-kind") == "lost"]
    assert len([e for e in run.trace if e.kind == "lost"]) == 2


def test_a_partition_is_a_shaded_period_in_the_gap(chart):
    """A hatched wall stands between a@h and b@h (not between b@h and c@h: same side)
    from the partition's row to the heal's row."""
    walls = rects(chart.svg, "data-partition")
    assert [w.get("data-partition") for w in walls] == ["0"]
    bands = band_ranges(chart.svg)
    first = [w for w in walls if w.get("data-partition") == "0"][0]
    x = float(first.get("x")) + float(first.get("width")) / 2
    assert bands["a@h"][1] < x < bands["b@h"][0]
    faults = [g for g in groups(chart.svg) if g.get("data-kind") == "fault"]
    assert [texts(g) for g in faults] == ["partition a@h | b@h, c@h", "heal: every link mended"]
    top, height = float(first.get("y")), float(first.get("height"))
    assert top == y_of(faults[0]) and top + height == y_of(faults[1])


@pytest.mark.parametrize("sides, gaps", [
    ((("a@h", "b@h"), ("c@h",)), ["1"]),
    ((("a@h", "c@h"), ("b@h",)), ["0", "1"]),
    ((("a@h",), ("c@h",)), ["1"]),
])
def test_walls_stand_only_between_the_sides(sides, gaps):
    """A wall is drawn in a gap between bands on opposite sides, never between one side."""
    svg = draw.sequence_diagram(partition_run(sides=sides)).svg
    assert sorted(w.get("data-partition") for w in rects(svg, "data-partition")) == gaps


def test_nodedown_and_noconnection_are_visible():
    """The connection loss is a row of its own; noconnection comes from the band's edge."""
    w = World(seed=3, latency=0.01, tick=1.0, reports=None)
    a, b = w.node("a@h"), w.node("b@h")

    async def server():
        await receive()

    async def linker():
        trap_exit(True)
        labrt.link(labrt.spawn(server, node="b@h"))
        await receive()

    a.spawn(linker)
    w.apply(FaultSchedule([(1.0, Partition(("a@h",), ("b@h",)))]))
    w.run_until(5)
    svg = draw.sequence_diagram(w).svg
    down = [g for g in groups(svg) if g.get("data-kind") == "nodedown"]
    assert [texts(g) for g in down] == ["a@h \u2013 b@h connection down (net_tick_timeout)"]
    signals = [g for g in groups(svg) if g.get("data-kind") == "exit_signal"]
    assert {texts(g) for g in signals} == {"exit signal: noconnection"}
    bands = band_ranges(svg)
    for g in signals:
        start = float(g.find(SVG + "rect").get("x")) + 3
        assert any(abs(start - edge) <= 4 for lo, hi in bands.values() for edge in (lo, hi))


def test_a_crash_shades_the_node_and_ends_its_lifelines():
    """c@h's band is hatched from its crash to its restart; its echo's lifeline stops there."""
    svg = draw.sequence_diagram(partition_run(crash=True)).svg
    downs = rects(svg, "data-down")
    assert [d.get("data-down") for d in downs] == ["c@h"]
    faults = {texts(g): y_of(g) for g in groups(svg) if g.get("data-kind") == "fault"}
    top = float(downs[0].get("y"))
    assert top == faults["c@h crashes"]
    assert top + float(downs[0].get("height")) == faults["c@h restarts"]
    pieces = lifelines(svg)["<2.1.0>"]
    assert max(y2 for _, _, y2 in pieces) == top


def test_a_three_node_chart_scrolls_on_a_phone_instead_of_shrinking(chart):
    """Text is never under 12 units, the min-width keeps it >= 11 px, and it is wider than a
    390 px phone, so its box scrolls."""
    root = ET.fromstring(chart.svg)
    sizes = {float(el.get("font-size")) for el in root.iter() if el.get("font-size")}
    assert min(sizes) >= 12
    style = root.get("style")
    least = float(re.search(r"min-width:([\d.]+)px", style).group(1))
    width = float(root.get("viewBox").split()[2])
    assert least * 12 / width >= MIN_READABLE_PX - 0.01
    assert least > 390
    assert 'overflow-x:auto' in chart._repr_html_()


def test_same_seed_same_picture_and_its_structure():
    """Two runs with seed 1 draw the same bytes; the rows are the ones expected, in order."""
    one, two = draw.sequence_diagram(partition_run()), draw.sequence_diagram(partition_run())
    assert one.svg == two.svg
    kinds = [g.get("data-kind") for g in groups(one.svg)]
    assert kinds.count("nodeup") == 2 and kinds.count("nodedown") == 1
    assert kinds.index("fault") < kinds.index("nodedown") < len(kinds) - kinds[::-1].index("fault")
    legend = groups(one.svg, "data-legend")[0]
    assert texts(legend) == ("message between nodesmessage lostpartition (links cut)"
                             "connection lost")
    assert "Nodes: a@h (1 lifeline), b@h (1 lifeline), c@h (1 lifeline)" in one.description


def test_a_trace_read_back_draws_the_same(run, chart):
    """A trace saved as JSON lines and read back draws the same chart, given the node names."""
    back = Trace.from_jsonl(run.trace.to_jsonl())
    again = back.sequence_diagram(title="Three nodes, a partition", nodes=list(run.nodes))
    assert again.svg == chart.svg


def test_without_names_the_bands_are_numbered(run):
    """With no names to go by, a band is called "node 1"."""
    svg = run.trace.sequence_diagram().svg
    assert list(band_ranges(svg)) == ["node 0", "node 1", "node 2"]


# ---------------------------------------------------------------------------
# The cluster picture

def test_cluster_shows_links_as_the_network_has_them():
    """Up, then partitioned but not noticed, then noticed; a crashed node has no links."""
    w = World(seed=1, latency=0.01, tick=2.0, reports=None)
    for n in NODES:
        w.node(n)
    w["b@h"].spawn(echo)
    w["a@h"].spawn(client, 3)
    w.run_until(1.0)
    st = draw.snapshot(w)
    assert [(l.a, l.b, l.state) for l in st.links] == [("a@h", "b@h", "up")]
    assert st.node("b@h").processes[0][1] == "echo"
    w.partition(["a@h"])
    st = draw.snapshot(w)
    link = st.link("a@h", "b@h")
    assert (link.state, link.noticed) == ("partitioned", False)
    w.run_for(3.0)
    assert draw.snapshot(w).link("a@h", "b@h").noticed
    w.heal()
    w.crash("b@h")
    w.run_for(1.0)
    st = draw.snapshot(w)
    assert not st.node("b@h").up and st.node("b@h").processes == ()
    assert st.link("a@h", "b@h") is None


def test_cluster_svg_structure_and_phone_rule():
    """A node group per node (up or not), a link group per link with its state, the names
    of registered processes in the boxes, the min-width rule, deterministic bytes."""
    w = World(seed=1, latency=0.01, tick=2.0, reports=None)
    for n in NODES:
        w.node(n)
    w["b@h"].spawn(echo)
    w["a@h"].spawn(client, 3)
    w.run_until(1.0)
    w.partition(["a@h"], ["b@h"], oneway=True)
    w.crash("c@h")
    pic = draw.cluster(w)
    root = ET.fromstring(pic.svg)
    nodes = {g.get("data-node"): g.get("data-up") for g in root.iter(SVG + "g")
             if g.get("data-node")}
    assert nodes == {"a@h": "1", "b@h": "1", "c@h": "0"}
    links = {g.get("data-link"): g.get("data-state") for g in root.iter(SVG + "g")
             if g.get("data-link")}
    assert links == {"a@h b@h": "oneway"}
    box = [g for g in root.iter(SVG + "g") if g.get("data-node") == "b@h"][0]
    assert "echo" in [t.text for t in box.iter(SVG + "tspan")]
    assert "a@h \u2192 b@h cut (one way)" in pic.description
    least = float(re.search(r"min-width:([\d.]+)px", root.get("style")).group(1))
    assert least * 12 / float(root.get("viewBox").split()[2]) >= MIN_READABLE_PX - 0.01
    assert pic.svg == draw.cluster(w).svg
    assert pic._repr_html_().startswith('<div class="labrt-diagram"')


def test_the_notes_examples_draw_what_they_say():
    """The two examples of notes/labrt-dist-draw.md run, and their pictures' text
    alternatives say what the note quotes."""
    import pathlib
    note = (pathlib.Path(__file__).parent.parent / "notes" / "labrt-dist-draw.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", note, re.S)
    first, second = {}, {}
    exec(blocks[0].replace("\ndraw.sequence_diagram(", "\nchart = draw.sequence_diagram("), first)
    exec(blocks[1], second)
    flat = " ".join(note.split())
    tail = first["chart"].summary.split(". Nodes: ", 1)[1]
    assert f"*Nodes: {tail}*" in flat
    assert "(lost)" in first["chart"].svg
    for pic in (second["before"], second["after"]):
        assert f"*{pic.summary}*" in flat


def test_a_crowded_cluster_counts_its_connections_and_draws_its_cuts():
    """With more than ten nodes only cut links are drawn; the connections up are counted."""
    w = World(seed=1, reports=None)
    names = [f"n{i}@h" for i in range(12)]

    async def hello():
        for n in names:
            send(("nobody", n), "hi")             # contact: a connection to each node

    for n in names:
        w.node(n)
    w["n0@h"].spawn(hello)
    w.run_until(1.0)
    w.partition(["n0@h"], ["n1@h"])
    pic = draw.cluster(w)
    drawn = [g.get("data-state") for g in groups(pic.svg, "data-link")]
    assert drawn == ["partitioned"]
    up = sum(link.state == "up" for link in pic.state.links)
    assert up == 12 * 11 // 2 - 1
    assert f"{up} connections up" in pic.svg and f"Links: {up} connections up" in pic.description


def test_a_lost_message_to_a_name_on_a_down_node_ends_in_a_cross():
    """A send to ("kv", node) while that node is down is lost at once: a short arrow
    beside the sender, ending in a cross, labelled lost (not "looked up on arrival")."""
    w = World(seed=1, latency=0.01, reports=None)
    a, b = w.node("a@h"), w.node("b@h")

    async def sender():
        send(("kv", "b@h"), "hello")

    w.crash("b@h")
    a.spawn(sender)
    w.run()
    chart = draw.sequence_diagram(w)
    sends = [g for g in groups(chart.svg) if g.get("data-kind") == "send"]
    assert [texts(g) for g in sends] == ["'hello' (lost)"]
    assert [p.get("data-mark") for p in sends[0].iter(SVG + "path")] == ["cross"]
