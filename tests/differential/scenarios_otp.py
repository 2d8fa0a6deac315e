"""labrt half of the OTP differential scenarios (supervisor, gen_server).

Importing this module adds its scenarios to ``scenarios.SCENARIOS``.  Each one
mirrors the Erlang scenario of the same name in ``beam_scenarios.escript``.

Workers report to the observer ``a`` with ``("report", line)``; ``a`` logs the
lines in arrival order.  Start reports come from the supervisor (the start
function runs there), stop reports from the worker itself.  Erlang's
milliseconds are seconds here (``shutdown => 100`` is ``shutdown=0.1``).
"""
from __future__ import annotations

import labrt
from labrt import (ANY, Down, Exit, Pid, TIMEOUT, monitor, receive, register,
                   self, send, sleep, spawn, spawn_link, trap_exit, whereis)
from labrt import gen_server, supervisor
from labrt.gen_server import GenServer, Throw
from labrt.supervisor import ChildSpec

from .scenarios import (at_, dead_pid, divide, exit_from, next_, poll, scenario,
                        settle, wait_dead)


def report(obs, line):
    send(obs, ("report", line))


# ----------------------------------------------------------------- workers

async def start_worker(cid, obs, mode):
    """A supervised worker's start function (runs in the supervisor)."""
    if mode == "fail":
        report(obs, [cid, "start_failed"])
        return ("error", "nope")
    if mode == "ignore":
        report(obs, [cid, "start_ignored"])
        return "ignore"
    pid = spawn_link(worker, cid, obs, mode)
    register(cid, pid)
    report(obs, [cid, "started"])
    return ("ok", pid)


async def worker(cid, obs, mode):
    trap_exit(True)
    while True:
        match await receive():
            case ("crash", reason):
                labrt.exit(reason)
            case Exit(_, reason) if mode == "stubborn":
                report(obs, [cid, "ignoring", reason])
            case Exit(_, reason):
                report(obs, [cid, "stopped", reason])
                labrt.exit(reason)


class SupMod:
    """The callback module of every test supervisor."""

    def init(self, arg):
        if arg == "sup_ignore":
            return "ignore"
        _, flags, specs = arg
        return ("ok", (flags, specs))


async def start_sup(cid, arg):
    """Start function of a child supervisor."""
    res = await supervisor.start_link(SupMod, arg)
    register(cid, res[1])
    return res


def wspec(cid, obs, mode="normal", **opts):
    return ChildSpec(cid, start=(start_worker, (cid, obs, mode)), **opts)


async def reports(t):
    """Log every report that arrives until 30 ms pass without one."""
    while True:
        msg = await receive(("report", ANY), timeout=0.03)
        if msg is TIMEOUT:
            return
        t.log(*msg[1])


async def kids(sup):
    return [(cid, "running" if isinstance(c, Pid) else c)
            for cid, c, _, _ in await supervisor.which_children(sup)]


async def dyn_kids(sup):
    """which_children of a simple_one_for_one supervisor, in its order, by registered name."""
    return [(cid, labrt.process_info(c).name if isinstance(c, Pid) else c)
            for cid, c, _, _ in await supervisor.which_children(sup)]


async def counts(sup):
    return [n for _, n in await supervisor.count_children(sup)]


async def stop_sup(t, sup):
    labrt.exit(sup, "shutdown")
    msg = await receive(exit_from(sup))
    await reports(t)
    t.log("a", "got", msg)


async def start_sup_link(t, flags, specs):
    res = await supervisor.start_link(SupMod, ("sup", flags, specs))
    assert res[0] == "ok", res
    return t.name(res[1], "sup")


# ----------------------------------------------------------------- D. supervisor

@scenario
async def sup_start_and_shutdown_order(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {}, [wspec("c1", a), wspec("c2", a), wspec("c3", a)])
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    t.log("sup", "counts", await counts(sup))
    await stop_sup(t, sup)


async def _crash_c2(t, strategy, ids):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {"strategy": strategy}, [wspec(c, a) for c in ids])
    await reports(t)
    send("c2", ("crash", "boom"))
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    await stop_sup(t, sup)


