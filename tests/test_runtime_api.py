"""The Runtime seen from outside, and the guarantees around it.

Covers: ``Runtime``'s methods (spawn, send, exit, run, run_until, run_for,
processes, process_info, whereis, trace, result, reports); ``labrt.run``'s
outcomes (result, re-raised exception, Exited, Deadlock); NotInProcess;
message isolation and CannotSend; trace determinism; two runtimes side by side;
and the import layering of the core modules.
"""
import ast
import os
import pathlib
import subprocess
import sys
import textwrap
import threading
import warnings
from dataclasses import dataclass

import pytest

import labrt
import labrt.code
from labrt import (
    TIMEOUT, BadArg, CannotSend, Deadlock, Down, Event, Exit, Exited, LabrtError,
    NotInProcess, Pid, ProcessExit, exit, link, monitor, now, receive, register,
    self, send, send_after, sleep, spawn, spawn_link, spawn_monitor, trap_exit,
)

LABRT = pathlib.Path(labrt.__file__).parent


async def idle():
    await receive("never sent")


async def wait_down(ref):
    return await receive(lambda m: isinstance(m, Down) and m.ref == ref)


async def collector(box):
    """Append every message to ``box``, with the time it arrived."""
    while True:
        box.append((await receive(), now()))


def dump(trace) -> str:
    """The trace as text: JSON lines if the trace module offers them, else reprs."""
    if hasattr(trace, "to_jsonl"):
        return trace.to_jsonl()
    return "\n".join(repr(e) for e in trace)


# ---------------------------------------------------------------------------
# Runtime: driving a simulated runtime from outside


def test_spawn_numbers_pids_from_one():
    """rt.spawn returns pids numbered from 1 in spawn order."""
    rt = labrt.Runtime(reports=None)
    pids = [rt.spawn(idle) for _ in range(3)]
    assert [repr(p) for p in pids] == ["<0.1.0>", "<0.2.0>", "<0.3.0>"]
    assert all(isinstance(p, Pid) for p in pids)
    rt.run()                                  # start them, so no coroutine is left unawaited


def test_outside_send_and_run():
    """rt.send delivers from outside (sender None in the trace) once rt.run runs the receiver."""
    box = []
    rt = labrt.Runtime(reports=None)
    p = rt.spawn(collector, box)
    assert rt.send(p, "hi") == "hi"
    rt.run()
    assert box == [("hi", 0.0)]
    sends = rt.trace.filter(kind="send")
    assert [(e.pid, e.other, e.data) for e in sends] == [(None, p, "hi")]


def test_outside_send_to_name():
    """rt.send to a registered name works; to a free name it raises BadArg."""
    box = []

    async def named():
        register("box", self())
        await collector(box)

    rt = labrt.Runtime(reports=None)
    p = rt.spawn(named)
    rt.run()
    rt.send("box", 1)
    rt.run()
    assert box == [(1, 0.0)] and rt.whereis("box") == p and rt.registered() == ["box"]
    with pytest.raises(BadArg):
        rt.send("nobody", 1)


def test_outside_exit():
    """rt.exit kills a process, or gives a trapping one Exit(None, reason)."""
    box = []

    async def trapping():
        trap_exit(True)
        await collector(box)

    rt = labrt.Runtime(reports=None)
    victim, t = rt.spawn(idle), rt.spawn(trapping)
    rt.run()
    assert rt.exit(victim, "boom") is True
    assert rt.exit(t, ("shutdown", 1)) is True
    rt.run()
    assert rt.exit_reason(victim) == "boom"
    assert box == [(Exit(None, ("shutdown", 1)), 0.0)]
    assert rt.exit(t, "kill") is True
    assert rt.exit_reason(t) == "killed"
    assert rt.exit(victim, "kill") is True               # a dead pid: still True


def test_run_until_and_run_for():
    """rt.run_until(t) and rt.run_for(d) advance the virtual clock exactly so far."""
    box = []

    async def ticker(to):
        for i in range(5):
            await sleep(1.0)
            send(to, i)

    rt = labrt.Runtime(reports=None)
    c = rt.spawn(collector, box)
    rt.spawn(ticker, c)
    rt.run_until(2.5)
    assert rt.now == 2.5 and [m for m, _ in box] == [0, 1]
    rt.run_for(1.0)
    assert rt.now == 3.5 and [m for m, _ in box] == [0, 1, 2]
    rt.run()
    assert [t for _, t in box] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert rt.now == 5.0


