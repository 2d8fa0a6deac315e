"""Tests for labrt.supervisor, on the simulated kernel with exact orders.

Every semantics item 39-70 of otp-semantics.md is marked ``# item N``; tests
named ``test_<case>`` after an OTP ``supervisor_SUITE`` case port that case.
Children are small processes that log to ``EVENTS``; exit orders are read
from the runtime's trace.
"""
from __future__ import annotations

import pytest

import labrt
from labrt import (
    Exit, Pid, ProcessExit, exit, process_info, receive, self, send, sleep,
    spawn, spawn_link, trap_exit, is_alive, now,
)
from labrt import code, gen_server
from labrt import supervisor as sup
from labrt import sys as lsys
from labrt.supervisor import ChildSpec, SupFlags, check_childspecs

EVENTS: list = []
FAIL_START: set = set()          # ids whose start function currently fails


@pytest.fixture(autouse=True)
def _fresh():
    EVENTS.clear()
    FAIL_START.clear()
    yield


# ---------------------------------------------------------------------------
# Test children and callback modules

async def worker(cid, trap=False, stop_delay=None, own_reason=None):
    """A child that logs its start; stops on ("stop", R), crashes on "crash".

    When trapping, an EXIT (e.g. the supervisor's shutdown) is logged as a
    terminate; the child then sleeps ``stop_delay`` and exits with
    ``own_reason`` or the signal's reason.
    """
    if trap:
        trap_exit(True)
    EVENTS.append(("start", cid, self()))
    while True:
        msg = await receive()
        match msg:
            case ("stop", reason):
                exit(reason)
            case "crash":
                1 / 0
            case Exit(_, reason):
                EVENTS.append(("terminate", cid, reason))
                if stop_delay:
                    await sleep(stop_delay)
                exit(own_reason if own_reason is not None else reason)


def start_worker(cid, trap=False, stop_delay=None, own_reason=None):
    """Start function: ("ok", pid) of a linked worker, or fail while cid is in FAIL_START."""
    if cid in FAIL_START:
        return ("error", "start_failed")
    return ("ok", spawn_link(worker, cid, trap, stop_delay, own_reason))


async def slow_failing_start(cid):
    """Start function that takes 0.5 s and fails while cid is in FAIL_START."""
    await sleep(0.5)
    return start_worker(cid)


def start_ignore(cid):
    return "ignore"


def start_error(cid):
    return ("error", "reason")


def start_garbage(cid):
    return "garbage"


def start_extra(cid):
    return ("ok", spawn_link(worker, cid), "extra_info")


def child(cid, restart="permanent", trap=False, stop_delay=None, own_reason=None, **kw):
    return ChildSpec(cid, (start_worker, (cid, trap, stop_delay, own_reason)),
                     restart=restart, **kw)


class Sup:
    """Callback module whose init returns its argument: ("ok", (flags, specs))."""

    def init(self, arg):
        return arg


def flags(strategy="one_for_one", intensity=1, period=5, **kw):
    return SupFlags(strategy, intensity, period, **kw)


async def start_sup(strategy="one_for_one", specs=(), intensity=1, period=5, name=None,
                    **kw):
    res = await sup.start_link(Sup, ("ok", (flags(strategy, intensity, period, **kw),
                                            list(specs))), name=name)
    assert res[0] == "ok", res
    return res[1]


def sim(main, *args):
    """Run main on a fresh simulated runtime; return (runtime, main's result)."""
    rt = labrt.Runtime(reports=None)
    result = rt.run_main(main, *args)
    return rt, result


def run(main, *args):
    return sim(main, *args)[1]


def exits(rt, pids=None):
    """[(pid, reason)] of every process exit in the trace, in order."""
    return [(e.pid, e.data) for e in rt.trace
            if e.kind == "exit" and (pids is None or e.pid in pids)]


def sup_reports(rt):
    return [r for r in rt.reports if "SUPERVISOR REPORT" in r or "PROGRESS REPORT" in r]


async def pids_of(s) -> dict:
    return {cid: p for cid, p, _, _ in await sup.which_children(s)}


async def kill(s, pid, reason="boom"):
    """Make a child exit with ``reason`` and wait until the supervisor has handled it.

    ``"kill"`` is sent as an exit signal (the child dies ``killed``); any
    other reason is the child's own exit reason.  Once the child is down
    its EXIT is in the supervisor's mailbox, so a call made afterwards is
    served after the restart.
    """
    ref = labrt.monitor(pid)
    if reason == "kill":
        exit(pid, "kill")
    else:
        send(pid, ("stop", reason))
    await receive(lambda m: isinstance(m, labrt.Down) and m.ref == ref)
    await sup.count_children(s)


def counts(c):
    return [n for _, n in c]


def started():
    return [cid for kind, cid, _ in EVENTS if kind == "start"]


# ---------------------------------------------------------------------------
# Child specs, flags, check_childspecs (pure)

def test_childspec_defaults():
    """A spec fills in OTP's defaults: permanent, not significant, 5 s / infinity, worker."""
    # item 39
    w = ChildSpec("w", (start_worker, ("w",)))
    assert (w.restart, w.significant, w.shutdown, w.type) == ("permanent", False, 5.0, "worker")
    s = ChildSpec("s", (sup.start_link, (Sup, None)), type="supervisor")
    assert s.shutdown is None                        # infinity for supervisors
    assert s.modules == ("Sup",)                     # the callback module, like [M]
    assert w.modules == (__name__,)


def test_childspec_from_dict_ignores_unknown_keys():
    """A dict spec is converted; unknown keys are ignored."""
    # item 39
    s = ChildSpec.from_dict({"id": 1, "start": (start_worker, [1]), "colour": "red"})
    assert s == ChildSpec(1, (start_worker, (1,)))


def test_supflags_defaults():
    """Flags default to one_for_one, 1 restart in 5 s, auto_shutdown never."""
    # item 41
    assert SupFlags() == SupFlags("one_for_one", 1, 5, "never")
    assert sup._check_flags({"strategy": "one_for_all", "extra": 1}) == \
        SupFlags("one_for_all", 1, 5, "never")


@pytest.mark.parametrize("bad, term", [
    ({"strategy": "all_for_one"}, ("invalid_strategy", "all_for_one")),
    ({"intensity": -1}, ("invalid_intensity", -1)),
    ({"intensity": 1.5}, ("invalid_intensity", 1.5)),
    ({"period": 0}, ("invalid_period", 0)),
    ({"period": True}, ("invalid_period", True)),
    ({"auto_shutdown": "sometimes"}, ("invalid_auto_shutdown", "sometimes")),
    ("one_for_one", ("invalid_type", "one_for_one")),
])
def test_invalid_flags(bad, term):
    """Each bad flag gives OTP's supervisor_data error from start_link."""
    # item 41
    async def main():
        trap_exit(True)
        return await sup.start_link(Sup, ("ok", (bad, [])))
    assert run(main) == ("error", ("supervisor_data", term))


@pytest.mark.parametrize("specs, term", [
    ([child(1), child(1)], ("duplicate_child_name", 1)),
    ([child(1, restart="sometimes")], ("invalid_restart_type", "sometimes")),
    ([ChildSpec(1, (start_worker, (1,)), shutdown=-1)], ("invalid_shutdown", -1)),
    ([ChildSpec(1, (start_worker, (1,)), shutdown="soon")], ("invalid_shutdown", "soon")),
    ([ChildSpec(1, (start_worker, (1,)), type="manager")], ("invalid_child_type", "manager")),
    ([ChildSpec(1, ("not callable", ()))], ("invalid_mfa", ("not callable", ()))),
    ([{"start": (start_worker, (1,))}], "missing_id"),
    ([{"id": 1}], "missing_start"),
    ([42], ("invalid_child_spec", 42)),
    ([child(1, restart="permanent", significant=True)],
     ("bad_combination", [("restart", "permanent"), ("significant", True)])),
    ([child(1, restart="transient", significant="yes")], ("invalid_significant", "yes")),
])
def test_check_childspecs_errors(specs, term):
    """check_childspecs answers with OTP's error term for each kind of bad spec."""
    # item 70
    assert check_childspecs(specs) == ("error", term)


def test_check_childspecs_ok_and_badarg():
    """Good specs give "ok"; a non-list and a bad auto_shutdown give badarg."""
    # item 70
    assert check_childspecs([child(1), child(2, restart="temporary")]) == "ok"
    assert check_childspecs([child(1, restart="transient", significant=True)]) == "ok"
    assert check_childspecs("x") == ("error", ("badarg", "x"))
    assert check_childspecs([], "maybe") == ("error", ("badarg", "maybe"))
    assert check_childspecs([child(1, restart="transient", significant=True)], "never") == \
        ("error", ("bad_combination", [("auto_shutdown", "never"), ("significant", True)]))


