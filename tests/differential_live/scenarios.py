"""The live twins: tests/differential_dist/scenarios.py's scenarios on real nodes.

Each twin has the name of a recorded scenario (``beam_expected.txt``) and
mirrors the simulated twin line for line; the differences are only in how a
process gets onto another node (b's agent starts it, see live.py) and in
``stop_node`` (kill -9 of the OS process).  ``LIVE_ONLY`` scenarios have no
simulated twin; their BEAM lines are in ``live_expected.txt`` (see README.md).
"""
from __future__ import annotations

import labrt
from labrt import (ANY, TIMEOUT, demonitor, gen_server, link, monitor, receive, register,
                   self, send, sleep, spawn, supervisor, trap_exit, whereis)

from tests.differential_dist import helpers
from tests.differential_dist.helpers import idle, next_, t_, ta


from .live import ask, nd

SCENARIOS: dict = {}
#: peers each scenario needs (b only unless named here)
ROLES: dict = {}


def scenario(*roles):
    def deco(fn):
        SCENARIOS[fn.__name__] = fn
        ROLES[fn.__name__] = roles or ("b",)
        return fn
    return deco


# ------------------------------------------------------------- helpers, live

async def drain(t, n):
    """helpers.drain with 2 s (not 5) for each awaited message: on loopback a
    nodeup, nodedown, EXIT or DOWN takes milliseconds, and a scenario that
    expects one message more than the BEAM sends waits this long."""
    await helpers.drain(t, n, each=2.0)


async def wait_nodes(expected):
    """helpers.wait_nodes, polling 1.5 s (not 3) for nodes() to be ``expected``."""
    for _ in range(150):
        if sorted(labrt.nodes()) == expected:
            return expected
        await sleep(0.01)
    return sorted(labrt.nodes())


async def start_srv(node, name, trap):
    if node != labrt.node():
        return await ask(node, ("start_srv", name, trap))
    parent = self()

    async def body():
        trap_exit(trap)
        if name != "none":
            register(name, self())
        send(parent, ("ready", self()))
        from tests.differential_dist.helpers import srv_loop
        await srv_loop()

    p = spawn(body)
    await receive(("ready", p), timeout=3.0)
    return p


async def go_exit(node, reason):
    return await ask(node, ("go_exit", reason))


async def connect(node):
    return "ok" if await ask(node, "node") == node else "not_connected"


async def stop_node(t, node):
    """kill -9 of node's OS process; a helper waits for the nodedown."""
    parent = self()

    async def helper():
        labrt.monitor_node(node, True)
        t.peers.kill9(node.split("@")[0])
        await receive(("nodedown", node))
        send(parent, ("stopped", node))

    spawn(helper)
    m = await receive(("stopped", node), timeout=5.0)
    return "not_stopped" if m is TIMEOUT else "ok"


async def restart(t, node):
    t.peers.restart(node.split("@")[0])
    return "ok"


# ------------------------------------------------------------- item 96: sends

@scenario()
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


@scenario()
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


# ------------------------------------------------------------- remote links

@scenario()
async def remote_link_exit_normal(t):
    trap_exit(True)
    p = t.name(await go_exit(nd("b"), "normal"), "p")
    link(p)
    send(p, "go")
    t.log("a", "got", await next_())


@scenario()
async def remote_link_exit_abnormal(t):
    trap_exit(True)
    p = t.name(await go_exit(nd("b"), "boom"), "p")
    link(p)
    send(p, "go")
    t.log("a", "got", await next_())


@scenario()
async def remote_link_exit_kill(t):
    trap_exit(True)
    p = t.name(await ask(nd("b"), "idle"), "p")
    link(p)
    t.log("a", "exit_kill", labrt.exit(p, "kill"))
    t.log("a", "got", await next_())


@scenario()
async def remote_link_nontrap_abnormal(t):
    p = t.name(await go_exit(nd("b"), "boom"), "p")
    link(p)
    send(p, "go")
    if await receive("never_sent", timeout=3.0) is TIMEOUT:
        t.log("a", "survived")


