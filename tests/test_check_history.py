"""labrt.check.history: recording rules, JSON lines round trip, strict loading,
and the package's independence from the runtime."""
import ast
import re
import json
import subprocess
import sys
from pathlib import Path

import pytest

import labrt
from labrt.check import History, HistoryError

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "labrt" / "check"


def small():
    h = History()
    a = h.invoke("a", "write", 3, 0.0)
    b = h.invoke("b", "read", None, 0.5)
    h.ok(a, None, 1.0)
    h.ok(b, 3, 1.5)
    c = h.invoke("a", "cas", [3, 4], 2.0)
    h.info(c, "timeout", 3.0)
    d = h.invoke("b", "write", 9, 3.0)
    h.fail(d, "refused", 3.5)
    h.invoke("a", "read", None, 4.0)            # still open at the end
    return h


# -- recording -------------------------------------------------------------------

def test_operations_record_status_result_and_event_positions():
    """Each operation keeps its status, result, times and event positions."""
    h = small()
    ops = h.operations
    assert [(o.f, o.status, o.result) for o in ops] == [
        ("write", "ok", None), ("read", "ok", 3), ("cas", "info", "timeout"),
        ("write", "fail", "refused"), ("read", None, None)]
    assert (ops[0].start, ops[0].end, ops[1].start, ops[1].end) == (0, 2, 1, 3)
    assert ops[2].value == (3, 4)                 # lists are stored as tuples
    assert [o.uncertain for o in ops] == [False, False, True, False, True]
    assert not ops[0].precedes(ops[1]) and ops[0].precedes(ops[2])


def test_same_time_events_are_ordered_by_recording():
    """At one virtual time, an op completed before another was invoked precedes it."""
    h = History()
    a = h.invoke("a", "write", 1, 5.0)
    h.ok(a, None, 5.0)
    b = h.invoke("b", "read", None, 5.0)
    h.ok(b, 0, 5.0)
    assert h[a].precedes(h[b]) and not h[b].precedes(h[a])


def test_clock_supplies_missing_times():
    """With a clock, invoke and ok may leave out the time."""
    now = iter([1.0, 2.5])
    h = History(clock=lambda: next(now))
    op = h.invoke("a", "write", 1)
    h.ok(op)
    assert (h[op].invoke_time, h[op].complete_time) == (1.0, 2.5)


def test_client_pid_becomes_text():
    """A client that is not a str or int (a labrt Pid) is stored as its text."""
    def main():
        h = History()
        h.invoke(labrt.self(), "read", None, 0.0)
        return h[0].client
    client = labrt.run(lambda: _wrap(main))
    assert isinstance(client, str) and client.startswith("<")


async def _wrap(fn):
    return fn()


@pytest.mark.parametrize("action, message", [
    (lambda h: h.invoke("a", "read", None, 1.0), "client 'a' invoked read while its operation 0 is still open"),
    (lambda h: h.ok(7, None, 1.0), "no operation 7 in this history"),
    (lambda h: h.invoke("b", "read", None, -1.0), "time -1.0 is earlier than the previous event's 0.0"),
    (lambda h: h.invoke("b", "read", None, float("nan")), "time must be a finite number, got nan"),
    (lambda h: h.invoke("b", "", None, 1.0), "f must be a non-empty string, got ''"),
    (lambda h: h.invoke("b", "write", {"x": 1}, 1.0), "value must be made of None, bool, int, float, str and lists"),
    (lambda h: h.invoke("b", "read", None), "no time given and the history has no clock"),
])
def test_recording_errors_are_exact(action, message):
    """Breaking a recording rule raises HistoryError with a precise message."""
    h = History()
    h.invoke("a", "write", 1, 0.0)
    with pytest.raises(HistoryError) as e:
        action(h)
    assert message in str(e.value)


def test_completing_twice_is_an_error():
    """An operation completes once."""
    h = History()
    op = h.invoke("a", "write", 1, 0.0)
    h.ok(op, None, 1.0)
    with pytest.raises(HistoryError, match="operation 0 \\(write\\) was already completed \\(ok\\)"):
        h.fail(op, None, 2.0)


def test_from_ops_sorts_events_and_puts_completions_first_on_ties():
    """from_ops accepts whole operations in any order; touching intervals are sequential."""
    h = History.from_ops([
        ("b", "read", None, 1, 2, 1),
        ("a", "write", 1, 0, 1, None),
        ("c", "read", None, 0.5, 9, None, "info"),
    ])
    ops = {o.client: o for o in h}
    assert ops["a"].precedes(ops["b"])
    assert [kind for kind, _ in h.events()] == ["invoke", "invoke", "ok", "invoke", "ok", "info"]


def test_prefix_and_subset():
    """A prefix leaves late completions open; a subset renumbers and remembers origins."""
    h = small()
    p = h.prefix(3)                       # invoke a, invoke b, ok a
    assert [(o.f, o.status) for o in p] == [("write", "ok"), ("read", None)]
    s = h.subset([1, 3])
    assert [(o.id, o.f) for o in s] == [(0, "read"), (1, "write")]
    assert s.origin == [1, 3]


# -- JSON lines ------------------------------------------------------------------