def test_run_until_fires_timer_due_at_that_time():
    """A timer due exactly at the run_until time fires (inclusive bound)."""
    box = []
    rt = labrt.Runtime(reports=None)
    c = rt.spawn(collector, box)

    async def later():
        send_after(2.0, c, "at two")

    rt.spawn(later)
    rt.run_until(2.0)
    assert box == [("at two", 2.0)]


def test_run_stops_when_idle_leaving_waiters():
    """rt.run returns when nothing can run; processes() shows the waiting ones."""
    rt = labrt.Runtime(reports=None)
    a = rt.spawn(idle)
    b = rt.spawn(lambda: "plain and done")
    rt.run()
    infos = rt.processes()
    assert [i.pid for i in infos] == [a]
    assert infos[0].status == "waiting" and infos[0].function.endswith("idle")
    assert rt.result(b) == "plain and done"


def test_process_info_from_outside():
    """rt.process_info describes a live process and is None for a dead one."""
    async def linked_pair():
        register("pair", self())
        spawn_link(idle)
        monitor(spawn(idle))
        await idle()

    rt = labrt.Runtime(reports=None)
    p = rt.spawn(linked_pair)
    rt.run()
    rt.send(p, "unread")
    info = rt.process_info(p)
    assert info.name == "pair" and info.mailbox == ("unread",)
    assert len(info.links) == 1 and len(info.monitors) == 1
    assert info.trap_exit is False
    rt.exit(p, "kill")
    assert rt.process_info(p) is None


def test_trace_records_the_story():
    """rt.trace holds Events: spawn, send, receive, link, exit_signal, exit, in order."""
    async def child():
        await receive("go")
        raise ValueError("v")

    async def main():
        trap_exit(True)
        c = spawn_link(child)
        send(c, "go")
        await receive(Exit)

    rt = labrt.Runtime(reports=None)
    m = rt.spawn(main)
    rt.run()
    assert all(isinstance(e, Event) for e in rt.trace)
    assert [e.seq for e in rt.trace] == list(range(len(rt.trace)))
    story = [(e.kind, e.pid) for e in rt.trace
             if e.kind in ("spawn", "link", "exit", "exit_signal", "trap_exit")]
    c = rt.trace.filter(kind="link")[0].other
    assert story == [("spawn", None), ("trap_exit", m), ("spawn", m), ("link", m),
                     ("exit", c), ("exit_signal", c), ("exit", m)]
    received = [e.data for e in rt.trace.filter(kind="receive")]
    assert received[0] == "go" and isinstance(received[1], Exit)


def test_reports_name_the_crash():
    """rt.reports has one concise line per crash, naming the pid and the exception."""
    async def crasher():
        raise ZeroDivisionError("division by zero")

    rt = labrt.Runtime(reports=None)
    p = rt.spawn(crasher)
    rt.run()
    assert len(rt.reports) == 1
    line = rt.reports[0]
    assert str(p) in line and "ZeroDivisionError" in line
    rt2 = labrt.Runtime(reports=None)
    rt2.spawn(crasher)
    rt2.run()
    assert rt2.reports == rt.reports                    # deterministic text


def test_runtime_methods_refused_inside_a_process():
    """On the simulated kernel, rt.spawn inside a process raises NotInProcess."""
    rt = labrt.Runtime(reports=None)
    errors = []

    async def main():
        try:
            rt.spawn(idle)
        except NotInProcess as e:
            errors.append(str(e))

    rt.spawn(main)
    rt.run()
    assert errors and "inside a process" in errors[0]


def test_trio_runtime_refuses_run():
    """A trio runtime refuses rt.run() with a LabrtError: it runs in real time via run_main."""
    rt = labrt.Runtime(kernel="trio", reports=None)
    with pytest.raises(LabrtError):
        rt.run()


def test_foreign_await_on_sim_crashes_only_that_process():
    """On sim, a process that awaits a non-labrt awaitable dies with a LabrtError; the run goes on."""
    import asyncio

    async def bad():
        await asyncio.sleep(0)

    async def main():
        c, ref = spawn_monitor(bad)
        return (await wait_down(ref)).reason

    reason = labrt.run(main, reports=None)
    assert isinstance(reason, LabrtError) and "labrt operation" in str(reason)