@pytest.mark.parametrize("restart, reason, expected", [
    ("permanent", "normal", (True, True)),
    ("permanent", "shutdown", (True, True)),
    ("permanent", "boom", (True, True)),
    ("transient", "normal", (False, False)),
    ("transient", "shutdown", (False, False)),
    ("transient", ("shutdown", "x"), (False, False)),
    ("transient", "boom", (True, True)),
    ("transient", "killed", (True, True)),
    ("temporary", "normal", (False, False)),
    ("temporary", ("shutdown", "x"), (False, False)),
    ("temporary", "boom", (False, True)),
])
def test_restart_decision_table(restart, reason, expected):
    """The restart decision is OTP's do_restart table: (restart?, report?)."""
    # items 48, 49, 50
    assert sup.restart_decision(restart, reason) == expected


def test_add_restart_window_is_whole_seconds_and_inclusive():
    """add_restart keeps restarts R with R >= now - period, newest first."""
    # item 53
    assert sup.add_restart([], 3, 5) == [3]
    assert sup.add_restart([3], 8, 5) == [8, 3]         # 3 >= 8-5: still inside
    assert sup.add_restart([8, 3], 9, 5) == [9, 8]      # 3 < 4: forgotten


# ---------------------------------------------------------------------------
# Starting and stopping

def test_start_order_and_reverse_shutdown():
    """Children start left to right before start_link returns; they stop right to left."""
    # items 42, 40
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[child(c) for c in "abc"])
        assert started() == ["a", "b", "c"]          # start_link returned after all
        p = await pids_of(s)
        for cid in "abc":                            # item 40: each child is linked
            assert s in process_info(p[cid]).links
        exit(s, "shutdown")
        await receive(Exit)
        return s, p
    rt, (s, p) = sim(main)
    assert exits(rt, set(p.values()) | {s}) == [
        (p["c"], "shutdown"), (p["b"], "shutdown"), (p["a"], "shutdown"), (s, "shutdown")]


def test_start_function_results():
    """A start function may return ok, ok with info, ignore, or be async."""
    # item 40
    async def async_start(cid):
        await sleep(1)
        return ("ok", spawn_link(worker, cid))

    async def main():
        s = await start_sup(specs=[
            ChildSpec("a", (start_worker, ("a",))),
            ChildSpec("b", (start_extra, ("b",))),
            ChildSpec("c", (start_ignore, ("c",))),
            ChildSpec("d", (async_start, ("d",)))])
        return now(), [(cid, p if not isinstance(p, Pid) else "pid")
                       for cid, p, _, _ in await sup.which_children(s)]
    t, wc = run(main)
    assert t == 1.0
    assert wc == [("d", "pid"), ("c", "undefined"), ("b", "pid"), ("a", "pid")]


def test_failed_child_at_init_stops_the_started_ones():
    """A failing child makes start_link fail; the started ones stop in reverse."""
    # item 65
    async def main():
        trap_exit(True)
        FAIL_START.add("c")
        res = await sup.start_link(Sup, ("ok", (flags(), [child(c) for c in "abcd"])))
        return res
    rt, res = sim(main)
    assert res == ("error", ("shutdown", ("failed_to_start_child", "c", "start_failed")))
    a, b = [e.other for e in rt.trace if e.kind == "spawn" and e.data == "worker"]
    assert exits(rt, {a, b}) == [(b, "shutdown"), (a, "shutdown")]
    assert any("start_error: id=c reason='start_failed'" in r for r in rt.reports)


def test_sup_start_ignore_init():
    """init returning "ignore" makes start_link return "ignore"; the process is gone."""
    # item 66
    async def main():
        trap_exit(True)
        res = await sup.start_link(Sup, "ignore")
        return res
    rt, res = sim(main)
    assert res == "ignore"
    assert len(rt.processes()) == 0


def test_sup_start_error_return():
    """An invalid init return gives ("error", ("bad_return", (Mod, "init", Value)))."""
    async def main():
        trap_exit(True)
        return await sup.start_link(Sup, "strange")
    assert run(main) == ("error", ("bad_return", ("Sup", "init", "strange")))


def test_sup_start_fail():
    """A crash in init makes start_link return ("error", the exception)."""
    class Crashing:
        def init(self, arg):
            return 1 / 0

    async def main():
        trap_exit(True)
        return await sup.start_link(Crashing, None)
    res = run(main)
    assert res[0] == "error" and isinstance(res[1], ZeroDivisionError)


def test_sup_start_map_faulty_specs():
    """Bad specs in init give ("error", ("start_spec", term))."""
    # item 66
    async def main():
        trap_exit(True)
        out = []
        for specs in ([{"start": (start_worker, (1,))}], [{"id": 1}],
                      [child(1), child(1)], [42]):
            out.append(await sup.start_link(Sup, ("ok", (flags(), specs))))
        return out
    assert run(main) == [
        ("error", ("start_spec", "missing_id")),
        ("error", ("start_spec", "missing_start")),
        ("error", ("start_spec", ("duplicate_child_name", 1))),
        ("error", ("start_spec", ("invalid_child_spec", 42))),
    ]


def test_sup_start_map():
    """get_childspec returns the spec with OTP's defaults filled in, from a dict too."""
    # items 39, 63
    async def main():
        s = await start_sup(specs=[
            {"id": "w", "start": (start_worker, ("w",)), "unknown": 1},
            {"id": "s", "start": (sup.start_link, (Sup, ("ok", (flags(), [])))),
             "type": "supervisor"}])
        return (await sup.get_childspec(s, "w"), await sup.get_childspec(s, "s"),
                await sup.get_childspec(s, "nope"))
    w, s, nope = run(main)
    assert w == ("ok", ChildSpec("w", (start_worker, ("w",)), "permanent", False, 5.0,
                                 "worker", (__name__,)))
    assert s[1].shutdown is None and s[1].type == "supervisor" and s[1].modules == ("Sup",)
    assert nope == ("error", "not_found")


def test_sup_flags():
    """Unknown flag keys are ignored; a dict of flags works."""
    # item 41
    async def main():
        res = await sup.start_link(Sup, ("ok", ({"strategy": "one_for_all", "bogus": 3},
                                                [child("a")])))
        return await sup.get_flags(res[1])
    assert run(main) == SupFlags("one_for_all", 1, 5, "never")


# ---------------------------------------------------------------------------
# Strategies

def test_one_for_one():
    """one_for_one: only the dead child restarts; 3 crashes with intensity 2 kill the supervisor."""
    # item 43, 51
    async def main():
        trap_exit(True)
        s = await start_sup("one_for_one", [child("a"), child("b")], intensity=2, period=3600)
        before = await pids_of(s)
        await kill(s, before["a"])
        after = await pids_of(s)
        assert after["b"] == before["b"] and after["a"] != before["a"]
        assert counts(await sup.count_children(s)) == [2, 2, 0, 2]
        await kill(s, after["a"])
        exit((await pids_of(s))["a"], "boom")
        return s, await receive(Exit)
    rt, (s, msg) = sim(main)
    assert msg == Exit(s, "shutdown")


def test_one_for_all():
    """one_for_all: siblings stop in reverse order with shutdown, all restart in order."""
    # item 44
    async def main():
        s = await start_sup("one_for_all", [child(c) for c in "abc"], intensity=5)
        before = await pids_of(s)
        EVENTS.clear()
        await kill(s, before["b"])
        after = await pids_of(s)
        return before, after
    rt, (before, after) = sim(main)
    assert exits(rt, set(before.values())) == [
        (before["b"], "boom"), (before["c"], "shutdown"), (before["a"], "shutdown")]
    assert started() == ["a", "b", "c"]
    assert not set(before.values()) & set(after.values())       # no old pid left
    assert after["a"] < after["b"] < after["c"]


def test_rest_for_one():
    """rest_for_one: later children stop in reverse, then the dead one and later restart."""
    # item 45
    async def main():
        s = await start_sup("rest_for_one", [child(c) for c in "abcd"], intensity=5)
        before = await pids_of(s)
        EVENTS.clear()
        await kill(s, before["b"])
        return before, await pids_of(s), counts(await sup.count_children(s))
    rt, (before, after, c) = sim(main)
    assert exits(rt, set(before.values()))[:3] == [
        (before["b"], "boom"), (before["d"], "shutdown"), (before["c"], "shutdown")]
    assert started() == ["b", "c", "d"]
    assert after["a"] == before["a"]
    assert c == [4, 4, 0, 4]


