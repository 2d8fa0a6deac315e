"""gen_server: otp-semantics items 71-89 and ports of OTP's gen_server_SUITE.

Each test names the checklist item (``# item N``) or the suite case
(``# suite: name``) it checks.  Tests that take the ``run_on`` fixture run on
both kernels; exact event order and virtual times are asserted on the
simulated kernel only (``sim``).
"""
import pytest

import labrt
from labrt import ANY, TIMEOUT, Down, Exit, ProcessExit, gen_server
from labrt import sys as lsys
from labrt.gen_server import GenServer, Throw


# ---------------------------------------------------------------------------
# Helpers

def sim(main, *args):
    """Run ``main`` on a fresh simulated runtime; return (result, runtime)."""
    rt = labrt.Runtime(kernel="sim", reports=None)
    return rt.run_main(main, *args), rt


async def exit_reason(coro):
    """Await ``coro``; return the reason it exits the caller with (or fail)."""
    try:
        value = await coro
    except ProcessExit as e:
        return e.reason
    raise AssertionError(f"expected an exit, got {value!r}")


def mailbox():
    return labrt.process_info(labrt.self()).mailbox


def reports():
    return labrt.current_runtime().reports


async def delayed_reply(from_, t, value):
    await labrt.sleep(t)
    gen_server.reply(from_, value)


class Probe(GenServer):
    """A test server.  State: {"log": [...], "watch": pid or None}."""

    async def init(self, arg):
        match arg:
            case ("sleep", t):
                await labrt.sleep(t)
                return ("ok", {"log": ["init"], "watch": None})
            case ("return", value):
                return value
            case ("with", action):
                return ("ok", {"log": [], "watch": None}, action)
            case "crash":
                return 1 / 0
            case ("exit", reason):
                labrt.exit(reason)
            case ("trap", watch):
                labrt.trap_exit(True)
                return ("ok", {"log": [], "watch": watch})
            case watch if watch is None or isinstance(watch, labrt.Pid):
                return ("ok", {"log": [], "watch": watch})

    async def handle_call(self, req, from_, s):
        match req:
            case "get":
                return ("reply", s["log"], s)
            case "from":
                return ("reply", from_, s)
            case ("delayed", t, value):
                labrt.spawn(delayed_reply, from_, t, value)
                return ("noreply", s)
            case "never":
                return ("noreply", s)
            case ("stop", reason):
                return ("stop", reason, "stopped", s)
            case ("stop_noreply", reason):
                return ("stop", reason, s)
            case "crash":
                return 1 / 0
            case ("exit", reason):
                labrt.exit(reason)
            case ("return", value):
                return value
            case ("throw", value):
                raise Throw(value)
            case ("action", x):
                return ("reply", "ok", s, x)
            case ("noreply_action", x):
                gen_server.reply(from_, "ok")
                return ("noreply", s, x)
            case ("sleep", t):
                await labrt.sleep(t)
                return ("reply", "slept", s)
            case ("call", other, inner):
                return ("reply", await gen_server.call(other, inner), s)

    def handle_cast(self, msg, s):
        match msg:
            case ("stop", reason):
                return ("stop", reason, s)
            case ("action", x):
                return ("noreply", log(s, ("cast", "action")), x)
            case "crash":
                return 1 / 0
            case _:
                return ("noreply", log(s, ("cast", msg)))

    def handle_info(self, msg, s):
        match msg:
            case ("stop", reason):
                return ("stop", reason, s)
            case ("action", x):
                return ("noreply", log(s, ("info", "action")), x)
            case _:
                return ("noreply", log(s, ("info", msg)))

    def handle_continue(self, c, s):
        match c:
            case ("chain", 0):
                return ("noreply", log(s, ("continue", 0)))
            case ("chain", n):
                return ("noreply", log(s, ("continue", n)), ("continue", ("chain", n - 1)))
            case ("stop", reason):
                return ("stop", reason, s)
            case _:
                return ("noreply", log(s, ("continue", c)))

    def terminate(self, reason, s):
        if s["watch"] is not None:
            labrt.send(s["watch"], ("terminate", reason))


def log(s, entry):
    return {**s, "log": s["log"] + [entry]}


async def start_probe(arg=None, name=None, how="start_link"):
    ok, pid = await getattr(gen_server, how)(Probe, arg, name=name)
    assert ok == "ok"
    return pid


# ---------------------------------------------------------------------------
# item 71: start functions are synchronous; start_link links; init timeout

def test_start_waits_for_init(run_on, kernel):
    """start_link returns only after init has returned, and links the caller."""  # item 71
    async def main():
        t0 = labrt.now()
        pid = await start_probe(("sleep", 0.05))
        waited = labrt.now() - t0
        assert await gen_server.call(pid, "get") == ["init"]
        return waited, pid in labrt.process_info(labrt.self()).links
    waited, linked = run_on(main)
    assert linked
    assert waited >= 0.05
    if kernel == "sim":
        assert waited == 0.05


def test_start_and_start_monitor_do_not_link(run_on):
    """start does not link; start_monitor returns ("ok", (pid, ref)) and the monitor fires."""  # item 71
    async def main():
        pid = await start_probe(how="start")
        me = labrt.process_info(labrt.self())
        ok, (pid2, ref) = await gen_server.start_monitor(Probe, None)
        links = labrt.process_info(labrt.self()).links
        await gen_server.stop(pid2, "bye")
        down = await labrt.receive(Down)
        return pid in me.links, pid2 in links, ok, down == Down(ref, pid2, "bye")
    assert run_on(main) == (False, False, "ok", True)


