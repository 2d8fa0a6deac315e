"""labrt half of the differential tests: each scenario mirrors the Erlang one
of the same name in ``beam_scenarios.escript``, line for line.

A scenario is ``async def name(t)``; it runs as role ``a``, logs with
``t.log(...)`` and names pids/refs with ``t.name(x, "b")``.  Children never
log: they report to ``a`` by message, so the order of lines is ``a``'s order.
"""
from __future__ import annotations

import labrt
from labrt import (Down, Exit, TIMEOUT, demonitor, is_alive, link, monitor,
                   process_info, receive, register, registered, self, send,
                   sleep, spawn, spawn_link, spawn_monitor, trap_exit, unlink,
                   unregister, whereis)

SCENARIOS: dict = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


# ----------------------------------------------------------------- helpers
# Each mirrors the Erlang helper of the same name.

def t_(fn, *args):
    """Erlang's try: ("ok", V) | ("error", Exc) | ("exit", Reason)."""
    try:
        return ("ok", fn(*args))
    except labrt.ProcessExit as e:
        return ("exit", e.reason)
    except Exception as e:
        return ("error", e)


async def wait_dead(p):
    ref = monitor(p)
    msg = await receive(lambda m: isinstance(m, Down) and m.ref == ref)
    return msg.reason


async def noop():
    return "ok"


async def dead_pid():
    p = spawn(noop)
    await wait_dead(p)
    return p


def on_go_exit(reason):
    async def body():
        await receive("go")
        labrt.exit(reason)
    return body


async def idle():
    await receive("never_sent")


async def next_():
    msg = await receive(timeout=1.0)
    return "nothing" if msg is TIMEOUT else msg


async def poll():
    return await receive(timeout=0)


def divide(x, y):
    return x // y


async def settle():
    await sleep(0.01)


def down_for(ref):
    return lambda m: isinstance(m, Down) and m.ref == ref


def exit_from(pid):
    return lambda m: isinstance(m, Exit) and m.pid == pid


# ----------------------------------------------------------------- A. links

@scenario
async def link_trap_normal(t):
    trap_exit(True)
    t.name(spawn_link(noop), "b")
    t.log("a", "got", await next_())


@scenario
async def link_trap_abnormal(t):
    async def b():
        labrt.exit("boom")
    trap_exit(True)
    t.name(spawn_link(b), "b")
    t.log("a", "got", await next_())


@scenario
async def link_trap_error(t):
    async def b():
        divide(1, 0)
    trap_exit(True)
    t.name(spawn_link(b), "b")
    t.log("a", "got", await next_())


@scenario
async def link_trap_kill_reason(t):
    async def b():
        labrt.exit("kill")
    trap_exit(True)
    t.name(spawn_link(b), "b")
    t.log("a", "got", await next_())


@scenario
async def link_trap_killed(t):
    trap_exit(True)
    b = t.name(spawn_link(idle), "b")
    t.log("a", "exit_kill", labrt.exit(b, "kill"))
    t.log("a", "got", await next_())


@scenario
async def link_nontrap_normal(t):
    b = t.name(spawn_link(on_go_exit("normal")), "b")
    t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    await settle()
    t.log("a", "got", await poll())


@scenario
async def link_nontrap_abnormal(t):
    b = t.name(spawn_link(on_go_exit("boom")), "b")
    t.log("a", "linked")
    send(b, "go")
    await idle()


@scenario
async def link_nontrap_chain(t):
    a = self()

    async def b_body():
        c = spawn_link(on_go_exit("boom"))
        send(a, ("c", c))
        await idle()
    b = t.name(spawn_link(b_body), "b")
    _, c = await receive(("c", labrt.ANY))
    t.name(c, "c")
    t.name(monitor(b), "mb")
    t.log("a", "chain", b, c)
    send(c, "go")
    await idle()


# ----------------------------------------------------------------- kill vs killed