def test_order_of_children():
    """rest_for_one with ids ch7 ch3 ch10 ch2 ch5: exact start, restart and stop orders."""
    # items 42, 45
    ids = ["ch7", "ch3", "ch10", "ch2", "ch5"]

    async def main():
        trap_exit(True)
        s = await start_sup("rest_for_one", [child(i) for i in ids], intensity=5)
        first = await pids_of(s)
        assert [first[i] for i in ids] == sorted(first.values())   # started in spec order
        await kill(s, first["ch10"])
        second = await pids_of(s)
        exit(s, "shutdown")
        await receive(Exit)
        return first, second
    rt, (first, second) = sim(main)
    assert started() == ids + ["ch10", "ch2", "ch5"]
    assert exits(rt, set(first.values())) == [
        (first["ch10"], "boom"), (first["ch5"], "shutdown"), (first["ch2"], "shutdown"),
        (first["ch3"], "shutdown"), (first["ch7"], "shutdown")]
    assert exits(rt, {second[i] for i in ("ch10", "ch2", "ch5")}) == [
        (second["ch5"], "shutdown"), (second["ch2"], "shutdown"), (second["ch10"], "shutdown")]


STRATEGIES = ["one_for_one", "one_for_all", "rest_for_one"]
REASONS = ["normal", "shutdown", ("shutdown", "info"), "boom", "kill"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("restart", ["permanent", "transient", "temporary"])
@pytest.mark.parametrize("reason", REASONS)
def test_restart_matrix(strategy, restart, reason):
    """restart type x exit reason x strategy: who restarts, which specs remain."""
    # items 43-45, 48-50
    async def main():
        s = await start_sup(strategy, [child("first"), child("x", restart), child("last")],
                            intensity=5)
        before = await pids_of(s)
        await kill(s, before["x"], reason)
        return before, await pids_of(s), counts(await sup.count_children(s))
    rt, (before, after, c) = sim(main)
    abnormal = reason in ("boom", "kill")
    restarts = restart == "permanent" or (restart == "transient" and abnormal)
    if restart == "temporary":
        assert "x" not in after and c == [2, 2, 0, 2]             # spec deleted
    elif restarts:
        assert isinstance(after["x"], Pid) and after["x"] != before["x"]
        assert c == [3, 3, 0, 3]
    else:
        assert after["x"] == "undefined" and c == [3, 2, 0, 3]    # spec kept
    moved = {cid for cid in ("first", "last") if after[cid] != before[cid]}
    if not restarts or strategy == "one_for_one":
        assert moved == set()
    elif strategy == "one_for_all":
        assert moved == {"first", "last"}
    else:
        assert moved == {"last"}
    reported = any("child_terminated: id=x" in r for r in sup_reports(rt))
    assert reported == (restart == "permanent" or abnormal)


@pytest.mark.parametrize("restart, reason, shown, count", [
    pytest.param("permanent", "normal", "pid", [1, 1, 0, 1], id="permanent_normal"),
    pytest.param("transient", "normal", "undefined", [1, 0, 0, 1], id="transient_normal"),
    pytest.param("temporary", "normal", None, [0, 0, 0, 0], id="temporary_normal"),
    pytest.param("permanent", "shutdown", "pid", [1, 1, 0, 1], id="permanent_shutdown"),
    pytest.param("transient", "shutdown", "undefined", [1, 0, 0, 1], id="transient_shutdown"),
    pytest.param("transient", ("shutdown", "some_info"), "undefined", [1, 0, 0, 1],
                 id="transient_shutdown_info"),
    pytest.param("temporary", "shutdown", None, [0, 0, 0, 0], id="temporary_shutdown"),
    pytest.param("permanent", "abnormal", "pid", [1, 1, 0, 1], id="permanent_abnormal"),
    pytest.param("transient", "abnormal", "pid", [1, 1, 0, 1], id="transient_abnormal"),
    pytest.param("temporary", "abnormal", None, [0, 0, 0, 0], id="temporary_abnormal"),
])
def test_permanent_transient_temporary_normal_shutdown_abnormal(restart, reason, shown, count):
    """OTP's {permanent,transient,temporary}_{normal,shutdown,abnormal} cases."""
    # items 48, 49, 50
    async def main():
        s = await start_sup(specs=[child("c", restart)], intensity=5)
        old = (await pids_of(s))["c"]
        await kill(s, old, reason)
        wc = await sup.which_children(s)
        return old, wc, counts(await sup.count_children(s))
    old, wc, c = run(main)
    assert c == count
    if shown is None:
        assert wc == []
    elif shown == "pid":
        assert isinstance(wc[0][1], Pid) and wc[0][1] != old
    else:
        assert wc[0][1] == "undefined"


def test_transient_shutdown_can_be_restarted_manually():
    """A transient child stopped with shutdown keeps its spec and restart_child starts it."""
    # items 49, 61
    async def main():
        s = await start_sup(specs=[child("c", "transient")])
        await kill(s, (await pids_of(s))["c"], "shutdown")
        res = await sup.restart_child(s, "c")
        return res, await pids_of(s)
    res, p = run(main)
    assert res == ("ok", p["c"])


def test_temporary_bystander():
    """A temporary sibling stopped by one_for_all/rest_for_one is not restarted."""
    # item 50
    async def main():
        out = []
        for strategy in ("one_for_all", "rest_for_one"):
            s = await start_sup(strategy, [child("perm"), child("temp", "temporary")],
                                intensity=5)
            await kill(s, (await pids_of(s))["perm"])
            out.append(([c for c, *_ in await sup.which_children(s)],
                         counts(await sup.count_children(s)), is_alive(s)))
        return out
    assert run(main) == [(["perm"], [1, 1, 0, 1], True)] * 2


def test_do_not_save_child_specs_for_temporary_children():
    """Temporary specs disappear after kill, normal and abnormal exits, in every strategy."""
    # item 50
    async def main():
        out = []
        for strategy in STRATEGIES + ["simple_one_for_one"]:
            simple = strategy == "simple_one_for_one"
            specs = [ChildSpec("t", (start_worker, ()), restart="temporary")] if simple else []
            s = await start_sup(strategy, specs, intensity=5)
            for reason in ("kill", "normal", "boom"):
                if simple:
                    res = await sup.start_child(s, ["t"])
                else:
                    res = await sup.start_child(s, child("t", "temporary"))
                await kill(s, res[1], reason)
                out.append(counts(await sup.count_children(s)))
        return out
    c = run(main)
    assert c[:9] == [[0, 0, 0, 0]] * 9
    assert c[9:] == [[1, 0, 0, 0]] * 3


# ---------------------------------------------------------------------------
# Restart intensity

@pytest.mark.parametrize("intensity, crashes_survived", [(0, 0), (1, 1), (3, 3)])
def test_intensity_allows_exactly_maxr_restarts(intensity, crashes_survived):
    """MaxR restarts are allowed; crash number MaxR+1 kills the supervisor with shutdown."""
    # items 51, 52
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[child("c")], intensity=intensity, period=5)
        survived = 0
        while True:
            exit((await pids_of(s))["c"], "boom")
            await sleep(0.1)
            if not is_alive(s):
                break
            survived += 1
        return survived, await receive(Exit)
    rt, (survived, msg) = sim(main)
    assert survived == crashes_survived
    assert msg.reason == "shutdown"
    assert sum("reached_max_restart_intensity" in r for r in rt.reports) == 1


def test_default_intensity_dies_on_second_crash_within_5s():
    """Defaults (1 in 5 s): the 2nd crash within 5 s kills the supervisor; report says why."""
    # item 52
    async def main():
        trap_exit(True)
        res = await sup.start_link(Sup, ("ok", (SupFlags(), [child("c")])))
        s = res[1]
        exit((await pids_of(s))["c"], "boom")
        await sleep(4)
        exit((await pids_of(s))["c"], "boom")
        return s, await receive(Exit)
    rt, (s, msg) = sim(main)
    assert msg == Exit(s, "shutdown")
    assert [r.split(" ", 3)[3] for r in sup_reports(rt)] == [
        f"supervisor {s} (Sup) child_terminated: id=c pid=<0.3.0> reason='boom'",
        f"supervisor {s} (Sup) child_restarted: id=c pid=<0.4.0>",
        f"supervisor {s} (Sup) child_terminated: id=c pid=<0.4.0> reason='boom'",
        f"supervisor {s} (Sup) shutdown: id=c reason='reached_max_restart_intensity' "
        "(intensity 1 in 5 s)",
    ]


@pytest.mark.parametrize("t1, t2, alive", [
    (0.1, 5.9, False),    # 5.8 s apart, but seconds 0 and 5: 0 >= 5-5 is inside
    (0.9, 6.0, True),     # seconds 0 and 6: forgotten
    (1.0, 6.5, False),    # seconds 1 and 6: inside (inclusive)
    (1.0, 7.0, True),
])
def test_intensity_window_whole_seconds(t1, t2, alive):
    """The window counts whole seconds of the clock and is inclusive (R >= Now-Period)."""
    # item 53
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[child("c")], intensity=1, period=5)
        await sleep(t1)
        exit((await pids_of(s))["c"], "boom")
        await sleep(t2 - t1)
        exit((await pids_of(s))["c"], "boom")
        await sleep(0.01)
        return is_alive(s)
    assert run(main) is alive


