"""Nodes in a world: checklist items 96-103 (and 28) of otp-semantics.md.

Every test builds a small ``labrt.World`` on the simulated kernel and
asserts on what processes receive, the way the BEAM's own behaviour was
observed (see tests/differential_dist/ for the comparison with a real BEAM).
"""
import pytest

import labrt
from labrt import (
    TIMEOUT, BadArg, Down, Exit, demonitor, disconnect_node, exit, gen_server, link,
    monitor, monitor_node, monitor_nodes, node, nodes, receive, register, self,
    send, sleep, spawn, spawn_link, spawn_monitor, supervisor, trap_exit, whereis,
)


def world(*names, **kw):
    kw.setdefault("reports", None)
    w = labrt.World(**kw)
    for n in names:
        w.node(n)
    return w


def run_on(w, name, main, *args):
    """Run ``main`` on node ``name`` until the world is idle; its result."""
    rt = w[name]
    pid = rt.spawn(main, *args)
    w.run()
    return rt.result(pid)


async def idle():
    await receive("never sent")


async def named(name):
    register(name, self())
    await receive("never sent")


async def echo():
    while True:
        frm, x = await receive()
        send(frm, (x, node()))


async def drain(timeout=0.5):
    out = []
    while (m := await receive(timeout=timeout)) is not TIMEOUT:
        out.append(m)
    return out


# -- 96: location transparency, names per node -----------------------------------

def test_remote_pids_print_with_the_node_index():
    """A pid of the second node of a world prints <1.N.0>; node(pid) names its node (item 96)."""
    w = world("a@h", "b@h")

    async def main():
        pid = spawn(idle, node="b@h")
        here = spawn(idle)
        return repr(pid), node(pid), repr(here), node(here), node()

    assert run_on(w, "a@h", main) == ("<1.1.0>", "b@h", "<0.2.0>", "a@h", "a@h")


def test_registered_names_are_per_node():
    """The same name on two nodes names two processes; (name, node) picks one (item 96)."""
    w = world("a@h", "b@h")

    async def main():
        register("echo", spawn(echo))
        spawn(named, "echo", node="b@h")        # b's "echo" is not an echo
        await sleep(0.1)
        send(("echo", "a@h"), (self(), 1))
        theirs = await labrt.rpc.call("b@h", whereis, "echo")
        return await receive(), node(theirs), theirs != whereis("echo")

    assert run_on(w, "a@h", main) == ((1, "a@h"), "b@h", True)


def test_send_to_remote_name_reaches_the_process_there():
    """send((name, node), msg) reaches the process registered there (item 96)."""
    w = world("a@h", "b@h")

    async def server():
        register("echo", self())
        await echo()

    async def main():
        spawn(server, node="b@h")
        await sleep(0.1)
        send(("echo", "b@h"), (self(), "hi"))
        return await receive()

    assert run_on(w, "a@h", main) == ("hi", "b@h")


def test_send_to_name_node_never_fails():
    """Sending to (name, node) returns the message for an unknown name, node or a down node (item 96)."""
    w = world("a@h", "b@h")

    async def main():
        return [send(("nobody", "b@h"), 1), send(("nobody", "z@h"), 2),
                send(("nobody", "a@h"), 3), send(("nobody", "not-a-node"), 4)]

    assert run_on(w, "a@h", main) == [1, 2, 3, 4]


def test_remote_spawn_link_and_exit_across_nodes():
    """exit(pid, reason) and a linked crash cross nodes like local ones (items 96, 99)."""
    w = world("a@h", "b@h")

    async def crasher():
        await receive()
        raise ValueError("boom")

    async def main():
        trap_exit(True)
        c = spawn_link(crasher, node="b@h")
        victim = spawn(idle, node="b@h")
        ref = monitor(victim)
        exit(victim, "bye")
        send(c, "go")
        got = [await receive(Down), await receive(Exit)]
        return [(type(m).__name__, m.pid == v, repr(m.reason)) for m, v in zip(got, (victim, c))]

    assert run_on(w, "a@h", main) == [("Down", True, "'bye'"),
                                      ("Exit", True, "ValueError('boom')")]