def test_round_trip_is_exact(tmp_path):
    """save then load gives an equal history, and the same bytes again."""
    h = small()
    path = tmp_path / "h.jsonl"
    h.save(path)
    again = History.load(path)
    assert again == h
    assert again.dumps() == path.read_text()
    assert again.operations == h.operations


def test_file_format_is_one_event_per_line():
    """The format: a header line, then invoke/ok/fail/info objects."""
    lines = small().dumps().splitlines()
    assert json.loads(lines[0]) == {"labrt_history": 1}
    assert json.loads(lines[1]) == {"type": "invoke", "op": 0, "client": "a", "f": "write",
                                    "value": 3, "time": 0.0}
    assert json.loads(lines[5]) == {"type": "invoke", "op": 2, "client": "a", "f": "cas",
                                    "value": [3, 4], "time": 2.0}
    assert json.loads(lines[6]) == {"type": "info", "op": 2, "error": "timeout", "time": 3.0}


HEAD = '{"labrt_history": 1}\n'
INV = '{"type": "invoke", "op": 0, "client": "a", "f": "write", "value": 1, "time": 0}\n'


@pytest.mark.parametrize("text, message", [
    ("", "line 1: the first line must be {\"labrt_history\": 1}"),
    ('{"labrt_history": 2}\n', "line 1: the first line must be"),
    (HEAD + "{nope\n", "line 2: not valid JSON"),
    (HEAD + "[1, 2]\n", "line 2: expected a JSON object, got list"),
    (HEAD + "\n", "line 2: empty line"),
    (HEAD + '{"type": "begin", "op": 0}\n', "line 2, field 'type': must be one of invoke, ok, fail, info; got 'begin'"),
    (HEAD + '{"type": "invoke", "op": 0, "client": "a", "f": "write", "time": 0}\n',
     "line 2, field 'value': missing"),
    (HEAD + INV.replace('"time"', '"color": 1, "time"'), "line 2, field 'color': unexpected field"),
    (HEAD + INV.replace('"op": 0', '"op": 5'), "line 2, field 'op': expected operation number 0"),
    (HEAD + INV.replace('"op": 0', '"op": "0"'), "line 2, field 'op': must be an integer"),
    (HEAD + INV.replace('"time": 0', '"time": "soon"'), "line 2, field 'time': must be a finite number, got 'soon'"),
    (HEAD + INV.replace('"time": 0', '"time": NaN'), "line 2: NaN is not allowed"),
    (HEAD + INV.replace('"client": "a"', '"client": null'), "line 2, field 'client': must be a string or an integer"),
    (HEAD + INV.replace('"f": "write"', '"f": 7'), "line 2, field 'f': must be a non-empty string"),
    (HEAD + INV.replace('"value": 1', '"value": {"k": 1}'), "line 2, field 'value': objects are not allowed"),
    (HEAD + INV + INV.replace('"op": 0', '"op": 1'), "line 3, field 'client': client 'a' already has operation 0 open"),
    (HEAD + '{"type": "ok", "op": 0, "result": 1, "time": 0}\n', "line 2, field 'op': no operation 0 has been invoked"),
    (HEAD + INV + '{"type": "ok", "op": 0, "result": null, "time": 1}\n'
     '{"type": "fail", "op": 0, "error": null, "time": 2}\n', "line 4, field 'op': operation 0 was already completed"),
    (HEAD + INV + '{"type": "ok", "op": 0, "error": null, "time": 1}\n', "line 3, field 'result': missing"),
    (HEAD + INV.replace('"time": 0', '"time": 5') + '{"type": "ok", "op": 0, "result": null, "time": 1}\n',
     "line 3, field 'time': 1 is earlier than the previous line's 5"),
])
def test_malformed_files_are_rejected_with_line_and_field(text, message):
    """Each kind of bad input is rejected, naming its line and field."""
    with pytest.raises(HistoryError) as e:
        History.loads(text)
    assert message in str(e.value)


def test_error_carries_line_and_field():
    """HistoryError exposes line and field for programs (graders)."""
    with pytest.raises(HistoryError) as e:
        History.loads(HEAD + INV.replace('"f": "write"', '"f": ""'))
    assert (e.value.line, e.value.field) == (2, "f")


# -- layering --------------------------------------------------------------------

def test_check_modules_import_only_the_standard_library_and_each_other():
    """labrt.check imports nothing from the runtime (relative imports only)."""
    allowed = set(sys.stdlib_module_names)
    for path in sorted(CHECK.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    assert node.level == 1, f"{path.name}: {ast.dump(node)}"
                    continue
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_check_package_works_without_labrt():
    """Loaded as a top-level package from a copy, it checks a history, no runtime loaded."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import check; "
        "h = check.History.from_ops([('a', 'write', 1, 0, 1, None), ('b', 'read', None, 2, 3, 0)]); "
        "print(bool(check.check(h, check.Register(initial=0)))); "
        "print(sorted(m for m in sys.modules if m.startswith('labrt')))")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "labrt")],
                         capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["False", "[]"]


def test_exported_names_are_the_documented_ones():
    """Every name in labrt.check.__all__ is in the design note's API, and exists."""
    import labrt.check as check
    note = (ROOT / "notes" / "labrt-check.md").read_text()
    api = note.split("## API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Za-z_]+)", api))
    assert set(check.__all__) <= documented, set(check.__all__) - documented
    assert all(hasattr(check, name) for name in check.__all__)