def test_init_timeout_kills_server(run_on):
    """An init slower than the start timeout gives ("error","timeout"); the server is killed."""  # item 71
    async def main():
        labrt.trap_exit(True)
        res = await gen_server.start_link(Probe, ("sleep", 1.0), name="slow", timeout=0.05)
        return res, labrt.whereis("slow"), mailbox(), labrt.process_info(labrt.self()).links
    assert run_on(main) == (("error", "timeout"), None, (), ())


def test_init_timeout_trace():
    """The killed server exits with "killed" and the caller returns at the timeout."""  # item 71
    async def main():
        res = await gen_server.start(Probe, ("sleep", 1.0), timeout=0.5)
        return res, labrt.now()
    (res, t), rt = sim(main)
    assert (res, t) == (("error", "timeout"), 0.5)
    server = rt.trace.filter(kind="spawn")[1].other
    assert [(e.time, e.kind, e.data) for e in rt.trace if e.kind == "exit" and e.pid == server] \
        == [(0.5, "exit", "killed")]


# ---------------------------------------------------------------------------
# item 72: what each init return gives

@pytest.mark.parametrize("init_returns, start_returns", [
    (("ok", "S"), "ok"),
    (("ok", "S", 1.0), "ok"),
    (("ok", "S", "hibernate"), "ok"),
    (("ok", "S", ("continue", "c")), "ok"),
    (("stop", "stopped"), ("error", "stopped")),
    ("ignore", "ignore"),
    (("error", "bad_config"), ("error", "bad_config")),
    (("ok",), ("error", ("bad_return_value", ("ok",)))),
    ("nonsense", ("error", ("bad_return_value", "nonsense"))),
    (("ok", "S", -1), ("error", ("bad_return_value", ("ok", "S", -1)))),
])
def test_init_returns(run_on, init_returns, start_returns):
    """Each legal and illegal init return gives OTP's start result."""  # item 72
    class Init(GenServer):
        def init(self, arg):
            return arg

        def handle_continue(self, c, s):
            return ("noreply", s)

    async def main():
        labrt.trap_exit(True)
        res = await gen_server.start_link(Init, init_returns)
        return res, mailbox()
    res, box = run_on(main)
    if start_returns == "ok":
        assert res[0] == "ok" and isinstance(res[1], labrt.Pid)
    else:
        assert res == start_returns
    assert box == ()               # item 73: no EXIT left behind (OTP 26+)


def test_init_crash_gives_error_with_exception(run_on):
    """A crash in init makes start return ("error", exception)."""  # item 72
    async def main():
        labrt.trap_exit(True)
        res = await gen_server.start_link(Probe, "crash")
        return res, mailbox()
    (tag, exc), box = run_on(main)
    assert tag == "error" and isinstance(exc, ZeroDivisionError)
    assert box == ()


def test_init_exit_gives_error_with_reason(run_on):
    """init calling exit(R) makes start return ("error", R)."""  # item 72
    async def main():
        return await gen_server.start(Probe, ("exit", "no_db"))
    assert run_on(main) == ("error", "no_db")


def test_duplicate_name(run_on):
    """A taken name gives ("error", ("already_started", pid))."""  # item 72
    async def main():
        pid = await start_probe(name="db")
        again = await gen_server.start(Probe, None, name="db")
        return again, pid
    again, pid = run_on(main)
    assert again == ("error", ("already_started", pid))


# ---------------------------------------------------------------------------
# item 73: OTP 26+ failed start: wait for the process, consume its EXIT

def test_failed_start_waits_for_the_process(run_on):
    """After a failed start the server is already dead and no EXIT/DOWN is queued."""  # item 73
    async def main():
        labrt.trap_exit(True)
        results = []
        for arg in [("return", ("stop", "why")), ("return", "ignore"),
                    ("return", ("error", "e")), ("exit", "x")]:
            for how in ("start", "start_link", "start_monitor"):
                before = set(p.pid for p in labrt.current_runtime().processes())
                res = await getattr(gen_server, how)(Probe, arg)
                after = set(p.pid for p in labrt.current_runtime().processes())
                results.append((res, after - before, mailbox()))
        return results
    for res, new_processes, box in run_on(main):
        assert res == "ignore" or res[0] == "error"
        assert new_processes == set() and box == ()


def test_failed_start_exit_reasons():
    """init's failures end the server with OTP 26's reasons: stop R -> R, error/ignore -> normal."""  # item 73
    async def main():
        for arg in [("return", ("stop", "why")), ("return", "ignore"),
                    ("return", ("error", "e"))]:
            await gen_server.start(Probe, arg)
    _, rt = sim(main)
    assert [e.data for e in rt.trace if e.kind == "exit" and e.pid != rt.trace[0].other] \
        == ["why", "normal", "normal"]


def test_non_trapping_start_link_caller_dies_with_init_stop_reason():
    """A non-trapping start_link caller is killed by the failing server's exit signal."""  # item 73
    async def starter():
        await gen_server.start_link(Probe, ("return", ("stop", "boom")))
        return "not reached"

    async def main():
        pid, ref = labrt.spawn_monitor(starter)
        return await labrt.receive(Down)
    down, _ = sim(main)
    assert down.reason == "boom"


# ---------------------------------------------------------------------------
# items 74-77: call

