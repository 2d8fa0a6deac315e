"""sys and the code server: otp-semantics items 90-95 and hot code upgrade.

Each test names the checklist item (``# item N``), the suite case
(``# suite: name``) or the classic mistake (``# mistake 10``) it checks.
Tests that take ``run_on`` run on both kernels.
"""
import pytest

import labrt
from labrt import ANY, Down, ProcessExit, code, gen_server
from labrt import sys as lsys
from labrt.gen_server import GenServer


def sim(main, *args):
    """Run ``main`` on a fresh simulated runtime; return (result, runtime)."""
    rt = labrt.Runtime(kernel="sim", reports=None)
    return rt.run_main(main, *args), rt


async def exit_reason(coro):
    try:
        value = await coro
    except ProcessExit as e:
        return e.reason
    raise AssertionError(f"expected an exit, got {value!r}")


def mailbox():
    return labrt.process_info(labrt.self()).mailbox


# ---------------------------------------------------------------------------
# Two versions of a key-value counter.  V1's state is {"count": n}; V2 keeps
# {"total": n, "extra": extra} and answers with its version tag.

class KV1(GenServer):
    vsn = 1

    def init(self, arg):
        return ("ok", {"count": arg or 0})

    def handle_call(self, req, from_, s):
        match req:
            case "get":
                return ("reply", ("v1", s["count"]), s)
            case ("add", k):
                s = {"count": s["count"] + k}
                return ("reply", ("v1", s["count"]), s)

    async def handle_cast(self, msg, s):
        match msg:
            case ("add", k):
                return ("noreply", {"count": s["count"] + k})
            case ("sleep", t):
                await labrt.sleep(t)
                return ("noreply", s)

    def handle_info(self, msg, s):
        return ("noreply", {"count": s["count"] + 100})


class KV2(GenServer):
    vsn = 2

    def handle_call(self, req, from_, s):
        match req:
            case "get":
                return ("reply", ("v2", s["total"]), s)
            case ("add", k):
                s = {**s, "total": s["total"] + k}
                return ("reply", ("v2", s["total"]), s)

    def handle_cast(self, msg, s):
        match msg:
            case ("add", k):
                return ("noreply", {**s, "total": s["total"] + k})

    def handle_info(self, msg, s):
        return ("noreply", {**s, "total": s["total"] + 100})

    async def code_change(self, old_vsn, s, extra):
        match old_vsn:
            case 1:
                await labrt.sleep(0.01)                # converting takes a while
                return ("ok", {"total": s["count"], "extra": extra})
            case "refuse":
                return ("error", "refused")
            case "crash":
                return {}["missing"]
            case ("down", v):
                return ("ok", {"total": -1, "extra": ("down", v)})


class KV2NoCodeChange:
    """V2's callbacks without code_change and not a GenServer (OTP's undef_code_change)."""
    handle_call = KV2.handle_call


# ---------------------------------------------------------------------------
# item 90: suspend and resume

def test_suspended_server_queues_and_resumes_in_order(run_on):
    """A suspended server answers no call, queues casts and infos, and handles them in order after resume."""  # item 90; mistake 10
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 0)
        assert await lsys.suspend(pid) == "ok"
        r = await exit_reason(gen_server.call(pid, "get", 0.05))
        gen_server.cast(pid, ("add", 1))
        labrt.send(pid, "info")
        gen_server.cast(pid, ("add", 2))
        during = await lsys.get_state(pid)                 # system messages still work
        assert await lsys.resume(pid) == "ok"
        after = await gen_server.call(pid, "get")
        return r[0], during, after, mailbox()
    # The timed-out "get" stays queued and is handled too (its reply is dropped).
    assert run_on(main) == ("timeout", {"count": 0}, ("v1", 103), ())


def test_suspend_resume_exit_reasons(run_on):
    """sys functions exit the caller like calls do: (Reason, ("sys", function, args))."""  # item 90
    async def main():
        return [await exit_reason(lsys.suspend("nobody")),
                await exit_reason(lsys.get_state("nobody", 1.0))]
    assert run_on(main) == [("noproc", ("sys", "suspend", ("nobody",))),
                            ("noproc", ("sys", "get_state", ("nobody", 1.0)))]


