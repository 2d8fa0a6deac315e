"""The live twins: tests/differential_dist/scenarios.py's scenarios on real nodes.

Each twin has the name of a recorded scenario (``beam_expected.txt``).
Where its steps are the simulated scenario's, it *is* that scenario:
``twin(name)`` runs the simulated function's code with this module's
helpers (how a process gets onto another node: b's agent starts it, see
live.py; ``stop_node``: kill -9 of the OS process), so each such scenario is
described once.  The dozen whose steps differ on real nodes are written out
here.  ``LIVE_ONLY`` scenarios have no
simulated twin; their BEAM lines are in ``live_expected.txt`` (see README.md).
"""
from __future__ import annotations

import types

import labrt
from labrt import (ANY, TIMEOUT, demonitor, gen_server, link, monitor, receive, register,
                   self, send, sleep, spawn, supervisor, trap_exit, whereis)

from tests.differential_dist import helpers
from tests.differential_dist import scenarios as _dist
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


# ------------------------------------------------------------- twins

def twin(name, *roles):
    """Register tests/differential_dist's scenario ``name``, run with this module's helpers.

    The two suites share one description of each scenario whose steps are the
    same: the simulated function's code runs here with its names looked up in
    this module first (``drain``, ``start_srv``, ``stop_node``, ``nd``, ...: the
    live versions), then in the simulated module.  Scenarios whose steps
    differ on real nodes are written out below instead."""
    fn = _dist.SCENARIOS[name]

    async def run(t):
        if name not in _TWINS:
            names = {**vars(_dist), **globals()}
            _TWINS[name] = types.FunctionType(fn.__code__, names, name, fn.__defaults__,
                                              fn.__closure__)
        return await _TWINS[name](t)
    run.__name__ = run.__qualname__ = name
    run.__doc__ = fn.__doc__
    return scenario(*roles)(run)


_TWINS: dict = {}


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


async def view(t, node, expected):
    """helpers.view, live: node's agent reports its nodes() (polled 1.5 s for ``expected``)."""
    for _ in range(30):
        got = await ask(node, "nodes")
        if got == expected:
            break
        await sleep(0.05)
    t.log(node, "nodes", got)


# ------------------------------------------------------------- item 96: sends

twin("send_name_node_order")


twin("names_per_node")


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


twin("remote_link_after_spawn")


twin("remote_exit_signal")


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


twin("monitor_name_registered")


twin("monitor_name_noproc")


twin("monitor_name_nonexistent_node")


twin("monitor_name_node_stops")


# ------------------------------------------------------------- monitor_node

twin("monitor_node_stop")


twin("monitor_node_nonexistent")


twin("monitor_node_off")


twin("monitor_node_disconnect")


# ------------------------------------------------------------- monitor_nodes

twin("monitor_nodes_plain")


twin("monitor_nodes_reason", 'b', 'c')


twin("monitor_nodes_twice")


# ------------------------------------------------------------- disconnect_node

twin("disconnect_reconnect")


twin("disconnect_node_results")


twin("remote_process_alive_after_disconnect")


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


twin("signals_to_stopped_node")


twin("restart_node")


# ------------------------------------------------------------- the node's own BIFs

twin("remote_unlink")


twin("remote_pid_local_bifs")


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


twin("supervisor_remote_child")


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
    # and a connected to neither. global's sync session with b has begun, and
    # a locker that is locking (or just finished a session with c) may connect
    # again after a drop, on the BEAM too: drop until nothing comes back.
    for _ in range(10):
        for n in labrt.nodes():
            labrt.disconnect_node(n)
        await sleep(0.15)
        if not labrt.nodes():
            break
    labrt.monitor_nodes(True)
    await sleep(0.1)
    t.log("a", "nodes", labrt.nodes())
    await connect(b)
    t.log("a", "nodes", await wait_nodes([b, c]))
    await drain(t, 2)


# ------------------------------------------------------------- prevent_overlapping_partitions

twin("pop_node_stops", "b", "c")       # (kill -9 of c: no lost_connection drops a or b)


async def hold_global(t, nodes):
    """Erlang's hold_global/1: suspend each node's global_name_server (the agent
    does sys:suspend, or labrt.erl.global_server.hold), so the lost_connection
    messages of both ends of a cut are queued there before it acts on either."""
    for n in nodes:
        await ask(n, ("hold_global", True))


async def release_global(t, nodes):
    for n in nodes:
        await ask(n, ("hold_global", False))


@scenario("b", "c")
async def disconnect_overlapping(t):
    """a drops b while c's global is held: c then drops both, and asks a to drop c."""
    b, c, a, me = nd("b"), nd("c"), labrt.node(), self()
    await connect(b)
    await connect(c)
    t.log("a", "nodes", await wait_nodes([b, c]))
    w = await ask(c, ("overlap_watcher", me, [a, b]))     # (the twin spawns it on c)
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
        helpers.log_group(t, [["c", "saw", x] for x in m[1]])
        t.log("c", "nodes", m[2])
    await drain(t, 0)
    t.log("a", "nodes", sorted(labrt.nodes()))


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