@scenario
async def kill_reason_propagates_as_kill(t):
    trap_exit(True)
    a = self()

    async def b_body():
        c = spawn_link(on_go_exit("kill"))
        send(a, ("c", c))
        await idle()
    b = t.name(spawn_link(b_body), "b")
    _, c = await receive(("c", labrt.ANY))
    t.name(c, "c")
    mc = t.name(monitor(c), "mc")
    send(c, "go")
    t.log("a", "got", await receive(down_for(mc)))
    t.log("a", "got", await receive(exit_from(b)))


@scenario
async def killed_propagates_as_killed(t):
    trap_exit(True)
    a = self()

    async def b_body():
        c = spawn_link(idle)
        send(a, ("c", c))
        await idle()
    b = t.name(spawn_link(b_body), "b")
    _, c = await receive(("c", labrt.ANY))
    t.name(c, "c")
    mc = t.name(monitor(c), "mc")
    labrt.exit(c, "kill")
    t.log("a", "got", await receive(down_for(mc)))
    t.log("a", "got", await receive(exit_from(b)))


@scenario
async def kill_untrappable_when_trapping(t):
    a = self()

    async def b_body():
        trap_exit(True)
        send(a, "ready")
        await idle()
    b = t.name(spawn(b_body), "b")
    await receive("ready")
    t.name(monitor(b), "m1")
    labrt.exit(b, "kill")
    t.log("a", "got", await next_())


@scenario
async def exit_self_kill_when_trapping(t):
    a = self()

    async def b_body():
        trap_exit(True)
        send(a, "ready")
        await receive("go")
        labrt.exit(self(), "kill")
        send(a, "still_running")
        await idle()
    b = t.name(spawn(b_body), "b")
    await receive("ready")
    t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    await settle()
    t.log("a", "got", await poll())


# ----------------------------------------------------------------- exit/2

@scenario
async def exit_self_normal_nontrapping(t):
    a = self()

    async def b_body():
        await receive("go")
        labrt.exit(self(), "normal")
        send(a, "still_running")
        await idle()
    b = t.name(spawn(b_body), "b")
    t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    await settle()
    t.log("a", "got", await poll())


@scenario
async def exit_self_normal_trapping(t):
    t.log("a", "trap", trap_exit(True))
    t.log("a", "exit_normal", labrt.exit(self(), "normal"))
    t.log("a", "got", await next_())
    t.log("a", "alive", is_alive(self()))


@scenario
async def exit_normal_other_nontrapping(t):
    async def loop():
        while True:
            _, sender = await receive(("ping", labrt.ANY))
            send(sender, "pong")
    b = t.name(spawn(loop), "b")
    t.log("a", "exit_normal", labrt.exit(b, "normal"))
    send(b, ("ping", self()))
    t.log("a", "got", await next_())
    t.log("b", "alive", is_alive(b))


@scenario
async def exit_normal_other_trapping(t):
    a = self()

    async def b_body():
        trap_exit(True)
        send(a, "ready")
        send(a, ("b_got", await receive()))
    b = t.name(spawn(b_body), "b")
    await receive("ready")
    labrt.exit(b, "normal")
    _, m = await receive(("b_got", labrt.ANY))
    t.log("b", "got", m)


@scenario
async def exit_abnormal_other(t):
    a = self()
    b = t.name(spawn(idle), "b")
    t.name(monitor(b), "m1")
    t.log("a", "exit_boom", labrt.exit(b, "boom"))
    t.log("a", "got", await next_())

    async def c_body():
        trap_exit(True)
        send(a, "ready")
        send(a, ("c_got", await receive()))
    c = t.name(spawn(c_body), "c")
    await receive("ready")
    labrt.exit(c, ("shutdown", "why"))
    _, m = await receive(("c_got", labrt.ANY))
    t.log("c", "got", m)


@scenario
async def exit_dead_pid(t):
    b = t.name(await dead_pid(), "b")
    t.log("a", "exit_boom", labrt.exit(b, "boom"))
    t.log("a", "exit_kill", labrt.exit(b, "kill"))
    t.log("a", "got", await poll())


@scenario
async def exit1_is_catchable(t):
    t.log("a", "caught", t_(labrt.exit, "oops"))
    t.log("a", "caught", t_(labrt.exit, ("shutdown", "x")))
    t.log("a", "still", "alive")