def test_get_status(run_on):
    """get_status shows module, state and whether the server is suspended."""  # item 90
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 5, name="kv")
        await lsys.suspend("kv")
        st = await lsys.get_status("kv")
        return st[0], st[1] == pid, st[3]["module"], st[3]["sys_state"], st[3]["state"]
    assert run_on(main) == ("status", True, "kv", "suspended", {"count": 5})


# ---------------------------------------------------------------------------
# item 91: change_code

def test_change_code_needs_suspension(run_on):
    """change_code on a running server fails with unknown_system_msg; on a suspended one it returns ok."""  # item 91
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 3)
        code.load("kv", KV2)
        running = await lsys.change_code(pid, "kv", 1, "x")
        await lsys.suspend(pid)
        suspended = await lsys.change_code(pid, "kv", 1, "x")
        await lsys.resume(pid)
        return running, suspended, await lsys.get_state(pid)
    assert run_on(main) == (
        ("error", ("unknown_system_msg", ("change_code", "kv", 1, "x"))),
        "ok", {"total": 3, "extra": "x"})


def test_change_code_errors_leave_state(run_on):
    """code_change's ("error", R) gives ("error", ("error", R)); a crash gives ("error", ("EXIT", exc))."""  # item 91
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 3)
        await lsys.suspend(pid)
        code.load("kv", KV2)
        refused = await lsys.change_code(pid, "kv", "refuse", None)
        crashed = await lsys.change_code(pid, "kv", "crash", None)
        state = await lsys.get_state(pid)
        down = await lsys.change_code(pid, "kv", ("down", 2), None)
        return refused, crashed, state, down, await lsys.get_state(pid), labrt.is_alive(pid)
    refused, crashed, state, down, state2, alive = run_on(main)
    assert refused == ("error", ("error", "refused"))
    assert crashed[0] == "error" and crashed[1][0] == "EXIT"
    assert isinstance(crashed[1][1], KeyError)
    assert state == {"count": 3}
    assert (down, state2, alive) == ("ok", {"total": -1, "extra": ("down", 2)}, True)


def test_undef_code_change(run_on):
    """A module without code_change: change_code returns ("error", ("EXIT", "undef")), as OTP."""  # suite: undef_code_change
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 3)
        await lsys.suspend(pid)
        code.load("kv", KV2NoCodeChange)
        return await lsys.change_code(pid, "kv", 1, None)
    assert run_on(main) == ("error", ("EXIT", "undef"))


# ---------------------------------------------------------------------------
# item 92: get_state and replace_state

def test_get_and_replace_state_while_suspended(run_on):
    """get_state and replace_state work while suspended; replace returns the new state."""  # item 92; suite: get_state, replace_state
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 1)
        a = await lsys.get_state(pid)
        await lsys.suspend(pid)
        b = await lsys.replace_state(pid, lambda s: {"count": s["count"] * 10})

        async def slow_double(s):
            await labrt.sleep(0.01)
            return {"count": s["count"] * 2}
        c = await lsys.replace_state(pid, slow_double)
        d = await lsys.get_state(pid)
        await lsys.resume(pid)
        return a, b, c, d, await gen_server.call(pid, "get")
    assert run_on(main) == ({"count": 1}, {"count": 10}, {"count": 20}, {"count": 20},
                            ("v1", 20))


def test_replace_state_crash_leaves_state(run_on):
    """A crashing replace fun raises CallbackFailed(("callback_failed", ...)) and keeps the state."""  # item 92; suite: replace_state
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 4)
        try:
            await lsys.replace_state(pid, lambda s: 1 / 0)
        except lsys.CallbackFailed as e:
            failure = e.reason
        return failure, await lsys.get_state(pid)
    (tag, where, (kind, exc)), state = run_on(main)
    assert (tag, where) == ("callback_failed", ("gen_server", "system_replace_state"))
    assert kind == "error" and isinstance(exc, ZeroDivisionError)   # OTP's {Class, Reason}
    assert state == {"count": 4}


# ---------------------------------------------------------------------------
# item 93: hot upgrade of a gen_server