def test_multiple_restarts():
    """Intensity 1 / period 1: four crashes 2.1 s apart leave the supervisor alive."""
    # item 53
    async def main():
        s = await start_sup(specs=[child("c")], intensity=1, period=1)
        for _ in range(4):
            await kill(s, (await pids_of(s))["c"])
            await sleep(2.1)
        return is_alive(s)
    assert run(main) is True


def test_one_for_one_escalation():
    """A child supervisor that gives up exits shutdown; its parent restarts it."""
    # item 54
    inner = ("ok", (flags("one_for_one", 1, 5), [child("w")]))

    async def main():
        trap_exit(True)
        top = await start_sup(specs=[ChildSpec("inner", (sup.start_link, (Sup, inner)),
                                               type="supervisor")], intensity=1)
        s1 = (await pids_of(top))["inner"]
        w = (await pids_of(s1))["w"]
        exit(w, "boom")
        await sleep(0.1)
        exit((await pids_of(s1))["w"], "boom")       # 2nd crash: s1 gives up
        await sleep(0.1)
        s2 = (await pids_of(top))["inner"]
        return top, s1, s2
    rt, (top, s1, s2) = sim(main)
    assert s1 != s2 and isinstance(s2, Pid)
    assert rt.process_info(s1) is None
    assert any(f"child_terminated: id=inner pid={s1} reason='shutdown'" in r
               for r in rt.reports)


def test_escalation_reaches_a_non_trapping_parent():
    """A non-trapping parent linked to a supervisor that gives up dies with shutdown."""
    # item 54
    async def parent():
        await start_sup(specs=[child("c")], intensity=0)
        await receive()

    async def main():
        trap_exit(True)
        p = spawn_link(parent)
        await sleep(0.1)
        s = [q for q in process_info(p).links if q != self()][0]
        c = (await pids_of(s))["c"]
        exit(c, "boom")
        return await receive(Exit)
    rt, msg = sim(main)
    assert msg.reason == "shutdown"


# ---------------------------------------------------------------------------
# Shutdown

@pytest.mark.parametrize("shutdown, trap, delay, reason, at", [
    ("brutal_kill", False, None, "killed", 0.0),
    ("brutal_kill", True, None, "killed", 0.0),      # terminate never runs
    (1.0, False, None, "shutdown", 0.0),
    (1.0, True, None, "shutdown", 0.0),              # cleans up, exits at once
    (1.0, True, 0.5, "shutdown", 0.5),               # cleans up within the timeout
    (1.0, True, 10, "killed", 1.0),                  # too slow: killed at T
    (None, False, None, "shutdown", 0.0),
    (None, True, 10, "shutdown", 10.0),              # infinity: waits as long as needed
])
def test_shutdown_matrix(shutdown, trap, delay, reason, at):
    """shutdown kind x trapping: the child's exit reason and when the supervisor is done."""
    # items 55, 56, 57
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[ChildSpec("c", (start_worker, ("c", trap, delay)),
                                             shutdown=shutdown)])
        c = (await pids_of(s))["c"]
        exit(s, "shutdown")
        await receive(Exit)
        return c, now()
    rt, (c, t) = sim(main)
    assert exits(rt, {c}) == [(c, reason)]
    assert t == at
    terminated = ("terminate", "c", "shutdown") in EVENTS
    assert terminated == (trap and shutdown != "brutal_kill")
    err = any("shutdown_error" in r for r in rt.reports)
    assert err == (reason == "killed" and shutdown != "brutal_kill")


@pytest.mark.parametrize("shutdown, delay, reason, at", [
    pytest.param(None, 3, "shutdown", 3.0, id="sup_stop_infinity"),
    pytest.param(1.0, 3600, "killed", 1.0, id="sup_stop_timeout"),
    pytest.param("brutal_kill", None, "killed", 0.0, id="sup_stop_brutal_kill"),
])
def test_sup_stop(shutdown, delay, reason, at):
    """OTP's sup_stop_*: a trapping child stops with shutdown, or is killed after T, or at once."""
    # items 55, 56
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[ChildSpec("c", (start_worker, ("c", True, delay)),
                                             shutdown=shutdown)])
        c = (await pids_of(s))["c"]
        exit(s, "shutdown")
        await receive(Exit)
        return c, now()
    rt, (c, t) = sim(main)
    assert exits(rt, {c}) == [(c, reason)] and t == at


def test_sup_stop_mixed_order():
    """A cooperative, a slow and a brutal_kill child stop in reverse order with their reasons."""
    # items 55, 56
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[
            ChildSpec("coop", (start_worker, ("coop", True)), shutdown=None),
            ChildSpec("slow", (start_worker, ("slow", True, 3600)), shutdown=1.0),
            ChildSpec("brutal", (start_worker, ("brutal", True)), shutdown="brutal_kill")])
        p = await pids_of(s)
        exit(s, "shutdown")
        await receive(Exit)
        return p
    rt, p = sim(main)
    assert exits(rt, set(p.values())) == [
        (p["brutal"], "killed"), (p["slow"], "killed"), (p["coop"], "shutdown")]


def test_shutdown_with_unlinked_child():
    """A child that unlinked itself is still stopped: the supervisor watches a monitor."""
    # item 55
    async def naughty(parent):
        labrt.unlink(parent)
        await receive()

    def start_naughty():
        return ("ok", spawn_link(naughty, self()))

    async def main():
        trap_exit(True)
        s = await start_sup(specs=[ChildSpec("n", (start_naughty, ()), shutdown=1.0)])
        n = (await pids_of(s))["n"]
        exit(s, "shutdown")
        await receive(Exit)
        return n, now()
    rt, (n, t) = sim(main)
    assert exits(rt, {n}) == [(n, "shutdown")] and t == 0.0


def test_sup_stop_race():
    """Children exiting on their own during shutdown keep their own reasons."""
    # items 55, 60
    own = ["normal", "shutdown", ("shutdown", "test"), "other"]

    async def main():
        trap_exit(True)
        s = await start_sup(specs=[
            ChildSpec(i, (start_worker, (i, True, None, r)), restart="transient")
            for i, r in enumerate(own)])
        p = await pids_of(s)
        exit(s, "shutdown")
        await receive(Exit)
        return p
    rt, p = sim(main)
    assert sorted(exits(rt, set(p.values())), key=lambda x: x[0]) == \
        [(p[i], r) for i, r in enumerate(own)]
    errors = [r for r in rt.reports if "shutdown_error" in r]
    assert len(errors) == 1 and "reason='other'" in errors[0]


# ---------------------------------------------------------------------------
# Administration

def test_child_adm():
    """OTP's child_adm: the whole static admin protocol and its return values."""
    # items 58, 60, 61, 62, 63, 64
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[child("c1")])
        out = {}
        c1 = (await pids_of(s))["c1"]
        out["dup_running"] = await sup.start_child(s, child("c1"))
        out["start2"] = await sup.start_child(s, child("c2"))
        out["which"] = await sup.which_children(s)
        out["counts"] = counts(await sup.count_children(s))
        out["term_unknown"] = await sup.terminate_child(s, "nope")
        out["term"] = await sup.terminate_child(s, "c2")
        out["term_again"] = await sup.terminate_child(s, "c2")
        out["present"] = await sup.start_child(s, child("c2"))
        out["restart_running"] = await sup.restart_child(s, "c1")
        out["delete_running"] = await sup.delete_child(s, "c1")
        out["restart"] = await sup.restart_child(s, "c2")
        out["restart_unknown"] = await sup.restart_child(s, "nope")
        await sup.terminate_child(s, "c2")
        out["delete"] = await sup.delete_child(s, "c2")
        out["delete_again"] = await sup.delete_child(s, "c2")
        out["restart_deleted"] = await sup.restart_child(s, "c2")
        out["counts_end"] = counts(await sup.count_children(s))
        exit(s, "shutdown")
        await receive(Exit)
        try:
            await sup.which_children(s)
        except ProcessExit as e:
            out["dead"] = e.reason
        return s, c1, out
    s, c1, o = run(main)
    assert o["dup_running"] == ("error", ("already_started", c1))
    c2 = o["start2"][1]
    assert o["start2"] == ("ok", c2)
    assert o["which"] == [("c2", c2, "worker", [__name__]), ("c1", c1, "worker", [__name__])]
    assert o["counts"] == [2, 2, 0, 2]
    assert o["term_unknown"] == ("error", "not_found")
    assert o["term"] == o["term_again"] == "ok"                    # item 60
    assert o["present"] == ("error", "already_present")             # item 58
    assert o["restart_running"] == ("error", "running")             # item 61
    assert o["delete_running"] == ("error", "running")              # item 62
    assert o["restart"][0] == "ok" and isinstance(o["restart"][1], Pid)
    assert o["restart_unknown"] == ("error", "not_found")
    assert o["delete"] == "ok"
    assert o["delete_again"] == o["restart_deleted"] == ("error", "not_found")
    assert o["counts_end"] == [1, 1, 0, 1]
    assert o["dead"] == ("noproc", ("gen_server", "call", (s, "which_children", None)))