@scenario
async def main_crash_badarith(t):
    t.log("a", "dividing")
    divide(1, 0)


# ----------------------------------------------------------------- link/unlink

@scenario
async def link_dead_trapping(t):
    trap_exit(True)
    b = t.name(await dead_pid(), "b")
    t.log("a", "link", link(b))
    t.log("a", "got", await next_())


@scenario
async def link_dead_nontrapping(t):
    b = t.name(await dead_pid(), "b")
    t.log("a", "link", t_(link, b))
    await settle()
    t.log("a", "got", await poll())


@scenario
async def link_dead_uncaught(t):
    b = t.name(await dead_pid(), "b")
    link(b)
    t.log("a", "not_reached")


@scenario
async def link_idempotent_unlink_once(t):
    trap_exit(True)
    t.log("a", "link_self", link(self()))
    b = t.name(spawn(on_go_exit("boom")), "b")
    t.log("a", "link", link(b), link(b))
    t.log("a", "unlink", unlink(b))
    t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    await settle()
    t.log("a", "got", await poll())


@scenario
async def unlink_then_no_effect(t):
    b = t.name(spawn_link(on_go_exit("boom")), "b")
    t.log("a", "unlink", unlink(b))
    t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    await settle()
    t.log("a", "got", await poll())


@scenario
async def spawn_link_dies_at_once(t):
    async def boom():
        labrt.exit("boom")

    async def bang():
        labrt.exit("bang")
    trap_exit(True)
    t.name(spawn_link(boom), "b")
    t.log("a", "got", await next_())
    c, m = spawn_monitor(bang)
    t.name(c, "c")
    t.name(m, "m1")
    t.log("a", "got", await next_())


@scenario
async def trap_exit_returns_old(t):
    t.log("a", "trap", trap_exit(True))
    t.log("a", "trap", trap_exit(True))
    t.log("a", "trap", trap_exit(False))
    t.log("a", "trap", trap_exit(False))


# ----------------------------------------------------------------- ordering, names

@scenario
async def message_before_exit(t):
    trap_exit(True)
    a = self()

    async def b_body():
        send(a, "hello")
        send(a, "world")
        labrt.exit("boom")
    t.name(spawn_link(b_body), "b")
    t.log("a", "got", await next_())
    t.log("a", "got", await next_())
    t.log("a", "got", await next_())


@scenario
async def message_before_down(t):
    a = self()

    async def b_body():
        await receive("go")
        send(a, "hello")
        return "ok"
    b, m = spawn_monitor(b_body)
    t.name(b, "b")
    t.name(m, "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    t.log("a", "got", await next_())


@scenario
async def name_freed_before_exit_and_down(t):
    trap_exit(True)
    b = t.name(spawn_link(on_go_exit("boom")), "b")
    t.log("a", "register", register("foo", b))
    m = t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await receive(exit_from(b)))
    t.log("a", "whereis", "foo", whereis("foo"))
    t.log("a", "got", await receive(down_for(m)))
    t.log("a", "register", register("foo", self()))
    t.log("a", "whereis", "foo", whereis("foo"))


# ----------------------------------------------------------------- monitors

@scenario
async def monitor_dead_pid(t):
    b = t.name(await dead_pid(), "b")
    t.name(monitor(b), "m1")
    t.log("a", "got", await next_())


@scenario
async def monitor_unregistered_name(t):
    t.name(monitor("nosuch"), "m1")
    t.log("a", "got", await next_())


