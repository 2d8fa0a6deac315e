"""Tests for labrt.trace: filtering, listing, JSON lines and sequence diagrams.

Most tests build traces by hand from Event objects, with tiny stand-in pids,
so they check the trace module alone; the last ones trace a real run.
"""
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from labrt.trace import Event, Term, Trace, show

SVG = "{http://www.w3.org/2000/svg}"


class P:
    """A stand-in pid: prints like a real one."""

    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return f"<0.{self.n}.0>"

    def __eq__(self, other):
        return isinstance(other, P) and other.n == self.n

    def __hash__(self):
        return hash(self.n)


class Ref:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        return f"#Ref<0.0.0.{self.n}>"


@dataclass(frozen=True)
class Exit:
    pid: object
    reason: object


@dataclass(frozen=True)
class Down:
    ref: object
    pid: object
    reason: object


def make(rows):
    return Trace(Event(i, *row) for i, row in enumerate(rows))


def sample():
    """main spawns a pinger (registered) and a worker that crashes."""
    p1, p2, p3 = P(1), P(2), P(3)
    boom = ZeroDivisionError("division by zero")
    return make([
        (0.0, "spawn", None, p1, "main"),
        (0.0, "trap_exit", p1, None, True),
        (0.0, "spawn", p1, p2, "pinger"),
        (0.0, "register", p2, None, "pinger"),
        (0.0, "send", p1, p2, ("ping", p1)),
        (0.0, "receive", p2, None, ("ping", p1)),
        (0.5, "send", p2, p1, "pong"),
        (0.5, "receive", p1, None, "pong"),
        (0.5, "spawn", p1, p3, "worker"),
        (0.5, "link", p1, p3, None),
        (0.5, "monitor", p1, p3, Ref(1)),
        (1.0, "exit", p3, None, boom),
        (1.0, "exit_signal", p3, p1, boom),
        (1.0, "send", p3, p1, Exit(p3, boom)),
        (1.0, "send", p3, p1, Down(Ref(1), p3, boom)),
        (2.0, "timeout", p1, None, None),
        (2.0, "exit", p1, None, "normal"),
    ])


# -- the list itself ----------------------------------------------------------

def test_trace_is_a_plain_list_with_list_append():
    """Recording stays a bare list.append: Trace adds nothing to the hot path."""
    assert issubclass(Trace, list)
    assert Trace.append is list.append
    t = Trace()
    t.append(Event(0, 0.0, "exit", P(1), None, "normal"))
    assert t == [Event(0, 0.0, "exit", P(1), None, "normal")]


def test_event_fields_and_order():
    """Event keeps the contract's fields, in order, and is frozen."""
    assert [f for f in Event.__dataclass_fields__] == ["seq", "time", "kind", "pid", "other", "data"]
    e = Event(1, 0.5, "send", P(1), P(2), "hi")
    with pytest.raises(AttributeError):
        e.kind = "receive"


def test_slice_is_a_trace():
    """A slice of a trace is a Trace, so it can be drawn or filtered again."""
    t = sample()
    assert isinstance(t[2:5], Trace) and len(t[2:5]) == 3
    assert isinstance(t[0], Event)


# -- filter and kinds -----------------------------------------------------------

def test_filter_by_kind_str_and_set():
    """kind= takes one kind or a set of kinds."""
    t = sample()
    assert [e.seq for e in t.filter(kind="receive")] == [5, 7]
    assert [e.seq for e in t.filter(kind={"spawn", "exit"})] == [0, 2, 8, 11, 16]


def test_filter_unknown_kind_is_an_error():
    """A misspelt kind raises instead of silently matching nothing."""
    with pytest.raises(ValueError, match="sned"):
        sample().filter(kind="sned")


def test_filter_by_pid_involving_and_name():
    """pid= matches the actor; involving= the actor or the other; names resolve."""
    t = sample()
    assert [e.seq for e in t.filter(pid=P(2))] == [3, 5, 6]
    assert [e.seq for e in t.filter(pid="<0.2.0>")] == [3, 5, 6]
    assert [e.seq for e in t.filter(pid="pinger")] == [3, 5, 6]
    assert [e.seq for e in t.filter(involving=P(2))] == [2, 3, 4, 5, 6]
    assert [e.seq for e in t.filter(involving={P(2), P(3)}, kind="spawn")] == [2, 8]


def test_filter_by_time_and_predicate():
    """since/until are inclusive bounds; where= is any predicate."""
    t = sample()
    assert [e.seq for e in t.filter(since=0.5, until=1.0, kind="send")] == [6, 13, 14]
    assert [e.seq for e in t.filter(where=lambda e: e.pid is None)] == [0]
    assert isinstance(t.filter(), Trace) and t.filter() == t