def test_hot_upgrade_queued_messages_meet_new_code(run_on):
    """suspend, load, change_code, resume: messages queued meanwhile are handled by V2 on the new state."""  # item 93; mistake 10
    async def client(server, req, watch):
        labrt.send(watch, ("answer", req, await gen_server.call(server, req)))

    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 0, name="kv")
        await gen_server.call("kv", ("add", 5))
        await lsys.suspend("kv")
        gen_server.cast("kv", ("add", 1))                       # queued
        labrt.spawn(client, "kv", ("add", 10), labrt.self())     # queued call
        await labrt.sleep(0.01)
        assert code.load("kv", KV2) == 2
        changed = await lsys.change_code("kv", "kv", 1, "migrated")
        await lsys.resume("kv")
        answer = await labrt.receive(("answer", ANY, ANY))
        return changed, answer, await lsys.get_state("kv")
    assert run_on(main) == ("ok", ("answer", ("add", 10), ("v2", 16)),
                            {"total": 16, "extra": "migrated"})


def test_naive_upgrade_without_change_code_crashes(run_on):
    """Loading V2 with no suspend/change_code runs V2's callbacks on V1's state: the server crashes."""  # item 93
    async def main():
        code.load("kv", KV1)
        ok, (pid, ref) = await gen_server.start_monitor("kv", 2)
        code.load("kv", KV2)                                     # new code, old state
        reason = await exit_reason(gen_server.call(pid, "get"))
        down = await labrt.receive(Down)
        return reason, down.reason
    (exc, where), down = run_on(main)
    assert isinstance(exc, KeyError) and exc.args == ("total",)
    assert where == ("gen_server", "call", (where[2][0], "get"))
    assert isinstance(down, KeyError)


def test_naive_upgrade_without_code_change_callback():
    """The new module has no code_change: change_code fails and the state is left as it was."""  # item 93; suite: undef_code_change
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 2)
        await lsys.suspend(pid)
        code.load("kv", KV2NoCodeChange)
        res = await lsys.change_code(pid, "kv", 1, None)
        await lsys.resume(pid)
        return res[1][0], await exit_reason(gen_server.call(pid, "get"))
    (tag, (exc, _)), rt = sim(main)
    assert tag == "EXIT" and isinstance(exc, KeyError)
    assert any("KeyError('total')" in r for r in rt.reports)


def test_class_start_loads_module_by_class_name(run_on):
    """start(cls) loads cls under its class name; a different class with that name is refused."""  # item 93
    async def main():
        ok, pid = await gen_server.start(KV1, 1)
        first = code.versions("KV1")
        Other = type("KV1", (KV2,), {})
        try:
            await gen_server.start(Other, 1)
        except labrt.LabrtError as e:
            refused = "already loaded" in str(e)
        return [n for n, _ in first], refused
    assert run_on(main) == ([1], True)


# ---------------------------------------------------------------------------
# items 94-95: plain processes, two versions, purge

def make_loop(tag):
    class Loop:
        vsn = tag

        async def loop(self, n):
            while True:                                  # a local loop: stays put
                match await labrt.receive():
                    case ("get", frm):
                        labrt.send(frm, (tag, n))
                    case "upgrade":                      # the fully qualified call
                        return await code.apply("looper", "loop", n + 1)
                    case "stop":
                        return n
    Loop.__name__ = f"Loop{tag}"
    return Loop


async def ask(pid):
    labrt.send(pid, ("get", labrt.self()))
    return await labrt.receive((ANY, ANY))


def test_qualified_call_moves_local_loop_stays(run_on):
    """After a load, a process that makes the qualified call runs V2; one looping locally stays on V1."""  # item 94
    async def main():
        code.load("looper", make_loop("v1"))
        a = code.spawn("looper", "loop", 0)
        b = code.spawn("looper", "loop", 0)
        await labrt.sleep(0.01)
        code.load("looper", make_loop("v2"))
        labrt.send(a, "upgrade")
        await labrt.sleep(0.01)
        users = code.users("looper")
        return await ask(a), await ask(b), users == {"current": [a], "old": [b]}
    assert run_on(main) == (("v2", 1), ("v1", 0), True)