@scenario
async def monitor_by_name(t):
    b = t.name(spawn(on_go_exit("boom")), "b")
    register("foo", b)
    t.name(monitor("foo"), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    t.log("a", "whereis", "foo", whereis("foo"))


@scenario
async def monitor_twice_fires_twice(t):
    b = t.name(spawn(on_go_exit("boom")), "b")
    m1 = t.name(monitor(b), "m1")
    m2 = t.name(monitor(b), "m2")
    t.log("a", "distinct", m1 != m2)
    send(b, "go")
    t.log("a", "got", await receive(down_for(m1)))
    t.log("a", "got", await receive(down_for(m2)))


@scenario
async def monitor_watcher_death_harmless(t):
    a = self()

    async def b_body():
        _, sender = await receive(("ping", labrt.ANY))
        send(sender, "pong")

    b = t.name(spawn(b_body), "b")

    async def w_body():
        monitor(b)
        send(a, "watching")
        await receive("go")
        labrt.exit("boom")
    w = t.name(spawn(w_body), "w")
    await receive("watching")
    mw = t.name(monitor(w), "mw")
    send(w, "go")
    t.log("a", "got", await receive(down_for(mw)))
    send(b, ("ping", self()))
    t.log("a", "got", await next_())


@scenario
async def demonitor_flush(t):
    b = t.name(spawn(on_go_exit("boom")), "b")
    m1 = t.name(monitor(b), "m1")
    m2 = t.name(monitor(b), "m2")
    m3 = t.name(monitor(b), "m3")
    send(b, "go")
    await receive(down_for(m3))
    await settle()
    t.log("a", "demonitor", "m1", "flush", demonitor(m1, flush=True))
    t.log("a", "demonitor", "m2", "plain", demonitor(m2))
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())


@scenario
async def demonitor_info(t):
    b = t.name(spawn(on_go_exit("boom")), "b")
    m1 = t.name(monitor(b), "m1")
    t.log("a", "demonitor", "m1", "info", demonitor(m1, info=True))
    t.log("a", "demonitor", "m1", "info", demonitor(m1, info=True))
    m2 = t.name(monitor(b), "m2")
    m3 = t.name(monitor(b), "m3")
    send(b, "go")
    await receive(down_for(m3))
    await settle()
    t.log("a", "demonitor", "m2", "flush_info", demonitor(m2, flush=True, info=True))
    t.log("a", "got", await poll())


# ----------------------------------------------------------------- names, send

@scenario
async def register_errors(t):
    b = t.name(spawn(idle), "b")
    d = t.name(await dead_pid(), "d")
    t.log("a", "register", "foo", "a", t_(register, "foo", self()))
    t.log("a", "register", "foo", "b", t_(register, "foo", b))
    t.log("a", "register", "bar", "a", t_(register, "bar", self()))
    t.log("a", "register", "undefined", "b", t_(register, "undefined", b))
    t.log("a", "register", "baz", "d", t_(register, "baz", d))
    t.log("a", "register", "baz", "b", t_(register, "baz", b))
    t.log("a", "whereis", "baz", whereis("baz"))
    t.log("a", "unregister", "nosuch", t_(unregister, "nosuch"))
    t.log("a", "unregister", "foo", t_(unregister, "foo"))
    t.log("a", "whereis", "foo", whereis("foo"))
    t.log("a", "member", "foo", "foo" in registered())
    t.log("a", "member", "baz", "baz" in registered())


@scenario
async def send_semantics(t):
    d = t.name(await dead_pid(), "d")
    register("foo", self())
    t.log("a", "send", "foo", t_(send, "foo", "hi"))
    t.log("a", "got", await next_())
    t.log("a", "send", "nosuch", t_(send, "nosuch", "hi"))
    t.log("a", "send", "d", t_(send, d, "hi"))
    t.log("a", "got", await poll())


@scenario
async def dead_process_info(t):
    d = t.name(await dead_pid(), "d")
    t.log("d", "alive", is_alive(d))
    t.log("d", "info", process_info(d))


# ----------------------------------------------------------------- receive

@scenario
async def selective_receive_order(t):
    for m in ["m1", "m2", ("x", 1), "m3", ("x", 2), "m4"]:
        send(self(), m)
    t.log("a", "got", await receive(("x", labrt.ANY)))
    t.log("a", "got", await receive(("x", labrt.ANY)))
    t.log("a", "got", await receive(("y", labrt.ANY), timeout=0))
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())
    t.log("a", "got", await receive("m4", "m3"))
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())


@scenario
async def receive_after_zero(t):
    t.log("a", "got", await poll())
    send(self(), "unmatched")
    t.log("a", "got", await receive("wanted", timeout=0))
    t.log("a", "got", await poll())


