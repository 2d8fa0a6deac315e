"""labrt half of the distribution differential tests.

Each scenario mirrors the Erlang function of the same name in
``dist_scenarios.erl``, line for line.  A scenario is ``async def name(t)``; it
runs as ``<a.main>`` on node ``a@localhost`` of a fresh :class:`labrt.World`
whose nodes ``a``, ``b``, ``c`` and ``d`` are up and not connected; ``x@localhost``
never exists.  It logs with ``t.log(...)``, names pids and refs with
``t.name(x, "p")`` and reaches the world (to crash a node) as ``t.world``.
The helpers that mirror the Erlang ones are in ``helpers.py``.

The distribution API (``node``, ``nodes``, ``spawn(..., node=)``,
``monitor_node``, ``monitor_nodes``, ``disconnect_node``, ``labrt.rpc``) is
looked up when a scenario runs, not when this module is imported, so a feature
that is missing fails only the scenarios that use it.
"""
from __future__ import annotations

import labrt
from labrt import (ANY, TIMEOUT, demonitor, link, monitor, receive, register, self,
                   send, sleep, spawn, spawn_link, spawn_monitor, trap_exit, whereis)
from labrt import gen_server, supervisor

from .helpers import (
    SupMod, noop, connect, divide, drain, exit_with, freeze, idle, next_,
    on_go_exit, restart, sleep_then, start_kv, start_srv, stop_node, t_, ta, thaw,
    log_group, take_all, this_node, wait_child, wait_nodes, nd,
    cut, go, heal_link, hold_global, release_global, show_report, split, view,
    watcher)

SCENARIOS: dict = {}
#: Setup actions done before a scenario starts, as dist_scenarios:setup/1.
SETUP: dict = {"transitive_existing": [("connect", "b", "c")]}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


# ----------------------------------------------------------------- item 96: sends

@scenario
async def send_name_node_order(t):
    b = nd("b")
    p = t.name(await start_srv(b, "sink", False), "sink")
    t.log("a", "send_returns", send(("sink", b), "m0"))
    for i in range(1, 6):
        send(("sink", b), ("n", i))
    send(p, ("n", 6))
    send(("sink", b), ("report", self()))
    t.log("a", "got", await next_())
    t.log("a", "send_unregistered", send(("nosuch", b), "hello"))
    t.log("a", "send_nonexistent_node", send(("sink", nd("x")), "hello"))
    send(p, ("report", self()))
    t.log("a", "got", await next_())


@scenario
async def names_per_node(t):
    b, a = nd("b"), labrt.node()
    pa = t.name(await start_srv(a, "srv", False), "srv")
    pb = t.name(await start_srv(b, "srv", False), "srv")
    t.log("a", "whereis", whereis("srv"))
    send(("srv", a), "to_a")
    send(("srv", b), "to_b")
    send(pa, ("report", self()))
    t.log("a", "got", await next_())
    send(pb, ("report", self()))
    t.log("a", "got", await next_())


# ----------------------------------------------------------------- remote spawn

@scenario
async def remote_spawn(t):
    b, me = nd("b"), self()

    async def hello():
        send(me, ("hello", labrt.node(), self()))

    t.log("a", "self_node", labrt.node(), labrt.nodes())
    p = t.name(spawn(hello, node=b), "p")
    t.log("a", "node_of_p", labrt.node(p))
    t.log("a", "got", await next_())
    t.log("a", "nodes", sorted(labrt.nodes()))


@scenario
async def remote_spawn_nonexistent_node(t):
    trap_exit(True)
    x = nd("x")
    p = t.name(spawn(noop, node=x), "p")
    t.log("a", "node_of_p", labrt.node(p))
    t.name(spawn_link(noop, node=x), "l")
    t.log("a", "got", await next_())
    m, r = spawn_monitor(noop, node=x)
    t.name(m, "m")
    t.name(r, "r")
    t.log("a", "got", await next_())
    t.log("a", "nodes", labrt.nodes())


# ----------------------------------------------------------------- remote links

@scenario
async def remote_link_exit_normal(t):
    trap_exit(True)
    p = t.name(spawn_link(on_go_exit("normal"), node=nd("b")), "p")
    send(p, "go")
    t.log("a", "got", await next_())


@scenario
async def remote_link_exit_abnormal(t):
    trap_exit(True)
    p = t.name(spawn_link(on_go_exit("boom"), node=nd("b")), "p")
    send(p, "go")
    t.log("a", "got", await next_())