def test_unknown_kernel():
    """Runtime(kernel=...) accepts only "sim" and "trio"."""
    with pytest.raises(ValueError):
        labrt.Runtime(kernel="asyncio")


# ---------------------------------------------------------------------------
# labrt.run outcomes


def test_run_returns_main_result(run_on):
    """labrt.run returns what main returned."""
    async def main():
        c, ref = spawn_monitor(idle)
        exit(c, "kill")
        await wait_down(ref)
        return {"answer": 42}

    assert run_on(main) == {"answer": 42}


def test_run_accepts_arguments(run_on):
    """labrt.run passes its extra arguments to main."""
    async def main(a, b):
        return a + b

    assert run_on(main, 2, 3) == 5


def test_run_reraises_main_exception(run_on):
    """labrt.run re-raises the very exception main crashed with."""
    err = KeyError("missing")

    async def main():
        await sleep(0.001)
        raise err

    with pytest.raises(KeyError) as info:
        run_on(main)
    assert info.value is err


@pytest.mark.parametrize("reason", ["boom", ("shutdown", "x"), "kill"])
def test_run_raises_exited_for_other_reasons(run_on, reason):
    """labrt.run raises Exited(reason) when main exits with a non-normal non-exception reason."""
    async def main():
        exit(reason)

    with pytest.raises(Exited) as info:
        run_on(main)
    assert info.value.reason == reason
    assert isinstance(info.value, LabrtError)


def test_run_raises_exited_killed(run_on):
    """labrt.run raises Exited("killed") when main is killed."""
    async def main():
        exit(self(), "kill")

    with pytest.raises(Exited) as info:
        run_on(main)
    assert info.value.reason == "killed"


def test_run_main_exit_normal_returns_none(run_on):
    """exit("normal") in main makes labrt.run return None."""
    async def main():
        exit("normal")

    assert run_on(main) is None


def test_run_main_killed_by_link(run_on):
    """A main that dies from a linked crash makes labrt.run raise that crash."""
    async def child():
        raise RuntimeError("child crash")

    async def main():
        spawn_link(child)
        await idle()

    with pytest.raises(RuntimeError, match="child crash"):
        run_on(main)


def test_run_with_plain_function_main(run_on):
    """labrt.run also accepts a plain (non-async) main."""
    assert run_on(lambda: "plain") == "plain"


# ---------------------------------------------------------------------------
# Deadlock


async def _stuck_client(server):
    send(server, ("request", self()))
    await receive(("reply", int))


async def _stuck_server():
    register("server", self())
    await receive("shutdown")


async def _deadlock_main():
    s = spawn(_stuck_server)
    await receive(timeout=0.01)
    spawn(_stuck_client, s)
    send(self(), "note to self")
    await receive("never")


def test_deadlock_names_each_waiter_and_mailbox():
    """On sim, labrt.run raises Deadlock naming each waiting process, what it waits for and its mailbox."""
    with pytest.raises(Deadlock) as info:
        labrt.run(_deadlock_main, reports=None)
    text = str(info.value)
    lines = text.splitlines()
    assert len(lines) == 4                                   # header + 3 waiters
    main_line, server_line, client_line = lines[1:]
    assert "<0.1.0>" in main_line and "_deadlock_main" in main_line
    assert "'never'" in main_line and "note to self" in main_line
    assert "<0.2.0>" in server_line and "(server)" in server_line
    assert "'shutdown'" in server_line and "('request', <0.3.0>)" in server_line
    assert "<0.3.0>" in client_line and "mailbox (0)" in client_line
    assert "t=0.010" in lines[0]


def test_deadlock_raised_on_both_kernels(kernel):
    """labrt.run raises labrt.Deadlock (not a wrapper) when every process waits for ever."""
    async def main():
        await receive("never")

    with pytest.raises(Deadlock) as info:
        labrt.run(main, kernel=kernel, reports=None)
    assert "<0.1.0>" in str(info.value)


def test_no_deadlock_while_a_timer_is_pending(run_on):
    """Waiting processes with a pending timer are not a deadlock."""
    async def main():
        send_after(0.01, self(), "wake")
        return await receive()

    assert run_on(main) == "wake"


# ---------------------------------------------------------------------------
# NotInProcess