def test_third_version_kills_processes_on_the_oldest(run_on):
    """Loading a third version kills processes still on the oldest with "killed"; others live."""  # item 95
    async def main():
        code.load("looper", make_loop("v1"))
        a = code.spawn("looper", "loop", 0)
        b = code.spawn("looper", "loop", 0)
        ma, mb = labrt.monitor(a), labrt.monitor(b)
        await labrt.sleep(0.01)
        code.load("looper", make_loop("v2"))
        labrt.send(a, "upgrade")                        # a moves to v2, b stays on v1
        await labrt.sleep(0.01)
        code.load("looper", make_loop("v3"))            # v1 is purged: b is killed
        down = await labrt.receive(Down)
        return down == Down(mb, b, "killed"), labrt.is_alive(a), \
            [n for n, _ in code.versions("looper")]
    assert run_on(main) == (True, True, [3, 2])


def test_purge_and_soft_purge(run_on):
    """soft_purge refuses while old code runs; purge kills its users; then soft_purge succeeds."""  # item 95
    async def main():
        code.load("looper", make_loop("v1"))
        a = code.spawn("looper", "loop", 0)
        ref = labrt.monitor(a)
        await labrt.sleep(0.01)
        code.load("looper", make_loop("v2"))
        soft = code.soft_purge("looper")
        hard = code.purge("looper")
        down = await labrt.receive(Down)
        after = code.soft_purge("looper"), code.purge("looper")
        return soft, hard, down.reason, after, len(code.versions("looper"))
    assert run_on(main) == (False, True, "killed", (True, False), 1)


def test_soft_purge_succeeds_when_no_one_runs_old_code(run_on):
    """soft_purge removes an old version nobody runs (an idle gen_server runs no module code)."""  # items 93, 95
    async def main():
        code.load("kv", KV1)
        ok, pid = await gen_server.start("kv", 1)
        code.load("kv", KV2)
        return code.soft_purge("kv"), labrt.is_alive(pid), code.old("kv")
    assert run_on(main) == (True, True, None)


def test_gen_server_in_old_callback_is_killed_by_purge(run_on):
    """A gen_server suspended inside a callback of the old version is killed when that version is purged."""  # item 95
    class Slow(GenServer):
        def init(self, arg):
            return ("ok", arg)

        async def handle_cast(self, msg, s):
            await labrt.sleep(1.0)
            return ("noreply", s)

    async def main():
        code.load("slow", Slow)
        ok, (pid, ref) = await gen_server.start_monitor("slow", 0)
        gen_server.cast(pid, "work")
        await labrt.sleep(0.01)
        code.load("slow", type("Slow2", (Slow,), {}))
        in_old = code.users("slow")["old"] == [pid]
        killed = code.purge("slow")
        return in_old, killed, (await labrt.receive(Down)).reason
    assert run_on(main) == (True, True, "killed")


def test_code_server_is_per_runtime():
    """Two runtimes never share modules; outside a process pass rt=."""  # style: no global state
    rt1 = labrt.Runtime(reports=None)
    rt2 = labrt.Runtime(reports=None)
    assert code.load("m", KV1, rt=rt1) == 1
    assert code.load("m", KV2, rt=rt1) == 2
    assert code.load("m", KV1, rt=rt2) == 1
    assert code.current("m", rt=rt1) is KV2 and code.current("m", rt=rt2) is KV1
    assert code.versions("m", rt=rt2) == [(1, KV1)]


def test_unknown_module():
    """Starting a server of a module that was never loaded fails its init with UndefinedModule."""  # item 72
    async def main():
        return await gen_server.start("nowhere", None)
    (tag, exc), _ = sim(main)
    assert tag == "error" and isinstance(exc, code.UndefinedModule)


# ---------------------------------------------------------------------------
# rolling upgrade under load

