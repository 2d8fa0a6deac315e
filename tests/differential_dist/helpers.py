"""Helpers of the labrt twins, each mirroring the Erlang helper of the same
name in ``dist_kit.erl`` (``start_srv``, ``connect``, ``stop_node``,
``drain``, ...), and the callback modules the scenarios start (``KV``,
``SupMod``).

``drain(t, n)`` is the one that shapes the output: it waits for ``n``
messages, lets stragglers land for 0.1 s, and logs everything in the mailbox
as a sorted group, because the order of messages from different senders is
not specified (see README.md).  ``stop_node``, ``restart``, ``freeze`` and
``thaw`` act on ``t.world`` where the Erlang side asks the controller or
halts the node.
"""
from __future__ import annotations

import labrt
from labrt import (ANY, TIMEOUT, receive, register, self, send, sleep, spawn,
                   spawn_link, trap_exit)
from labrt import gen_server, supervisor

from .harness import node_name


def nd(role):
    return node_name(role)


def t_(fn, *args):
    """Erlang's try: ("ok", V) | ("error", Exc) | ("exit", Reason)."""
    try:
        return ("ok", fn(*args))
    except labrt.ProcessExit as e:
        return ("exit", e.reason)
    except Exception as e:
        return ("error", e)


async def ta(fn, *args):
    """t_ for an async function."""
    try:
        return ("ok", await fn(*args))
    except labrt.ProcessExit as e:
        return ("exit", e.reason)
    except labrt.erpc.ErpcError as e:      # Erlang's error:{erpc, Reason}
        return ("error", e.reason)
    except Exception as e:
        return ("error", e)


async def next_():
    msg = await receive(timeout=3.0)
    return "nothing" if msg is TIMEOUT else msg


async def idle():
    await receive("never_sent")


async def drain(t, n, each=5.0):
    """Wait for n messages (``each`` seconds at most each), let stragglers land, log all sorted."""
    got = []
    for _ in range(n):
        m = await receive(timeout=each)
        if m is TIMEOUT:
            break
        got.append(m)
    await sleep(0.1)
    while (m := await receive(timeout=0)) is not TIMEOUT:
        got.append(m)
    if not got:
        t.log("a", "drained", "nothing")
    else:
        t.log_sorted([["a", "drained", m] for m in got])


def log_group(t, lines):
    """Log several lines as a sorted group (``nothing`` for none); see drain."""
    if lines:
        t.log_sorted(lines)
    else:
        t.log("a", "group", "nothing")


async def take_all():
    out = []
    while (m := await receive(timeout=0)) is not TIMEOUT:
        out.append(m)
    return out


async def srv_loop():
    acc = []
    while True:
        m = await receive()
        if isinstance(m, tuple) and len(m) == 2 and m[0] == "report":
            send(m[1], ("srv_got", acc))
            acc = []
        elif isinstance(m, tuple) and len(m) == 2 and m[0] == "ping":
            send(m[1], ("pong", labrt.node()))
        elif isinstance(m, tuple) and len(m) == 2 and m[0] == "exit":
            labrt.exit(m[1])
        else:
            acc.append(m)


async def start_srv(node, name, trap):
    parent = self()

    async def body():
        trap_exit(trap)
        if name != "none":
            register(name, self())
        send(parent, ("ready", self()))
        await srv_loop()

    p = spawn(body, node=node)
    m = await receive(("ready", p), timeout=3.0)
    return "not_ready" if m is TIMEOUT else p


async def connect(node):
    parent = self()

    async def hello():
        send(parent, ("connected", labrt.node()))

    spawn(hello, node=node)
    m = await receive(("connected", node), timeout=3.0)
    return "not_connected" if m is TIMEOUT else "ok"


async def stop_node(t, node):
    """Crash ``node`` (its processes run no more code, its connections close at
    once, as erlang:halt/0 does) and wait until this node has seen it go.  A
    helper process does the waiting, so no nodedown reaches the caller."""
    parent = self()

    async def helper():
        labrt.monitor_node(node, True)
        t.world.crash(node)
        await receive(("nodedown", node))
        send(parent, ("stopped", node))

    spawn(helper)
    m = await receive(("stopped", node), timeout=5.0)
    return "not_stopped" if m is TIMEOUT else "ok"


async def restart(t, node):
    """The controller's restart on the BEAM side: a fresh node of the same name."""
    t.world.restart(node)
    return "ok"


async def freeze(t, node):
    """The BEAM side stops node's OS process (SIGSTOP): to the others it is a
    partition that lasts until thaw; here, a partition between a and node."""
    t.world.partition([labrt.node()], [node])
    return "ok"


async def thaw(t, node):
    t.world.heal()
    return "ok"


async def wait_nodes(expected):
    for _ in range(300):
        if sorted(labrt.nodes()) == expected:
            return expected
        await sleep(0.01)
    return sorted(labrt.nodes())


def on_go_exit(reason):
    async def body():
        await receive("go")
        labrt.exit(reason)
    return body