def test_call_default_timeout_is_five_seconds():
    """A call with no timeout argument gives up after 5 s, exiting (timeout, (gen_server, call, [S, Req]))."""  # items 74, 75
    async def main():
        pid = await start_probe()
        reason = await exit_reason(gen_server.call(pid, "never"))
        return reason, labrt.now(), pid
    (reason, t, pid), _ = sim(main)
    assert t == 5.0
    assert reason == ("timeout", ("gen_server", "call", (pid, "never")))


def test_call_infinity_waits(run_on):
    """timeout=None waits as long as it takes (here for a reply sent later by another process)."""  # items 74, 78
    async def main():
        pid = await start_probe()
        return await gen_server.call(pid, ("delayed", 0.1, "late but fine"), None)
    assert run_on(main) == "late but fine"


def test_call_from_is_caller_and_tag(run_on):
    """from_ is (caller pid, opaque tag)."""  # item 74
    async def main():
        pid = await start_probe()
        caller, tag = await gen_server.call(pid, "from")
        return caller == labrt.self(), isinstance(tag, gen_server.Tag)
    assert run_on(main) == (True, True)


def test_failed_call_args_are_as_passed(run_on):
    """The exit reason carries the server exactly as passed, and the timeout only if passed."""  # item 75
    async def main():
        labrt.trap_exit(True)
        await start_probe(name="srv")
        a = await exit_reason(gen_server.call("srv", ("stop_noreply", "r1")))
        await start_probe(name="srv")
        b = await exit_reason(gen_server.call("srv", ("stop_noreply", "r2"), 1.0))
        await start_probe(name="srv")
        c = await exit_reason(gen_server.call(("srv", "nonode@nohost"), ("stop_noreply", "r3"), None))
        return a, b, c
    assert run_on(main) == (
        ("r1", ("gen_server", "call", ("srv", ("stop_noreply", "r1")))),
        ("r2", ("gen_server", "call", ("srv", ("stop_noreply", "r2"), 1.0))),
        ("r3", ("gen_server", "call", (("srv", "nonode@nohost"), ("stop_noreply", "r3"), None))),
    )


def test_failed_call_reasons(run_on):
    """noproc (dead pid, unknown name), calling_self, and the server's own reason."""  # item 76
    async def main():
        labrt.trap_exit(True)
        dead = await start_probe()
        await gen_server.stop(dead)
        out = [await exit_reason(gen_server.call(dead, "get")),
               await exit_reason(gen_server.call("nobody", "get")),
               await exit_reason(gen_server.call(labrt.self(), "get")),
               await exit_reason(gen_server.call(labrt.self(), "get", None))]
        for req in [("stop_noreply", "normal"), ("stop_noreply", "shutdown"),
                    ("return", "badreturn"), ("exit", "boom")]:
            pid = await start_probe()
            out.append(await exit_reason(gen_server.call(pid, req)))
        pid = await start_probe()
        out.append(await exit_reason(gen_server.call(pid, "crash")))
        return out, dead, labrt.self()
    out, dead, me = run_on(main)
    assert [r[0] for r in out[:-1]] == [
        "noproc", "noproc", "calling_self", "calling_self", "normal", "shutdown",
        ("bad_return_value", "badreturn"), "boom"]
    assert out[0][1] == ("gen_server", "call", (dead, "get"))
    assert out[3][1] == ("gen_server", "call", (me, "get", None))
    assert isinstance(out[-1][0], ZeroDivisionError)


def test_late_reply_is_dropped_and_server_survives(run_on):
    """After a call timeout the server keeps running and its late reply never reaches the caller."""  # item 77
    async def main():
        pid = await start_probe()
        reason = await exit_reason(gen_server.call(pid, ("delayed", 0.1, "late"), 0.02))
        await labrt.sleep(0.2)                      # the late reply has been sent by now
        still = await gen_server.call(pid, "get")
        helpers = [p.function for p in labrt.current_runtime().processes()
                   if p.pid not in (labrt.self(), pid)]
        return reason[0], mailbox(), still, helpers
    assert run_on(main) == ("timeout", (), [], [])


def test_late_reply_from_the_server_itself_is_dropped(run_on):
    """A server that answers a timed-out call after a slow callback leaves nothing behind."""  # item 77
    async def main():
        pid = await start_probe()
        await exit_reason(gen_server.call(pid, ("sleep", 0.1), 0.02))
        assert await gen_server.call(pid, "get") == []   # queued behind the sleep
        return mailbox()
    assert run_on(main) == ()


def test_late_reply_trace():
    """The late reply goes to the dead reply alias: the caller receives nothing after its timeout."""  # item 77
    async def main():
        pid = await start_probe()
        await exit_reason(gen_server.call(pid, ("delayed", 2.0, "late"), 1.0))
        await labrt.sleep(5)
        return labrt.self()
    me, rt = sim(main)
    received_after_timeout = [e.data for e in rt.trace
                              if e.kind == "receive" and e.pid == me and e.time > 1.0]
    assert received_after_timeout == []
    late_sends = [e for e in rt.trace if e.kind == "send" and e.time == 2.0]
    assert len(late_sends) == 1 and late_sends[0].data[1] == "late"
    assert late_sends[0].other != me