@scenario
async def sup_one_for_one(t):
    await _crash_c2(t, "one_for_one", ["c1", "c2", "c3"])


@scenario
async def sup_one_for_all(t):
    await _crash_c2(t, "one_for_all", ["c1", "c2", "c3"])


@scenario
async def sup_rest_for_one(t):
    await _crash_c2(t, "rest_for_one", ["c1", "c2", "c3", "c4"])


@scenario
async def sup_intensity_exceeded(t):
    trap_exit(True)
    a = self()
    await start_sup_link(t, {"intensity": 2, "period": 5},
                         [wspec("c1", a), wspec("c2", a), wspec("c3", a)])
    await reports(t)
    for n in (1, 2, 3):
        t.log("a", "crash", n)
        send("c1", ("crash", "boom"))
        await reports(t)
    t.log("a", "got", await next_())


@scenario
async def sup_intensity_default(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {}, [wspec("c1", a), wspec("c2", a)])
    await reports(t)
    send("c2", ("crash", "boom"))
    await reports(t)
    send("c2", ("crash", "boom"))
    await reports(t)
    msg = await receive(exit_from(sup), timeout=1.0)
    t.log("a", "got", "nothing" if msg is TIMEOUT else msg)


@scenario
async def sup_restart_types(t):
    trap_exit(True)
    a = self()
    for rtype in ("permanent", "transient", "temporary"):
        for reason in ("normal", "shutdown", ("shutdown", "x"), "boom"):
            sup = await start_sup_link(t, {"intensity": 10},
                                       [wspec("c1", a, restart=rtype)])
            await receive(("report", ANY))
            send("c1", ("crash", reason))
            await reports(t)
            t.log(rtype, reason, await kids(sup), await counts(sup))
            labrt.exit(sup, "shutdown")
            await receive(exit_from(sup))
            await reports(t)


@scenario
async def sup_temporary_bystander(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {"strategy": "one_for_all"},
                               [wspec("c1", a), wspec("c2", a, restart="temporary"),
                                wspec("c3", a, restart="transient")])
    await reports(t)
    send("c1", ("crash", "boom"))
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    t.log("sup", "counts", await counts(sup))
    await stop_sup(t, sup)


@scenario
async def sup_shutdown_timeout_kills(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {}, [wspec("c1", a, "stubborn", shutdown=0.1),
                                       wspec("c2", a)])
    await reports(t)
    t.name(monitor(t.name(whereis("c1"), "c1")), "m1")
    labrt.exit(sup, "shutdown")
    for _ in range(4):
        t.log("a", "got", await next_())


@scenario
async def sup_brutal_kill(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {}, [wspec("c1", a, shutdown="brutal_kill")])
    await reports(t)
    t.name(monitor(t.name(whereis("c1"), "c1")), "m1")
    labrt.exit(sup, "shutdown")
    t.log("a", "got", await next_())
    t.log("a", "got", await next_())
    t.log("a", "got", await poll())


@scenario
async def sup_child_admin(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {}, [wspec("c1", a)])
    await reports(t)
    c2 = wspec("c2", a)
    S = supervisor
    t.log("a", "start_child", await S.start_child(sup, c2))
    await reports(t)
    t.log("a", "start_child", await S.start_child(sup, c2))
    t.log("a", "terminate_child", await S.terminate_child(sup, "c2"))
    await reports(t)
    t.log("a", "terminate_child", await S.terminate_child(sup, "c2"))
    t.log("a", "terminate_child", await S.terminate_child(sup, "nosuch"))
    t.log("sup", "kids", await kids(sup))
    t.log("sup", "counts", await counts(sup))
    t.log("a", "start_child", await S.start_child(sup, c2))
    t.log("a", "restart_child", await S.restart_child(sup, "c2"))
    await reports(t)
    t.log("a", "restart_child", await S.restart_child(sup, "c2"))
    t.log("a", "delete_child", await S.delete_child(sup, "c2"))
    t.log("a", "terminate_child", await S.terminate_child(sup, "c2"))
    await reports(t)
    t.log("a", "delete_child", await S.delete_child(sup, "c2"))
    t.log("a", "restart_child", await S.restart_child(sup, "c2"))
    t.log("a", "delete_child", await S.delete_child(sup, "c2"))
    t.log("sup", "kids", await kids(sup))
    t.log("a", "start_child", await S.start_child(sup, wspec("c3", a, "ignore")))
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    # OTP's error term also holds the child spec (in its own record): keep the reason
    res = await S.start_child(sup, wspec("c4", a, "fail"))
    match res:
        case ("error", (why, _)):
            res = ("error", why)
    t.log("a", "start_child", res)
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    await stop_sup(t, sup)