def test_link_to_a_dead_remote_pid_gives_noproc():
    """link to a remote pid that has exited: Exit(pid, "noproc") when trapping (items 96, 99)."""
    w = world("a@h", "b@h")

    async def main():
        trap_exit(True)
        pid, ref = spawn_monitor(lambda: None, node="b@h")
        await receive(Down)
        link(pid)
        return await receive(Exit)

    m = run_on(w, "a@h", main)
    assert (m.reason, repr(m.pid)) == ("noproc", "<1.1.0>")


# -- 97: monitor_node ------------------------------------------------------------------

def test_monitor_node_gives_nodedown_per_instance():
    """Two monitor_node calls give two nodedown messages when the connection is lost (item 97)."""
    w = world("a@h", "b@h")

    async def main():
        spawn(idle, node="b@h")
        await sleep(0.1)
        monitor_node("b@h", True)
        monitor_node("b@h", True)
        disconnect_node("b@h")
        return await drain()

    assert run_on(w, "a@h", main) == [("nodedown", "b@h"), ("nodedown", "b@h")]


def test_monitor_node_of_an_unknown_node_fires_at_once():
    """monitor_node on a node that cannot be reached gives nodedown at once (item 97)."""
    w = world("a@h")

    async def main():
        monitor_node("nosuch@h", True)
        return await receive(timeout=0)

    assert run_on(w, "a@h", main) == ("nodedown", "nosuch@h")


def test_monitor_node_false_removes_one_instance():
    """monitor_node(n, False) takes back one instance: one nodedown instead of two (item 97)."""
    w = world("a@h", "b@h")

    async def main():
        monitor_node("b@h", True)
        monitor_node("b@h", True)
        monitor_node("b@h", False)
        disconnect_node("b@h")
        return await drain()

    assert run_on(w, "a@h", main) == [("nodedown", "b@h")]


# -- 98: monitor_nodes -----------------------------------------------------------------

def test_monitor_nodes_sees_nodeup_and_nodedown_with_reason():
    """monitor_nodes gives nodeup/nodedown; with nodedown_reason an info dict with the reason comes too (item 98)."""
    w = world("a@h", "b@h")

    async def main():
        monitor_nodes(True)
        monitor_nodes(True, nodedown_reason=True)
        send(("x", "b@h"), "contact")        # auto-connect
        up = await drain()
        disconnect_node("b@h")
        return up, await drain()

    up, down = run_on(w, "a@h", main)
    assert up == [("nodeup", "b@h"), ("nodeup", "b@h", {})]
    assert down == [("nodedown", "b@h"),
                    ("nodedown", "b@h", {"nodedown_reason": "disconnect"})]


def test_nodedown_reason_on_the_other_side_is_connection_closed():
    """The node that did not call disconnect_node sees it too, with reason connection_closed (items 98, 101)."""
    w = world("a@h", "b@h")
    seen = []

    async def watcher():
        monitor_nodes(True, nodedown_reason=True)
        seen.extend(await drain(timeout=1))

    async def main():
        spawn(watcher, node="b@h")
        await sleep(0.1)
        disconnect_node("b@h")

    run_on(w, "a@h", main)
    assert seen == [("nodedown", "a@h", {"nodedown_reason": "connection_closed"})]


# -- 99 and 28: noconnection on links and monitors, both sides ---------------------------

def test_lost_connection_fires_links_on_both_sides():
    """A lost connection gives Exit(pid, "noconnection") on both ends of a link; both stay alive (items 99, 28)."""
    w = world("a@h", "b@h")
    far = []

    async def remote_end(peer):
        trap_exit(True)
        link(peer)
        far.append(await receive(Exit))
        far.append("alive")

    async def main():
        trap_exit(True)
        r = spawn(remote_end, self(), node="b@h")
        await sleep(0.1)
        disconnect_node("b@h")
        m = await receive(Exit)
        await sleep(0.1)
        return m.pid == r, m.reason, w["b@h"].is_alive(r)

    assert run_on(w, "a@h", main) == (True, "noconnection", False)
    assert [getattr(m, "reason", m) for m in far] == ["noconnection", "alive"]