def test_reply_at_the_timeout_never_strays():
    """A reply racing the call timeout is either returned or dropped, never left in the mailbox."""  # item 77
    async def main():
        pid = await start_probe()
        try:
            got = await gen_server.call(pid, ("delayed", 1.0, "just in time"), 1.0)
        except ProcessExit as e:
            got = e.reason[0]
        await labrt.sleep(1)
        return got, mailbox(), len(labrt.current_runtime().processes())
    outcomes = set()
    for seed in range(20):
        rt = labrt.Runtime(kernel="sim", seed=seed, reports=None)
        got, box, live = rt.run_main(main)
        assert box == () and live == 2                  # main and the server: no alias left
        outcomes.add(got)
    assert outcomes == {"just in time", "timeout"}


def test_reply_racing_the_server_death_is_returned(run_on):
    """A reply sent just before the server dies is returned, not lost (stop with reply)."""  # items 77, 78
    async def main():
        pid = await start_probe()
        return await gen_server.call(pid, ("stop", "normal"))
    assert run_on(main) == "stopped"


# ---------------------------------------------------------------------------
# item 78: reply, noreply + reply, stop with and without reply

def test_stop_with_reply_runs_terminate_then_replies():
    """("stop", R, Reply, S) runs terminate first, then replies, then exits R."""  # item 78
    async def main():
        labrt.trap_exit(True)
        pid = await start_probe(labrt.self())
        answer = await gen_server.call(pid, ("stop", "done"))
        got = [await labrt.receive(), await labrt.receive()]
        return answer, got, pid
    (answer, got, pid), rt = sim(main)
    assert answer == "stopped"
    assert got == [("terminate", "done"), Exit(pid, "done")]
    own = [(e.kind, e.data) for e in rt.trace if e.pid == pid and e.kind in ("send", "exit")
           and type(e.data) not in (Down, Exit)]
    # The reply is {Tag, Reply}, as OTP's gen sends it ({[alias|Mref], Reply}).
    own[-2] = (("send", ("<tag>", own[-2][1][1])) if isinstance(own[-2][1][0], gen_server.Tag)
               else own[-2])
    assert own[-3:] == [("send", ("terminate", "done")), ("send", ("<tag>", "stopped")),
                        ("exit", "done")]


def test_stop_without_reply(run_on):
    """("stop", R, S) does not reply: the caller exits with R."""  # item 78
    async def main():
        pid = await start_probe(how="start")
        return await exit_reason(gen_server.call(pid, ("stop_noreply", "quiet"), None))
    assert run_on(main)[0] == "quiet"


def test_reply_from_the_callback_itself(run_on):
    """gen_server.reply inside the callback plus ("noreply", S, X) answers the call."""  # item 78
    async def main():
        pid = await start_probe()
        return await gen_server.call(pid, ("noreply_action", None))
    assert run_on(main) == "ok"


# ---------------------------------------------------------------------------
# item 79: throw and bad return values

def test_throw_is_a_return(run_on):
    """raise Throw(v) in a callback is the same as returning v."""  # item 79
    async def main():
        pid = await start_probe()
        a = await gen_server.call(pid, ("throw", ("reply", "thrown", {"log": [], "watch": None})))
        return a, await gen_server.call(pid, "get")
    assert run_on(main) == ("thrown", [])


def test_bad_return_value_stops_server():
    """An invalid return ends the server with ("bad_return_value", value), after terminate."""  # item 79
    async def main():
        labrt.trap_exit(True)
        pid = await start_probe(labrt.self())
        r = await exit_reason(gen_server.call(pid, ("return", ("reply", "x"))))
        return r[0], await labrt.receive(), await labrt.receive()
    (reason, term, ex), rt = sim(main)
    bad = ("bad_return_value", ("reply", "x"))
    assert reason == bad and term == ("terminate", bad) and ex.reason == bad
    assert len(rt.reports) == 1 and "bad_return_value" in rt.reports[0]


# ---------------------------------------------------------------------------
# items 80-81: cast and info

def test_cast_always_ok(run_on):
    """cast returns "ok" for a dead pid, an unknown name and a remote name."""  # item 80
    async def main():
        pid = await start_probe()
        await gen_server.stop(pid)
        return [gen_server.cast(pid, "x"), gen_server.cast("nobody", "x"),
                gen_server.cast(("nobody", "other@host"), "x")]
    assert run_on(main) == ["ok", "ok", "ok"]


def test_cast_and_info_delivery(run_on):
    """Casts go to handle_cast, other messages to handle_info, in arrival order."""  # items 80, 81; suite: cast, info
    async def main():
        pid = await start_probe()
        gen_server.cast(pid, "c1")
        labrt.send(pid, "i1")
        gen_server.cast(pid, "c2")
        return await gen_server.call(pid, "get")
    assert run_on(main) == [("cast", "c1"), ("info", "i1"), ("cast", "c2")]


def test_stop_from_cast_and_info(run_on):
    """A cast or an info message can stop the server."""  # suite: cast, info
    async def main():
        labrt.trap_exit(True)
        a = await start_probe()
        gen_server.cast(a, ("stop", "from_cast"))
        b = await start_probe()
        labrt.send(b, ("stop", "from_info"))
        return await labrt.receive(Exit), await labrt.receive(Exit), a, b
    ea, eb, a, b = run_on(main)
    assert ea == Exit(a, "from_cast") and eb == Exit(b, "from_info")


