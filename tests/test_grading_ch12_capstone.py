"""The capstone's checks: the condensed month stands for December's 2.5 million purchases,
the figures follow their definitions (weights, the p99 and recovery around a total
outage, lost against every ledger, duplicates per ledger), the judges fail on
observations of the wrong shape, one run gives the same observations twice, and a lost
purchase is reported with the run it came from and a picture of the moments around it.
(The reference's full marks and the wrong answers are in test_grading_wrong_answers.py.)"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from labrt.grading import TASKS, load_checks, load_hidden, run_task, task_text
from labrt.grading.checks import ch12_capstone as cap
from labrt.grading.core import Fail, Trial

from test_grading_wrong_answers import solved_namespace

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")
NAMES = ("capstone_tables", "capstone_server", "capstone")


def _hidden_runs():
    spec = importlib.util.spec_from_file_location("hidden_ch12", ROOT / "instructor" / "hidden"
                                                  / "ch12_capstone.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RUNS


def _wrong(label):
    path = ROOT / "instructor" / "wrong_answers" / "ch12_capstone.py"
    spec = importlib.util.spec_from_file_location("wrong_ch12", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(e for e in module.WRONG if e["label"] == label)


def _obs(schedule, seed, answer=None, books=None):
    """Observations of a made-up run: ``answer(i, sent)`` gives (decision, latency)."""
    if answer is None:
        def answer(i, st):
            return cap.decide(cap.amount_of(i, seed)), 0.01
    purchases, events, end = cap.timeline(schedule, seed)
    rows, book = [], []
    for i, (st, w) in enumerate(purchases):
        d, took = answer(i, st)
        rows.append([st, w, d, took])
        if d is not None:
            book.append([i, d])
    if books is None:
        books = {n: {"rows": list(book), "bad": 0} for n in cap.SERVERS}
    return {"purchases": rows, "ledgers": books, "crashes": [], "events": [], "end": end}


def test_three_tasks_graded_on_the_published_and_hidden_months():
    """Three tasks in order; each has public cases on the published month and hidden ones."""
    assert [TASKS[n].number for n in NAMES] == [1, 2, 3]
    for name in NAMES:
        task = TASKS[name]
        assert task.notebook == "ch12-capstone"
        assert task.public_cases() and len({c.params["name"] for c in task.hidden_cases()}) >= 2
        assert all(c.params["schedule"] == cap.PUBLISHED for c in task.public_cases())
        assert all(c.params["schedule"] != cap.PUBLISHED for c in task.hidden_cases())
    measures = {c.params["measure"] for c in TASKS["capstone"].hidden_cases()}
    assert measures == {"availability", "p99", "lost", "duplicated", "recovery"}


def test_the_condensed_month_stands_for_the_whole_month():
    """Every schedule's purchases weigh 2.5 million together, in time order, dense at faults."""
    runs = {"published": (cap.PUBLISHED, 1), **_hidden_runs()}
    for name, (schedule, seed) in runs.items():
        purchases, events, end = cap.timeline(schedule, seed)
        assert abs(sum(w for _t, w in purchases) - cap.MONTH_TOTAL) < 1e-3, name
        times = [t for t, _w in purchases]
        assert times == sorted(times) and times[-1] < end, name
        for et, *_ in events:
            near = [t for t in times if et - 1.0 <= t < et + 6.0]
            assert len(near) >= 12, (name, et)
        assert len(purchases) < 600, name        # one run stays well under a second


def test_figures_follow_their_definitions():
    """A failed purchase costs its weight; in a total outage the p99 skips it and the
    recovery clock starts at the repair; a duplicate is two records in one ledger."""
    schedule = [[10, 12, 0, [[0, "crash", list(cap.SERVERS)], [30, "restart", list(cap.SERVERS)]]]]
    purchases, events, _ = cap.timeline(schedule, 1)
    down, up = events[0][0], events[1][0]

    def answer(i, st):
        if down <= st < up:
            return None, None
        return cap.decide(cap.amount_of(i, 1)), 0.05
    f = cap.figures(_obs(schedule, 1, answer), schedule, 1)
    failed = sum(w for (st, w) in purchases if down <= st < up)
    assert abs(f["failed_w"] - failed) < 1e-6 and f["availability"] < 1.0
    assert f["p99"] == 0.05                          # the outage's purchases are not in it
    assert 0.05 <= f["recovery"][0] < 0.6 and f["recovery"][1] == up
    assert f["lost"] == [] and f["dups"] == []
    obs = _obs(schedule, 1)
    obs["ledgers"]["a@dc1"]["rows"].append([3, obs["purchases"][3][2]])
    del obs["ledgers"]["b@dc1"]["rows"][5]
    f = cap.figures(obs, schedule, 1)
    assert f["dups"] == [3] and f["lost"] == []    # 5 is still in a's and c's ledgers
    for n in cap.SERVERS:
        obs["ledgers"][n]["rows"] = [r for r in obs["ledgers"][n]["rows"] if r[0] != 7]
    assert cap.figures(obs, schedule, 1)["lost"] == [7]