@scenario
async def remote_link_exit_kill(t):
    trap_exit(True)
    p = t.name(spawn_link(idle, node=nd("b")), "p")
    t.log("a", "exit_kill", labrt.exit(p, "kill"))
    t.log("a", "got", await next_())


@scenario
async def remote_link_nontrap_abnormal(t):
    p = t.name(spawn_link(on_go_exit("boom"), node=nd("b")), "p")
    send(p, "go")
    if await receive("never_sent", timeout=3.0) is TIMEOUT:
        t.log("a", "survived")


@scenario
async def remote_link_after_spawn(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "none", False), "p")
    t.log("a", "link", link(p))
    send(p, ("exit", "boom"))
    t.log("a", "got", await next_())
    t.log("a", "link_dead", link(p))
    t.log("a", "got", await next_())


@scenario
async def remote_exit_signal(t):
    b = nd("b")
    p = t.name(await start_srv(b, "none", True), "p")
    t.name(monitor(p), "mp")
    t.log("a", "exit", labrt.exit(p, "why"))
    send(p, ("report", self()))
    t.log("a", "got", await next_())
    labrt.exit(p, "kill")
    t.log("a", "got", await next_())


# ----------------------------------------------------------------- remote monitors

@scenario
async def remote_monitor_pid(t):
    b = nd("b")
    p = t.name(spawn(on_go_exit("boom"), node=b), "p")
    t.name(monitor(p), "m1")
    send(p, "go")
    t.log("a", "got", await next_())
    t.name(monitor(p), "m2")
    t.log("a", "got", await next_())
    q = t.name(spawn(on_go_exit("boom"), node=b), "q")
    m3 = t.name(monitor(q), "m3")
    t.log("a", "demonitor", demonitor(m3))
    t.name(monitor(q), "m4")
    send(q, "go")
    await drain(t, 1)


@scenario
async def monitor_name_registered(t):
    b = nd("b")
    t.name(await start_srv(b, "srv", False), "srv")
    t.name(monitor(("srv", b)), "m")
    send(("srv", b), ("exit", "boom"))
    t.log("a", "got", await next_())


@scenario
async def monitor_name_noproc(t):
    b = nd("b")
    t.log("a", "nodes", labrt.nodes())
    t.name(monitor(("nosuch", b)), "m")
    t.log("a", "got", await next_())
    t.log("a", "nodes", labrt.nodes())


@scenario
async def monitor_name_nonexistent_node(t):
    t.name(monitor(("srv", nd("x"))), "m")
    t.log("a", "got", await next_())


@scenario
async def monitor_name_node_stops(t):
    b = nd("b")
    t.name(await start_srv(b, "srv", False), "srv")
    t.name(monitor(("srv", b)), "m")
    await stop_node(t, b)
    await drain(t, 1)


# ----------------------------------------------------------------- monitor_node

@scenario
async def monitor_node_stop(t):
    b = nd("b")
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    await stop_node(t, b)
    await drain(t, 2)


@scenario
async def monitor_node_nonexistent(t):
    x = nd("x")
    t.log("a", "monitor_node", labrt.monitor_node(x, True))
    t.log("a", "got", await next_())
    t.log("a", "monitor_node", labrt.monitor_node(x, True))
    t.log("a", "monitor_node", labrt.monitor_node(x, True))
    await drain(t, 2)


@scenario
async def monitor_node_off(t):
    b = nd("b")
    await connect(b)
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    t.log("a", "monitor_node_off", labrt.monitor_node(b, False))
    await stop_node(t, b)
    await drain(t, 1)


@scenario
async def monitor_node_disconnect(t):
    b = nd("b")
    await connect(b)
    labrt.monitor_node(b, True)
    t.log("a", "disconnect", labrt.disconnect_node(b))
    await drain(t, 1)
    await connect(b)
    t.log("a", "disconnect", labrt.disconnect_node(b))
    await drain(t, 0)


# ----------------------------------------------------------------- monitor_nodes

@scenario
async def monitor_nodes_plain(t):
    b = nd("b")
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True))
    await connect(b)
    await drain(t, 1)
    await stop_node(t, b)
    await drain(t, 1)
    t.log("a", "monitor_nodes", labrt.monitor_nodes(False))