def test_default_handle_info_logs_and_drops():
    """GenServer's default handle_info logs a warning and keeps the server running."""  # item 81
    class NoInfo(GenServer):
        def init(self, arg):
            return ("ok", 0)

        def handle_call(self, req, from_, s):
            return ("reply", s, s)

    async def main():
        ok, pid = await gen_server.start(NoInfo, None)
        labrt.send(pid, "hello")
        return await gen_server.call(pid, "get"), reports()[:]
    (state, reps), _ = sim(main)
    assert state == 0
    assert reps == ["=WARNING REPORT==== t=0.000 gen_server <0.2.0> NoInfo: "
                    "undefined handle_info, unhandled message: 'hello'"]


# ---------------------------------------------------------------------------
# item 82: timeouts in return values

def test_timeout_fires_handle_info_timeout():
    """("reply", R, S, T) makes handle_info("timeout") run after T with no message."""  # item 82
    async def main():
        pid = await start_probe()
        await gen_server.call(pid, ("action", 1.5))
        await labrt.sleep(2)
        return await gen_server.call(pid, "get"), pid
    (log_, pid), rt = sim(main)
    assert log_ == [("info", "timeout")]
    assert [(e.time, e.kind) for e in rt.trace if e.pid == pid and e.kind == "timeout"] == [(1.5, "timeout")]


def test_message_cancels_timeout(run_on):
    """Any message before T cancels the timeout."""  # item 82; suite: call (call_within / next_call)
    async def main():
        pid = await start_probe()
        await gen_server.call(pid, ("action", 0.2))       # call_within
        await labrt.sleep(0.05)
        first = await gen_server.call(pid, "get")         # next_call within T: no timeout
        await labrt.sleep(0.3)
        second = await gen_server.call(pid, "get")
        await gen_server.call(pid, ("action", 0.05))
        await labrt.sleep(0.2)
        third = await gen_server.call(pid, "get")         # T passed: timeout happened
        return first, second, third
    assert run_on(main) == ([], [], [("info", "timeout")])


def test_timeout_zero_and_init_timeout(run_on):
    """A 0 timeout fires at once if the mailbox is empty; init can set one too."""  # item 82
    async def main():
        ok, pid = await gen_server.start(Probe, ("with", 0))
        await labrt.sleep(0.01)
        a = await gen_server.call(pid, "get")
        gen_server.cast(pid, ("action", 0))
        await labrt.sleep(0.01)
        return a, await gen_server.call(pid, "get")
    assert run_on(main) == ([("info", "timeout")],
                            [("info", "timeout"), ("cast", "action"), ("info", "timeout")])


# ---------------------------------------------------------------------------
# item 83: hibernate

def test_hibernate_keeps_state_and_wakes_on_message(run_on):
    """A hibernating server keeps its state, shows it in get_status, and wakes on a call."""  # item 83; suite: hibernate
    async def main():
        pid = await start_probe()
        gen_server.cast(pid, "before")
        await gen_server.call(pid, ("action", "hibernate"))
        status = await lsys.get_status(pid)
        after = await gen_server.call(pid, "get")
        status2 = await lsys.get_status(pid)
        return status[3]["hibernating"], after, status2[3]["hibernating"]
    assert run_on(main) == (True, [("cast", "before")], False)


def test_hibernate_survives_suspend_resume(run_on):
    """A hibernating server stays hibernated across sys.suspend/resume."""  # item 83; suite: hibernate
    async def main():
        pid = await start_probe()
        labrt.send(pid, ("action", "hibernate"))
        await lsys.suspend(pid)
        await lsys.resume(pid)
        st = await lsys.get_status(pid)
        return st[3]["hibernating"], st[3]["sys_state"]
    assert run_on(main) == (True, "running")


def test_hibernate_from_init_cast_and_info(run_on):
    """init, handle_cast and handle_info may all return hibernate."""  # item 83
    async def main():
        ok, pid = await gen_server.start(Probe, ("with", "hibernate"))
        a = (await lsys.get_status(pid))[3]["hibernating"]
        gen_server.cast(pid, ("action", "hibernate"))
        b = (await lsys.get_status(pid))[3]["hibernating"]
        return a, b
    assert run_on(main) == (True, True)


# ---------------------------------------------------------------------------
# item 84: continue

def test_continue_runs_before_queued_messages(run_on):
    """handle_continue runs right after the callback, before messages already queued."""  # item 84; suite: continue
    async def main():
        pid = await start_probe()
        await lsys.suspend(pid)
        gen_server.cast(pid, ("action", ("continue", "c")))
        labrt.send(pid, "queued")
        await lsys.resume(pid)
        return await gen_server.call(pid, "get")
    assert run_on(main) == [("cast", "action"), ("continue", "c"), ("info", "queued")]


def test_continue_from_every_path(run_on):
    """continue works from init, reply, noreply, cast and info (OTP's [continue, after_continue])."""  # item 84; suite: continue
    async def main():
        ok, pid = await gen_server.start(Probe, ("with", ("continue", "from_init")))
        await gen_server.call(pid, ("action", ("continue", "from_reply")))
        await gen_server.call(pid, ("noreply_action", ("continue", "from_noreply")))
        gen_server.cast(pid, ("action", ("continue", "from_cast")))
        labrt.send(pid, ("action", ("continue", "from_info")))
        return await gen_server.call(pid, "get")
    assert run_on(main) == [
        ("continue", "from_init"), ("continue", "from_reply"), ("continue", "from_noreply"),
        ("cast", "action"), ("continue", "from_cast"), ("info", "action"),
        ("continue", "from_info")]


def test_continue_chains(run_on):
    """handle_continue can return another continue."""  # item 84; suite: continue_continue
    async def main():
        pid = await start_probe()
        await gen_server.call(pid, ("action", ("continue", ("chain", 2))))
        return await gen_server.call(pid, "get")
    assert run_on(main) == [("continue", 2), ("continue", 1), ("continue", 0)]