def test_kinds_counts_in_first_seen_order():
    """kinds() counts events per kind, in order of first appearance."""
    k = sample().kinds()
    assert list(k)[:4] == ["spawn", "trap_exit", "register", "send"]
    assert k["send"] == 4 and k["spawn"] == 3 and k["monitor"] == 1


# -- text -------------------------------------------------------------------------

def test_lines_format():
    """The listing shows time, actor, kind and details, one event a line."""
    lines = sample().lines()
    assert lines[0] == "0.000  outside  spawn  -> <0.1.0> main"
    assert lines[2] == "0.000  <0.1.0>  spawn  -> <0.2.0> pinger"
    assert lines[4] == "0.000  <0.1.0>  send  -> <0.2.0> ('ping', <0.1.0>)"
    assert lines[11] == "1.000  <0.3.0>  exit  ZeroDivisionError('division by zero')"
    assert lines[15] == "2.000  <0.1.0>  timeout"
    assert lines[16] == "2.000  <0.1.0>  exit  normal"
    assert str(sample()) == "\n".join(lines)


def test_lines_cut_long_details():
    """Details longer than the limit end in an ellipsis."""
    t = make([(0.0, "send", P(1), P(2), "x" * 500)])
    assert len(t.lines()[0]) < 140 and t.lines()[0].endswith("\u2026")
    assert t.lines(limit=None)[0].endswith("x'")


def test_show_is_deterministic():
    """show() sorts sets and drops memory addresses."""
    class Thing:
        pass
    assert show({"b", "a", "c"}) == "{'a', 'b', 'c'}"
    assert show(frozenset({2, 1})) == "frozenset({1, 2})"
    assert " at 0x" not in show(Thing()) and show(Thing()).startswith("<")
    assert show(ZeroDivisionError("division by zero")) == "ZeroDivisionError('division by zero')"
    assert show(("shutdown", P(4))) == "('shutdown', <0.4.0>)"
    assert show(Exit(P(3), {"y", "x"})) == "Exit(pid=<0.3.0>, reason={'x', 'y'})"


def test_notebook_displays():
    """The HTML and pretty displays list the events, escaped."""
    t = sample()
    html = t._repr_html_()
    assert "<table" in html and "ZeroDivisionError(&#x27;division by zero&#x27;)" in html
    assert "&lt;0.1.0&gt;" in html

    class Printer:
        def __init__(self):
            self.out = []

        def text(self, s):
            self.out.append(s)
    p = Printer()
    t._repr_pretty_(p, False)
    assert p.out[0].startswith("Trace: 17 events") and "pinger" in p.out[0]


# -- JSON lines -------------------------------------------------------------------

def test_jsonl_values_are_repr_text():
    """Pids, messages and reasons are written as their printed text."""
    text = sample().to_jsonl()
    first, = [line for line in text.splitlines() if '"exit_signal"' in line]
    assert first == ('{"seq": 12, "time": 1.0, "kind": "exit_signal", "pid": "<0.3.0>", '
                     '"other": "<0.1.0>", "data": "ZeroDivisionError(\'division by zero\')"}')
    assert text.splitlines()[0] == ('{"seq": 0, "time": 0.0, "kind": "spawn", "pid": null, '
                                    '"other": "<0.1.0>", "data": "\'main\'"}')


def test_jsonl_round_trip_is_byte_identical(tmp_path):
    """Writing, reading back and writing again gives the same bytes."""
    t = sample()
    path = tmp_path / "trace.jsonl"
    t.to_jsonl(path)
    back = Trace.from_jsonl(path)
    assert len(back) == len(t)
    path2 = tmp_path / "again.jsonl"
    back.to_jsonl(str(path2))
    assert path.read_bytes() == path2.read_bytes()
    buf = io.StringIO()
    back.to_jsonl(buf)
    assert buf.getvalue().encode() == path.read_bytes()


def test_jsonl_read_back_values():
    """Literals come back as values, other things as Terms that print the same."""
    back = Trace.from_jsonl(sample().to_jsonl())
    assert back[0].pid is None and back[0].data == "main"
    assert back[4].data == ("ping", Term("<0.1.0>")) or isinstance(back[4].data, Term)
    assert back[1].data is True
    assert isinstance(back[11].data, Term) and repr(back[11].data) == "ZeroDivisionError('division by zero')"
    assert back.lines() == sample().lines()
    assert [e.seq for e in back.filter(pid="pinger")] == [3, 5, 6]


def test_jsonl_empty_trace():
    """An empty trace writes nothing and reads back empty."""
    assert Trace().to_jsonl() == ""
    assert Trace.from_jsonl("") == []


# -- sequence diagrams ---------------------------------------------------------------

def parse(svg):
    return ET.fromstring(svg)


