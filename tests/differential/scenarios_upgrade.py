"""labrt half of the hot-upgrade differential scenarios (items 90-95).

Each scenario mirrors the Erlang one of the same name in ``beam_upgrade.escript``.
They live in their own table, ``UPGRADE_SCENARIOS``, because their BEAM output
comes from that second escript.

An Erlang module version is a class here, loaded under the module's name with
``code.load``; its ``vsn`` attribute stands for Erlang's ``-vsn(N)``, and the
scenarios log that attribute of the current code after each load.  A fully
qualified call ``Mod:f()`` is ``await code.apply(mod, "f")``; a local call is a
plain ``while`` loop.

One normalisation is local to this file: Erlang's ``N + 1`` on a list is
``badarith``, Python's is a ``TypeError``, so :func:`arith` prints a TypeError
exit reason as ``badarith`` (only in ``upgrade_naive_no_change_code``).
"""
from __future__ import annotations

import labrt
from labrt import ANY, Down, Exit, TIMEOUT, code, monitor, process_info, receive, send, sleep
from labrt import gen_server, spawn, trap_exit
from labrt import self as me
from labrt import sys as labsys
from labrt.gen_server import GenServer, Throw
from labrt.sys import CallbackFailed

from .scenarios import at_, poll
from .scenarios_otp import report, reports

UPGRADE_SCENARIOS: dict = {}


def scenario(fn):
    UPGRADE_SCENARIOS[fn.__name__] = fn
    return fn


# ----------------------------------------------------------------- helpers

def loaded(t, name, cls):
    """Load ``cls`` as the new version of ``name``; log the current vsn."""
    code.load(name, cls)
    t.log("a", "loaded", name, code.current(name).vsn)


async def wait_queued(p, n):
    """Wait until ``p`` has at least ``n`` messages queued (it is suspended)."""
    while len(process_info(p).mailbox) < n:
        await sleep(0.001)


async def ping(t, p):
    send(p, ("ping", me()))
    t.log("a", "got", await receive(
        lambda m: type(m) is tuple and len(m) == 3 and m[0] == "pong" and m[1] == p))


async def down(t, ref):
    msg = await receive(lambda m: isinstance(m, Down) and m.ref == ref, timeout=1.0)
    t.log("a", "got", "nothing" if msg is TIMEOUT else msg)


def arith(msg):
    """A DOWN whose reason is a TypeError printed as Erlang's badarith."""
    if isinstance(msg, Down) and isinstance(msg.reason, TypeError):
        return Down(msg.ref, msg.pid, "badarith")
    return msg


async def replace(server, fun):
    """Erlang's t(fun() -> sys:replace_state(S, Fun) end)."""
    try:
        return ("ok", await labsys.replace_state(server, fun))
    except CallbackFailed as e:
        return ("error", e.reason)
    except labrt.ProcessExit as e:
        return ("exit", e.reason)


# ----------------------------------------------------------------- modules

class Recorder(GenServer):
    """Records what it handled, in order, and reports each message."""
    vsn = 1

    def init(self, obs):
        return ("ok", (obs, []))

    def handle_call(self, req, from_, s):
        match req:
            case "get":
                return ("reply", s, s)
            case ("add", x):
                obs, items = s
                report(obs, ["s", "call", x])
                return ("reply", ("added", x), (obs, [x, *items]))

    def handle_cast(self, msg, s):
        _, x = msg
        obs, items = s
        report(obs, ["s", "cast", x])
        return ("noreply", (obs, [x, *items]))

    def handle_info(self, msg, s):
        obs, items = s
        report(obs, ["s", "info", msg])
        return ("noreply", (obs, [msg, *items]))


class Number(GenServer):
    """A counter whose state is a number."""
    vsn = 1

    def init(self, n):
        return ("ok", n)

    def handle_call(self, req, from_, n):
        return ("reply", n, n)

    def handle_cast(self, msg, n):
        return ("noreply", n + 1)


class CounterV1(GenServer):
    """State (obs, n)."""
    vsn = 1

    def init(self, obs):
        return ("ok", (obs, 0))

    def handle_call(self, req, from_, s):
        return ("reply", ("v1", s[1]), s)

    def handle_cast(self, msg, s):
        obs, n = s
        report(obs, ["s", "v1", "inc", n])
        return ("noreply", (obs, n + 1))