@scenario()
async def remote_link_after_spawn(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "none", False), "p")
    t.log("a", "link", link(p))
    send(p, ("exit", "boom"))
    t.log("a", "got", await next_())
    t.log("a", "link_dead", link(p))
    t.log("a", "got", await next_())


@scenario()
async def remote_exit_signal(t):
    b = nd("b")
    p = t.name(await start_srv(b, "none", True), "p")
    t.name(monitor(p), "mp")
    t.log("a", "exit", labrt.exit(p, "why"))
    send(p, ("report", self()))
    t.log("a", "got", await next_())
    labrt.exit(p, "kill")
    t.log("a", "got", await next_())


# ------------------------------------------------------------- remote monitors

@scenario()
async def remote_monitor_pid(t):
    b = nd("b")
    p = t.name(await go_exit(b, "boom"), "p")
    t.name(monitor(p), "m1")
    send(p, "go")
    t.log("a", "got", await next_())
    t.name(monitor(p), "m2")
    t.log("a", "got", await next_())
    q = t.name(await go_exit(b, "boom"), "q")
    m3 = t.name(monitor(q), "m3")
    t.log("a", "demonitor", demonitor(m3))
    t.name(monitor(q), "m4")
    send(q, "go")
    await drain(t, 1)


@scenario()
async def monitor_name_registered(t):
    b = nd("b")
    t.name(await start_srv(b, "srv", False), "srv")
    t.name(monitor(("srv", b)), "m")
    send(("srv", b), ("exit", "boom"))
    t.log("a", "got", await next_())


@scenario()
async def monitor_name_noproc(t):
    b = nd("b")
    t.log("a", "nodes", labrt.nodes())
    t.name(monitor(("nosuch", b)), "m")
    t.log("a", "got", await next_())
    t.log("a", "nodes", labrt.nodes())


@scenario()
async def monitor_name_nonexistent_node(t):
    t.name(monitor(("srv", nd("x"))), "m")
    t.log("a", "got", await next_())


@scenario()
async def monitor_name_node_stops(t):
    b = nd("b")
    t.name(await start_srv(b, "srv", False), "srv")
    t.name(monitor(("srv", b)), "m")
    await stop_node(t, b)
    await drain(t, 1)


# ------------------------------------------------------------- monitor_node

@scenario()
async def monitor_node_stop(t):
    b = nd("b")
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    await stop_node(t, b)
    await drain(t, 2)


@scenario()
async def monitor_node_nonexistent(t):
    x = nd("x")
    t.log("a", "monitor_node", labrt.monitor_node(x, True))
    t.log("a", "got", await next_())
    t.log("a", "monitor_node", labrt.monitor_node(x, True))
    t.log("a", "monitor_node", labrt.monitor_node(x, True))
    await drain(t, 2)


@scenario()
async def monitor_node_off(t):
    b = nd("b")
    await connect(b)
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    t.log("a", "monitor_node", labrt.monitor_node(b, True))
    t.log("a", "monitor_node_off", labrt.monitor_node(b, False))
    await stop_node(t, b)
    await drain(t, 1)


@scenario()
async def monitor_node_disconnect(t):
    b = nd("b")
    await connect(b)
    labrt.monitor_node(b, True)
    t.log("a", "disconnect", labrt.disconnect_node(b))
    await drain(t, 1)
    await connect(b)
    t.log("a", "disconnect", labrt.disconnect_node(b))
    await drain(t, 0)


# ------------------------------------------------------------- monitor_nodes

@scenario()
async def monitor_nodes_plain(t):
    b = nd("b")
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True))
    await connect(b)
    await drain(t, 1)
    await stop_node(t, b)
    await drain(t, 1)
    t.log("a", "monitor_nodes", labrt.monitor_nodes(False))


@scenario("b", "c")
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