def test_continue_stop(run_on):
    """handle_continue can stop the server: DOWN normal."""  # item 84; suite: continue_stop
    async def main():
        ok, (pid, ref) = await gen_server.start_monitor(Probe, ("with", ("continue", ("stop", "normal"))))
        return await labrt.receive(Down) == Down(ref, pid, "normal")
    assert run_on(main)


# ---------------------------------------------------------------------------
# items 85-87: when terminate runs

def test_terminate_on_stop_return_and_on_crash(run_on):
    """terminate runs with the stop reason, and with the exception on a callback crash."""  # item 85
    async def main():
        labrt.trap_exit(True)
        a = await start_probe(labrt.self())
        gen_server.cast(a, ("stop", "planned"))
        t1 = await labrt.receive(("terminate", ANY))
        b = await start_probe(labrt.self())
        gen_server.cast(b, "crash")
        t2 = await labrt.receive(("terminate", ANY))
        ex = await labrt.receive(lambda m: type(m) is Exit and m.pid == b)
        return t1, t2, ex
    t1, t2, ex = run_on(main)
    assert t1 == ("terminate", "planned")
    assert isinstance(t2[1], ZeroDivisionError) and ex.reason is not None
    assert isinstance(ex.reason, ZeroDivisionError)


def test_terminate_on_parent_exit_only_when_trapping():
    """An EXIT from the parent runs terminate only if the server traps exits."""  # item 86
    async def parent(watch, arg):
        await gen_server.start_link(Probe, arg)
        labrt.send(watch, "started")
        await labrt.receive()

    async def main():
        me = labrt.self()
        out = []
        for arg in [("trap", me), me]:
            p = labrt.spawn(parent, me, arg)
            await labrt.receive("started")
            labrt.exit(p, "shutdown")
            out.append(await labrt.receive(timeout=1))
        return out
    out, rt = sim(main)
    assert out == [("terminate", "shutdown"), TIMEOUT]
    assert [e.data for e in rt.trace if e.kind == "exit"][:4] == \
        ["shutdown", "shutdown", "shutdown", "shutdown"]
    assert rt.reports == []                          # item 89: shutdown is clean


def test_terminate_never_on_kill(run_on):
    """kill ends a trapping server without terminate."""  # item 86
    async def main():
        ok, (pid, ref) = await gen_server.start_monitor(Probe, ("trap", labrt.self()))
        labrt.exit(pid, "kill")
        down = await labrt.receive(Down)
        return down.reason, await labrt.receive(timeout=0.05)
    assert run_on(main) == ("killed", TIMEOUT)


def test_exit_from_other_linked_process_goes_to_handle_info(run_on):
    """A trapping server gets EXITs from non-parent links in handle_info."""  # item 87
    async def linker(server, watch):
        labrt.link(server)
        labrt.send(watch, "linked")
        await labrt.receive()
        labrt.exit("gone")

    async def main():
        pid = await start_probe(("trap", None))
        helper = labrt.spawn(linker, pid, labrt.self())
        await labrt.receive("linked")
        labrt.send(helper, "go")
        await labrt.sleep(0.01)
        return await gen_server.call(pid, "get"), helper
    log_, helper = run_on(main)
    assert log_ == [("info", Exit(helper, "gone"))]


# ---------------------------------------------------------------------------
# item 88: stop

def test_stop_runs_terminate_and_returns_ok(run_on):
    """stop(S) runs terminate("normal"); stop(S, R, T) runs terminate(R); links get R."""  # item 88; suite: stop1-stop3
    async def main():
        labrt.trap_exit(True)
        me = labrt.self()
        a = await start_probe(me)
        r1 = await gen_server.stop(a)
        t1 = await labrt.receive(("terminate", ANY))
        e1 = await labrt.receive(Exit)
        b = await start_probe(me, name="named")
        r2 = await gen_server.stop("named", ("shutdown", "x"), 1.0)
        t2 = await labrt.receive(("terminate", ANY))
        e2 = await labrt.receive(Exit)
        return r1, t1, e1.reason, r2, t2, e2.reason
    assert run_on(main) == ("ok", ("terminate", "normal"), "normal",
                            "ok", ("terminate", ("shutdown", "x")), ("shutdown", "x"))


def test_stop_dead_server_exits_noproc(run_on):
    """Stopping a dead pid, an unknown name or a dead (name, node) exits the caller with noproc."""  # item 88; suite: stop4-stop6
    async def main():
        pid = await start_probe()
        await gen_server.stop(pid)
        return [await exit_reason(gen_server.stop(pid)),
                await exit_reason(gen_server.stop("nobody")),
                await exit_reason(gen_server.stop(("nobody", "nonode@nohost")))]
    assert run_on(main) == ["noproc", "noproc", "noproc"]


def test_stop_invalid_timeout_raises_and_server_lives(run_on):
    """An invalid stop timeout raises BadTimeout and leaves the server running."""  # suite: stop10-style
    async def main():
        pid = await start_probe()
        try:
            await gen_server.stop(pid, "normal", -1)
        except labrt.BadTimeout:
            raised = True
        return raised, labrt.is_alive(pid)
    assert run_on(main) == (True, True)