@pytest.mark.parametrize("call", [
    lambda: send(Pid(0, 1), "x"),
    lambda: self(),
    lambda: spawn(idle),
    lambda: link(Pid(0, 1)),
    lambda: monitor(Pid(0, 1)),
    lambda: trap_exit(True),
    lambda: now(),
    lambda: exit(Pid(0, 1), "kill"),
    lambda: labrt.whereis("x"),
    lambda: receive().send(None),
], ids=["send", "self", "spawn", "link", "monitor", "trap_exit", "now", "exit2",
        "whereis", "receive"])
def test_not_in_process(call):
    """Process-only functions called outside a process raise a helpful NotInProcess."""
    with pytest.raises(NotInProcess) as info:
        call()
    text = str(info.value)
    assert "inside a labrt process" in text
    assert "Runtime" in text and "labrt.run" in text
    assert isinstance(info.value, LabrtError)


# ---------------------------------------------------------------------------
# Message isolation


@dataclass(frozen=True)
class Point:
    x: int
    y: int


@dataclass
class Box:
    items: list


def test_receiver_mutation_does_not_reach_sender(run_on):
    """A list/dict sent and then mutated by the receiver leaves the sender's copy unchanged."""
    async def mutator(parent):
        msg = await receive()
        msg["list"].append("receiver was here")
        msg["new"] = True
        send(parent, "mutated")

    async def main():
        data = {"list": [1, 2], "nested": {"k": [3]}}
        m = spawn(mutator, self())
        send(m, data)
        await receive("mutated")
        return data

    assert run_on(main) == {"list": [1, 2], "nested": {"k": [3]}}


def test_sender_mutation_after_send_does_not_reach_receiver(run_on):
    """Mutating a list after sending it does not change the message (also for send_after)."""
    async def main():
        data = [1, 2]
        send(self(), data)
        send_after(0.001, self(), data)
        data.append(3)
        return await receive(), await receive()

    assert run_on(main) == ([1, 2], [1, 2])


@pytest.mark.parametrize("value", [
    "text", 7, 2.5, b"bytes", None, ("t", 1, ("n", 2.0)), frozenset({1, 2}),
    Point(1, 2), Exit(Pid(0, 9), "normal"), Pid(0, 9),
], ids=lambda v: type(v).__name__)
def test_immutable_values_pass_by_identity(run_on, value):
    """Immutable messages are delivered as the very same object (no copy)."""
    async def main():
        send(self(), value)
        return await receive()

    assert run_on(main) is value


@pytest.mark.parametrize("value", [[1], {"a": 1}, {1, 2}, Box([1]), ("t", [1])],
                         ids=lambda v: type(v).__name__)
def test_mutable_values_are_copied(run_on, value):
    """Mutable messages (and tuples holding them) arrive as equal copies, not the same object."""
    async def main():
        send(self(), value)
        return await receive()

    got = run_on(main)
    assert got == value and got is not value


def test_pid_inside_a_copied_message_stays_a_pid(run_on):
    """A pid inside a copied message is still the same pid and still addresses its process."""
    async def echo():
        msg = await receive()
        send(msg["reply_to"], "pong")

    async def main():
        e = spawn(echo)
        send(e, {"reply_to": self()})
        return await receive()

    assert run_on(main) == "pong"


@pytest.mark.parametrize("make, type_name", [
    (threading.Lock, "lock"),
    (lambda: (i for i in range(3)), "generator"),
    (lambda: ["ok", threading.Lock()], "lock"),
], ids=["lock", "generator", "list-with-lock"])
def test_unsendable_raises_cannotsend(run_on, make, type_name):
    """A lock or a generator cannot be sent: CannotSend (a BadArg) names the type; nothing is delivered."""
    async def main():
        value = make()
        try:
            send(self(), value)
        except CannotSend as e:
            return isinstance(e, BadArg), str(e), await receive(timeout=0)
        return "sent"

    is_badarg, text, leftover = run_on(main)
    assert is_badarg and type_name in text and leftover is TIMEOUT


def test_unsendable_from_outside():
    """rt.send of an unsendable value raises CannotSend and records no send event."""
    rt = labrt.Runtime(reports=None)
    p = rt.spawn(idle)
    rt.run()
    with pytest.raises(CannotSend, match="lock"):
        rt.send(p, threading.Lock())
    assert rt.trace.filter(kind="send") == []