@scenario
async def monitor_nodes_reason(t):
    b, c = nd("b"), nd("c")
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True, nodedown_reason=True))
    await connect(b)
    await drain(t, 1)
    await stop_node(t, b)
    await drain(t, 1)
    await connect(c)
    await drain(t, 1)
    t.log("a", "disconnect", labrt.disconnect_node(c))
    await drain(t, 1)


# ----------------------------------------------------------------- disconnect_node

@scenario
async def disconnect_reconnect(t):
    trap_exit(True)
    b = nd("b")
    labrt.monitor_nodes(True)
    p = t.name(await start_srv(b, "srv", True), "srv")
    await drain(t, 1)
    link(p)
    t.name(monitor(p), "m1")
    send(p, ("ping", self()))
    await receive(("pong", ANY))
    t.log("a", "disconnect", labrt.disconnect_node(b))
    await drain(t, 3)
    t.log("a", "nodes", labrt.nodes())
    send(("srv", b), ("report", self()))
    await drain(t, 2)
    t.log("a", "nodes", labrt.nodes())
    t.name(monitor(p), "m2")
    send(p, ("exit", "boom"))
    await drain(t, 1)


@scenario
async def disconnect_node_results(t):
    b = nd("b")
    t.log("a", "not_connected", labrt.disconnect_node(b))
    t.log("a", "nonexistent", labrt.disconnect_node(nd("x")))
    await connect(b)
    t.log("a", "connected", labrt.disconnect_node(b))
    t.log("a", "again", labrt.disconnect_node(b))
    t.log("a", "nodes", labrt.nodes())


# ----------------------------------------------------------------- a node stops

@scenario
async def node_stop_links_noconnection(t):
    trap_exit(True)
    b, me = nd("b"), self()
    t.name(spawn_link(idle, node=b), "p1")
    t.name(spawn_link(idle, node=b), "p2")
    t.name(monitor(t.name(spawn(idle, node=b), "p3")), "m3")

    async def local():
        link(spawn(idle, node=b))
        send(me, "linked")
        await idle()

    l = t.name(spawn(local), "l")
    await receive("linked")
    t.name(monitor(l), "ml")
    await stop_node(t, b)
    await drain(t, 4)


@scenario
async def two_nodes_stop(t):
    trap_exit(True)
    b, c = nd("b"), nd("c")
    labrt.monitor_nodes(True)
    t.name(spawn_link(idle, node=b), "pb")
    t.name(spawn_link(idle, node=c), "pc")
    await drain(t, 2)
    await stop_node(t, b)
    await stop_node(t, c)
    await drain(t, 4)


@scenario
async def remote_process_alive_after_disconnect(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "srv", False), "srv")
    t.name(monitor(p), "m")
    labrt.disconnect_node(b)
    await drain(t, 1)
    send(p, ("ping", self()))
    t.log("a", "got", await next_())


@scenario
async def signals_to_stopped_node(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "srv", False), "p")
    await stop_node(t, b)
    t.log("a", "send_pid", send(p, "hi"))
    t.log("a", "send_name", send(("srv", b), "hi"))
    t.log("a", "exit", labrt.exit(p, "kill"))
    t.log("a", "link", link(p))
    t.log("a", "got", await next_())
    t.name(monitor(p), "m1")
    t.log("a", "got", await next_())
    t.name(monitor(("srv", b)), "m2")
    t.log("a", "got", await next_())
    t.log("a", "cast", gen_server.cast(("kv", b), "hi"))
    await drain(t, 0)


@scenario
async def restart_node(t):
    trap_exit(True)
    b = nd("b")
    labrt.monitor_nodes(True)
    p = t.name(await start_srv(b, "srv", False), "old")
    await drain(t, 1)
    await stop_node(t, b)
    await drain(t, 1)
    t.log("a", "restart", await restart(t, b))
    t.log("a", "nodes", labrt.nodes())
    t.name(monitor(("srv", b)), "m1")
    await drain(t, 2)
    t.name(monitor(p), "m2")
    t.log("a", "got", await next_())
    t.log("a", "link_old", link(p))
    t.log("a", "got", await next_())
    t.log("a", "send_old", send(p, "hi"))
    q = t.name(await start_srv(b, "srv", False), "new")
    t.log("a", "same_pid", q == p, labrt.node(q))
    send(q, ("report", self()))
    t.log("a", "got", await next_())
    await drain(t, 0)