@scenario
async def sup_init_child_fails(t):
    trap_exit(True)
    a = self()
    t.log("a", "start_link", await supervisor.start_link(
        SupMod, ("sup", {}, [wspec("c1", a), wspec("c2", a, "fail"), wspec("c3", a)])))
    await reports(t)
    t.log("a", "got", await poll())


@scenario
async def sup_init_ignore(t):
    trap_exit(True)
    t.log("a", "start_link", await supervisor.start_link(SupMod, "sup_ignore"))
    await settle()
    t.log("a", "got", await poll())


@scenario
async def sup_escalation(t):
    trap_exit(True)
    a = self()
    inner = ("sup", {"intensity": 0}, [wspec("w1", a), wspec("w2", a)])
    sup = await start_sup_link(t, {}, [
        wspec("c1", a),
        ChildSpec("inner", start=(start_sup, ("inner", inner)), type="supervisor"),
        wspec("c3", a)])
    await reports(t)
    send("w2", ("crash", "boom"))
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    t.log("inner", "kids", await kids("inner"))
    await stop_sup(t, sup)


# ----------------------------------------------------------------- E. gen_server

class TestServer(GenServer):
    """Mirrors the Erlang test server: init's behaviour comes from its argument."""

    async def init(self, arg):
        _, obs, mode = arg
        match mode:
            case "ok":
                return ("ok", obs)
            case "trap":
                trap_exit(True)
                return ("ok", obs)
            case ("stop", reason):
                return ("stop", reason)
            case "ignore":
                return "ignore"
            case "crash":
                return divide(1, 0)
            case ("error", reason):
                return ("error", reason)
            case ("continue", c):
                return ("ok", obs, ("continue", c))
            case ("timeout", ms):
                return ("ok", obs, ms / 1000)
            case ("slow", ms):
                await sleep(ms / 1000)
                return ("ok", obs)

    async def handle_call(self, req, from_, obs):
        match req:
            case "ping":
                return ("reply", "pong", obs)
            case ("sleep", ms):
                await sleep(ms / 1000)
                return ("reply", "slept", obs)
            case "crash":
                return ("reply", divide(1, 0), obs)
            case ("stop_reply", reason):
                return ("stop", reason, "stopping", obs)
            case ("stop_noreply", reason):
                return ("stop", reason, obs)
            case "bogus":
                return "bogus"
            case "call_self":
                return ("reply", await gen_server.call(labrt.self(), "ping"), obs)
            case ("throw", value):
                raise Throw(value)
            case "reply_later":
                spawn(_reply_later, from_)
                return ("noreply", obs)
            case ("continue", c):
                return ("reply", "ok", obs, ("continue", c))
            case ("timeout", ms):
                return ("reply", "ok", obs, ms / 1000)

    def handle_cast(self, msg, obs):
        match msg:
            case ("report", x):
                report(obs, ["s", "cast", x])
                return ("noreply", obs)
            case ("stop", reason):
                return ("stop", reason, obs)

    def handle_info(self, msg, obs):
        report(obs, ["s", "info", msg])
        return ("noreply", obs)

    def handle_continue(self, c, obs):
        report(obs, ["s", "continue", c])
        return ("noreply", obs)

    def terminate(self, reason, obs):
        report(obs, ["s", "terminate", reason])