# ---------------------------------------------------------------------------
# Trace determinism


async def _program(n):
    """A small program with spawns, sends, links, monitors, timers, crashes and kills."""
    trap_exit(True)

    async def worker(i, boss):
        if i % 3 == 0:
            link(boss)
        for k in range(3):
            send(boss, ("work", i, k))
            await sleep(0.1 * ((i * 7 + k) % 4))
        if i % 4 == 1:
            raise ValueError(f"worker {i} failed")
        await receive("stop", timeout=1.0)

    workers = [spawn(worker, i, self()) for i in range(n)]
    for w in workers[::2]:
        monitor(w)
    register("boss", self())
    send_after(0.25, workers[-1], "stop")
    exit(workers[2], "kill")
    got = []
    while (m := await receive(timeout=2.0)) is not TIMEOUT:
        got.append(m)
    return len(got)


def _traced(seed):
    rt = labrt.Runtime(kernel="sim", seed=seed, reports=None)
    rt.spawn(_program, 8)
    rt.run()
    return rt


@pytest.mark.parametrize("seed", [None, 1, 99])
def test_same_seed_same_trace(seed):
    """Running the same program twice with the same seed gives byte-identical traces."""
    a, b = _traced(seed), _traced(seed)
    assert len(a.trace) > 100
    assert dump(a.trace) == dump(b.trace)
    assert a.reports == b.reports


def test_different_seeds_can_differ_but_agree_on_outcome():
    """Different seeds give legal interleavings: same per-pair order, same set of receives."""
    a, b = _traced(1), _traced(2)
    assert dump(a.trace) != dump(b.trace)
    for rt in (a, b):
        per_sender = {}
        for e in rt.trace.filter(kind="receive"):
            if isinstance(e.data, tuple) and e.data[0] == "work":
                _, i, k = e.data
                per_sender.setdefault(i, []).append(k)
        assert all(ks == sorted(ks) for ks in per_sender.values())


_HASHSEED_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import test_runtime_api as t
    print(t.dump(t._traced(5).trace), end="")
""")


def test_trace_does_not_depend_on_hash_seed():
    """The same program gives the same trace under different PYTHONHASHSEED values."""
    script = _HASHSEED_SCRIPT.format(tests=str(pathlib.Path(__file__).parent))
    outs = []
    for hs in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hs)
        r = subprocess.run([sys.executable, "-c", script], env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000
    assert outs[0] == dump(_traced(5).trace)


# ---------------------------------------------------------------------------
# Two runtimes in one process


def test_two_runtimes_share_nothing():
    """Two Runtime objects interleaved keep their own pids, names, clocks, traces and reports."""
    box1, box2 = [], []

    async def named(name, box):
        register(name, self())
        await collector(box)

    async def crasher():
        raise RuntimeError("only in rt2")

    rt1, rt2 = labrt.Runtime(reports=None), labrt.Runtime(reports=None)
    p1 = rt1.spawn(named, "svc", box1)
    p2 = rt2.spawn(named, "svc", box2)          # the same name: no conflict
    rt2.spawn(crasher)
    rt1.run()
    rt2.run()
    assert repr(p1) == repr(p2) == "<0.1.0>"
    rt1.run_for(3.0)
    assert (rt1.now, rt2.now) == (3.0, 0.0)
    rt1.send("svc", "to one")
    rt2.send("svc", "to two")
    rt2.run()
    rt1.run()
    assert box1 == [("to one", 3.0)] and box2 == [("to two", 0.0)]
    assert rt1.reports == [] and len(rt2.reports) == 1
    assert len(rt1.processes()) == 1 and len(rt2.processes()) == 1
    assert len(rt1.trace) != len(rt2.trace)
    rt1.exit(p1, "kill")
    assert rt1.whereis("svc") is None and rt2.whereis("svc") is not None


def test_two_runtimes_inside_processes():
    """Processes of two runtimes stepped alternately each see only their own runtime."""
    seen = []

    async def who(tag):
        for _ in range(3):
            seen.append((tag, labrt.current_runtime() is rts[tag], now()))
            await sleep(1.0)

    rts = {"a": labrt.Runtime(reports=None), "b": labrt.Runtime(reports=None)}
    rts["a"].spawn(who, "a")
    rts["b"].spawn(who, "b")
    for t in (0.5, 1.5, 2.5):
        rts["a"].run_until(t)
        rts["b"].run_until(t)
    assert all(ok for _, ok, _ in seen)
    assert [t for tag, _, t in seen if tag == "a"] == [0.0, 1.0, 2.0]
    assert [t for tag, _, t in seen if tag == "b"] == [0.0, 1.0, 2.0]


def test_pid_of_other_runtime_does_not_reach_across():
    """Sending with rt2 to a pid that came from rt1 never delivers into rt1's process."""
    box1, box2 = [], []
    rt1, rt2 = labrt.Runtime(reports=None), labrt.Runtime(reports=None)
    p1 = rt1.spawn(collector, box1)
    rt2.spawn(collector, box2)
    rt1.run()
    rt2.run()
    rt2.send(p1, "from rt2")
    rt2.run()
    rt1.run()
    assert box1 == []