@scenario()
async def monitor_nodes_twice(t):
    b = nd("b")
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True))
    t.log("a", "monitor_nodes", labrt.monitor_nodes(True))
    await connect(b)
    await drain(t, 2)
    t.log("a", "monitor_nodes_off", labrt.monitor_nodes(False))
    labrt.disconnect_node(b)
    await drain(t, 1)


# ------------------------------------------------------------- disconnect_node

@scenario()
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


@scenario()
async def disconnect_node_results(t):
    b = nd("b")
    t.log("a", "not_connected", labrt.disconnect_node(b))
    t.log("a", "nonexistent", labrt.disconnect_node(nd("x")))
    await connect(b)
    t.log("a", "connected", labrt.disconnect_node(b))
    t.log("a", "again", labrt.disconnect_node(b))
    t.log("a", "nodes", labrt.nodes())


@scenario()
async def remote_process_alive_after_disconnect(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "srv", False), "srv")
    t.name(monitor(p), "m")
    labrt.disconnect_node(b)
    await drain(t, 1)
    send(p, ("ping", self()))
    t.log("a", "got", await next_())


# ------------------------------------------------------------- a node dies (kill -9)

@scenario()
async def node_stop_links_noconnection(t):
    trap_exit(True)
    b, me = nd("b"), self()
    link(t.name(await ask(b, "idle"), "p1"))
    link(t.name(await ask(b, "idle"), "p2"))
    t.name(monitor(t.name(await ask(b, "idle"), "p3")), "m3")

    async def local():
        link(await ask(b, "idle"))
        send(me, "linked")
        await idle()

    l = t.name(spawn(local), "l")
    await receive("linked")
    t.name(monitor(l), "ml")
    await stop_node(t, b)
    await drain(t, 4)


@scenario("b", "c")
async def two_nodes_stop(t):
    trap_exit(True)
    b, c = nd("b"), nd("c")
    labrt.monitor_nodes(True)
    link(t.name(await ask(b, "idle"), "pb"))
    link(t.name(await ask(c, "idle"), "pc"))
    await drain(t, 2)
    await stop_node(t, b)
    await stop_node(t, c)
    await drain(t, 4)


@scenario()
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


@scenario()
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


# ------------------------------------------------------------- the node's own BIFs

@scenario()
async def remote_unlink(t):
    trap_exit(True)
    b = nd("b")
    p = t.name(await start_srv(b, "none", False), "p")
    link(p)
    t.name(monitor(p), "m")
    t.log("a", "unlink", labrt.unlink(p))
    send(p, ("exit", "boom"))
    await drain(t, 1)


@scenario()
async def remote_pid_local_bifs(t):
    b = nd("b")
    p = t.name(await start_srv(b, "none", False), "p")
    t.log("a", "is_process_alive", t_(labrt.is_alive, p))
    t.log("a", "register", t_(register, "remote", p))
    t.log("a", "whereis", whereis("remote"))
    t.log("a", "exit_normal", labrt.exit(p, "normal"))
    send(p, ("ping", self()))
    t.log("a", "got", await next_())


# ------------------------------------------------------------- item 103: calls

@scenario()
async def gen_server_call_nodedown(t):
    b = nd("b")
    s = t.name(await ask(b, "start_kv"), "kv")
    t.log("a", "call", await gen_server.call(("kv", b), "ping"))
    t.log("a", "call", await gen_server.call(s, "ping", 1.0))
    await stop_node(t, b)
    t.log("a", "call_name", await ta(gen_server.call, ("kv", b), "ping"))
    t.log("a", "call_name", await ta(gen_server.call, ("kv", b), "ping", 1.0))
    t.log("a", "call_pid", await ta(gen_server.call, s, "ping", 1.0))
    t.log("a", "call_nonexistent", await ta(gen_server.call, ("kv", nd("x")), "ping"))