async def _reply_later(from_):
    gen_server.reply(from_, "later")


def gs(mode):
    return ("gs", self(), mode)


@scenario
async def gs_start_results(t):
    trap_exit(True)
    res = await gen_server.start_link(TestServer, gs("ok"), name="srv")
    t.name(res[1], "s")
    t.log("a", "start", "ok", res)
    t.log("a", "start", "dup", await gen_server.start_link(TestServer, gs("ok"), name="srv"))
    t.log("a", "got", await poll())
    for mode in [("stop", "stopped"), "ignore", "crash"]:
        t.log("a", "start", mode, await gen_server.start_link(TestServer, gs(mode)))
        await settle()
        t.log("a", "got", await poll())


@scenario
async def gs_init_error_return(t):
    trap_exit(True)
    t.log("a", "start", "error",
          await gen_server.start_link(TestServer, gs(("error", "nope"))))
    await settle()
    t.log("a", "got", await poll())


@scenario
async def gs_call_results(t):
    _, s = await gen_server.start(TestServer, gs("ok"))
    t.name(s, "s")
    t.name(monitor(s), "m1")
    call = gen_server.call
    t.log("a", "call", "ping", await call(s, "ping"))
    t.log("a", "call", "throw", await call(s, ("throw", ("reply", "thrown", self()))))
    t.log("a", "call", "reply_later", await call(s, "reply_later"))
    t.log("a", "call", "stop_reply", await call(s, ("stop_reply", "done")))
    await reports(t)
    msg = await receive(Down, timeout=1.0)
    t.log("a", "got", "nothing" if msg is TIMEOUT else msg)


@scenario
async def gs_call_failures(t):
    async def start(role):
        _, p = await gen_server.start(TestServer, gs("ok"))
        return t.name(p, role)
    call = gen_server.call
    d = t.name(await dead_pid(), "d")
    t.log("a", "call", "dead", await at_(call(d, "ping")))
    t.log("a", "call", "noname", await at_(call("nosuch", "ping")))
    s1 = await start("s1")
    t.log("a", "call", "timeout", await at_(call(s1, ("sleep", 200), 0.1)))
    await sleep(0.2)
    t.log("a", "got", await poll())
    t.log("a", "call", "after_timeout", await at_(call(s1, "ping")))
    s2 = await start("s2")
    t.log("a", "call", "crash", await at_(call(s2, "crash")))
    s3 = await start("s3")
    t.log("a", "call", "stop_noreply", await at_(call(s3, ("stop_noreply", "normal"))))
    s4 = await start("s4")
    t.log("a", "call", "bogus", await at_(call(s4, "bogus")))
    s5 = await start("s5")
    t.log("a", "call", "call_self", await at_(call(s5, "call_self")))
    t.log("a", "call", "self", await at_(call(self(), "ping")))
    t.log("a", "cast", "dead", gen_server.cast(d, "hi"))
    t.log("a", "cast", "noname", gen_server.cast("nosuch", "hi"))


@scenario
async def gs_terminate_cases(t):
    trap_exit(True)
    _, s1 = await gen_server.start(TestServer, gs("ok"))
    t.name(s1, "s1")
    t.log("a", "stop", await gen_server.stop(s1))
    await reports(t)
    _, s2 = await gen_server.start(TestServer, gs("ok"))
    t.name(s2, "s2")
    t.log("a", "stop", await gen_server.stop(s2, ("shutdown", "x"), None))
    await reports(t)
    t.log("a", "stop", "dead", await at_(gen_server.stop(s2)))
    _, s3 = await gen_server.start(TestServer, gs("ok"))
    t.name(s3, "s3")
    await at_(gen_server.call(s3, "crash"))
    await reports(t)
    for role, mode, reason in [("s4", "trap", "shutdown"), ("s5", "ok", "shutdown"),
                               ("s6", "trap", "kill")]:
        _, s = await gen_server.start_link(TestServer, gs(mode))
        t.name(s, role)
        labrt.exit(s, reason)
        msg = await receive(exit_from(s))
        await reports(t)
        t.log("a", "got", msg)
    _, s7 = await gen_server.start(TestServer, gs("trap"))
    t.name(s7, "s7")

    async def b_body():
        labrt.link(s7)
        labrt.exit("boom")
    b = t.name(spawn(b_body), "b")
    await wait_dead(b)
    await reports(t)
    t.log("s7", "alive", labrt.is_alive(s7))