def test_rolling_upgrade_under_load(run_on, kernel):
    """Three servers upgraded one at a time while six clients call them: zero failed calls, no lost update."""  # items 90-93
    n_calls = 30

    async def client(i, servers, watch):
        answers, failures = [], 0
        for k in range(n_calls):
            server = servers[(i + k) % len(servers)]
            try:
                answers.append((server, await gen_server.call(server, ("add", 1), 1.0)))
            except ProcessExit:
                failures += 1
            await labrt.sleep(0.002)
        labrt.send(watch, ("done", i, answers, failures))

    async def main():
        code.load("kv", KV1)
        servers = []
        for name in ("kv_a", "kv_b", "kv_c"):
            ok, pid = await gen_server.start("kv", 0, name=name)
            servers.append(name)
        me = labrt.self()
        for i in range(6):
            labrt.spawn(client, i, servers, me)
        await labrt.sleep(0.02)                         # traffic is flowing
        result = await code.rolling_upgrade(servers, "kv", KV2, "rolled")
        done = [await labrt.receive(("done", ANY, ANY, ANY)) for _ in range(6)]
        states = [await lsys.get_state(s) for s in servers]
        return result, done, states

    result, done, states = run_on(main)
    assert result == [("kv_a", "ok"), ("kv_b", "ok"), ("kv_c", "ok")]
    assert sum(d[3] for d in done) == 0                         # zero failed calls
    assert sum(s["total"] for s in states) == 6 * n_calls      # no update lost
    assert all(s["extra"] == "rolled" for s in states)
    for _, _, answers, _ in done:                               # each server: v1... then v2...
        for server in ("kv_a", "kv_b", "kv_c"):
            tags = [a[0] for s, a in answers if s == server]
            assert tags == sorted(tags) and tags[-1] == "v2"
    if kernel == "sim":
        assert any(a[0] == "v1" for d in done for _, a in d[2])


def test_rolling_upgrade_trace_order():
    """Servers are suspended in order, the code is loaded once, then each is converted and resumed in turn."""  # items 90-93
    async def main():
        code.load("kv", KV1)
        pids = [(await gen_server.start("kv", i))[1] for i in range(3)]
        result = await code.rolling_upgrade(pids, "kv", KV2, None)
        return pids, result
    (pids, result), rt = sim(main)
    assert result == [(p, "ok") for p in pids]
    steps = [(e.pid, e.data[2] if isinstance(e.data[2], str) else e.data[2][0])
             for e in rt.trace if e.kind == "receive" and e.pid in pids
             and type(e.data) is tuple and e.data[0] == "$system"]
    a, b, c = pids
    assert steps == [(a, "suspend"), (b, "suspend"), (c, "suspend"),
                     (a, "change_code"), (a, "resume"), (b, "change_code"), (b, "resume"),
                     (c, "change_code"), (c, "resume")]


def test_rolling_upgrade_never_runs_new_code_on_old_state(run_on):
    """A call queued behind a slow callback is handled by V1 before the suspend, never by V2 on V1's state."""  # item 93
    async def caller(server, watch):
        labrt.send(watch, ("answer", await gen_server.call(server, ("add", 1))))

    async def main():
        code.load("kv", KV1)
        pids = [(await gen_server.start("kv", 0))[1] for _ in range(2)]
        gen_server.cast(pids[1], ("sleep", 0.05))      # busy when the upgrade starts
        labrt.spawn(caller, pids[1], labrt.self())      # this call waits behind it
        await labrt.sleep(0.01)
        result = await code.rolling_upgrade(pids, "kv", KV2, None)
        return [r for _, r in result], await labrt.receive(("answer", ANY))
    assert run_on(main) == (["ok", "ok"], ("answer", ("v1", 1)))


def test_rolling_upgrade_reports_each_server():
    """A dead server and a refusing code_change are reported per server; the others are upgraded."""  # items 91, 93
    class KV2Picky(KV2):
        def code_change(self, old_vsn, s, extra):
            if s["count"] == 13:
                return ("error", "unlucky")
            return ("ok", {"total": s["count"], "extra": extra})

    async def main():
        code.load("kv", KV1)
        ok, a = await gen_server.start("kv", 1)
        ok, b = await gen_server.start("kv", 13)
        ok, c = await gen_server.start("kv", 2)
        await gen_server.stop(c)
        result = await code.rolling_upgrade([a, b, c], "kv", KV2Picky)
        return [r for _, r in result], await gen_server.call(a, "get"), labrt.is_alive(b)
    (results, answer, b_alive), _ = sim(main)
    assert results == ["ok", ("error", ("error", "unlucky")), ("error", "noproc")]
    assert answer == ("v2", 1) and b_alive
