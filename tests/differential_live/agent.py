"""The labrt peer of the live differential tests: tests/erl/live_agent.erl in Python.

A labrt node started as its own OS process runs this agent::

    python -m labrt.node --sname b@localhost --cookie C --run tests.differential_live.agent:agent

The scenario's main process, on node ``a``, sends ``(From, Command)`` to the
registered process ``agent`` and gets ``("agent", Result)`` back; the
commands and what they start are those of the Erlang agent, one for one
(``start_srv``, ``go_exit``, ``idle``, ``start_kv``, ``call``, ``nodes``,
``node``, ``send``, ``disconnect``, ``hold_global`` (hold or release the
node's global_name_server), ``overlap_watcher``, ``reset``, and ``arm``,
which turns transitive connections back on after a reset), so a scenario cannot tell a
labrt peer from a BEAM peer except by what the runtimes do.
"""
from __future__ import annotations

import sys

import labrt
import labrt.erl
from labrt import ANY, Down, Pid, gen_server, receive, register, send, spawn, trap_exit


async def srv(trap, agent):
    trap_exit(trap)
    send(agent, (labrt.self(), "trapping"))
    acc = []
    while True:
        m = await receive()
        if type(m) is tuple and len(m) == 2 and m[0] == "report":
            send(m[1], ("srv_got", acc))
            acc = []
        elif type(m) is tuple and len(m) == 2 and m[0] == "ping":
            send(m[1], ("pong", labrt.node()))
        elif type(m) is tuple and len(m) == 2 and m[0] == "exit":
            labrt.exit(m[1])
        else:
            acc.append(m)


async def go_exit(reason):
    await receive("go")
    labrt.exit(reason)


async def idle():
    await receive("never_sent")


def divide(x, y):
    return x // y


class KV(gen_server.GenServer):
    """kv, the gen_server of the call scenarios (live_agent.erl's)."""

    def init(self, state):
        return ("ok", state)

    def handle_call(self, req, from_, state):
        if req == "ping":
            return ("reply", ("pong", labrt.node()), state)
        if req == "crash":
            return ("reply", divide(1, 0), state)
        if req == "count":
            return ("reply", state, state)
        if req == "drop_caller":
            labrt.disconnect_node(labrt.node(from_[0]))
            return ("noreply", state)
        raise ValueError(f"kv: unknown call {req!r}")

    def handle_cast(self, msg, state):
        return ("noreply", state + 1 if msg == "incr" else state)


async def overlap_watcher(main, expected):
    """disconnect_overlapping's watcher on c: ready, go, a second, then what it saw."""
    for _ in range(300):
        if sorted(labrt.nodes()) == expected:
            break
        await labrt.sleep(0.01)
    labrt.monitor_nodes(True)
    send(main, ("c_ready", sorted(labrt.nodes())))
    await receive("go")
    await labrt.sleep(1.0)
    got = []
    while (m := await receive(timeout=0)) is not labrt.TIMEOUT:
        got.append(m)
    send(main, ("c_saw", got, sorted(labrt.nodes())))


async def run(cmd, me):
    """One command: (reply, [pids started])."""
    match cmd:
        case ("start_srv", name, trap):
            p = spawn(srv, trap, me)
            await receive((p, "trapping"))
            if name != "none":
                register(name, p)
            return p, [p]
        case ("go_exit", reason):
            p = spawn(go_exit, reason)
            return p, [p]
        case "idle":
            p = spawn(idle)
            return p, [p]
        case "start_kv":
            _ok, p = await gen_server.start(KV, 0, name="kv")
            return p, [p]
        case ("call", dest, req, t):
            try:
                return ("ok", await gen_server.call(dest, req, t / 1000)), []
            except labrt.ProcessExit as e:
                return ("exit", e.reason), []
        case "nodes":
            return sorted(labrt.nodes()), []
        case "node":
            return labrt.node(), []
        case ("hold_global", flag):
            from labrt.erl.global_server import hold
            return hold(flag), []
        case ("overlap_watcher", main, expected):
            p = spawn(overlap_watcher, main, expected)
            return p, [p]
        case ("send", dest, msg):
            send(dest, msg)
            return "ok", []
        case ("disconnect", node):
            return labrt.disconnect_node(node), []
    return ("error", ("unknown_command", cmd)), []


async def agent():
    me = labrt.self()
    register("agent", me)
    print("live_agent ready", flush=True)
    started: list = []
    while True:
        m = await receive((ANY, ANY))
        frm, cmd = m
        if type(frm) is not Pid:
            continue
        if cmd == "arm":                            # the scenario may start
            labrt.erl.connect_all(True)
            send(frm, ("agent", "ok"))
            continue
        if cmd in ("reset", "reset_again"):
            # No transitive connections until "arm": the runner's own contacts
            # must not connect the peers to each other again.
            labrt.erl.connect_all(False)
            refs = [labrt.monitor(p) for p in started]
            for p in started:
                labrt.exit(p, "kill")
            for r in refs:
                await receive(lambda d, r=r: type(d) is Down and d.ref == r)
            for round_ in range(2 if cmd == "reset" else 1):
                if round_:              # again once a connection in flight is up
                    await labrt.sleep(0.05)
                for n in labrt.nodes():
                    if n != labrt.node(frm):
                        labrt.disconnect_node(n)
            started = []
            send(frm, ("agent", "ok"))
            continue
        try:
            reply, new = await run(cmd, me)
        except Exception as e:                      # what the Erlang agent's catch gives
            print(f"agent: {cmd!r} failed: {e!r}", file=sys.stderr, flush=True)
            reply, new = ("error", e), []
        started = new + started
        send(frm, ("agent", reply))