def test_stop_works_while_suspended(run_on):
    """stop is a system message, so it works on a suspended server."""  # item 88
    async def main():
        pid = await start_probe()
        await lsys.suspend(pid)
        return await gen_server.stop(pid), labrt.is_alive(pid)
    assert run_on(main) == ("ok", False)


def test_stop_when_terminate_crashes(run_on):
    """If terminate crashes, stop exits the caller with terminate's exception."""  # item 88
    class BadTerminate(GenServer):
        def init(self, arg):
            return ("ok", None)

        def terminate(self, reason, s):
            raise RuntimeError("cleanup failed")

    async def main():
        ok, pid = await gen_server.start(BadTerminate, None)
        return await exit_reason(gen_server.stop(pid))
    r = run_on(main)
    assert isinstance(r, RuntimeError) and r.args == ("cleanup failed",)


# ---------------------------------------------------------------------------
# item 89: clean and unclean reasons in the report log

def test_reports_only_for_unclean_reasons():
    """normal, shutdown and ("shutdown", _) log nothing; other reasons log one concise line."""  # item 89; suite: crash
    async def main():
        for reason in ["normal", "shutdown", ("shutdown", "x"), "boom"]:
            pid = await start_probe()
            labrt.unlink(pid)
            gen_server.cast(pid, ("stop", reason))
            await labrt.sleep(1)
    _, rt = sim(main)
    assert rt.reports == [
        "=ERROR REPORT==== t=3.000 gen_server <0.5.0> Probe terminating: 'boom'; "
        "last message: cast ('stop', 'boom')"]


def test_crash_report_for_exception():
    """A callback crash logs the gen_server report and the core's crash report."""  # item 89; suite: crash
    async def main():
        labrt.trap_exit(True)
        pid = await start_probe(name="calc")
        await exit_reason(gen_server.call(pid, "crash"))
    _, rt = sim(main)
    assert len(rt.reports) == 2
    assert rt.reports[0] == ("=ERROR REPORT==== t=0.000 gen_server <0.2.0> (calc) Probe "
                             "terminating: ZeroDivisionError('division by zero'); "
                             "last message: call 'crash'")
    assert rt.reports[1].startswith("=CRASH REPORT==== t=0.000 process <0.2.0> "
                                    "(gen_server:Probe) crashed: ZeroDivisionError")


def test_suite_crash_shutdown_reason(run_on):
    """A call that makes the server exit ("shutdown", r): caller and link see it, no report."""  # suite: crash
    async def main():
        labrt.trap_exit(True)
        pid = await start_probe()
        r = await exit_reason(gen_server.call(pid, ("stop_noreply", ("shutdown", "reason"))))
        ex = await labrt.receive(Exit)
        return r[0], ex.reason, reports()[:]
    assert run_on(main) == (("shutdown", "reason"), ("shutdown", "reason"), [])


# ---------------------------------------------------------------------------
# gen_server_SUITE ports

def test_suite_start(run_on):
    """start: anonymous and registered start/start_link/start_monitor, ignore, stop, already_started, later call noproc."""  # suite: start
    async def main():
        labrt.trap_exit(True)
        out = []
        for how in ("start", "start_link", "start_monitor"):
            for name in (None, "my_test_name"):
                res = await getattr(gen_server, how)(Probe, None, name=name)
                pid = res[1][0] if how == "start_monitor" else res[1]
                out.append((res[0], labrt.whereis("my_test_name") == pid if name else True))
                await gen_server.stop(pid)
                if how == "start_monitor":
                    await labrt.receive(Down)
                if how == "start_link":
                    await labrt.receive(Exit)
        out.append(await gen_server.start(Probe, ("return", "ignore")))
        out.append(await gen_server.start(Probe, ("return", ("stop", "stopped"))))
        pid = await start_probe(name="taken")
        out.append(await gen_server.start_link(Probe, None, name="taken") == ("error", ("already_started", pid)))
        out.append((await exit_reason(gen_server.call(pid, ("stop_noreply", "stopped"))))[0])
        out.append(await labrt.receive(Exit) == Exit(pid, "stopped"))
        out.append((await exit_reason(gen_server.call(pid, "get")))[0])
        return out
    assert run_on(main) == [("ok", True)] * 6 + [
        "ignore", ("error", "stopped"), True, "stopped", True, "noproc"]


def test_suite_call_delayed_answers(run_on):
    """call: answers given later by another process, before and after the timeout."""  # suite: call
    async def main():
        pid = await start_probe()
        fast = await gen_server.call(pid, ("delayed", 0.01, "fast"), 0.2)
        slow = await exit_reason(gen_server.call(pid, ("delayed", 0.2, "slow"), 0.01))
        await labrt.sleep(0.3)
        return fast, slow[0], mailbox(), labrt.is_alive(pid)
    assert run_on(main) == ("fast", "timeout", (), True)


def test_suite_calling_self(run_on):
    """calling_self: call(self(), oops) exits (calling_self, _), also with None."""  # suite: calling_self
    async def main():
        me = labrt.self()
        return [await exit_reason(gen_server.call(me, "oops")),
                await exit_reason(gen_server.call(me, "oops", None))]
    me_reasons = run_on(main)
    assert [r[0] for r in me_reasons] == ["calling_self", "calling_self"]


def test_calling_self_by_name_inside_a_callback(run_on):
    """A server calling its own registered name exits with calling_self."""  # suite: calling_self
    async def main():
        labrt.trap_exit(True)
        pid = await start_probe(name="me")
        r = await exit_reason(gen_server.call(pid, ("call", "me", "get")))
        return r[0][0]
    assert run_on(main) == "calling_self"