@scenario()
async def gen_server_remote(t):
    b = nd("b")
    s1 = t.name(await ask(b, "start_kv"), "kv1")
    t.log("a", "cast", gen_server.cast(("kv", b), "incr"))
    t.log("a", "call", await gen_server.call(("kv", b), "count"))
    t.log("a", "crash", await ta(gen_server.call, ("kv", b), "crash", 1.0))
    t.log("a", "dead", await ta(gen_server.call, s1, "ping", 1.0))
    s2 = t.name(await ask(b, "start_kv"), "kv2")
    # (the simulated twin waits forever; 3 s bounds a stop the peer never answers)
    t.log("a", "stop", await gen_server.stop(("kv", b), "normal", 3.0))
    t.log("a", "stopped", await ta(gen_server.call, s2, "ping", 1.0))
    t.log("a", "nodes", labrt.nodes())


class SupMod:
    def init(self, node):
        return ("ok", ({"strategy": "one_for_one", "intensity": 2, "period": 5},
                       [{"id": "w", "start": (start_remote_child, (node,))}]))


async def start_remote_child(node):
    """spawn_link(idle, node=node) live: b's agent starts it and the child links.

    When ``node`` cannot be reached the simulated spawn_link gives a pid that
    exits ``noconnection`` at once; here the start fails with that reason,
    which the supervisor counts the same way (one more restart)."""
    labrt.monitor_node(node, True)
    send(("agent", node), (self(), "idle"))
    m = await receive(lambda m: m == ("nodedown", node) or (
        type(m) is tuple and len(m) == 2 and m[0] == "agent"), timeout=5.0)
    labrt.monitor_node(node, False)
    if m is TIMEOUT or m[0] == "nodedown":
        return ("error", "noconnection")
    link(m[1])
    return ("ok", m[1])


async def wait_child(sup, old):
    for _ in range(300):
        kids = await supervisor.which_children(sup)
        if (len(kids) == 1 and kids[0][0] == "w" and isinstance(kids[0][1], labrt.Pid)
                and kids[0][1] != old):
            return kids[0][1]
        await sleep(0.01)
    return "no_new_child"


@scenario()
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


# ------------------------------------------------------------- item 102: transitive

@scenario("b", "c")
async def transitive_connect(t):
    b, c = nd("b"), nd("c")
    labrt.monitor_nodes(True)
    t.log("a", "nodes", labrt.nodes())
    await connect(b)
    await ask(b, ("send", ("nosuch", c), "hello"))     # b connects to c
    t.log("a", "nodes", await wait_nodes([b, c]))
    await drain(t, 2)
    t.log("a", "got", ("c_nodes", await ask(c, "nodes")))


@scenario("b", "c")
async def transitive_existing(t):
    b, c = nd("b"), nd("c")
    await ask(b, ("send", ("nosuch", c), "hello"))     # the setup: b and c connected
    await sleep(0.2)
    for n in labrt.nodes():                             # and a connected to neither
        labrt.disconnect_node(n)
    labrt.monitor_nodes(True)
    await sleep(0.1)
    t.log("a", "nodes", labrt.nodes())
    await connect(b)
    t.log("a", "nodes", await wait_nodes([b, c]))
    await drain(t, 2)


# ------------------------------------------------------------- live only: calls from b

@scenario()
async def call_from_peer(t):
    """b calls a's gen_server: a reply, a crash, a nodedown when a drops b mid-call."""
    from .agent import KV
    b, a = nd("b"), labrt.node()
    t.name(await start_kv_here(KV), "kv")
    t.log("b", "call", await ask(b, ("call", ("kv", a), "ping", 1000)))
    t.log("b", "call", await ask(b, ("call", ("kv", a), "count", 1000)))
    t.log("b", "call", await ask(b, ("call", ("kv", a), "drop_caller", 3000)))
    t.log("a", "nodes", labrt.nodes())
    t.log("b", "call", await ask(b, ("call", ("kv", a), "ping", 1000)))


async def start_kv_here(kv):
    ok, pid = await gen_server.start(kv, 0, name="kv")
    return pid


LIVE_ONLY = ("call_from_peer",)