def exit_with(r):
    labrt.exit(r)


def divide(x, y):
    return x // y


async def sleep_then(secs, v):
    await sleep(secs)
    return v


def this_node():
    return labrt.node()


class KV(gen_server.GenServer):
    """The kv server of the gen_server scenarios."""

    def init(self, arg):
        return ("ok", 0)

    def handle_call(self, req, from_, state):
        if req == "ping":
            return ("reply", ("pong", labrt.node()), state)
        if req == "crash":
            return ("reply", divide(1, 0), state)
        assert req == "count"
        return ("reply", state, state)

    def handle_cast(self, msg, state):
        return ("noreply", state + 1 if msg == "incr" else state)


async def start_kv(node):
    parent = self()

    async def starter():
        send(parent, ("started", await gen_server.start(KV, None, name="kv")))

    spawn(starter, node=node)
    m = await receive(("started", ("ok", ANY)), timeout=3.0)
    return "not_started" if m is TIMEOUT else m[1][1]


async def noop():
    return "ok"


class SupMod:
    """The supervisor callback of supervisor_remote_child."""

    def init(self, node):
        return ("ok", ({"strategy": "one_for_one", "intensity": 2, "period": 5},
                       [{"id": "w", "start": (start_remote_child, (node,))}]))


async def start_remote_child(node):
    return ("ok", spawn_link(idle, node=node))


async def wait_child(sup, old):
    for _ in range(300):
        kids = await supervisor.which_children(sup)
        if (len(kids) == 1 and kids[0][0] == "w" and isinstance(kids[0][1], labrt.Pid)
                and kids[0][1] != old):
            return kids[0][1]
        await sleep(0.01)
    return "no_new_child"


# ----------------------------------------------------------------- partitions
# (the pop_* scenarios: global's prevent_overlapping_partitions, on in OTP 25)

async def cut(t, node):
    """Erlang's cut/1 (a wrong cookie, then disconnect_node): a partition, then
    disconnect_node, so the two nodes cannot connect again until heal_link."""
    t.world.partition([labrt.node()], [node])
    return labrt.disconnect_node(node)


async def heal_link(t, node):
    t.world.heal([labrt.node()], [node])
    return "ok"


def watcher(main, expected, opts, wait):
    """Erlang's watcher/4: opts "plain" or "reason"; wait ("sleep", s) or
    ("downs", n, s).  The snapshot is taken before a report connects again."""
    async def body():
        await wait_nodes(expected)
        if opts == "plain":
            labrt.monitor_nodes(True)
        else:
            labrt.monitor_nodes(True, nodedown_reason=True)
        send(main, ("ready", labrt.node(), sorted(labrt.nodes())))
        await receive("go")
        send(main, ("going", labrt.node()))
        got = []
        if wait[0] == "sleep":
            await sleep(wait[1])
        else:
            for _ in range(wait[1]):
                m = await receive(timeout=10.0)
                if m is TIMEOUT:
                    break
                got.append(m)
            await sleep(wait[2])
        snap = ("saw", labrt.node(), got + await take_all(), sorted(labrt.nodes()))
        m = await receive(("report", ANY))
        send(m[1], snap)
    return body


async def show_report(t, w):
    send(w, ("report", self()))
    m = await receive(("saw", ANY, ANY, ANY), timeout=5.0)
    if m is TIMEOUT:
        t.log("a", "got", "nothing")
        return
    log_group(t, [[m[1], "saw", x] for x in m[2]])
    t.log(m[1], "nodes", m[3])


async def view(t, node, expected):
    me = self()

    async def ask():
        send(me, ("view", labrt.node(), await wait_nodes(expected)))

    spawn(ask, node=node)
    m = await receive(("view", node, ANY), timeout=5.0)
    if m is TIMEOUT:
        t.log("a", "got", "nothing")
    else:
        t.log(node, "nodes", m[2])


async def on(node, fn, *args):
    """Erlang's on/2: run fn(*args) on node, return its value."""
    me = self()

    async def run():
        send(me, ("on", self(), fn(*args)))

    p = spawn(run, node=node)
    m = await receive(("on", p, ANY), timeout=5.0)
    return "on_timeout" if m is TIMEOUT else m[2]


def _disconnect_each(nodes):
    return [labrt.disconnect_node(n) for n in nodes]


async def split(t, side, other):
    """Erlang's split/2.  There global is held while the pairs are cut; here the
    partition (made by the twin before) holds its messages."""
    for n in side:
        await on(n, _disconnect_each, other)
    return "ok"


async def go(w):
    """Erlang's go/1: start a watcher and wait until it has the go."""
    send(w, "go")
    await receive(("going", ANY), timeout=5.0)


async def hold_global(t, nodes):
    """Erlang's hold_global/1 rules out a race labrt does not have (both ends of
    a disconnect see it at the same instant): nothing to do."""
    return "ok"


async def release_global(t, nodes):
    return "ok"