# ---------------------------------------------------------------------------
# Smaller contract points found while testing


def test_plain_function_process_runs_as_itself(run_on):
    """A plain-function child sees its own pid from self(), not its parent's."""
    seen = []

    def plain():
        seen.append(self())

    async def main():
        c = spawn(plain)
        return c, self()

    c, me = run_on(main)
    assert seen == [c]


def test_running_process_sees_status_running(run_on):
    """process_info(self()).status is "running" for the calling process."""
    async def main():
        return labrt.process_info(self()).status

    assert run_on(main) == "running"


def test_killed_before_start_leaves_no_warning(run_on):
    """Killing a process before it first runs emits no 'coroutine was never awaited' warning."""
    import gc

    async def main():
        c = spawn(idle)
        exit(c, "kill")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_on(main)
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]


# ---------------------------------------------------------------------------
# Layering: the folders are the layers, and each imports only those below it

# kernel module -> the labrt modules it may import (relative or absolute)
ALLOWED = {
    "values.py": set(),
    "signals.py": set(),
    "match.py": {"kernel.values"},
    "process.py": {"kernel.values"},
    "exits.py": {"kernel.process", "kernel.signals", "kernel.values"},
    "operations.py": {"kernel.match", "kernel.process", "kernel.signals", "kernel.values"},
    "outside.py": {"kernel.process", "kernel.values"},
    "core.py": {"kernel.values", "kernel.match", "kernel.signals", "kernel.trace",
                "kernel.sim", "kernel.realtime", "kernel.process", "kernel.exits",
                "kernel.operations", "kernel.outside"},
    "sim.py": {"kernel.core", "kernel.process", "kernel.values"},
}
# layer -> the layers its modules may import ("labrt": the public names)
LAYERS = {
    "kernel": {"kernel"},
    "otp": {"kernel", "otp", "labrt"},
}