class CounterV2(GenServer):
    """State (obs, n, step); code_change converts up from 1 and down to 1."""
    vsn = 2

    def init(self, obs):
        return ("ok", (obs, 0, 1))

    def handle_call(self, req, from_, s):
        _, n, step = s
        return ("reply", ("v2", n, step), s)

    def handle_cast(self, msg, s):
        obs, n, step = s
        report(obs, ["s", "v2", "inc", n])
        return ("noreply", (obs, n + step, step))

    def code_change(self, old_vsn, s, extra):
        match old_vsn:
            case ("down", 1):
                obs, n, step = s
                report(obs, ["s", "v2", "code_change", ("down", 1), n, step, extra])
                return ("ok", (obs, n))
            case 1:
                obs, n = s
                report(obs, ["s", "v2", "code_change", 1, n, extra])
                return ("ok", (obs, n, extra))


class ChangeCodeCases(GenServer):
    """code_change's outcome is chosen by Extra."""
    vsn = 1

    def init(self, n):
        return ("ok", n)

    def handle_call(self, req, from_, n):
        return ("reply", n, n)

    def code_change(self, old_vsn, n, extra):
        match extra:
            case "refuse":
                return ("error", "nope")
            case ("crash", d):
                return ("ok", n // d)
            case ("exit", reason):
                labrt.exit(reason)
            case ("throw", value):
                raise Throw(value)
            case _:
                return ("ok", (n, extra))


class NoCodeChange(GenServer):
    """A callback module that does not define code_change."""
    vsn = 1

    def init(self, n):
        return ("ok", n)

    def handle_call(self, req, from_, n):
        return ("reply", n, n)


class ListV1(GenServer):
    """Naive upgrade, before: the state is a list."""
    vsn = 1

    def init(self, _):
        return ("ok", [])

    def handle_call(self, req, from_, items):
        return ("reply", ("v1", items), items)

    def handle_cast(self, msg, items):
        return ("noreply", [msg[1], *items])


class CountV2(GenServer):
    """Naive upgrade, after: the state is a count."""
    vsn = 2

    def init(self, _):
        return ("ok", 0)

    def handle_call(self, req, from_, n):
        return ("reply", ("v2", n), n)

    def handle_cast(self, msg, n):
        return ("noreply", n + 1)


class Trapper(GenServer):
    """Traps exits; reports casts and terminate."""
    vsn = 1

    def init(self, obs):
        trap_exit(True)
        return ("ok", obs)

    def handle_cast(self, msg, obs):
        report(obs, ["s", "cast", msg])
        return ("noreply", obs)

    def terminate(self, reason, obs):
        report(obs, ["s", "terminate", reason])


def loopers(mod, v):
    """Version ``v`` of a module whose processes answer pings with their vsn."""

    class Loopers:
        vsn = v

        async def remote_loop(self):
            _, sender = await receive(("ping", ANY))
            send(sender, ("pong", me(), v))
            return await code.apply(mod, "remote_loop")       # mod:remote_loop()

        async def local_loop(self):
            while True:                                       # local_loop()
                _, sender = await receive(("ping", ANY))
                send(sender, ("pong", me(), v))

    return Loopers


def returner(mod, v):
    """Version ``v``: a local loop that waits inside a non-tail qualified call."""

    class Returner:
        vsn = v

        async def start(self, a):
            send(a, ("ready", me(), v))
            await self.local_loop(a)                          # local_loop(A)

        async def local_loop(self, a):
            while True:
                await receive("go")
                r = await code.apply(mod, "wait_go", a)       # R = mod:wait_go(A)
                send(a, ("back", me(), r, v))

        async def wait_go(self, a):
            send(a, ("waiting", me(), v))
            await receive("go")
            return v

    return Returner


# ----------------------------------------------------------------- scenarios

@scenario
async def sys_suspend_queues_in_order(t):
    a = me()
    loaded(t, "upg_rec", Recorder)
    _, s = await gen_server.start("upg_rec", a)
    t.name(s, "s")
    t.log("a", "suspend", await labsys.suspend(s))
    gen_server.cast(s, ("add", "c1"))
    t.log("a", "call", await at_(gen_server.call(s, ("add", "k1"), 0.05)))
    send(s, "i1")

    async def c():
        send(a, ("c", await gen_server.call(s, ("add", "k2"))))
    t.name(spawn(c), "c")
    await wait_queued(s, 4)
    gen_server.cast(s, ("add", "c3"))
    t.log("a", "state", await labsys.get_state(s))
    await reports(t)
    t.log("a", "resume", await labsys.resume(s))
    await reports(t)
    t.log("a", "got", (await receive(("c", ANY)))[1])
    t.log("a", "got", await poll())
    t.log("a", "state", await labsys.get_state(s))


@scenario
async def sys_state_while_suspended(t):
    loaded(t, "upg_num", Number)
    _, s = await gen_server.start("upg_num", 10)
    t.name(s, "s")
    t.log("a", "suspend", await labsys.suspend(s))
    gen_server.cast(s, "inc")
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "replace", await labsys.replace_state(s, lambda n: n * 2))
    t.log("a", "state", await labsys.get_state(s))
    kind, exc = await at_(labsys.replace_state(s, lambda n: n // 0))
    t.log("a", "replace", "crash", kind, exc.reason[0])
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "resume", await labsys.resume(s))
    t.log("a", "call", await gen_server.call(s, "get"))


@scenario
async def sys_replace_state_crash_reason(t):
    def throw_fail(n):
        raise Throw("fail")
    loaded(t, "upg_num2", Number)
    _, s = await gen_server.start("upg_num2", 1)
    t.name(s, "s")
    t.log("a", "replace", "error", await replace(s, lambda n: n // 0))
    t.log("a", "replace", "throw", await replace(s, throw_fail))
    t.log("s", "alive", labrt.is_alive(s))
    t.log("a", "state", await at_(labsys.get_state(s)))


@scenario
async def sys_replace_state_fun_exits(t):
    def exit_bye(n):
        labrt.exit("bye")
    loaded(t, "upg_num3", Number)
    _, s = await gen_server.start("upg_num3", 1)
    t.name(s, "s")
    t.log("a", "replace", "exit", await replace(s, exit_bye))
    t.log("s", "alive", labrt.is_alive(s))
    t.log("a", "state", await at_(labsys.get_state(s)))


@scenario
async def sys_change_code_upgrade_downgrade(t):
    loaded(t, "upg_cnt", CounterV1)
    _, s = await gen_server.start("upg_cnt", me())
    t.name(s, "s")
    gen_server.cast(s, "inc")
    t.log("a", "call", await gen_server.call(s, "get"))
    await reports(t)
    t.log("a", "suspend", await labsys.suspend(s))
    gen_server.cast(s, "inc")
    loaded(t, "upg_cnt", CounterV2)
    t.log("a", "change_code", await labsys.change_code(s, "upg_cnt", 1, 10))
    await reports(t)
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "resume", await labsys.resume(s))
    t.log("a", "call", await gen_server.call(s, "get"))
    await reports(t)
    t.log("a", "suspend", await labsys.suspend(s))
    gen_server.cast(s, "inc")
    t.log("a", "change_code", await labsys.change_code(s, "upg_cnt", ("down", 1), "back"))
    await reports(t)
    loaded(t, "upg_cnt", CounterV1)
    t.log("a", "resume", await labsys.resume(s))
    t.log("a", "call", await gen_server.call(s, "get"))
    await reports(t)
    t.log("s", "alive", labrt.is_alive(s))


@scenario
async def sys_change_code_results(t):
    cc = labsys.change_code
    loaded(t, "upg_cc", ChangeCodeCases)
    _, s = await gen_server.start("upg_cc", 5)
    t.name(s, "s")
    t.log("a", "change_code", "running", await cc(s, "upg_cc", 1, "x"))
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "suspend", await labsys.suspend(s))
    t.log("a", "change_code", "refuse", await cc(s, "upg_cc", 1, "refuse"))
    t.log("a", "change_code", "crash", await cc(s, "upg_cc", 1, ("crash", 0)))
    t.log("a", "change_code", "exit", await cc(s, "upg_cc", 1, ("exit", "bye")))
    t.log("a", "change_code", "throw", await cc(s, "upg_cc", 1, ("throw", "oops")))
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "change_code", "throw_ok", await cc(s, "upg_cc", 1, ("throw", ("ok", 7))))
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "change_code", "ok", await cc(s, "upg_cc", ("down", 0), "y"))
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "resume", await labsys.resume(s))
    t.log("a", "call", await gen_server.call(s, "get"))
    t.log("a", "change_code", "resumed", await cc(s, "upg_cc", 1, "z"))