def lifelines(root):
    return [el.get("data-lifeline") for el in root.iter(SVG + "line") if el.get("data-lifeline")]


def test_svg_is_well_formed_and_accessible():
    """The SVG parses as XML and carries title, desc, role and aria-label."""
    d = sample().sequence_diagram(title="A crash")
    root = parse(d.svg)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("aria-label").startswith("A crash.")
    assert root.get("width") == "100%" and re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.find(SVG + "title").text == "A crash"
    desc = root.find(SVG + "desc").text
    assert "17 events" in desc and "<0.3.0> exited with ZeroDivisionError" in desc
    assert d._repr_svg_() == d.svg


def test_one_lifeline_per_process():
    """Each process, and the outside, has exactly one lifeline and one header."""
    root = parse(sample().sequence_diagram().svg)
    assert lifelines(root) == ["outside", "<0.1.0>", "<0.2.0>", "<0.3.0>"]
    headers = [g.get("data-header") for g in root.iter(SVG + "g") if g.get("data-header")]
    assert headers == lifelines(root)


def test_every_event_drawn_with_full_text_tooltip():
    """Each event is a group whose <title> holds its full listing line."""
    t = sample()
    root = parse(t.sequence_diagram().svg)
    groups = [g for g in root.iter(SVG + "g") if g.get("data-kind")]
    assert [g.get("data-kind") for g in groups] == [e.kind for e in t]
    assert [g.find(SVG + "title").text for g in groups] == t.lines()


def test_header_shows_name_function_and_pid():
    """A header shows the registered or given name, the function and the pid."""
    root = parse(sample().sequence_diagram(names={P(3): "the worker"}).svg)
    texts = {g.get("data-header"): [t.text for t in g.iter(SVG + "text")]
             for g in root.iter(SVG + "g") if g.get("data-header")}
    assert texts["<0.2.0>"] == ["pinger", "<0.2.0>"]  # name == function: shown once
    assert texts["<0.3.0>"] == ["the worker", "worker", "<0.3.0>"]
    assert texts["outside"][0] == "outside"


def texts_of(svg, kind):
    root = parse(svg)
    return [" ".join(t.text for t in g.iter(SVG + "text"))
            for g in root.iter(SVG + "g") if g.get("data-kind") == kind]


def test_exit_and_down_messages_are_notifications():
    """Sends of Exit/Down objects are labelled EXIT/DOWN with the reason."""
    sends = texts_of(sample().sequence_diagram().svg, "send")
    assert sends[2:] == ["EXIT ZeroDivisionError", "DOWN ZeroDivisionError"]
    assert texts_of(sample().sequence_diagram().svg, "exit_signal") == [
        "exit signal: ZeroDivisionError"]


def test_abnormal_exit_is_red_and_bold_normal_is_grey():
    """An abnormal exit label is bold red; a normal one is plain grey."""
    root = parse(sample().sequence_diagram().svg)
    labels = [g.find(SVG + "text") for g in root.iter(SVG + "g") if g.get("data-kind") == "exit"]
    crash, normal = labels
    assert crash.get("font-weight") == "bold" and crash.get("fill") == "#c62828"
    assert normal.get("font-weight") is None and normal.get("fill") == "#666666"


def test_long_labels_are_truncated():
    """A long message is cut with an ellipsis; the tooltip keeps all of it."""
    long = "a very long message " * 20
    t = make([(0.0, "send", P(1), P(2), long), (0.0, "receive", P(2), None, long)])
    root = parse(t.sequence_diagram().svg)
    group = next(g for g in root.iter(SVG + "g") if g.get("data-kind") == "send")
    label = group.find(SVG + "text").text
    assert label.endswith("\u2026") and len(label) < 60
    assert long.strip() in group.find(SVG + "title").text


def test_processes_collapses_the_rest_into_others():
    """Pids not listed share one 'others' column; events among others are left out."""
    t = sample()
    d = t.sequence_diagram(processes=["pinger", P(1)])
    root = parse(d.svg)
    assert lifelines(root) == ["outside", "<0.2.0>", "<0.1.0>", "others"]
    kinds = [g.get("data-kind") for g in root.iter(SVG + "g") if g.get("data-kind")]
    assert "exit" in kinds and kinds.count("exit") == 1  # main's exit, not the worker's


def test_collapsed_pids_are_named_on_arrows():
    """An arrow into the 'others' column names the pid it goes to."""
    spawns = texts_of(sample().sequence_diagram(processes=[P(1)]).svg, "spawn")
    assert spawns[1:] == ["spawn (<0.2.0>)", "spawn (<0.3.0>)"]


def test_unknown_process_name_is_an_error():
    """processes= with a name nobody registered raises instead of drawing nothing."""
    with pytest.raises(ValueError, match="pnger"):
        sample().sequence_diagram(processes=["pnger"])