def test_terminate_child_temporary_deletes_spec():
    """terminate_child on a temporary child deletes its spec; others keep theirs."""
    # item 60
    async def main():
        s = await start_sup(specs=[child("t", "temporary"), child("p")])
        r = (await sup.terminate_child(s, "t"), await sup.terminate_child(s, "p"))
        return r, await sup.which_children(s)
    r, wc = run(main)
    assert r == ("ok", "ok")
    assert [(c, p) for c, p, *_ in wc] == [("p", "undefined")]


def test_sup_start_ignore_child():
    """A child returning ignore via start_child gives ("ok", "undefined") and is kept."""
    # items 59, 63, 64
    async def main():
        s = await start_sup()
        r1 = await sup.start_child(s, ChildSpec("child1", (start_ignore, ("child1",))))
        r2 = await sup.start_child(s, child("child2"))
        return r1, r2, await sup.which_children(s), counts(await sup.count_children(s))
    r1, r2, wc, c = run(main)
    assert r1 == ("ok", "undefined")
    assert [(i, p) for i, p, *_ in wc] == [("child2", r2[1]), ("child1", "undefined")]
    assert c == [2, 1, 0, 2]


def test_sup_start_ignore_temporary_child():
    """A temporary child returning ignore is not kept, at init or via start_child."""
    # item 59
    async def main():
        s = await start_sup(specs=[ChildSpec("t0", (start_ignore, ("t0",)),
                                             restart="temporary")])
        r1 = await sup.start_child(s, ChildSpec("child1", (start_ignore, ("child1",)),
                                                restart="temporary"))
        await sup.start_child(s, child("child2"))
        return r1, [i for i, *_ in await sup.which_children(s)], \
            counts(await sup.count_children(s))
    r1, ids, c = run(main)
    assert r1 == ("ok", "undefined")
    assert ids == ["child2"] and c == [1, 1, 0, 1]


def test_sup_start_child_returns_error():
    """start_child whose start returns an error or garbage: ("error", (R, spec)), no spec kept."""
    # item 59
    async def main():
        s = await start_sup()
        e = ChildSpec("e", (start_error, ("e",)))
        g = ChildSpec("g", (start_garbage, ("g",)))
        return (await sup.start_child(s, e), await sup.start_child(s, g),
                await sup.which_children(s), e, g)
    r1, r2, wc, e, g = run(main)
    assert r1 == ("error", ("reason", e))
    assert r2 == ("error", ("garbage", g))
    assert wc == []


def test_sup_start_child_returns_error_simple():
    """Under simple_one_for_one the start error comes back unwrapped."""
    # item 59
    async def main():
        s = await start_sup("simple_one_for_one", [ChildSpec("x", (start_error, ()))])
        s2 = await start_sup("simple_one_for_one", [ChildSpec("x", (start_garbage, ()))])
        return (await sup.start_child(s, ["a"]), await sup.start_child(s2, ["b"]),
                await sup.which_children(s))
    assert run(main) == (("error", "reason"), ("error", "garbage"), [])


def test_extra_return():
    """("ok", pid, info) passes through start_child and restart_child."""
    # items 58, 61
    async def main():
        s = await start_sup()
        r1 = await sup.start_child(s, ChildSpec("x", (start_extra, ("x",))))
        await sup.terminate_child(s, "x")
        r2 = await sup.restart_child(s, "x")
        s2 = await start_sup("simple_one_for_one", [ChildSpec("x", (start_extra, ()))])
        r3 = await sup.start_child(s2, ["y"])
        return r1, r2, r3
    for r in run(main):
        assert r[0] == "ok" and isinstance(r[1], Pid) and r[2] == "extra_info"


def test_start_child_crashing_start_function():
    """A start function that raises gives ("error", (("EXIT", exc), spec))."""
    # item 59
    def boom():
        raise ValueError("bad")

    async def main():
        s = await start_sup()
        return await sup.start_child(s, ChildSpec("b", (boom, ())))
    res = run(main)
    assert res[0] == "error" and res[1][0][0] == "EXIT"
    assert isinstance(res[1][0][1], ValueError)


def test_restart_child_ignore_and_error():
    """restart_child: ("ok", "undefined") for ignore; the start error otherwise."""
    # item 61
    async def main():
        s = await start_sup(specs=[child("c")])
        await sup.terminate_child(s, "c")
        FAIL_START.add("c")
        r1 = await sup.restart_child(s, "c")
        return r1, await sup.which_children(s)
    r1, wc = run(main)
    assert r1 == ("error", "start_failed") and wc[0][1] == "undefined"


def test_count_children():
    """count_children counts specs, supervisors and workers; active only running ones."""
    # item 64
    async def main():
        s = await start_sup(specs=[
            child("w1"), child("w2", "transient"),
            ChildSpec("s1", (sup.start_link, (Sup, ("ok", (flags(), [])))),
                      type="supervisor")])
        c1 = counts(await sup.count_children(s))
        await kill(s, (await pids_of(s))["w2"], "normal")
        c2 = counts(await sup.count_children(s))
        ss = await start_sup("simple_one_for_one", [ChildSpec("x", (start_worker, ()))])
        for i in range(1000):
            await sup.start_child(ss, [i])
        c3 = counts(await sup.count_children(ss))
        return c1, c2, c3
    assert run(main) == ([3, 3, 1, 2], [3, 2, 1, 2], [1, 1000, 0, 1000])


# ---------------------------------------------------------------------------
# simple_one_for_one

def dyn_spec(restart="permanent", **kw):
    return ChildSpec("ignored_id", (start_worker, ()), restart=restart, **kw)


def test_simple_one_for_one():
    """Dynamic children start with extra args, are restarted with the same args, ids are undefined."""
    # item 46
    async def main():
        s = await start_sup("simple_one_for_one", [dyn_spec()], intensity=5)
        assert await sup.which_children(s) == []                  # none at init
        a = (await sup.start_child(s, ["a"]))[1]
        b = (await sup.start_child(s, ["b"]))[1]
        wc1 = await sup.which_children(s)
        await kill(s, a)
        return a, b, wc1, await sup.which_children(s)
    a, b, wc1, wc2 = run(main)
    # oldest first, as OTP 25 lists a small pool (ascending pid order)
    assert wc1 == [("undefined", a, "worker", [__name__]), ("undefined", b, "worker", [__name__])]
    assert started() == ["a", "b", "a"]                            # same args again
    assert len(wc2) == 2 and all(i == "undefined" for i, *_ in wc2)
    assert a not in {p for _, p, *_ in wc2} and b in {p for _, p, *_ in wc2}


def test_simple_one_for_one_lists_children_oldest_first():
    """which_children lists dynamic children in ascending pid order; a restarted one moves last."""
    # item 46; OTP 25 lists a small pool in pid order (tests/differential sup_simple_children_order)
    async def main():
        s = await start_sup("simple_one_for_one", [dyn_spec()], intensity=5)
        a, b, c = [(await sup.start_child(s, [x]))[1] for x in "abc"]
        before = [p for _, p, *_ in await sup.which_children(s)]
        await kill(s, b)
        after = [p for _, p, *_ in await sup.which_children(s)]
        return (a, b, c), before, after
    (a, b, c), before, after = run(main)
    assert before == [a, b, c]
    assert after[:2] == [a, c] and after[2] not in (a, b, c) and after[2] > c


def test_simple_one_for_one_needs_exactly_one_spec():
    """A simple_one_for_one supervisor with two specs fails with bad_start_spec."""
    # item 46
    async def main():
        trap_exit(True)
        return await sup.start_link(Sup, ("ok", (flags("simple_one_for_one"),
                                                [dyn_spec(), dyn_spec()])))
    res = run(main)
    assert res[0] == "error" and res[1][0] == "bad_start_spec"


def test_simple_one_for_one_extra():
    """("ok", pid, info) from a dynamic child's start passes through start_child."""
    # item 46
    async def main():
        s = await start_sup("simple_one_for_one", [ChildSpec("x", (start_extra, ()))])
        return await sup.start_child(s, ["e"])
    r = run(main)
    assert r[0] == "ok" and r[2] == "extra_info"