def test_remote_monitor_fires_noconnection():
    """A monitor on a process whose node's connection is lost fires DOWN noconnection (items 99, 28)."""
    w = world("a@h", "b@h")

    async def main():
        pid = spawn(idle, node="b@h")
        ref = monitor(pid)
        await sleep(0.1)
        disconnect_node("b@h")
        d = await receive(Down)
        return d.ref == ref, d.pid == pid, d.reason

    assert run_on(w, "a@h", main) == (True, True, "noconnection")


def test_remote_monitor_unreachable_node_fires_noconnection():
    """Monitoring a pid on a node that cannot be reached fires DOWN noconnection at once (item 28)."""
    w = world("a@h", "b@h")

    async def main():
        pid = spawn(idle, node="b@h")
        await sleep(0.1)
        w.crash("b@h")
        await sleep(0.1)
        ref = monitor(pid)
        return await receive(timeout=0)

    d = run_on(w, "a@h", main)
    assert (type(d), d.reason) == (Down, "noconnection")


def test_remote_link_gives_exit_noconnection():
    """spawn_link on a node that is down gives Exit(pid, "noconnection") to a trapping caller (item 28)."""
    w = world("a@h")

    async def main():
        trap_exit(True)
        pid = spawn_link(idle, node="gone@h")
        m = await receive(timeout=0)
        return m == Exit(pid, "noconnection"), node(pid)

    # As on OTP 25, the pid is that of a local stand-in that exits noconnection.
    assert run_on(w, "a@h", main) == (True, "a@h")


def test_monitor_nodes_false_ends_every_subscription_with_those_options():
    """monitor_nodes(False) ends all of the caller's subscriptions made with the same options (item 98)."""
    w = world("a@h", "b@h")

    async def main():
        monitor_nodes(True)
        monitor_nodes(True)
        monitor_nodes(True, nodedown_reason=True)
        monitor_nodes(False)
        labrt.connect_node("b@h")
        return await drain()

    assert run_on(w, "a@h", main) == [("nodeup", "b@h", {})]


def test_is_alive_of_a_remote_pid_is_badarg():
    """is_alive of a pid on another node raises BadArg, as is_process_alive does (item 96)."""
    w = world("a@h", "b@h")

    async def main():
        pid = spawn(idle, node="b@h")
        with pytest.raises(BadArg, match="only answers for local pids"):
            labrt.is_alive(pid)
        return True

    assert run_on(w, "a@h", main) is True


def test_fired_monitor_is_not_rearmed_after_reconnect():
    """After DOWN noconnection and a reconnection, the process's real end gives no second DOWN (item 99)."""
    w = world("a@h", "b@h")

    async def main():
        pid = spawn(echo, node="b@h")
        monitor(pid)
        await sleep(0.1)
        disconnect_node("b@h")
        first = await receive(Down)
        send(pid, (self(), "again"))                 # reconnects
        back = await receive()
        exit(pid, "kill")
        return first.reason, back, await drain()

    assert run_on(w, "a@h", main) == ("noconnection", ("again", "b@h"), [])


def test_in_flight_messages_are_lost_when_the_connection_breaks():
    """Messages still on a connection when it breaks never arrive (item 99)."""
    w = world("a@h", "b@h", latency=1.0)
    got = []

    async def sink():
        got.extend(await drain(timeout=5))

    async def main():
        s = spawn(sink, node="b@h")
        await sleep(2)
        send(s, "sent")
        disconnect_node("b@h")
        await sleep(3)

    run_on(w, "a@h", main)
    assert got == []
    assert [e.data for e in w.trace if e.kind == "lost"] == ["sent"]


# -- 100: monitor by (name, node) ---------------------------------------------------------

def test_monitor_by_name_on_unreachable_node_is_noconnection():
    """monitor((name, node)) for a node that cannot be reached: DOWN noconnection (item 100)."""
    w = world("a@h")

    async def main():
        ref = monitor(("kv", "b@h"))
        return await receive(timeout=0)

    d = run_on(w, "a@h", main)
    assert (d.pid, d.reason) == (("kv", "b@h"), "noconnection")


def test_monitor_by_name_on_up_node_without_the_name_is_noproc():
    """monitor((name, node)) for a node that is up but has no such name: DOWN noproc (item 100)."""
    w = world("a@h", "b@h")

    async def main():
        ref = monitor(("kv", "b@h"))
        d = await receive(Down)
        return d.ref == ref, d.pid, d.reason

    assert run_on(w, "a@h", main) == (True, ("kv", "b@h"), "noproc")