@scenario
async def sys_change_code_missing_callback(t):
    loaded(t, "upg_ncc", NoCodeChange)
    _, s = await gen_server.start("upg_ncc", 5)
    t.name(s, "s")
    t.log("a", "suspend", await labsys.suspend(s))
    t.log("a", "change_code", await labsys.change_code(s, "upg_ncc", 1, "x"))
    t.log("a", "state", await labsys.get_state(s))
    t.log("a", "resume", await labsys.resume(s))
    t.log("s", "alive", labrt.is_alive(s))


@scenario
async def upgrade_naive_no_change_code(t):
    loaded(t, "upg_nv", ListV1)
    _, s = await gen_server.start("upg_nv", [])
    t.name(s, "s")
    m = t.name(monitor(s), "m1")
    gen_server.cast(s, ("add", "x"))
    gen_server.cast(s, ("add", "y"))
    t.log("a", "call", await gen_server.call(s, "get"))
    loaded(t, "upg_nv", CountV2)
    t.log("a", "call", await gen_server.call(s, "get"))
    gen_server.cast(s, ("add", "z"))
    msg = await receive(lambda x: isinstance(x, Down) and x.ref == m, timeout=1.0)
    t.log("a", "got", "nothing" if msg is TIMEOUT else arith(msg))


@scenario
async def sys_suspended_parent_exit(t):
    trap_exit(True)
    loaded(t, "upg_px", Trapper)
    _, s = await gen_server.start_link("upg_px", me())
    t.name(s, "s")
    t.log("a", "suspend", await labsys.suspend(s))
    gen_server.cast(s, "hello")
    labrt.exit(s, "shutdown")
    msg = await receive(lambda m: isinstance(m, Exit) and m.pid == s)
    await reports(t)
    t.log("a", "got", msg)