def test_child_adm_simple():
    """OTP's child_adm_simple: terminate by pid only; restart/delete refused; foreign pid not_found."""
    # item 47
    async def main():
        s = await start_sup("simple_one_for_one", [dyn_spec()])
        out = [await sup.which_children(s), counts(await sup.count_children(s))]
        c = (await sup.start_child(s, ["c"]))[1]
        out.append(counts(await sup.count_children(s)))
        out.append(await sup.terminate_child(s, "ignored_id"))
        out.append(await sup.restart_child(s, "ignored_id"))
        out.append(await sup.delete_child(s, "ignored_id"))
        out.append(await sup.terminate_child(s, c))
        out.append(await sup.terminate_child(s, c))               # already dead: ok
        out.append(await sup.terminate_child(s, self()))          # not its child
        out.append(counts(await sup.count_children(s)))
        out.append(await sup.get_childspec(s, "ignored_id"))
        return out
    o = run(main)
    assert o[:9] == [[], [1, 0, 0, 0], [1, 1, 0, 1],
                     ("error", "simple_one_for_one"), ("error", "simple_one_for_one"),
                     ("error", "simple_one_for_one"), "ok", "ok", ("error", "not_found")]
    assert o[9] == [1, 0, 0, 0]
    assert o[10] == ("ok", dyn_spec())


def test_simple_one_for_one_shutdown():
    """Dynamic children get their exit signals all at once; a slow one is killed at T."""
    # item 47
    async def main():
        trap_exit(True)
        s = await start_sup("simple_one_for_one", [ChildSpec("x", (start_worker, ()),
                                                              shutdown=2.0)])
        kids = [(await sup.start_child(s, [i, True, 0.5 if i else 10]))[1]
                for i in range(50)]
        exit(s, "shutdown")
        await receive(Exit)
        return kids, now()
    rt, (kids, t) = sim(main)
    reasons = dict(exits(rt, set(kids)))
    assert reasons[kids[0]] == "killed"
    assert all(reasons[k] == "shutdown" for k in kids[1:])
    assert t == 2.0                         # in parallel: one timeout, not 50
    assert sum("terminate" == e[0] for e in EVENTS) == 50


def test_simple_one_for_one_brutal_kill_shutdown():
    """brutal_kill dynamic children die killed at once, without shutdown errors."""
    # item 47
    async def main():
        trap_exit(True)
        s = await start_sup("simple_one_for_one", [dyn_spec(shutdown="brutal_kill")])
        kids = [(await sup.start_child(s, [i, True]))[1] for i in range(3)]
        exit(s, "shutdown")
        await receive(Exit)
        return kids
    rt, kids = sim(main)
    assert sorted(exits(rt, set(kids))) == [(k, "killed") for k in kids]
    assert not [r for r in rt.reports if "shutdown_error" in r]


# ---------------------------------------------------------------------------
# Failing restarts

def test_hanging_restart_loop():
    """A restart that fails is retried; meanwhile the child shows restarting and admin calls say so."""
    # item 67
    async def main():
        s = await start_sup(specs=[ChildSpec("c", (slow_failing_start, ("c",)))],
                            intensity=20, period=60)
        await sleep(1)                               # start at t=0.5
        FAIL_START.add("c")
        exit((await pids_of(s))["c"], "boom")
        await sleep(1.2)
        out = [await sup.which_children(s),
               await sup.start_child(s, ChildSpec("c", (start_worker, ("c",)))),
               await sup.restart_child(s, "c"), await sup.delete_child(s, "c"),
               counts(await sup.count_children(s))]
        FAIL_START.discard("c")
        await sleep(2)
        out.append(await sup.which_children(s))
        return out
    rt, o = sim(main)
    assert o[0][0][1] == "restarting"
    assert o[1:4] == [("error", "already_present"), ("error", "restarting"),
                      ("error", "restarting")]
    assert o[4] == [1, 0, 0, 1]
    assert isinstance(o[5][0][1], Pid)
    assert sum("start_error" in r for r in rt.reports) >= 2


def test_hanging_restart_loop_gives_up_at_intensity():
    """Each failed retry counts toward intensity: the supervisor eventually shuts down."""
    # item 67
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[child("c")], intensity=3, period=10)
        FAIL_START.add("c")
        exit((await pids_of(s))["c"], "boom")
        return s, await receive(Exit)
    rt, (s, msg) = sim(main)
    assert msg == Exit(s, "shutdown")
    assert sum("start_error" in r for r in rt.reports) == 3


def test_hanging_restart_loop_terminate_child_stops_it():
    """terminate_child on a restarting child stops the retries (pid undefined)."""
    # item 67
    async def main():
        s = await start_sup(specs=[ChildSpec("c", (slow_failing_start, ("c",)))],
                            intensity=50, period=60)
        await sleep(1)
        FAIL_START.add("c")
        exit((await pids_of(s))["c"], "boom")
        await sleep(1.2)
        r = await sup.terminate_child(s, "c")
        FAIL_START.discard("c")
        await sleep(3)
        return r, await sup.which_children(s), is_alive(s)
    r, wc, alive = run(main)
    assert r == "ok" and wc[0][1] == "undefined" and alive


def test_hanging_restart_loop_simple():
    """simple_one_for_one: a failing restart shows restarting until it succeeds."""
    # item 67
    async def main():
        s = await start_sup("simple_one_for_one",
                            [ChildSpec("x", (slow_failing_start, ()))],
                            intensity=50, period=60)
        c = (await sup.start_child(s, ["c"]))[1]
        FAIL_START.add("c")
        exit(c, "boom")
        await sleep(0.7)
        wc1 = await sup.which_children(s)
        c1 = counts(await sup.count_children(s))
        FAIL_START.discard("c")
        await sleep(1)
        return wc1, c1, await sup.which_children(s)
    wc1, c1, wc2 = run(main)
    assert wc1 == [("undefined", "restarting", "worker", [__name__])]
    assert c1 == [1, 0, 0, 1]
    assert isinstance(wc2[0][1], Pid)


@pytest.mark.parametrize("strategy", ["one_for_all", "rest_for_one"])
def test_other_child_fails_restart(strategy):
    """A sibling failing during a group restart is retried; one_for_all stops the restarted ones again."""
    # item 67 (OTP: one_for_all_other_child_fails_restart, rest_for_one_other_child_fails_restart)
    async def main():
        s = await start_sup(strategy, [child("a"), ChildSpec("b", (slow_failing_start, ("b",))),
                                       child("c")], intensity=10)
        p = await pids_of(s)                     # t = 0.5
        EVENTS.clear()
        FAIL_START.add("b")
        exit(p["a"], "boom")                     # restart 1: b fails at t = 1.0
        await sleep(0.3)
        mid = await pids_of(s)                   # served between attempts, at t = 1.0
        await sleep(0.2)
        FAIL_START.discard("b")                  # attempt 2 (t = 1.0 .. 1.5) succeeds
        await sleep(1.5)
        return p, mid, await pids_of(s)
    rt, (p, mid, end) = sim(main)
    assert isinstance(mid["a"], Pid) and mid["a"] != p["a"]
    assert (mid["b"], mid["c"]) == ("restarting", "undefined")
    assert all(isinstance(end[c], Pid) for c in "abc")
    if strategy == "one_for_all":
        assert started() == ["a", "a", "b", "c"] and end["a"] != mid["a"]
        assert exits(rt, {mid["a"]}) == [(mid["a"], "shutdown")]
    else:
        assert started() == ["a", "b", "c"] and end["a"] == mid["a"]


# ---------------------------------------------------------------------------
# Trees

def test_tree():
    """Nested supervisors: only the dead worker restarts; repeated failures restart the subtree without its dynamic children."""
    # items 43, 54
    dyn = ("ok", (flags("simple_one_for_one"), [dyn_spec()]))
    mid = ("ok", (flags("one_for_one", 1, 5), [
        child("w1"), ChildSpec("dyn", (sup.start_link, (Sup, dyn)), type="supervisor")]))

    async def main():
        top = await start_sup("one_for_one", [
            child("top_w"), ChildSpec("mid", (sup.start_link, (Sup, mid)),
                                      type="supervisor")], intensity=3)
        m = (await pids_of(top))["mid"]
        d = (await pids_of(m))["dyn"]
        await sup.start_child(d, ["x"])
        before = await pids_of(m)
        await kill(m, before["w1"])
        after = await pids_of(m)
        assert after["dyn"] == before["dyn"] and after["w1"] != before["w1"]
        exit(after["w1"], "boom")                    # second crash: mid gives up
        await sleep(0.1)
        m2 = (await pids_of(top))["mid"]
        d2 = (await pids_of(m2))["dyn"]
        return m, m2, (await pids_of(top))["top_w"], before, await sup.which_children(d2)
    rt, (m, m2, top_w, before, dyn_children) = sim(main)
    assert m != m2
    assert dyn_children == []                        # dynamic children are not restored


# ---------------------------------------------------------------------------
# Significant children and auto_shutdown

def sig(cid, restart, **kw):
    return child(cid, restart, significant=True, **kw)