def _labrt_imports(path: pathlib.Path, package: str = "") -> set[str]:
    """The labrt modules ``path`` imports, as paths under labrt ("kernel.core");
    ``package`` is the file's own package under labrt ("kernel")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = package.split(".") if package else []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level > 0:
                base = here[:len(here) - (node.level - 1)]
                if node.module:
                    found.add(".".join(base + node.module.split(".")))
                elif not base:                    # from .. import spawn: the public names
                    found.update("labrt" if a.name in labrt.__all__ else a.name for a in node.names)
                else:
                    found.update(".".join(base + [a.name]) for a in node.names)
            elif node.module and node.module.split(".")[0] == "labrt":
                parts = node.module.split(".")
                found.update([".".join(parts[1:])] if len(parts) > 1 else ["labrt"])
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "labrt":
                    found.add(".".join(parts[1:]) if len(parts) > 1 else "labrt")
    return found


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_core_modules_import_nothing_above_them(module):
    """labrt/kernel/values.py, process.py, core.py and sim.py import only the modules below them."""
    found = _labrt_imports(LABRT / "kernel" / module, "kernel")
    assert found <= ALLOWED[module], f"{module} imports {sorted(found - ALLOWED[module])}"
    assert not any(w in name for name in found
                   for w in ("gen_server", "supervisor", "application", "behaviour"))


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layers_import_only_the_layers_below(layer):
    """Every module in labrt/kernel and labrt/otp imports only its own layer and those below."""
    bad = {}
    for path in sorted((LABRT / layer).glob("*.py")):
        found = {name.split(".")[0] for name in _labrt_imports(path, layer)}
        if path.name == "trace.py":
            found.discard("draw")          # Trace.diagram() loads the drawing lazily
        if found - LAYERS[layer]:
            bad[path.name] = sorted(found - LAYERS[layer])
    assert not bad, f"labrt/{layer} reaches up: {bad}"


def test_layering_check_can_fail(tmp_path):
    """The import scanner sees relative, absolute and lazy imports."""
    src = tmp_path / "m.py"
    src.write_text("from . import gen_server\nimport labrt.supervisor\n"
                   "def f():\n    from .app import x\n    from ..draw import svg\n")
    assert _labrt_imports(src) == {"gen_server", "supervisor", "app", "draw"}
    assert _labrt_imports(src, "kernel") == {"kernel.gen_server", "supervisor", "kernel.app",
                                             "draw"}


def test_old_module_paths_are_aliases():
    """The paths students use (labrt.gen_server, labrt.trace, ...) are the moved modules themselves."""
    import importlib
    for old, new in labrt.MOVED.items():
        if old in ("labrt.widgets", "labrt.node"):
            continue                       # ipywidgets; importing labrt.node would hide node()
        assert importlib.import_module(old) is importlib.import_module(new), old
    from labrt import code as c, gen_server, supervisor, sys as lsys
    assert (gen_server.__name__, supervisor.__name__, lsys.__name__, c.__name__) == (
        "labrt.otp.gen_server", "labrt.otp.supervisor", "labrt.otp.sys", "labrt.otp.code")
    assert labrt.trace.__spec__.name == "labrt.kernel.trace"
    assert labrt.supervision_tree is labrt.draw.supervision_tree    # attribute, no import needed
    assert callable(labrt.node)            # the function node(); python -m labrt.node is the CLI
    with pytest.raises(AttributeError):
        labrt.no_such_module


def test_python_m_labrt_node_still_runs():
    """``python -m labrt.node`` (now labrt/erl/cli.py) starts the command line as before."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "labrt.node", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m labrt.node")


# ---------------------------------------------------------------------------
# The checklist map (tests/CHECKLIST.md) stays true

CHECKLIST = pathlib.Path(__file__).parent / "CHECKLIST.md"
SHORT = {"links": "test_semantics_links.py", "monitors": "test_semantics_monitors.py",
         "messages": "test_semantics_messages.py", "properties": "test_properties.py",
         "runtime_api": "test_runtime_api.py", "nodes": "test_dist_nodes.py",
         "net": "test_dist_net.py", "dist_props": "test_dist_props.py"}