@scenario
async def code_qualified_vs_local_loop(t):
    loaded(t, "upg_lp", loopers("upg_lp", 1))
    r = t.name(code.spawn("upg_lp", "remote_loop"), "r")
    l_ = t.name(code.spawn("upg_lp", "local_loop"), "l")
    await ping(t, r)
    await ping(t, l_)
    loaded(t, "upg_lp", loopers("upg_lp", 2))
    for p in (r, r, l_, l_):
        await ping(t, p)
    t.log("a", "soft_purge", code.soft_purge("upg_lp"))
    t.log("a", "alive", labrt.is_alive(r), labrt.is_alive(l_))
    await ping(t, l_)


@scenario
async def code_third_version_kills_old(t):
    loaded(t, "upg_tv", loopers("upg_tv", 1))
    r = t.name(code.spawn("upg_tv", "remote_loop"), "r")
    l_ = t.name(code.spawn("upg_tv", "local_loop"), "l")
    mr = t.name(monitor(r), "mr")
    ml = t.name(monitor(l_), "ml")
    await ping(t, r)
    await ping(t, l_)
    loaded(t, "upg_tv", loopers("upg_tv", 2))
    for p in (r, r, l_):
        await ping(t, p)
    loaded(t, "upg_tv", loopers("upg_tv", 3))
    await down(t, ml)
    await ping(t, r)
    await ping(t, r)
    loaded(t, "upg_tv", loopers("upg_tv", 4))
    t.log("a", "alive", labrt.is_alive(r))
    loaded(t, "upg_tv", loopers("upg_tv", 5))
    await down(t, mr)
    t.log("a", "got", await poll())


@scenario
async def code_purge_and_soft_purge(t):
    t.log("a", "unloaded", code.soft_purge("upg_pg"), code.purge("upg_pg"))
    loaded(t, "upg_pg", loopers("upg_pg", 1))
    l_ = t.name(code.spawn("upg_pg", "local_loop"), "l")
    ml = t.name(monitor(l_), "ml")
    await ping(t, l_)
    t.log("a", "no_old", code.soft_purge("upg_pg"), code.purge("upg_pg"))
    loaded(t, "upg_pg", loopers("upg_pg", 2))
    t.log("a", "soft_purge", code.soft_purge("upg_pg"))
    await ping(t, l_)
    t.log("a", "purge", code.purge("upg_pg"))
    await down(t, ml)
    t.log("a", "purge", code.purge("upg_pg"))
    t.log("a", "soft_purge", code.soft_purge("upg_pg"))
    loaded(t, "upg_pg", loopers("upg_pg", 3))
    t.log("a", "unused_old", code.purge("upg_pg"))
    loaded(t, "upg_pg", loopers("upg_pg", 4))
    t.log("a", "unused_old", code.soft_purge("upg_pg"))
    t.log("a", "got", await poll())


@scenario
async def code_return_address_in_old_code(t):
    a = me()
    loaded(t, "upg_ra", returner("upg_ra", 1))
    p = t.name(code.spawn("upg_ra", "start", a), "p")
    mp = t.name(monitor(p), "mp")
    t.log("a", "got", await receive(("ready", p, ANY)))
    loaded(t, "upg_ra", returner("upg_ra", 2))
    send(p, "go")
    t.log("a", "got", await receive(("waiting", p, ANY)))
    loaded(t, "upg_ra", returner("upg_ra", 3))
    msg = await receive(lambda m: isinstance(m, Down) and m.ref == mp, timeout=0.1)
    t.log("a", "got", "nothing" if msg is TIMEOUT else msg)
    send(p, "go")
    msg = await receive(lambda m: type(m) is tuple and len(m) == 4 and m[:2] == ("back", p),
                        timeout=0.1)
    t.log("a", "got", "nothing" if msg is TIMEOUT else msg)