@scenario
async def receive_after_not_reset(t):
    a = self()

    async def b_body():
        for n in (1, 2, 3):
            await sleep(0.02)
            send(a, ("noise", n))
        await sleep(0.09)
        send(a, "late")
    t.name(spawn(b_body), "b")
    t.log("a", "got", await receive("late", timeout=0.1))
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())
    t.log("a", "got", await next_())


# ----------------------------------------------------------------- subtler cases

async def at_(awaitable):
    """Erlang's try around something that suspends."""
    try:
        return ("ok", await awaitable)
    except labrt.ProcessExit as e:
        return ("exit", e.reason)
    except Exception as e:
        return ("error", e)


@scenario
async def trap_flag_read_on_arrival(t):
    trap_exit(True)
    b = t.name(spawn_link(on_go_exit("boom")), "b")
    m = t.name(monitor(b), "m1")
    send(b, "go")
    await receive(down_for(m))
    await settle()
    t.log("a", "trap", trap_exit(False))
    t.log("a", "got", await poll())
    t.log("a", "still", "alive")


@scenario
async def unlink_trapping_no_exit(t):
    trap_exit(True)
    b = t.name(spawn_link(on_go_exit("boom")), "b")
    t.log("a", "unlink", unlink(b))
    t.name(monitor(b), "m1")
    send(b, "go")
    t.log("a", "got", await next_())
    await settle()
    t.log("a", "got", await poll())


@scenario
async def child_links_to_parent(t):
    trap_exit(True)
    a = self()

    async def b_body():
        link(a)
        send(a, "linked")
        await receive("go")
        labrt.exit("boom")
    b = t.name(spawn(b_body), "b")
    await receive("linked")
    send(b, "go")
    t.log("a", "got", await next_())


@scenario
async def monitor_name_resolved_once(t):
    b = t.name(spawn(on_go_exit("boom")), "b")
    c = t.name(spawn(idle), "c")
    register("foo", b)
    t.name(monitor("foo"), "m1")
    unregister("foo")
    register("foo", c)
    send(b, "go")
    t.log("a", "got", await next_())
    t.log("a", "whereis", "foo", whereis("foo"))


@scenario
async def exit_reason_killed_is_trappable(t):
    a = self()

    async def b_body():
        trap_exit(True)
        send(a, "ready")
        send(a, ("b_got", await receive()))
    b = t.name(spawn(b_body), "b")
    await receive("ready")
    labrt.exit(b, "killed")
    _, m = await receive(("b_got", labrt.ANY))
    t.log("b", "got", m)
    c = t.name(spawn(idle), "c")
    t.name(monitor(c), "m1")
    labrt.exit(c, "killed")
    t.log("a", "got", await next_())


@scenario
async def killed_kills_nontrapping_link(t):
    b = t.name(spawn_link(idle), "b")
    t.log("a", "exit_kill", labrt.exit(b, "kill"))
    await idle()


@scenario
async def shutdown_tuple_propagates(t):
    b = t.name(spawn_link(on_go_exit(("shutdown", "x"))), "b")
    send(b, "go")
    await idle()


@scenario
async def self_signals_in_order(t):
    trap_exit(True)
    send(self(), "m1")
    labrt.exit(self(), "boom")
    send(self(), "m2")
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())
    t.log("a", "got", await poll())


@scenario
async def unlink_non_pid(t):
    t.log("a", "unlink", "foo", t_(unlink, "foo"))


@scenario
async def bad_arguments(t):
    t.log("a", "link", "foo", t_(link, "foo"))
    t.log("a", "monitor", 42, t_(monitor, 42))
    t.log("a", "exit", "foo", t_(labrt.exit, "foo", "boom"))
    t.log("a", "register", 42, t_(register, 42, self()))
    t.log("a", "send", 42, t_(send, 42, "hi"))
    t.log("a", "demonitor", "unknown", t_(demonitor, labrt.make_ref()))
    t.log("a", "receive_after", -1, await at_(receive("never", timeout=-1)))
    t.log("a", "still", "alive")