def _test_docstrings(filename):
    tree = ast.parse((CHECKLIST.parent / filename).read_text(encoding="utf-8"))
    return {n.name: ast.get_docstring(n) or "" for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_checklist_map_is_true():
    """CHECKLIST.md maps every item 1-38 and 96-103 to existing tests whose docstrings name that item."""
    import re
    docs = {short: _test_docstrings(f) for short, f in SHORT.items()}
    rows = {}
    for line in CHECKLIST.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit():
            rows[int(cells[0])] = re.findall(r"(\w+)::`(test_\w+)`", cells[2])
    assert sorted(rows) == list(range(1, 39)) + list(range(96, 104))
    for item, tests in rows.items():
        assert tests, f"item {item} has no test"
        for short, name in tests:
            assert name in docs[short], f"item {item}: {short}::{name} does not exist"
            doc = docs[short][name]
            assert re.search(rf"\bitems? [^)]*\b{item}\b", doc) or re.search(
                r"items? (\d+)-(\d+)", doc), f"{name}'s docstring does not name item {item}"
            assert "\n" not in doc, f"{name}'s docstring is not one line"


# ---------------------------------------------------------------------------
# Running out of stack: the verdict does not depend on the caller's depth

def _frames():
    f, n = sys._getframe(1), 0
    while f is not None:
        n, f = n + 1, f.f_back
    return n


def _at_depth(k, fn, *args, **kw):
    """Call ``fn(*args, **kw)`` with ``k`` extra frames below it."""
    return _at_depth(k - 1, fn, *args, **kw) if k else fn(*args, **kw)


class _Hopper:
    """Chapter 7's hopping loop: each message, a qualified call to itself."""

    async def hop(self, n):
        client = await receive()
        send(client, n)
        return await labrt.code.apply("hopper", "hop", n + 1)


async def _hopping_main():
    labrt.code.load("hopper", _Hopper)
    pid = labrt.code.spawn("hopper", "hop", 0)
    ref = monitor(pid)
    for _ in range(5000):
        send(pid, self())
        m = await receive()
        if type(m) is Down:
            return m.ref == ref, type(m.reason).__name__
    return "it never ran out of stack"


@pytest.mark.parametrize("k", range(8))
def test_recursion_error_verdict_at_any_caller_depth(k):
    """A process that recurses without end dies of RecursionError, whatever the caller's stack depth."""
    limit = sys.getrecursionlimit()
    assert _at_depth(k, labrt.run, _hopping_main, reports=None) == (True, "RecursionError")
    assert sys.getrecursionlimit() == limit


async def _echo_forever(main):
    trap_exit(True)
    while True:
        send(main, ("echo", await receive()))


def _child(main):
    send(main, ("echo", "child"))


_OPS = {
    "send": lambda c: send(c["peer"], "m"),
    "send_copy": lambda c: send(c["peer"], ["m"]),
    "send_name": lambda c: send("peer", "m"),
    "send_name_node": lambda c: send(("peer", "nonode@nohost"), "m"),
    "receive": lambda c: receive(timeout=0.001),
    "receive_pattern": lambda c: receive("none", timeout=0.001),
    "sleep": lambda c: sleep(0.001),
    "spawn": lambda c: spawn(_child, c["main"]),
    "spawn_link": lambda c: spawn_link(_child, c["main"]),
    "spawn_monitor": lambda c: spawn_monitor(_child, c["main"]),
    "monitor": lambda c: monitor(c["peer"]),
    "demonitor": lambda c: labrt.demonitor(monitor(c["peer"]), flush=True),
    "link": lambda c: link(c["peer"]),
    "unlink": lambda c: labrt.unlink(c["peer"]),
    "kill": lambda c: exit(c["victim"], "kill"),
    "exit_peer": lambda c: exit(c["peer"], "bye"),
    "register": lambda c: register("w", self()),
    "send_after": lambda c: send_after(0.001, c["peer"], "m"),
    "alias": lambda c: send(labrt.alias(), "x"),
}


def _consistent(rt):
    """What must hold between operations: each process is where its status says."""
    ready = {id(p) for p in rt.kernel.ready}
    bad = [f"{p} is runnable but not queued" for p in rt.procs.values()
           if p.status == "runnable" and id(p) not in ready]
    bad += [f"{p} waits for nothing" for p in rt.procs.values()
            if p.status == "waiting" and p.waiting is None]
    bad += [f"{p} has exited but is in the table" for p in rt.procs.values()
            if p.status == "exited"]
    bad += [f"{n} names {p}" for n, p in rt.names.items() if p.name != n]
    return bad


def _run_op_near_the_limit(op, gap, tracing):
    """A process does ``op`` ``gap`` frames below the recursion limit, then recurses to death."""
    async def worker(ctx):
        async def down(k):
            if k <= 0:
                r = op(ctx)
                return await r if hasattr(r, "__await__") else r
            return await down(k - 1)
        await down(sys.getrecursionlimit() - _frames() - gap)
        await down(10 ** 6)

    async def main():
        me = self()
        peer = spawn(_echo_forever, me)
        register("peer", peer)
        ctx = {"peer": peer, "main": me, "victim": spawn(idle)}
        _, ref = spawn_monitor(worker, ctx)
        down = await wait_down(ref)
        send(peer, "last")                  # everyone else still works
        while await receive() != ("echo", "last"):
            pass
        return type(down.reason).__name__

    rt = labrt.Runtime(trace=tracing, reports=None)
    pid = rt.spawn(main)
    rt.run()
    return rt.finished.get(pid), _consistent(rt)


@pytest.mark.parametrize("tracing", [False, True])
@pytest.mark.parametrize("name", sorted(_OPS))
def test_out_of_stack_inside_any_operation_leaves_the_runtime_whole(name, tracing):
    """Whatever operation a process is in when it runs out of stack, it dies of RecursionError and nothing is half done."""
    limit = sys.getrecursionlimit()
    for gap in range(45):
        outcome, broken = _run_op_near_the_limit(_OPS[name], gap, tracing)
        assert (outcome, broken) == (("normal", "RecursionError"), []), f"gap {gap}"
        assert sys.getrecursionlimit() == limit