def test_judges_fail_on_empty_or_forged_observations():
    """No purchases, or no ledgers, scores nothing: the judge demands every measurement."""
    kw = dict(parts="system", schedule=cap.PUBLISHED, seed=1)
    empty = {"purchases": [], "ledgers": {}, "crashes": [], "events": [], "end": 0.0}
    for measure in cap.MEASURES:
        try:
            cap._month(empty, measure=measure, **kw)
        except Fail as fail:
            assert "purchases" in fail.expected
        else:
            raise AssertionError(f"an empty run passed {measure}")
    silent = _obs(cap.PUBLISHED, 1, books={})
    try:
        cap._month(silent, measure="lost", **kw)
    except Fail as fail:
        assert "answers ledger()" in fail.expected
    else:
        raise AssertionError("a run without ledgers passed 'lost'")
    for measure in cap.MEASURES:                    # a perfect made-up run passes
        cap._month(_obs(cap.PUBLISHED, 1), measure=measure, **kw)


def test_one_run_gives_the_same_observations_twice():
    """The same submission, schedule and seed: the same observations, run afresh."""
    ns = solved_namespace("ch12-capstone")
    runs = []
    for _ in range(2):
        cap._CACHE.clear()
        runs.append(cap.month.observe(Trial(TASKS["capstone"], ns), parts="system",
                                      schedule=cap.PUBLISHED, seed=1))
    assert runs[0] == runs[1]
    f = cap.figures(runs[0], cap.PUBLISHED, 1)
    assert f["availability"] >= cap.TARGET and not f["lost"] and not f["dups"]


def test_a_lost_purchase_is_shown_with_its_run_and_a_picture():
    """RAM copies on site 1 lose purchases in the power cut: the feedback names the run and
    the first lost order, and the diagram covers the moments around its answer."""
    ns = solved_namespace("ch12-capstone")
    exec(_wrong("copies on site 1 only, in RAM (a power cut of dc1 loses them)")["code"], ns)
    result = run_task(TASKS["capstone_tables"], ns, include_hidden=False)
    text = task_text(result)
    assert result.points < result.max_points, text
    assert "lost purchases, the first one: order" in text
    assert "through the published month (seed 1, 4 incidents" in text
    case = next(c for c in result.cases if c.status == "failed")
    shown, options = case.diagram
    times = [e.time for e in shown.trace]
    assert times and options["max_events"] == 80
    assert max(times) - min(times) <= 6.0
    assert case.trace                                   # the report's text of the window
    assert all(min(times) - 0.001 <= float(line.split()[0]) <= max(times) + 0.001
               for line in case.trace.splitlines() if line[:1].isdigit())
    svg = shown.trace.sequence_diagram(**options)
    again = shown.trace.sequence_diagram(**options)
    assert str(getattr(svg, "data", svg)) == str(getattr(again, "data", again))


def test_every_hidden_month_makes_retries_reach_a_second_server():
    """Each hidden month slows the web's link to some server beyond a fast client's
    0.3 s timeout (so a record that is not idempotent duplicates there), and the peak day
    brings c back alone after a total outage (a server waiting for every replica idles)."""
    runs = _hidden_runs()
    for name, (schedule, _seed) in runs.items():
        slow = [f for *_when, faults in schedule for f in faults if f[1] == "slow"]
        assert any(f[2] == cap.SHOP and 2 * f[4] > 0.3 for f in slow), name
    down = set()
    for _t, kind, args, _m in cap.timeline(runs["the peak day"][0], 4)[1]:
        if kind == "restart" and args[0] == [cap.C] and {cap.A, cap.B} <= down:
            break
        down = down | set(args[0]) if kind == "crash" else (
            down - set(args[0]) if kind == "restart" else down)
    else:
        raise AssertionError("the peak day never restarts c alone while a and b are down")


def test_a_hidden_month_cuts_the_servers_from_each_other_while_traffic_flows():
    """Some hidden month splits the servers from each other (both ways and one way, the
    shop not in the cut) and heals a split while purchases are being sent."""
    servers = set(cap.SERVERS)
    split = oneway = healed_in_traffic = False
    for schedule, seed in _hidden_runs().values():
        purchases, events, _end = cap.timeline(schedule, seed)
        sent = [st for st, _w in purchases]
        for t, kind, args, _m in events:
            if kind == "partition" and set(args[0]) | set(args[1]) <= servers:
                split = True
                oneway = oneway or (len(args) == 3 and args[2] == "oneway")
            if kind == "heal":
                healed_in_traffic = healed_in_traffic or any(t - 1.0 <= st <= t + 1.0 for st in sent)
    assert split and oneway and healed_in_traffic


def test_a_oneway_cut_is_a_fault_of_one_direction():
    """A oneway partition row becomes a one-directional Partition, described as such."""
    rows = [[0.0, "partition", ["a@dc1"], ["b@dc1", "c@dc2"], "oneway"]]
    sched, kills = cap._faults([(t, k, a, 0.0) for t, k, *a in rows])
    (when, fault), = sched.entries
    assert kills == [] and fault.oneway and fault.side_b == ("b@dc1", "c@dc2")
    assert "one way" in cap.describe_schedule([[1, 0, 0, [[0, "partition", ["a@dc1"],
                                                             ["b@dc1"], "oneway"]]]])


def test_the_ledger_read_from_one_copy_is_caught_only_by_the_split_month():
    """The wrong answer that reads a's copy everywhere loses purchases in the split month."""
    entry = _wrong("ledger() reads a's copy everywhere (every copy is assumed to hold every purchase)")
    ns = solved_namespace("ch12-capstone")
    exec(compile(entry["code"], "<wrong>", "exec"), ns)
    schedule, seed = _hidden_runs()["the split month"]
    obs = cap.month.observe(Trial(TASKS["capstone_tables"], ns), parts="tables",
                            schedule=schedule, seed=seed)
    assert cap.figures(obs, schedule, seed)["lost"]