def test_names_by_registered_name():
    """names= keys may be registered names as well as pids."""
    root = parse(sample().sequence_diagram(names={"pinger": "Pinger"}).svg)
    header = next(g for g in root.iter(SVG + "g") if g.get("data-header") == "<0.2.0>")
    assert [t.text for t in header.iter(SVG + "text")] == ["Pinger", "pinger", "<0.2.0>"]


def test_save_refuses_raster_formats(tmp_path):
    """save() writes SVG only, and says so for a .png path."""
    with pytest.raises(ValueError, match="SVG"):
        sample().sequence_diagram().save(tmp_path / "d.png")


def test_outside_column_only_when_used():
    """With no event from outside the runtime there is no 'outside' column."""
    t = sample()[1:]
    assert "outside" not in lifelines(parse(t.sequence_diagram().svg))


def test_kinds_and_max_events():
    """kinds= picks what is drawn; max_events cuts the rest and says so."""
    d = sample().sequence_diagram(kinds={"spawn", "send"}, max_events=3)
    root = parse(d.svg)
    kinds = [g.get("data-kind") for g in root.iter(SVG + "g") if g.get("data-kind")]
    assert kinds == ["spawn", "spawn", "send"]
    assert "4 more events not shown" in d.svg


def test_diagram_is_deterministic(tmp_path):
    """The same trace, rebuilt from scratch, gives byte-identical SVG."""
    a = sample().sequence_diagram(title="t").svg
    b = sample().sequence_diagram(title="t").svg
    assert a == b
    path = tmp_path / "d.svg"
    sample().sequence_diagram(title="t").save(path)
    assert path.read_text(encoding="utf-8") == a


def test_diagram_from_saved_trace_is_the_same():
    """A trace read back from JSON lines draws exactly the same picture."""
    t = sample()
    back = Trace.from_jsonl(t.to_jsonl())
    assert back.sequence_diagram().svg == t.sequence_diagram().svg


def test_labels_are_escaped():
    """Markup in messages is escaped, so the SVG stays well formed."""
    t = make([(0.0, "send", P(1), P(2), "<b>&\"'</b>"), (0.0, "exit", P(2), None, "<&>")])
    root = parse(t.sequence_diagram(title="<x> & y").svg)
    assert root.find(SVG + "title").text == "<x> & y"


def test_empty_trace_draws():
    """An empty trace still gives a valid SVG."""
    root = parse(Trace().sequence_diagram().svg)
    assert "no events" in ET.tostring(root, encoding="unicode")


# -- with the real runtime ------------------------------------------------------------

labrt = pytest.importorskip("labrt")


async def _pong():
    while True:
        msg = await labrt.receive()
        if msg == "stop":
            return
        labrt.send(msg[1], "pong")


async def _worker():
    await labrt.receive()
    return 1 / 0


async def _main():
    labrt.trap_exit(True)
    p = labrt.spawn(_pong)
    labrt.register("pong", p)
    labrt.send(p, ("ping", labrt.self()))
    await labrt.receive("pong")
    w = labrt.spawn_link(_worker)
    labrt.monitor(w)
    labrt.send(w, "go")
    await labrt.receive(labrt.Down)
    labrt.send("pong", "stop")
    return "done"


def _real_trace():
    rt = labrt.Runtime(trace=True)
    rt.spawn(_main)
    rt.run()
    return rt.trace


def test_real_run_trace():
    """A real run records a Trace that lists, filters and draws."""
    t = _real_trace()
    assert isinstance(t, Trace)
    assert t.lines()[0] == "0.000  outside  spawn  -> <0.1.0> _main"
    assert [e.kind for e in t.filter(pid="pong")] == ["register", "receive", "send", "receive", "exit"]
    crash, = t.filter(kind="exit", where=lambda e: isinstance(e.data, ZeroDivisionError))
    assert repr(crash.pid) == "<0.3.0>"
    root = parse(t.sequence_diagram(title="real").svg)
    assert lifelines(root) == ["outside", "<0.1.0>", "<0.2.0>", "<0.3.0>"]
    assert any("DOWN ZeroDivisionError" in s for s in texts_of(t.sequence_diagram().svg, "send"))


def test_real_run_round_trip_and_determinism():
    """Two identical runs save the same JSON lines and draw the same SVG."""
    a, b = _real_trace(), _real_trace()
    assert a.to_jsonl() == b.to_jsonl()
    assert a.sequence_diagram().svg == b.sequence_diagram().svg
    back = Trace.from_jsonl(a.to_jsonl())
    assert back.to_jsonl() == a.to_jsonl()
    assert back.sequence_diagram().svg == a.sequence_diagram().svg