@scenario
async def partition_tick_timeout(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "srv", True), "srv")
    link(p)
    t.name(monitor(p), "m1")
    send(p, ("ping", self()))
    await receive(("pong", ANY))
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True, nodedown_reason=True))
    t.log("a", "freeze", await freeze(t, b))
    await drain(t, 3)
    labrt.monitor_nodes(False, nodedown_reason=True)
    t.log("a", "thaw", await thaw(t, b))
    send(("srv", b), ("report", self()))
    t.log("a", "got", await next_())
    t.log("a", "nodes", labrt.nodes())


@scenario
async def monitor_nodes_twice(t):
    b = nd("b")
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True))
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True))
    await connect(b)
    await drain(t, 2)
    t.log("a", "monitor_nodes_off", labrt.monitor_nodes(False))
    labrt.disconnect_node(b)
    await drain(t, 1)


@scenario
async def remote_unlink(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "none", False), "p")
    link(p)
    t.name(monitor(p), "m")
    t.log("a", "unlink", labrt.unlink(p))
    send(p, ("exit", "boom"))
    await drain(t, 1)


@scenario
async def remote_pid_local_bifs(t):
    b = nd("b")
    p = t.name(await start_srv(b, "none", False), "p")
    t.log("a", "is_process_alive", t_(labrt.is_alive, p))
    t.log("a", "register", t_(register, "remote", p))
    t.log("a", "whereis", whereis("remote"))
    t.log("a", "exit_normal", labrt.exit(p, "normal"))
    send(p, ("ping", self()))
    t.log("a", "got", await next_())


@scenario
async def own_node(t):
    a, me = labrt.node(), self()

    async def here():
        send(me, ("here", labrt.node()))

    t.log("a", "monitor_node_self", labrt.monitor_node(a, True))
    t.log("a", "disconnect_self", labrt.disconnect_node(a))
    t.log("a", "send_unregistered", send(("nosuch", a), "hi"))
    t.name(monitor(("nosuch", a)), "m")
    t.log("a", "got", await next_())
    p = t.name(spawn(here, node=a), "p")
    t.log("a", "node_of_p", labrt.node(p))
    t.log("a", "got", await next_())
    t.log("a", "nodes", labrt.nodes())
    await drain(t, 0)


@scenario
async def disconnect_overlapping(t):
    b, c, a, me = nd("b"), nd("c"), labrt.node(), self()
    await connect(b)
    await connect(c)
    t.log("a", "nodes", await wait_nodes([b, c]))

    async def watcher():
        await wait_nodes([a, b])
        labrt.monitor_nodes(True)
        send(me, ("c_ready", sorted(labrt.nodes())))
        await receive("go")
        await sleep(1.0)
        send(me, ("c_saw", await take_all(), sorted(labrt.nodes())))

    w = spawn(watcher, node=c)
    m = await receive(("c_ready", ANY), timeout=5.0)
    t.log("a", "got", "nothing" if m is TIMEOUT else m)
    labrt.monitor_nodes(True)
    send(w, "go")
    await hold_global(t, [c])
    t.log("a", "disconnect", labrt.disconnect_node(b))
    await sleep(0.3)
    await release_global(t, [c])
    m = await receive(("c_saw", ANY, ANY), timeout=5.0)
    if m is TIMEOUT:
        t.log("a", "got", "nothing")
    else:
        log_group(t, [["c", "saw", x] for x in m[1]])
        t.log("c", "nodes", m[2])
    await drain(t, 0)
    t.log("a", "nodes", sorted(labrt.nodes()))


# ----------------------------------------------------------------- prevent_overlapping_partitions

async def _ready(t, n):
    out = []
    for _ in range(n):
        m = await receive(("ready", ANY, ANY), timeout=5.0)
        out.append(["a", "got", "nothing" if m is TIMEOUT else m])
    return out