@scenario
async def gs_cast_info_continue_timeout(t):
    _, s = await gen_server.start(TestServer, gs(("continue", "from_init")))
    t.name(s, "s")
    gen_server.cast(s, ("report", "first"))
    send(s, "hello")
    await reports(t)
    t.log("a", "call", await gen_server.call(s, ("continue", "from_call")))
    await reports(t)
    t.log("a", "call", await gen_server.call(s, ("timeout", 50)))
    await sleep(0.1)
    await reports(t)
    t.log("a", "call", await gen_server.call(s, ("timeout", 50)))
    gen_server.cast(s, ("report", "soon"))
    await sleep(0.1)
    await reports(t)
    gen_server.cast(s, ("stop", "normal"))
    await reports(t)
    t.log("s", "alive", labrt.is_alive(s))


# ----------------------------------------------------------------- more OTP cases

async def start_dyn(obs, cid):
    """simple_one_for_one start function: template args + (cid,)."""
    return await start_worker(cid, obs, "normal")


@scenario
async def gs_start_timeout_and_monitor(t):
    trap_exit(True)
    t.log("a", "start", "slow",
          await gen_server.start(TestServer, gs(("slow", 200)), timeout=0.1))
    t.log("a", "start_link", "slow",
          await gen_server.start_link(TestServer, gs(("slow", 200)), timeout=0.1))
    await settle()
    t.log("a", "got", await poll())
    _, (s, m) = await gen_server.start_monitor(TestServer, gs("ok"))
    t.name(s, "s")
    t.name(m, "m1")
    t.log("a", "stop", await gen_server.stop(s, "bye", None))
    await reports(t)
    t.log("a", "got", await next_())


@scenario
async def gs_start_link_stop_nontrapping(t):
    t.log("a", "start_link", await gen_server.start_link(TestServer, gs(("stop", "stopped"))))
    await settle()
    t.log("a", "got", await poll())
    t.log("a", "still", "alive")


@scenario
async def sup_simple_one_for_one(t):
    trap_exit(True)
    a = self()
    S = supervisor
    sup = await start_sup_link(t, {"strategy": "simple_one_for_one"},
                               [ChildSpec("ignored", start=(start_dyn, (a,)))])
    t.log("sup", "kids", await dyn_kids(sup))
    t.log("sup", "counts", await counts(sup))
    t.log("a", "start_child", await S.start_child(sup, ["d1"]))
    t.log("a", "start_child", await S.start_child(sup, ["d2"]))
    await reports(t)
    t.log("sup", "kids", await dyn_kids(sup))
    send("d1", ("crash", "boom"))
    await reports(t)
    t.log("sup", "kids", await dyn_kids(sup))
    t.log("sup", "counts", await counts(sup))
    d1 = whereis("d1")
    t.log("a", "terminate_child", "id", await S.terminate_child(sup, "d1"))
    t.log("a", "terminate_child", "pid", await S.terminate_child(sup, d1))
    await reports(t)
    t.log("a", "terminate_child", "again", await S.terminate_child(sup, d1))
    t.log("a", "terminate_child", "foreign", await S.terminate_child(sup, self()))
    t.log("a", "restart_child", await S.restart_child(sup, "d2"))
    t.log("a", "delete_child", await S.delete_child(sup, "d2"))
    t.log("sup", "counts", await counts(sup))
    await stop_sup(t, sup)


@scenario
async def sup_check_childspecs(t):
    a = self()

    def check(specs):
        t.log("a", "check", supervisor.check_childspecs(specs))
    check([wspec("c1", a), wspec("c2", a)])
    check([wspec("c1", a), wspec("c1", a)])
    check([wspec("c1", a, restart="bogus")])
    check([wspec("c1", a, shutdown=-1)])
    check([wspec("c1", a, type="bogus")])
    check([wspec("c1", a, significant=True)])
    check([{"id": "c1"}])
    check([{"start": (start_worker, ("c1", a, "normal"))}])