def test_significant_requires_auto_shutdown_and_non_permanent():
    """significant is valid only with auto_shutdown != never and for transient/temporary."""
    # item 68
    async def main():
        trap_exit(True)
        r1 = await sup.start_link(Sup, ("ok", (flags(), [sig("c", "transient")])))
        r2 = await sup.start_link(Sup, ("ok", (flags(auto_shutdown="any_significant"),
                                              [sig("c", "permanent")])))
        return r1, r2
    r1, r2 = run(main)
    assert r1 == ("error", ("start_spec", ("bad_combination",
                                           [("auto_shutdown", "never"), ("significant", True)])))
    assert r2 == ("error", ("start_spec", ("bad_combination",
                                           [("restart", "permanent"), ("significant", True)])))


@pytest.mark.parametrize("restart", ["transient", "temporary"])
def test_significant_temporary_transient_any(restart):
    """any_significant: a significant child ending for good shuts the supervisor down."""
    # item 68
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[child("other"), sig("s", restart)],
                            auto_shutdown="any_significant")
        p = await pids_of(s)
        send(p["s"], ("stop", "normal"))
        return s, p, await receive(Exit)
    rt, (s, p, msg) = sim(main)
    assert msg == Exit(s, "shutdown")
    assert exits(rt, {p["other"]}) == [(p["other"], "shutdown")]


def test_significant_all_significant():
    """all_significant: the supervisor shuts down when the last significant child ends."""
    # item 68
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[sig("s1", "temporary"), sig("s2", "transient"),
                                   child("w")], auto_shutdown="all_significant")
        p = await pids_of(s)
        await kill(s, p["s1"], "normal")
        alive_after_first = is_alive(s)
        exit(p["s2"], "shutdown")
        return alive_after_first, await receive(Exit)
    alive, msg = run(main)
    assert alive and msg.reason == "shutdown"


def test_significant_transient():
    """A significant transient child that crashes is restarted; no auto-shutdown."""
    # items 68, 69
    async def main():
        s = await start_sup(specs=[sig("s", "transient")], auto_shutdown="any_significant",
                            intensity=5)
        p = (await pids_of(s))["s"]
        await kill(s, p, "boom")
        return is_alive(s), (await pids_of(s))["s"] != p
    assert run(main) == (True, True)


def test_significant_terminate_child_does_not_shut_down():
    """terminate_child on a significant child does not trigger auto_shutdown."""
    # item 69
    async def main():
        s = await start_sup(specs=[sig("s", "transient")], auto_shutdown="any_significant")
        r = await sup.terminate_child(s, "s")
        await sleep(0.1)
        return r, is_alive(s)
    assert run(main) == ("ok", True)


def test_significant_bystander():
    """A significant temporary child stopped as a bystander does not shut the supervisor down."""
    # item 68
    async def main():
        s = await start_sup("one_for_all", [child("p"), sig("t", "temporary")],
                            auto_shutdown="any_significant", intensity=5)
        await kill(s, (await pids_of(s))["p"])
        return is_alive(s), [i for i, *_ in await sup.which_children(s)]
    assert run(main) == (True, ["p"])


@pytest.mark.parametrize("significant", [True, False])
def test_significant_escalation(significant):
    """A child supervisor that auto-shuts down escalates only if it is itself significant."""
    # item 68
    inner = ("ok", (flags(auto_shutdown="any_significant"), [sig("w", "transient")]))

    async def main():
        trap_exit(True)
        top = await start_sup(specs=[ChildSpec("inner", (sup.start_link, (Sup, inner)),
                                               restart="transient", type="supervisor",
                                               significant=significant)],
                              auto_shutdown="any_significant" if significant else "never")
        i = (await pids_of(top))["inner"]
        send((await pids_of(i))["w"], ("stop", "normal"))
        await sleep(0.1)
        return is_alive(top), await sup.which_children(top) if is_alive(top) else None
    alive, wc = run(main)
    assert alive is (not significant)
    if wc is not None:
        assert wc[0][1] == "undefined"


def test_significant_simple_all_significant():
    """simple_one_for_one with all_significant shuts down when the last dynamic child ends."""
    # item 68
    async def main():
        trap_exit(True)
        s = await start_sup("simple_one_for_one", [dyn_spec("temporary", significant=True)],
                            auto_shutdown="all_significant")
        a = (await sup.start_child(s, ["a"]))[1]
        b = (await sup.start_child(s, ["b"]))[1]
        await kill(s, a, "normal")
        alive = is_alive(s)
        send(b, ("stop", "normal"))
        return alive, await receive(Exit)
    alive, msg = run(main)
    assert alive and msg.reason == "shutdown"


# ---------------------------------------------------------------------------
# Reports and odds and ends

def test_reports_are_deterministic_lines():
    """A crash and its restart give two concise report lines, the same on every run."""
    async def main():
        s = await start_sup(specs=[child("c")], name="my_sup")
        await sleep(2)
        send((await pids_of(s))["c"], "crash")
        await sup.count_children(s)
    lines = [sup_reports(sim(main)[0]) for _ in range(2)]
    assert lines[0] == lines[1] == [
        "=SUPERVISOR REPORT==== t=2.000 supervisor my_sup (Sup) child_terminated: "
        "id=c pid=<0.3.0> reason=ZeroDivisionError('division by zero')",
        "=PROGRESS REPORT==== t=2.000 supervisor my_sup (Sup) child_restarted: "
        "id=c pid=<0.4.0>",
    ]


def test_unexpected_message_is_logged_and_dropped():
    """A stray message to a supervisor is reported and ignored."""
    async def main():
        s = await start_sup(specs=[child("c")])
        send(s, "hello")
        return await sup.count_children(s)
    rt, c = sim(main)
    assert counts(c) == [1, 1, 0, 1]
    assert any("unexpected message: 'hello'" in r for r in rt.reports)


def test_exit_from_unknown_pid_is_ignored():
    """An EXIT from a process that is not a child changes nothing."""
    async def main():
        s = await start_sup(specs=[child("c")])
        before = await pids_of(s)
        send(s, Exit(spawn(worker, "stranger"), "boom"))
        return before, await pids_of(s)
    before, after = run(main)
    assert before == after


def test_registered_name():
    """start_link with a name registers the supervisor; admin calls accept the name."""
    async def main():
        await start_sup(specs=[child("c")], name="top")
        return [i for i, *_ in await sup.which_children("top")]
    assert run(main) == ["c"]


# ---------------------------------------------------------------------------
# gen_server children, hot code change, names

class Cleaner(gen_server.GenServer):
    """A gen_server child that logs its terminate; traps exits if asked."""

    def init(self, arg):
        cid, trap = arg
        if trap:
            trap_exit(True)
        return ("ok", cid)

    def handle_call(self, request, from_, state):
        return ("reply", state, state)

    def terminate(self, reason, state):
        EVENTS.append(("terminate", state, reason))


@pytest.mark.parametrize("shutdown", ["brutal_kill", 1.0, None])
@pytest.mark.parametrize("trap", [True, False])
def test_gen_server_child_terminate_runs_only_when_trapping(shutdown, trap):
    """A gen_server child's terminate(shutdown) runs only if it traps exits and is not brutally killed."""
    # items 56, 57
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[ChildSpec("g", (gen_server.start_link, (Cleaner, ("g", trap))),
                                             shutdown=shutdown)])
        g = (await pids_of(s))["g"]
        assert await gen_server.call(g, "who") == "g"
        exit(s, "shutdown")
        await receive(Exit)
        return g
    rt, g = sim(main)
    ran = EVENTS == [("terminate", "g", "shutdown")]
    assert ran == (trap and shutdown != "brutal_kill")
    assert exits(rt, {g}) == [(g, "killed" if shutdown == "brutal_kill" else "shutdown")]


class UpgSup:
    """Version 1 of a supervisor callback module."""

    def init(self, arg):
        return ("ok", (SupFlags("one_for_one", 1, 5), [child("a")]))


class UpgSupV2:
    """Version 2: new flags, child a becomes transient, a new child b."""

    def init(self, arg):
        return ("ok", (SupFlags("one_for_one", 7, 9), [child("a", "transient"), child("b")]))


def test_code_change_rereads_init():
    """sys.change_code re-runs the current init: new flags and specs, running children kept."""
    async def main():
        s = (await sup.start_link(UpgSup, None))[1]
        a = (await pids_of(s))["a"]
        code.load("UpgSup", UpgSupV2)
        await lsys.suspend(s)
        r = await lsys.change_code(s, "supervisor", None, None)
        await lsys.resume(s)
        return (r, a, await sup.get_flags(s), await sup.which_children(s),
                (await sup.get_childspec(s, "a"))[1].restart)
    r, a, f, wc, restart = run(main)
    assert r == "ok"
    assert f == SupFlags("one_for_one", 7, 9)
    assert [(i, p) for i, p, *_ in wc] == [("b", "undefined"), ("a", a)]
    assert restart == "transient"