@scenario
async def pop_one_link(t):
    b, c, a, me = nd("b"), nd("c"), labrt.node(), self()
    await connect(b)
    await connect(c)
    t.log("a", "nodes", await wait_nodes([b, c]))
    w = spawn(watcher(me, [a, b], "reason", ("sleep", 1.0)), node=c)
    t.log(*(await _ready(t, 1))[0])
    labrt.monitor_nodes(True, nodedown_reason=True)
    await go(w)
    await hold_global(t, [c])
    t.log("a", "cut", await cut(t, b))
    await sleep(0.3)
    await release_global(t, [c])
    await sleep(1.5)
    await show_report(t, w)
    await drain(t, 3)
    send(("nosuch", b), "hello")
    await sleep(0.3)
    t.log("a", "nodes", sorted(labrt.nodes()))
    t.log("a", "heal", await heal_link(t, b))
    await connect(b)
    t.log("a", "nodes", await wait_nodes([b, c]))
    await view(t, c, [a, b])
    await drain(t, 1)


@scenario
async def pop_one_link_four(t):
    b, c, d, a, me = nd("b"), nd("c"), nd("d"), labrt.node(), self()
    await connect(b)
    await connect(c)
    await connect(d)
    t.log("a", "nodes", await wait_nodes([b, c, d]))
    wc = spawn(watcher(me, [a, b, d], "reason", ("sleep", 1.0)), node=c)
    wd = spawn(watcher(me, [a, b, c], "reason", ("sleep", 1.0)), node=d)
    log_group(t, await _ready(t, 2))
    labrt.monitor_nodes(True, nodedown_reason=True)
    await go(wc)
    await go(wd)
    await hold_global(t, [c, d])
    t.log("a", "cut", await cut(t, b))
    await sleep(0.3)
    await release_global(t, [c, d])
    await sleep(1.5)
    await show_report(t, wc)
    await show_report(t, wd)
    await drain(t, 5)
    t.log("a", "nodes", await wait_nodes([c, d]))
    t.log("a", "heal", await heal_link(t, b))
    await connect(b)
    t.log("a", "nodes", await wait_nodes([b, c, d]))
    await view(t, b, [a, c, d])
    await drain(t, 1)


@scenario
async def pop_full_split(t):
    b, c, d, a, me = nd("b"), nd("c"), nd("d"), labrt.node(), self()
    await connect(b)
    await connect(c)
    await connect(d)
    t.log("a", "nodes", await wait_nodes([b, c, d]))
    wc = spawn(watcher(me, [a, b, d], "reason", ("downs", 2, 0.5)), node=c)
    t.log(*(await _ready(t, 1))[0])
    labrt.monitor_nodes(True, nodedown_reason=True)
    await go(wc)
    t.world.partition([a, b], [c, d])        # the BEAM freezes c and d
    t.log("a", "freeze", "ok", "ok")
    t.log("a", "split", await split(t, [a, b], [c, d]))
    await drain(t, 2)
    t.log("a", "nodes", sorted(labrt.nodes()))
    await view(t, b, [a])
    t.world.heal()
    t.log("a", "thaw", "ok", "ok")
    await sleep(1.0)
    await show_report(t, wc)
    t.log("a", "nodes", await wait_nodes([b, c, d]))
    await view(t, b, [a, c, d])
    await drain(t, 2)


@scenario
async def pop_node_stops(t):
    b, c, a = nd("b"), nd("c"), labrt.node()
    await connect(b)
    await connect(c)
    t.log("a", "nodes", await wait_nodes([b, c]))
    labrt.monitor_nodes(True)
    await stop_node(t, c)
    await drain(t, 1)
    await sleep(0.5)
    t.log("a", "nodes", sorted(labrt.nodes()))
    await view(t, b, [a])
    await drain(t, 0)


@scenario
async def pop_frozen_pair(t):
    b, c, d, a, me = nd("b"), nd("c"), nd("d"), labrt.node(), self()
    await connect(b)
    await connect(c)
    await connect(d)
    t.log("a", "nodes", await wait_nodes([b, c, d]))
    wc = spawn(watcher(me, [a, b, d], "plain", ("downs", 2, 0.5)), node=c)
    t.log(*(await _ready(t, 1))[0])
    labrt.monitor_nodes(True, nodedown_reason=True)
    await go(wc)
    t.world.partition([a, b], [c, d])        # the BEAM freezes c and d
    t.log("a", "freeze", "ok", "ok")
    await drain(t, 2)
    t.log("a", "nodes", sorted(labrt.nodes()))
    await view(t, b, [a])
    t.world.heal()
    t.log("a", "thaw", "ok", "ok")
    await sleep(1.0)
    await show_report(t, wc)
    t.log("a", "nodes", await wait_nodes([b, c, d]))
    await view(t, b, [a, c, d])
    await drain(t, 2)