def test_monitor_by_name_reports_name_node_on_death():
    """A monitor by (name, node) on a live remote name reports (name, node) and the reason (item 100)."""
    w = world("a@h", "b@h")

    async def main():
        pid = spawn(named, "kv", node="b@h")
        await sleep(0.1)
        monitor(("kv", "b@h"))
        exit(pid, "stop")
        d = await receive(Down)
        return d.pid, d.reason

    assert run_on(w, "a@h", main) == (("kv", "b@h"), "stop")


# -- 101: disconnect_node and auto-connect --------------------------------------------------

def test_disconnect_node_then_next_send_reconnects():
    """disconnect_node drops the connection (True; False if none) and the next send reconnects (item 101)."""
    w = world("a@h", "b@h")

    async def main():
        e = spawn(echo, node="b@h")
        monitor_nodes(True)
        await sleep(0.1)
        before = nodes()
        gone = disconnect_node("b@h")
        again = disconnect_node("b@h")
        between = nodes()
        send(e, (self(), "x"))
        return before, gone, again, between, await drain(), nodes()

    assert run_on(w, "a@h", main) == (
        ["b@h"], True, False, [], [("nodedown", "b@h"), ("nodeup", "b@h"), ("x", "b@h")],
        ["b@h"])


# -- 102: transitive connections ---------------------------------------------------------------

def test_connections_are_transitive():
    """When a connects to b, it also connects to b's peers (item 102)."""
    w = world("a@h", "b@h", "c@h")

    async def main():
        labrt.connect_node("b@h")
        return nodes()

    async def on_b():
        labrt.connect_node("c@h")

    w["b@h"].spawn(on_b)
    w.run()
    assert run_on(w, "a@h", main) == ["b@h", "c@h"]
    assert w.connected("c@h") == ["a@h", "b@h"]


# -- 103: calls to a down node ----------------------------------------------------------------

class Kv(gen_server.GenServer):
    def init(self, _):
        return ("ok", {})

    def handle_call(self, req, from_, state):
        op, *rest = req
        if op == "put":
            state = {**state, rest[0]: rest[1]}
            return ("reply", "ok", state)
        return ("reply", state.get(rest[0]), state)

    def handle_cast(self, msg, state):
        return ("noreply", state)


async def _start_kv():
    await gen_server.start(Kv, None, name="kv")
    await receive("never sent")


def test_gen_server_call_across_nodes():
    """gen_server.call to (name, node) on another node gets the reply (item 103)."""
    w = world("a@h", "b@h")

    async def main():
        spawn(_start_kv, node="b@h")
        await sleep(0.1)
        await gen_server.call(("kv", "b@h"), ("put", "k", 1))
        return await gen_server.call(("kv", "b@h"), ("get", "k"))

    assert run_on(w, "a@h", main) == 1


def test_gen_server_call_to_a_down_node_exits_nodedown():
    """gen_server.call to a server on a down node exits (("nodedown", node), ("gen_server", "call", args)) (item 103)."""
    w = world("a@h")

    async def main():
        try:
            await gen_server.call(("kv", "b@h"), "get")
        except labrt.ProcessExit as e:
            return e.reason
        return "no exit"

    assert run_on(w, "a@h", main) == (("nodedown", "b@h"),
                                      ("gen_server", "call", (("kv", "b@h"), "get")))


def test_gen_server_call_exits_nodedown_when_the_node_goes_away():
    """A call in progress when the server's node crashes exits with ("nodedown", node) (item 103)."""
    w = world("a@h", "b@h")

    class Slow(gen_server.GenServer):
        def init(self, _):
            return ("ok", None)

        def handle_call(self, req, from_, state):
            return ("noreply", state)                # never answers

    async def start():
        await gen_server.start(Slow, None, name="slow")
        await receive("never sent")

    async def main():
        spawn(start, node="b@h")
        await sleep(0.1)
        try:
            await gen_server.call(("slow", "b@h"), "q", timeout=None)
        except labrt.ProcessExit as e:
            return e.reason[0]

    w._timer(1.0, lambda _: w.crash("b@h"), None)
    assert run_on(w, "a@h", main) == ("nodedown", "b@h")