def test_supervisor_process_runs_module_supervisor():
    """The supervisor process runs the generic module named "supervisor", as in OTP."""
    async def main():
        s = await start_sup(specs=[child("a")])
        return process_info(s).function
    assert run(main) == "gen_server:supervisor"


def test_one_for_one_on_both_kernels(run_on, kernel):
    """A crashed child is restarted with a new pid on both kernels."""
    # item 43
    async def main():
        s = await start_sup(specs=[child("a"), child("b")])
        before = await pids_of(s)
        await kill(s, before["a"])
        return before, await pids_of(s)
    before, after = run_on(main)
    assert after["b"] == before["b"] and after["a"] != before["a"]


# ---------------------------------------------------------------------------
# Drawing the tree (labrt.supervision_tree)

import xml.etree.ElementTree as ET  # noqa: E402

from labrt import supervision_tree  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def _demo_tree(rt):
    """app_sup (one_for_one): logger, db (rest_for_one: cache, pool (3 dynamic), flaky), web."""
    dyn = ("ok", (flags("simple_one_for_one"), [dyn_spec()]))
    mid = ("ok", (flags("rest_for_one", 5, 5), [
        child("cache"), ChildSpec("pool", (sup.start_link, (Sup, dyn)), type="supervisor"),
        child("flaky")]))
    top = ("ok", (flags("one_for_one", 3, 5), [
        child("logger"), ChildSpec("db", (sup.start_link, (Sup, mid)), type="supervisor"),
        child("web", "transient")]))

    async def main():
        s = (await sup.start_link(Sup, top, name="app_sup"))[1]
        pool = (await pids_of((await pids_of(s))["db"]))["pool"]
        for i in range(3):
            await sup.start_child(pool, [f"conn{i}"])
        await sup.terminate_child(s, "web")
        await receive()
    rt.spawn(main)
    rt.run_for(1)


def test_tree_snapshot_lists_every_child_and_parses():
    """snapshot() walks the tree from outside; the SVG parses and names every process."""
    rt = labrt.Runtime(reports=None)
    _demo_tree(rt)
    t0 = rt.now
    tree = supervision_tree.snapshot(rt, "app_sup")
    assert rt.now == t0                                   # the clock did not move
    root = ET.fromstring(tree.svg)
    assert root.get("role") == "img"
    assert root.find(SVG + "title").text == "Supervision tree of app_sup <0.2.0> at t=1 s"
    desc = root.find(SVG + "desc").text
    texts = [t.text for t in root.iter(SVG + "text")]
    live = {p.pid for p in rt.processes()} - {None}
    for node in tree.nodes():
        assert node.summary() in desc
        if node.pid is not None:
            assert str(node.pid) in texts
            live.discard(node.pid)
    for cid in ("app_sup", "logger", "db", "cache", "pool", "flaky", "web"):
        assert cid in texts
    assert len(live) == 1                                 # only main is not in the tree
    assert [n.label for n in tree.nodes()] == [
        "app_sup", "logger", "db", "cache", "pool", "(dynamic)", "(dynamic)", "(dynamic)",
        "flaky", "web"]                                   # start order, depth first


def test_tree_states_by_text_and_style():
    """Each state is drawn by a class, a border style and a text line."""
    rt = labrt.Runtime(reports=None)
    _demo_tree(rt)
    root = ET.fromstring(supervision_tree.snapshot(rt, "app_sup").svg)
    groups = {g.find(SVG + "title").text.split(":")[0]: g
              for g in root.iter(SVG + "g") if "node" in (g.get("class") or "")}
    web = groups["web"]
    assert web.get("class") == "node worker undefined"
    assert web.find(SVG + "rect").get("stroke-dasharray") == "2 3"
    assert "stopped (undefined)" in [t.text for t in web.iter(SVG + "text")]
    db = groups["db <0.4.0>"]
    assert db.get("class") == "node supervisor running"
    assert db.find(SVG + "rect").get("rx") is None                     # square: supervisor
    assert groups["logger <0.3.0>"].find(SVG + "rect").get("rx") == "12"  # rounded: worker
    assert "supervisor: rest_for_one" in [t.text for t in db.iter(SVG + "text")]


def test_tree_restarting_child_drawn_dashed():
    """A child whose restart keeps failing is drawn as restarting (walked from inside)."""
    async def main():
        s = await start_sup(specs=[child("ok"), ChildSpec("c", (slow_failing_start, ("c",)))],
                            intensity=50, period=60)
        FAIL_START.add("c")
        exit((await pids_of(s))["c"], "boom")
        await sleep(0.2)
        return await supervision_tree.walk(s)
    tree = run(main)
    c = [n for n in tree.nodes() if n.id == "c"][0]
    assert (c.state, c.pid) == ("restarting", None)
    g = [g for g in ET.fromstring(tree.svg).iter(SVG + "g")
         if g.get("class") == "node worker restarting"]
    assert len(g) == 1 and g[0].find(SVG + "rect").get("stroke-dasharray") == "7 4"
    assert "c: worker, restarting" in tree.text()


def test_tree_is_deterministic_and_displays_inline():
    """The same tree gives the same bytes; _repr_svg_ returns the SVG."""
    svgs = []
    for _ in range(2):
        rt = labrt.Runtime(reports=None)
        _demo_tree(rt)
        tree = supervision_tree.snapshot(rt, "app_sup")
        svgs.append(tree._repr_svg_())
    assert svgs[0] == svgs[1] and svgs[0].startswith("<svg")


def test_tree_many_children_are_summarised_but_all_described():
    """A big pool shows max_children boxes and a "more" box; the description lists all."""
    async def main():
        s = await start_sup("simple_one_for_one", [dyn_spec()])
        for i in range(30):
            await sup.start_child(s, [i])
        return await supervision_tree.walk(s, max_children=5)
    tree = run(main)
    root = ET.fromstring(tree.svg)
    assert len([g for g in root.iter(SVG + "g") if "node worker" in (g.get("class") or "")]) == 5
    assert any(t.text == "\u2026 25 more" for t in root.iter(SVG + "text"))
    assert tree.description.count("(dynamic child)") == 30


def test_tree_snapshot_of_a_busy_supervisor_fails_cleanly():
    """snapshot() says so when a supervisor cannot answer now, and leaves no walker behind."""
    rt = labrt.Runtime(reports=None)

    async def main():
        s = await start_sup(specs=[ChildSpec("c", (slow_failing_start, ("c",)))],
                            intensity=50, period=60, name="busy")
        FAIL_START.add("c")
        exit((await pids_of(s))["c"], "boom")
        await receive()
    rt.spawn(main)
    rt.run_for(1)
    before = len(rt.processes())
    with pytest.raises(labrt.LabrtError, match="busy"):
        supervision_tree.snapshot(rt, "busy")
    assert len(rt.processes()) == before


def test_tree_walk_on_both_kernels(run_on, kernel):
    """walk() works inside a process on both kernels and lists every child in start order."""
    async def main():
        s = await start_sup("rest_for_one", [child("a"), child("b", "transient")])
        await sup.terminate_child(s, "b")
        tree = await supervision_tree.walk(s)
        return [(n.label, n.state, n.strategy) for n in tree.nodes()]
    assert run_on(main) == [("root", "running", "rest_for_one"), ("a", "running", None),
                            ("b", "undefined", None)]


def test_gen_server_stop_shuts_children_down_in_reverse():
    """gen_server.stop on a supervisor runs its terminate: children stop right to left."""
    # item 42
    async def main():
        s = await start_sup(specs=[child("a"), child("b")])
        p = await pids_of(s)
        return s, p, await gen_server.stop(s)
    rt, (s, p, r) = sim(main)
    assert r == "ok"
    assert exits(rt, {p["a"], p["b"], s}) == [(p["b"], "shutdown"), (p["a"], "shutdown"),
                                              (s, "normal")]


def test_start_link_with_a_taken_name():
    """A second supervisor under a taken name gets ("error", ("already_started", pid))."""
    async def main():
        s = await start_sup(name="taken")
        return s, await sup.start_link(Sup, ("ok", (flags(), [])), name="taken")
    s, res = run(main)
    assert res == ("error", ("already_started", s))


def test_shutdown_timeout_on_both_kernels(run_on, kernel):
    """A trapping child too slow to stop is killed after its shutdown time, on both kernels."""
    # item 55
    async def main():
        trap_exit(True)
        s = await start_sup(specs=[ChildSpec("slow", (start_worker, ("slow", True, 30)),
                                             shutdown=0.2)])
        c = (await pids_of(s))["slow"]
        ref = labrt.monitor(c)
        t0 = now()
        exit(s, "shutdown")
        down = await receive(lambda m: isinstance(m, labrt.Down) and m.ref == ref)
        return down.reason, now() - t0
    reason, took = run_on(main)
    assert reason == "killed"
    assert 0.2 <= took < 5