@scenario
async def sup_bad_flags(t):
    trap_exit(True)
    for flags in [{"strategy": "bogus"}, {"intensity": -1}, {"period": 0},
                  {"auto_shutdown": "bogus"}]:
        t.log("a", "start_link", await supervisor.start_link(SupMod, ("sup", flags, [])))
        await settle()
        t.log("a", "got", await poll())


@scenario
async def sup_stop_via_gen_server_stop(t):
    trap_exit(True)
    a = self()
    sup = await start_sup_link(t, {}, [wspec("c1", a), wspec("c2", a)])
    await reports(t)
    t.log("a", "stop", await gen_server.stop(sup))
    await reports(t)
    t.log("a", "got", await next_())


@scenario
async def sup_auto_shutdown(t):
    trap_exit(True)
    a = self()
    res = await supervisor.start_link(SupMod, ("sup", {"auto_shutdown": "any_significant"}, [
        wspec("c1", a), wspec("c2", a, restart="transient", significant=True)]))
    t.name(res[1], "sup1")
    await reports(t)
    send("c2", ("crash", "normal"))
    await reports(t)
    t.log("a", "got", await next_())
    res = await supervisor.start_link(SupMod, ("sup", {"auto_shutdown": "all_significant"}, [
        wspec("c1", a, restart="temporary", significant=True),
        wspec("c2", a, restart="transient", significant=True),
        wspec("c3", a)]))
    sup2 = t.name(res[1], "sup2")
    await reports(t)
    send("c1", ("crash", "boom"))
    await reports(t)
    t.log("sup2", "kids", await kids(sup2))
    send("c2", ("crash", "shutdown"))
    await reports(t)
    t.log("a", "got", await next_())
    t.log("a", "got", await poll())


@scenario
async def sup_no_restart_leaves_siblings_alone(t):
    trap_exit(True)
    a = self()
    sup1 = await start_sup_link(t, {"strategy": "one_for_all"}, [
        wspec("c1", a), wspec("c2", a, restart="transient"), wspec("c3", a)])
    t.name(sup1, "sup1")
    await reports(t)
    send("c2", ("crash", "normal"))
    await reports(t)
    t.log("sup1", "kids", await kids(sup1))
    await stop_sup(t, sup1)
    sup2 = await start_sup_link(t, {"strategy": "rest_for_one"}, [
        wspec("c1", a), wspec("c2", a, restart="temporary"), wspec("c3", a)])
    t.name(sup2, "sup2")
    await reports(t)
    send("c2", ("crash", "boom"))
    await reports(t)
    t.log("sup2", "kids", await kids(sup2))
    await stop_sup(t, sup2)


@scenario
async def sup_dynamic_children_order(t):
    trap_exit(True)
    a = self()
    S = supervisor
    sup = await start_sup_link(t, {}, [wspec("c1", a)])
    await reports(t)
    res = await S.start_child(sup, wspec("c2", a, "stubborn", shutdown=0.05))
    assert res[0] == "ok", res
    res = await S.start_child(sup, wspec("c3", a))
    assert res[0] == "ok", res
    await reports(t)
    t.log("sup", "kids", await kids(sup))
    t.name(monitor(t.name(whereis("c2"), "c2")), "m2")
    t.log("a", "terminate_child", await S.terminate_child(sup, "c2"))
    await reports(t)
    t.log("a", "got", await next_())
    t.log("a", "restart_child", (await S.restart_child(sup, "c2"))[0])
    await reports(t)
    await stop_sup(t, sup)


@scenario
async def gs_stop_linked_nontrapping(t):
    _, s = await gen_server.start_link(TestServer, gs("ok"))
    t.name(s, "s")
    t.log("a", "stopping")
    await gen_server.stop(s, "boom", None)
    t.log("a", "not_reached")