def test_nested_call_failure_crashes_the_server(run_on):
    """A callback whose own call fails makes the server exit with that call's reason."""  # items 75, 85
    async def main():
        labrt.trap_exit(True)
        pid = await start_probe()
        r = await exit_reason(gen_server.call(pid, ("call", "ghost", "get")))
        return r[0]
    assert run_on(main) == ("noproc", ("gen_server", "call", ("ghost", "get")))


# -- undef_*: which callbacks are optional ----------------------------------

class Minimal:
    """A callback module that is not a GenServer: only init (and handle_call)."""

    def init(self, arg):
        return ("ok", arg)

    def handle_call(self, req, from_, s):
        match req:
            case ("continue", c):
                return ("reply", "ok", s, ("continue", c))
        return ("reply", s, s)


class NoInit:
    def handle_call(self, req, from_, s):
        return ("reply", s, s)


class OnlyInit:
    def init(self, arg):
        return ("ok", arg)


def test_undef_init(run_on):
    """A module without init: start returns ("error", AttributeError)."""  # suite: undef_init
    async def main():
        return await gen_server.start(NoInit, None)
    tag, exc = run_on(main)
    assert tag == "error" and isinstance(exc, AttributeError) and "init" in str(exc)


def test_undef_handle_call_and_cast(run_on):
    """Without handle_call a call crashes the server (undef); without handle_cast a cast does."""  # suite: undef_handle_call, undef_handle_cast
    async def main():
        labrt.trap_exit(True)
        ok, pid = await gen_server.start(OnlyInit, 1)
        r = await exit_reason(gen_server.call(pid, "x"))
        ok, (pid2, ref) = await gen_server.start_monitor(OnlyInit, 1)
        gen_server.cast(pid2, "x")
        down = await labrt.receive(Down)
        return r[0], down.reason
    a, b = run_on(main)
    assert isinstance(a, AttributeError) and "handle_call" in str(a)
    assert isinstance(b, AttributeError) and "handle_cast" in str(b)


def test_undef_handle_info(run_on):
    """Without handle_info a message is logged and dropped; the server lives."""  # suite: undef_handle_info
    async def main():
        ok, pid = await gen_server.start(Minimal, 7)
        labrt.send(pid, "hello")
        return await gen_server.call(pid, "get"), len(reports())
    assert run_on(main) == (7, 1)


def test_undef_handle_continue(run_on):
    """Returning continue without handle_continue crashes the server."""  # suite: undef_handle_continue
    async def main():
        ok, (pid, ref) = await gen_server.start_monitor(Minimal, 1)
        await gen_server.call(pid, ("continue", "c"))
        return (await labrt.receive(Down)).reason
    r = run_on(main)
    assert isinstance(r, AttributeError) and "handle_continue" in str(r)


def test_undef_terminate(run_on):
    """terminate is optional: stop returns ok with and without a reason."""  # suite: undef_terminate1, undef_terminate2
    async def main():
        ok, a = await gen_server.start(Minimal, 1)
        ok, b = await gen_server.start(Minimal, 1)
        return await gen_server.stop(a), await gen_server.stop(b, ("error", "test"), None)
    assert run_on(main) == ("ok", "ok")


def test_init_finishing_at_the_timeout_leaves_no_ack():
    """An init that acks just as the start timeout fires leaves nothing in the caller's mailbox."""  # item 71
    async def main():
        res = await gen_server.start(Probe, ("sleep", 0.5), timeout=0.5)
        return res, mailbox()
    raced = 0
    for seed in range(12):                 # seeded interleavings of the two wake-ups at t=0.5
        rt = labrt.Runtime(kernel="sim", seed=seed, reports=None)
        res, box = rt.run_main(main)
        assert res == ("error", "timeout") and box == ()
        raced += any(e.kind == "send" and type(e.data) is tuple and e.data[0] == "$ack"
                     for e in rt.trace)
    assert raced > 0                       # some seeds let init ack before the caller ran


def test_call_protocol_trace():
    """The exact events of one call: monitor, request, reply to the caller's alias, demonitor."""  # items 74, 77
    async def main():
        ok, pid = await gen_server.start(Probe, None)
        return await gen_server.call(pid, "get")
    _, rt = sim(main)
    assert [e.kind for e in rt.trace[1:6]] == ["spawn", "monitor", "send", "receive", "demonitor"]
    call = rt.trace[6:11]                                    # after start's handshake
    shown = [(e.kind, str(e.pid), str(e.other), None) for e in call]
    assert shown == [
        ("monitor", "<0.1.0>", "<0.2.0>", None),             # watch the server
        ("send", "<0.1.0>", "<0.2.0>", None),                # ("$gen_call", (caller, tag), "get")
        ("receive", "<0.2.0>", "None", None),
        ("send", "<0.2.0>", "<0.1.0>", None),                # the reply, sent to the caller's alias
        ("receive", "<0.1.0>", "None", None),
    ]
    assert rt.trace[11].kind == "demonitor"
    request = call[1].data
    assert request[0] == "$gen_call" and request[1][0] == labrt.Pid(0, 1) and request[2] == "get"
    alias = request[1][1].to
    assert isinstance(alias, labrt.Ref)                      # the tag names an alias, not a pid
    assert request[1][1].ref == alias                         # OTP's [alias | Ref]: one ref
    assert call[3].data == (request[1][1], [])                # {Tag, Reply}, as OTP's gen