# ----------------------------------------------------------------- item 103: calls

@scenario
async def gen_server_call_nodedown(t):
    b = nd("b")
    s = t.name(await start_kv(b), "kv")
    t.log("a", "call", await gen_server.call(("kv", b), "ping"))
    t.log("a", "call", await gen_server.call(s, "ping", 1.0))
    await stop_node(t, b)
    t.log("a", "call_name", await ta(gen_server.call, ("kv", b), "ping"))
    t.log("a", "call_name", await ta(gen_server.call, ("kv", b), "ping", 1.0))
    t.log("a", "call_pid", await ta(gen_server.call, s, "ping", 1.0))
    t.log("a", "call_nonexistent", await ta(gen_server.call, ("kv", nd("x")), "ping"))


@scenario
async def gen_server_remote(t):
    b = nd("b")
    s1 = t.name(await start_kv(b), "kv1")
    t.log("a", "cast", gen_server.cast(("kv", b), "incr"))
    t.log("a", "call", await gen_server.call(("kv", b), "count"))
    t.log("a", "crash", await ta(gen_server.call, ("kv", b), "crash", 1.0))
    t.log("a", "dead", await ta(gen_server.call, s1, "ping", 1.0))
    s2 = t.name(await start_kv(b), "kv2")
    t.log("a", "stop", await gen_server.stop(("kv", b)))
    t.log("a", "stopped", await ta(gen_server.call, s2, "ping", 1.0))
    t.log("a", "nodes", labrt.nodes())


@scenario
async def supervisor_remote_child(t):
    trap_exit(True)
    b = nd("b")
    res = await supervisor.start_link(SupMod, b)
    sup = t.name(res[1], "sup")
    [(_, p1, _, _)] = await supervisor.which_children(sup)
    t.name(p1, "w1")
    t.log("a", "child", p1)
    t.name(monitor(p1), "m1")
    labrt.exit(p1, "kill")
    t.log("a", "got", await next_())
    t.log("a", "child", t.name(await wait_child(sup, p1), "w2"))
    await stop_node(t, b)
    t.log("a", "got", await next_())


@scenario
async def rpc_call(t):
    from labrt import rpc
    b = nd("b")
    t.log("a", "rpc", await rpc.call(b, this_node))
    t.log("a", "rpc_exit", await rpc.call(b, exit_with, "boom"))
    t.log("a", "rpc_exit_normal", await rpc.call(b, exit_with, "normal"))
    t.log("a", "rpc_error", await rpc.call(b, divide, 1, 0))
    t.log("a", "rpc_timeout", await rpc.call(b, sleep_then, 1.0, "late", timeout=0.1))
    t.log("a", "rpc_nonexistent", await rpc.call(nd("x"), this_node))
    await stop_node(t, b)
    t.log("a", "rpc_stopped", await rpc.call(b, this_node))


@scenario
async def erpc_call(t):
    # labrt's distribution contract has no erpc; this twin assumes one in
    # labrt.erpc that raises ErlangError-like ("erpc", "noconnection").
    from labrt import erpc
    b = nd("b")
    t.log("a", "erpc", await ta(erpc.call, b, this_node))
    t.log("a", "erpc_nonexistent", await ta(erpc.call, nd("x"), this_node))
    await stop_node(t, b)
    t.log("a", "erpc_stopped", await ta(erpc.call, b, this_node))


# ----------------------------------------------------------------- item 102: transitive

@scenario
async def transitive_connect(t):
    b, c, me = nd("b"), nd("c"), self()
    labrt.monitor_nodes(True)
    t.log("a", "nodes", labrt.nodes())
    await connect(b)

    async def b_sends():
        send(("nosuch", c), "hello")
        send(me, "b_sent")

    spawn(b_sends, node=b)
    await receive("b_sent")
    t.log("a", "nodes", await wait_nodes([b, c]))
    await drain(t, 2)

    async def c_nodes():
        send(me, ("c_nodes", sorted(labrt.nodes())))

    spawn(c_nodes, node=c)
    t.log("a", "got", await next_())


@scenario
async def transitive_existing(t):
    b, c = nd("b"), nd("c")
    labrt.monitor_nodes(True)
    t.log("a", "nodes", labrt.nodes())
    await connect(b)
    t.log("a", "nodes", await wait_nodes([b, c]))
    await drain(t, 2)