def test_cast_and_stop_across_nodes():
    """cast to a down node is "ok"; stop of a remote server works; stop on a down node exits nodedown (items 80, 88, 103)."""
    w = world("a@h", "b@h")

    async def main():
        spawn(_start_kv, node="b@h")
        await sleep(0.1)
        out = [gen_server.cast(("kv", "z@h"), "x")]
        kv = await labrt.rpc.call("b@h", whereis, "kv")
        out.append(await gen_server.stop(kv))
        try:
            await gen_server.stop(("kv", "z@h"))
        except labrt.ProcessExit as e:
            out.append(e.reason)
        return out

    assert run_on(w, "a@h", main) == ["ok", "ok", ("nodedown", "z@h")]


def test_rpc_call_values_and_badrpc():
    """rpc.call returns the value, ("badrpc", "nodedown"), ("badrpc", ("EXIT", r)) or ("badrpc", "timeout") (item 103)."""
    w = world("a@h", "b@h")

    def boom():
        raise ZeroDivisionError("x")

    async def slow():
        await sleep(10)

    async def main():
        return [await labrt.rpc.call("b@h", node),
                await labrt.rpc.call("z@h", node),
                await labrt.rpc.call("b@h", lambda: exit("no")),
                await labrt.rpc.call("b@h", slow, timeout=1)]

    out = run_on(w, "a@h", main)
    assert out == ["b@h", ("badrpc", "nodedown"), ("badrpc", ("EXIT", "no")),
                   ("badrpc", "timeout")]


def test_erpc_call_raises_what_rpc_returns():
    """erpc.call returns the value, raises ErpcError(("erpc", "noconnection")), or re-raises fn's failure (item 103)."""
    w = world("a@h", "b@h")

    def boom():
        raise ZeroDivisionError("x")

    async def main():
        out = [await labrt.erpc.call("b@h", node)]
        for args in (("z@h", node), ("b@h", boom), ("b@h", lambda: exit("no"))):
            try:
                await labrt.erpc.call(*args)
            except labrt.erpc.ErpcError as e:
                out.append(e.reason)
            except labrt.ProcessExit as e:
                out.append(("exit", e.reason))
            except ZeroDivisionError as e:
                out.append(("error", repr(e)))
        return out

    assert run_on(w, "a@h", main) == ["b@h", ("erpc", "noconnection"),
                                      ("error", "ZeroDivisionError('x')"), ("exit", "no")]


# -- supervisors across nodes ------------------------------------------------------------------

def test_supervisor_restarts_a_child_on_another_node():
    """A supervisor whose child is started with spawn_link on another node restarts it there (items 43, 96)."""
    w = world("a@h", "b@h")
    starts = []

    async def worker():
        await receive()
        raise RuntimeError("crash")

    def start_remote():
        pid = spawn_link(worker, node="b@h")
        starts.append(pid)
        return ("ok", pid)

    class Sup(supervisor.Supervisor):
        def init(self, _):
            return ("ok", ({"strategy": "one_for_one", "intensity": 3, "period": 5},
                           [{"id": "w", "start": (start_remote, ())}]))

    async def main():
        ok, sup = await supervisor.start_link(Sup, None)
        await sleep(0.1)
        send(starts[0], "go")
        await sleep(0.1)
        kids = await supervisor.which_children(sup)
        return ok, [node(p) for p in starts], kids[0][1] == starts[-1]

    assert run_on(w, "a@h", main) == ("ok", ["b@h", "b@h"], True)


# -- bad input ---------------------------------------------------------------------------------

def test_bad_node_names_and_single_runtimes_say_what_to_do():
    """A bad node name, or a node operation on a plain Runtime, is a BadArg that says what to do."""
    with pytest.raises(BadArg, match="name@host"):
        labrt.World().node("nohost")

    async def main():
        with pytest.raises(BadArg, match="labrt.dist.World"):
            spawn(idle, node="b@h")
        with pytest.raises(BadArg, match="labrt.dist.World"):
            monitor_node("b@h", True)
        return node(), nodes()

    assert labrt.run(main, reports=None) == ("nonode@nohost", [])
