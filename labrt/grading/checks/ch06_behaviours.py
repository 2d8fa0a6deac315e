"""Checks for exercises/ch06-behaviours.ipynb: a key-value gen_server, a client
that fails over when a call fails, and a buffering ledger that must not lose
what it holds when it is stopped.

Clients, replicas, the disk and the supervisor the student's code meets are
written here as ordinary labrt processes and gen_servers.

Every case is a protocol scenario (notes/grading-protocol.md): its observer
runs the student's code and returns plain data, a snapshot of each runtime
(``_kit.snap``) or the facts a judge needs, and its judge, which never runs
where the student's code runs, compares them with what should have happened.
Behaviours are named by strings in a case's inputs, so that the inputs are
plain data too. The observers in the last part of the module run several
seeds and variants per case for the hidden checks, which judge properties
(links observed by killing a process from outside, other exit reasons,
messages that are not the reply, boundaries) rather than one recorded run.
"""
from __future__ import annotations

from labrt import (ANY, TIMEOUT, Exit, ProcessExit, exit as signal_exit, gen_server, now,
                   process_info, receive, register, self, sleep, supervisor, trap_exit)
from labrt.gen_server import GenServer
from labrt.supervisor import ChildSpec, SupFlags
from labrt.trace import show

from ..core import Fail, Task, Trial, public
from ._kit import PlayView, Snap, describe_reason, judged, scenario, snap

_TIMEOUT = "$timeout"

NOTEBOOK = "ch06-behaviours"

KV = Task(NOTEBOOK, 1, "kv", "a key-value gen_server", defines=("Kv",), hidden_points=5)
FETCH = Task(NOTEBOOK, 2, "fetch", "a client that survives failed calls",
             defines=("fetch",), hidden_points=5)
LEDGER = Task(NOTEBOOK, 3, "ledger", "a ledger that flushes when idle and when stopped",
              defines=("Ledger",), hidden_points=5)

SMALL = dict(max_events=80)
EPS = 1e-9


def _close(a, b) -> bool:
    return abs(a - b) < EPS


def _need_class(t: Trial, name: str):
    obj = t.need(name, kind=None)
    if not isinstance(obj, type):
        raise Fail(f"`{name}` is a class (a gen_server callback module)",
                   f"`{name}` is {show(obj)}",
                   "keep the `class ...(GenServer):` line of the task's cell")
    return obj


# ---------------------------------------------------------------------------
# Task 1: Kv

def _op_text(op) -> str:
    if op[0] == "call":
        return f"call {show(op[1])}"
    return "cast ('stats', client)"


async def kv_client(Kv, initial, ops):
    """Start a Kv, run ``ops`` and record what each one gave."""
    started = await gen_server.start(Kv, dict(initial))
    if not (isinstance(started, tuple) and started[:1] == ("ok",)):
        return ("failed", started)
    server = started[1]
    got = []
    for op in ops:
        if op[0] == "call":
            try:
                got.append(("reply", await gen_server.call(server, op[1], 1.0)))
            except ProcessExit as e:
                got.append(("exit", e.reason))
                break
        else:
            gen_server.cast(server, ("stats", self()))
            msg = await receive(("stats", ANY), timeout=1.0)
            got.append(("message", _TIMEOUT if msg is TIMEOUT else msg))
    return ("ran", got)


@scenario
def kv_scenario(t: Trial, initial, ops, seed=None):
    """``ops``: ("call", request) or ("stats",), run one after the other."""
    Kv = _need_class(t, "Kv")
    play = t.play(kv_client, Kv, dict(initial), [tuple(op) for op in ops], seed=seed,
                  call=f"a client of Kv({show(initial)})")
    return {"snap": snap(play.rt, t), "pid": play.pid, "call": play.call}


@kv_scenario.judge
@judged
def _judge_kv(obs, initial, ops, wants, seed=None):
    """``wants``: for each op, the reply, or for a stats cast the dict it reports."""
    play = PlayView(Snap(obs["snap"]), obs["pid"], obs["call"])
    script = list(zip(ops, wants))
    outcome = play.result()
    if outcome[0] == "failed":
        raise Fail(f"gen_server.start(Kv, {show(initial)}) starts the server",
                   f"it returned {show(outcome[1])}",
                   "init returns ('ok', State)", diagram=(play.rt, SMALL))
    got = outcome[1]
    done = []
    for i, ((op, want), res) in enumerate(zip(script, got)):
        what = _op_text(op)
        before = "; ".join(done[-4:]) or "nothing"
        after_cast = any(o[0] == "stats" for o, _ in script[:i])
        if res[0] == "exit":
            reason = res[1][0] if isinstance(res[1], tuple) and len(res[1]) == 2 else res[1]
            if reason == "timeout":
                raise Fail(f"{what} answers {show(want)}",
                           "no reply within 1 s: the caller gave up",
                           "handle_call must return ('reply', Reply, NewState) for every "
                           "request; a call whose handle_call returns ('noreply', ...) gets "
                           "no reply at all", diagram=(play.rt, SMALL))
            hint = ("the state after the stats cast is not the state before it: handle_cast "
                    "must return ('noreply', State) with the whole state, data included"
                    if after_cast else "read the error and the line it names")
            raise Fail(f"{what} answers {show(want)} (before it: {before})",
                       f"the server died: {describe_reason(reason)}", hint,
                       diagram=(play.rt, SMALL))
        if op[0] == "stats":
            if res[1] == _TIMEOUT:
                raise Fail(f"after {before}, the cast ('stats', client) makes the server send "
                           f"the client ('stats', {show(want)})",
                           "no ('stats', ...) message arrived within 1 s",
                           "handle_cast gets the message ('stats', client): send the client "
                           "its statistics", diagram=(play.rt, SMALL))
            if res[1] != ("stats", want):
                hint = "'keys' is the number of keys stored; 'calls' counts every call handled so far (not casts)"
                if isinstance(res[1][1], dict) and res[1][1].get("keys") == want["keys"]:
                    hint = ("'calls' counts the calls handled so far: puts, gets and deletes, "
                            "found or not; casts are not calls")
                raise Fail(f"after {before}, the stats are ('stats', {show(want)})",
                           f"the server sent {show(res[1])}", hint, diagram=(play.rt, SMALL))
        else:
            if res[1] != want or type(res[1]) is not type(want):
                hint = None
                if op[1][0] == "get" and want == ("error", "not_found") and \
                        isinstance(res[1], tuple) and res[1][:1] == ("ok",) and res[1][1:] == (None,):
                    hint = "a key that is not there answers ('error', 'not_found')"
                elif after_cast:
                    hint = ("the data changed after the stats cast: handle_cast must return "
                            "('noreply', State) with the whole state, data included")
                elif op[1][0] == "get" and want == ("error", "not_found"):
                    hint = "a key that is not there answers ('error', 'not_found')"
                elif op[1][0] == "get":
                    hint = "a key that is there answers ('ok', value)"
                else:
                    hint = "put and delete answer 'ok'"
                raise Fail(f"{what} answers {show(want)} (before it: {before})",
                           f"it answered {show(res[1])}", hint, diagram=(play.rt, SMALL))
        done.append(what.replace("call ", ""))


def kv_case(task, points, title, initial, script, hidden=False, seed=None):
    """A kv_scenario case from a script [(op, expected)]: the ops are the inputs,
    the expected replies stay with the judge."""
    from ..core import hidden as register_hidden
    register = register_hidden if hidden else public
    return register(task, points, title, kv_scenario, initial=initial,
                    ops=[op for op, _ in script], wants=[w for _, w in script], seed=seed)


kv_case(KV, 2, "put, get and delete answer as specified", {"alice": 1}, [
    (("call", ("get", "alice")), ("ok", 1)),
    (("call", ("get", "bob")), ("error", "not_found")),
    (("call", ("put", "bob", 2)), "ok"),
    (("call", ("get", "bob")), ("ok", 2)),
    (("call", ("delete", "alice")), "ok"),
    (("call", ("get", "alice")), ("error", "not_found")),
    (("call", ("delete", "nobody")), "ok"),
])

kv_case(KV, 2, "a stats cast reports, and the data survives it", {"alice": 1}, [
    (("call", ("put", "x", 10)), "ok"),
    (("call", ("put", "y", 20)), "ok"),
    (("stats",), {"keys": 3, "calls": 2}),
    (("call", ("get", "x")), ("ok", 10)),
    (("stats",), {"keys": 3, "calls": 3}),
    (("call", ("delete", "x")), "ok"),
    (("call", ("get", "y")), ("ok", 20)),
    (("stats",), {"keys": 2, "calls": 5}),
])


# ---------------------------------------------------------------------------
# Task 2: fetch

class Replica(GenServer):
    """A replica of the data that answers ("get", key) in the way its mode says."""

    def init(self, arg):
        name, mode = arg
        return ("ok", (name, mode))

    async def handle_call(self, request, from_, state):
        name, mode = state
        match request:
            case ("get", key):
                if mode == "crash":
                    raise RuntimeError(f"{name}: corrupt index")
                if mode == "not_found":
                    return ("reply", ("error", "not_found"), state)
                if mode == "slow":
                    await sleep(10.0)
                return ("reply", ("ok", f"{key}@{name}"), state)


MODES = {"ok": "answers", "slow": "answers after 10 s", "crash": "crashes",
         "not_found": "answers ('error', 'not_found')", None: "is not running"}


async def fetch_client(fetch, key, servers, timeout):
    for name, mode in servers:
        if mode is not None:
            await gen_server.start(Replica, (name, mode), name=name)
    value = await fetch(key, [name for name, _ in servers], timeout)
    at = now()
    await sleep(12.0)                    # late replies would arrive meanwhile
    return value, at, process_info(self()).mailbox


@scenario
def fetch_scenario(t: Trial, key, servers, timeout, seed=None):
    """``servers``: (name, mode)."""
    fetch = t.need("fetch")
    rt = t.runtime(seed)
    pid = rt.spawn(fetch_client, fetch, key, [tuple(s) for s in servers], timeout)
    t.run(rt, until=60.0)
    return {"snap": snap(rt, t), "pid": pid}


@fetch_scenario.judge
@judged
def _judge_fetch(obs, key, servers, timeout, want, want_at, asked, seed=None):
    """``asked``: names that must get a call, in order."""
    rt = Snap(obs["snap"])
    pid = obs["pid"]
    names = [n for n, _ in servers]
    setup = ", ".join(f"{n} {MODES[m]}" for n, m in servers)
    call = f"fetch({key!r}, {show(names)}, timeout={timeout:g})"
    res = rt.finished.get(pid)
    if res is None:
        raise Fail(f"{call} returns {show(want)} at t={want_at:g} ({setup})",
                   f"it has not returned by t={rt.now:g}",
                   "a call that gets no answer ends after its timeout; pass the timeout "
                   "to gen_server.call", diagram=(rt, SMALL))
    if res[0] != "normal":
        reason = res[0]
        caught = ("ProcessExit is not an Exception: `except Exception` does not catch a "
                  "failed call; name ProcessExit" if isinstance(reason, tuple) else
                  "read the error and the line it names")
        raise Fail(f"{call} returns {show(want)} at t={want_at:g} ({setup})",
                   f"the caller exited with {describe_reason(reason)}",
                   "a failed call exits the caller: catch the exit (except ProcessExit) and "
                   "try the next server. " + caught if isinstance(reason, tuple) else caught,
                   diagram=(rt, SMALL))
    value, at, mailbox = res[1]
    server_of = {rt_pid: n for n in names for rt_pid in
                 [e.pid for e in rt.trace if e.kind == "register" and e.data == n]}
    calls = [server_of.get(e.other) for e in rt.trace if e.kind == "send" and e.pid == pid
             and isinstance(e.data, tuple) and e.data[:1] == ("$gen_call",)]
    if value != want or type(value) is not type(want):
        if isinstance(value, tuple) and value[:1] == ("ok",) and want == ("error", "not_found"):
            hint = ("('error', 'not_found') is an answer, not a failure: the server works, "
                    "the key is not there. Return it")
        elif want == ("error", "unavailable"):
            hint = "when every server has failed, return ('error', 'unavailable')"
        else:
            hint = ("try the servers in order; return the first answer a server gives "
                    "(whatever it is)")
        raise Fail(f"{call} returns {show(want)} ({setup})", f"it returned {show(value)}",
                   hint, diagram=(rt, SMALL))
    if calls != asked:
        if len(calls) > len(asked) and calls[:len(asked)] == asked:
            hint = "stop at the first answer: the servers after it are not asked"
        elif len(set(calls)) < len(calls):
            hint = ("a server that failed is not asked again: go on with the next server "
                    "in the list")
        else:
            hint = "ask each server once, in the order of the list"
        raise Fail(f"{call} calls {', '.join(asked) or 'nobody'} ({setup})",
                   f"it called {', '.join(str(c) for c in calls) or 'nobody'}", hint,
                   diagram=(rt, SMALL))
    if not _close(at, want_at):
        slow = [n for n, m in servers if m == "slow"]
        hint = (f"a slow server costs at most `timeout` seconds: pass timeout to "
                f"gen_server.call (its default is 5 s)" if at > want_at else
                "wait for each answer before asking the next server")
        raise Fail(f"{call} returns at t={want_at:g} ({setup})",
                   f"it returned at t={at:g}" + (f" ({', '.join(slow)} slow)" if slow else ""),
                   hint, diagram=(rt, SMALL))
    if mailbox:
        raise Fail("nothing is left in the caller's mailbox afterwards",
                   f"left over: {show(list(mailbox))}",
                   "use gen_server.call, which drops late replies and removes its monitor",
                   diagram=(rt, SMALL))


public(FETCH, 1, "the first server answers: nobody else is asked", fetch_scenario,
       key="k", servers=[("a", "ok"), ("b", "ok")], timeout=0.5, want=("ok", "k@a"),
       want_at=0.0, asked=["a"])
public(FETCH, 2, "a server that is down or crashes: ask the next one at once", fetch_scenario,
       key="k", servers=[("a", None), ("b", "crash"), ("c", "ok")], timeout=0.5,
       want=("ok", "k@c"), want_at=0.0, asked=["b", "c"])
public(FETCH, 2, "a slow server costs `timeout` seconds, then the next one answers",
       fetch_scenario, key="k", servers=[("a", "slow"), ("b", "ok")], timeout=0.5,
       want=("ok", "k@b"), want_at=0.5, asked=["a", "b"])
public(FETCH, 1, "('error', 'not_found') is an answer", fetch_scenario, key="k",
       servers=[("a", "not_found"), ("b", "ok")], timeout=0.5, want=("error", "not_found"),
       want_at=0.0, asked=["a"])
public(FETCH, 1, "nobody answers: ('error', 'unavailable')", fetch_scenario, key="k",
       servers=[("a", None), ("b", "slow")], timeout=0.3, want=("error", "unavailable"),
       want_at=0.3, asked=["b"])


# ---------------------------------------------------------------------------
# Task 3: Ledger

async def disk():
    """Stores what the ledger flushes: [(time, entries)], until told to report."""
    register("disk", self())
    flushes = []
    while True:
        match await receive():
            case ("flush", entries):
                flushes.append((now(), entries))
            case ("report", to):
                from labrt import send
                send(to, ("flushes", flushes))


async def writer(server, plan):
    """plan: [(at, entry)]: write each entry at its time."""
    for at, entry in plan:
        await sleep(max(0.0, at - now()))
        await gen_server.call(server, ("write", entry))


class LedgerSup:
    """The supervisor the ledger runs under in production."""

    def init(self, Ledger):
        return ("ok", (SupFlags(), [
            ChildSpec("ledger", (gen_server.start_link, (Ledger, "disk", "ledger")))]))


async def ledger_owner(Ledger, plan, stop, stop_at):
    """Start the ledger (under LedgerSup if ``stop`` is "supervisor"), write, stop."""
    from labrt import spawn
    trap_exit(True)
    if stop == "supervisor":
        started = await supervisor.start_link(LedgerSup, Ledger)
    else:
        started = await gen_server.start(Ledger, "disk", name="ledger")
    if not (isinstance(started, tuple) and started[:1] == ("ok",)):
        return ("failed", started)
    spawn(writer, "ledger", plan)
    if stop is None:
        return ("started",)
    await sleep(stop_at)
    if stop == "supervisor":
        signal_exit(started[1], "shutdown")        # as the supervisor's own parent would
        await receive(lambda m: isinstance(m, Exit) and m.pid == started[1])
    elif stop == "stop":
        await gen_server.stop("ledger")
    elif stop == "kill":
        signal_exit(started[1], "kill")
    return ("stopped",)


def _flush_text(flushes) -> str:
    return ", ".join(f"t={at:g} {show(list(es))}" for at, es in flushes) or "none"


@scenario
def ledger_scenario(t: Trial, plan, stop=None, stop_at=None, until=10.0, seed=None):
    """``plan``: (at, entry) writes; ``stop``: None, "stop" (gen_server.stop),
    "supervisor" (its supervisor shuts down) or "kill", at ``stop_at``."""
    Ledger = _need_class(t, "Ledger")
    rt = t.runtime(seed)
    d = rt.spawn(disk)
    o = rt.spawn(ledger_owner, Ledger, [tuple(p) for p in plan], stop, stop_at)
    t.run(rt, until=until)
    return {"snap": snap(rt, t), "d": d, "o": o}


@ledger_scenario.judge
@judged
def _judge_ledger(obs, plan, flushes, stop=None, stop_at=None, until=10.0, seed=None):
    """``flushes``: the (time, entries) the disk must get."""
    rt = Snap(obs["snap"])
    d, o = obs["d"], obs["o"]
    done = rt.finished.get(o)
    if done and done[0] == "normal" and done[1][0] == "failed":
        raise Fail("the ledger starts", f"starting it returned {show(done[1][1])}",
                   "init returns ('ok', State) or ('ok', State, timeout)",
                   diagram=(rt, SMALL))
    got = [(e.time, e.data[1]) for e in rt.trace
           if e.kind == "receive" and e.pid == d and isinstance(e.data, tuple)
           and e.data[:1] == ("flush",)]
    writes = ", ".join(f"{e!r} at t={at:g}" for at, e in plan)
    how = "" if stop is None else {
        "stop": ", gen_server.stop at t={:g}", "supervisor": ", its supervisor shut down at t={:g}",
        "kill": ", killed at t={:g}"}[stop].format(stop_at)
    expected = f"writes {writes}{how}: the disk gets {_flush_text(flushes)}"
    writer_pid = next((e.other for e in rt.trace if e.kind == "spawn" and e.data == "writer"), None)
    wdone = rt.finished.get(writer_pid)
    if wdone is not None and wdone[0] != "normal":
        died = next(e.time for e in rt.trace if e.kind == "exit" and e.pid == writer_pid)
        if stop is None or died < stop_at - EPS:
            raise Fail(expected, f"a write failed at t={died:g}: the writer exited with "
                       f"{describe_reason(wdone[0])}",
                       "handle_call answers ('write', entry) with 'ok'", diagram=(rt, SMALL))
    if [(round(a, 9), list(es) if isinstance(es, (list, tuple)) else es) for a, es in got] == \
            [(round(a, 9), list(es)) for a, es in flushes] and all(isinstance(es, list) for _, es in got):
        return
    flat_got = [x for _, es in got if isinstance(es, (list, tuple)) for x in es]
    flat_want = [x for _, es in flushes for x in es]
    hint = None
    if any(isinstance(es, (list, tuple)) and len(es) == 0 for _, es in got):
        hint = "an empty buffer is not flushed: send nothing when there is nothing to send"
    elif len(flat_got) > len(flat_want) or len(set(map(repr, flat_got))) < len(flat_got):
        hint = ("an entry reached the disk twice: empty the buffer after each flush, and "
                "flush in terminate only what is still in it")
    elif sorted(map(repr, flat_got)) == sorted(map(repr, flat_want)) and flat_got != flat_want:
        hint = "flush the entries in the order they were written"
    elif len(flat_got) < len(flat_want):
        missing = [x for x in flat_want if x not in flat_got]
        if stop == "supervisor" and flat_got == flat_want[:len(flat_got)]:
            ledger = {e.pid for e in rt.trace if e.kind == "register" and e.data == "ledger"}
            trapped = any(e.kind == "trap_exit" and e.data is True and e.pid in ledger
                          for e in rt.trace)
            hint = ("a supervisor stops its child with the exit signal 'shutdown'; a server "
                    "that does not trap exits dies of it at once and terminate never runs: "
                    "call trap_exit(True) in init" if not trapped else
                    "terminate(reason, State) runs when the supervisor shuts the ledger "
                    "down: flush the buffer there")
        elif stop == "stop" and flat_got == flat_want[:len(flat_got)]:
            hint = "gen_server.stop runs terminate(reason, State): flush the buffer there"
        elif stop is None and flat_got == flat_want[:len(flat_got)]:
            hint = ("an idle ledger flushes IDLE seconds after the last message: end every "
                    "return value (init, handle_call, handle_info) with the timeout IDLE, "
                    "since a timeout covers only the wait after the callback that returned it")
        else:
            hint = f"never flushed: {show(missing)}"
    else:
        times_got = [a for a, _ in got]
        times_want = [a for a, _ in flushes]
        sizes_got = [len(es) for _, es in got if isinstance(es, (list, tuple))]
        if any(s > 3 for s in sizes_got) or (sizes_got and sizes_got[0] < min(3, len(flat_want))
                                             and times_got[0] < times_want[0] - EPS):
            hint = "flush as soon as the buffer holds BATCH = 3 entries, not before, not after"
        elif times_got != times_want:
            hint = ("the idle timeout starts again with every message: flush IDLE seconds "
                    "after the *last* one, with a timeout in each return value")
    raise Fail(expected, f"the disk got {_flush_text(got)}", hint, diagram=(rt, SMALL))


public(LEDGER, 2, "batches of three, in order; the rest after 1 s idle", ledger_scenario,
       plan=[(0.0, f"e{i}") for i in range(1, 8)],
       flushes=[(0.0, ["e1", "e2", "e3"]), (0.0, ["e4", "e5", "e6"]), (1.0, ["e7"])])
public(LEDGER, 2, "an idle ledger flushes 1 s after the last write", ledger_scenario,
       plan=[(0.0, "a"), (0.5, "b"), (3.0, "c")], flushes=[(1.5, ["a", "b"]), (4.0, ["c"])])
public(LEDGER, 2, "gen_server.stop flushes what is left", ledger_scenario,
       plan=[(0.0, "a"), (0.1, "b")], flushes=[(0.2, ["a", "b"])], stop="stop", stop_at=0.2)
public(LEDGER, 1, "its supervisor shuts it down: nothing is lost", ledger_scenario,
       plan=[(0.0, "a"), (0.1, "b")], flushes=[(0.5, ["a", "b"])], stop="supervisor",
       stop_at=0.5)


# ---------------------------------------------------------------------------
# Shared by hidden checks: two clients of one Kv at once

async def kv_pair_client(tag, n, parent):
    from labrt import send
    for i in range(n):
        await gen_server.call("kv", ("put", f"{tag}{i}", i))
    send(parent, ("done", tag, [await gen_server.call("kv", ("get", f"{tag}{i}"))
                               for i in range(n)]))


async def kv_pair_starter(Kv):
    from labrt import spawn
    await gen_server.start(Kv, {}, name="kv")
    for tag in ("a", "b"):
        spawn(kv_pair_client, tag, 5, self())
    got = {}
    for _ in range(2):
        match await receive(("done", ANY, ANY), timeout=2.0):
            case ("done", tag, values):
                got[tag] = values
    gen_server.cast("kv", ("stats", self()))
    return got, await receive(("stats", ANY), timeout=1.0)


@scenario
def kv_pair_scenario(t: Trial, seed=None):
    """Two clients put and get five keys each, interleaved; then the stats."""
    Kv = _need_class(t, "Kv")
    play = t.play(kv_pair_starter, Kv, seed=seed, call="two clients of one Kv")
    return {"snap": snap(play.rt, t), "pid": play.pid, "call": play.call}


@kv_pair_scenario.judge
@judged
def _judge_kv_pair(obs, seed=None):
    play = PlayView(Snap(obs["snap"]), obs["pid"], obs["call"])
    got, stats = play.result()
    want = [("ok", i) for i in range(5)]
    for tag in "ab":
        if got.get(tag) != want:
            raise Fail(f"client {tag} reads back ('ok', 0) ... ('ok', 4) for its five keys",
                       f"it got {show(got.get(tag))}", diagram=(play.rt, SMALL))
    if stats != ("stats", {"keys": 10, "calls": 20}):
        raise Fail("after two clients made 10 puts and 10 gets, the stats are ('stats', "
                   "{'keys': 10, 'calls': 20})", f"the server sent {show(stats)}",
                   diagram=(play.rt, SMALL))


# ---------------------------------------------------------------------------
# Checks that generalise (used by the hidden cases): observers that run the
# student's code for several seeds and variants and return plain data, and
# judges that decide (see _kit.py).

from ._kit import close, plain, reason_text  # noqa: E402


async def _kv_pair_servers(Kv, initials, ops):
    """Starts one Kv per initial dict; ``ops``: [(server index, request or "stats")]."""
    servers = []
    for init in initials:
        started = await gen_server.start(Kv, dict(init))
        if not (isinstance(started, tuple) and started[:1] == ("ok",)):
            return ("failed", plain(started))
        servers.append(started[1])
    got = []
    for i, op in ops:
        if op == "stats":
            gen_server.cast(servers[i], ("stats", self()))
            got.append(plain(await receive(("stats", ANY), timeout=1.0)))
        else:
            try:
                got.append(plain(await gen_server.call(servers[i], op, 1.0)))
            except ProcessExit as e:
                got.append(("failed", plain(e.reason)))
                break
    return ("ran", got)


@scenario
def kv_runs(t: Trial, runs):
    """``runs``: [dict(initials=[dict], ops=[(server, op)], seed)]: one or more Kv
    servers at once; each op is a call to server ``i`` or its "stats" cast."""
    Kv = _need_class(t, "Kv")
    out = []
    for run in runs:
        ops = [(i, tuple(op) if isinstance(op, list) else op) for i, op in run["ops"]]
        play = t.play(_kv_pair_servers, Kv, [dict(x) for x in run["initials"]], ops,
                      seed=run.get("seed"), call="clients of Kv")
        res = play.rt.finished.get(play.pid)
        out.append(dict(run=plain(run), outcome=plain(res[1]) if res and res[0] == "normal"
                        else ("crashed", plain(res[0]) if res else None)))
    return out


@kv_runs.judge
def _judge_kv_runs(obs, runs, wants):
    for k, (o, want) in enumerate(zip(obs, wants)):
        run = o["run"]
        many = len(run["initials"]) > 1
        setup = (f"{len(run['initials'])} Kv servers at once, started with "
                 + " and ".join(map(show, run["initials"])) if many
                 else f"Kv started with {show(run['initials'][0])}") + f" (seed {run.get('seed')})"
        if o["outcome"][0] != "ran":
            raise Fail(f"{setup}: the servers start and answer",
                       f"it went wrong: {show(o['outcome'])}", diagram=k)
        got = o["outcome"][1]
        done = []
        for j, ((i, op), w) in enumerate(zip(run["ops"], want)):
            what = (f"server {i}: " if many else "") + ("the stats cast" if op == "stats"
                                                        else f"call {show(op)}")
            g = got[j] if j < len(got) else None
            if op == "stats":
                w = ("stats", w)
            if g != w or type(g) is not type(w):
                hint = None
                if many:
                    hint = ("each server keeps its own data: everything a server knows lives in "
                            "its state, not in the class (a class attribute is shared by every "
                            "server started from it)")
                elif op != "stats" and op[0] == "get" and w[0] == "ok" and g == ("error", "not_found"):
                    hint = (f"{show(w[1])} is a value like any other: test whether the key is "
                            "there (key in data), not whether its value is true")
                elif op == "stats":
                    hint = ("'calls' counts every call handled so far, also a get of a "
                            "missing key and a delete of a missing key")
                raise Fail(f"{setup}: after {'; '.join(done[-4:]) or 'nothing'}, {what} answers "
                           f"{show(w)}", "no answer" if g is None else f"it answered {show(g)}",
                           hint, diagram=k)
            done.append(what)


class Replica2(Replica):
    """More modes: replies other than ("ok", ...) and ("error", "not_found"), and
    calls that fail with other exit reasons."""

    async def handle_call(self, request, from_, state):
        name, mode = state
        match mode:
            case ("reply", value):
                return ("reply", value, state)
            case ("stop", reason):
                return ("stop", reason, state)
            case ("exit", reason):
                signal_exit(reason)
        return await super().handle_call(request, from_, state)


async def fetch_client2(fetch, key, servers, timeout):
    for name, mode in servers:
        if mode is not None:
            await gen_server.start(Replica2, (name, mode), name=name)
    value = await fetch(key, [name for name, _ in servers], timeout)
    at = now()
    await sleep(12.0)
    return value, at, process_info(self()).mailbox


def _mode_text(m) -> str:
    if isinstance(m, tuple) and m[0] == "reply":
        return f"answers {show(m[1])}"
    if isinstance(m, tuple) and m[0] in ("stop", "exit"):
        return f"stops with reason {show(m[1])} when called"
    return MODES.get(m, show(m))


@scenario
def fetch_runs(t: Trial, runs):
    """``runs``: [dict(key, servers=[(name, mode)], timeout, seed)]."""
    fetch = t.need("fetch")
    out = []
    for run in runs:
        servers = [(n, tuple(m) if isinstance(m, list) else m) for n, m in run["servers"]]
        rt = t.runtime(run.get("seed"))
        pid = rt.spawn(fetch_client2, fetch, run["key"], servers, run["timeout"])
        t.run(rt, until=60.0)
        res = rt.finished.get(pid)
        names = [n for n, _ in servers]
        server_of = {p: n for n in names for p in
                     [e.pid for e in rt.trace if e.kind == "register" and e.data == n]}
        calls = [server_of.get(e.other) for e in rt.trace if e.kind == "send" and e.pid == pid
                 and isinstance(e.data, tuple) and e.data[:1] == ("$gen_call",)]
        if res is None or res[0] != "normal":
            out.append(dict(run=plain(run), ended=plain(res[0]) if res else None, calls=calls))
        else:
            value, at, mailbox = res[1]
            out.append(dict(run=plain(run), ended="normal", value=plain(value), at=at,
                            calls=calls, left=len(mailbox)))
    return out


@fetch_runs.judge
def _judge_fetch_runs(obs, runs, wants):
    """``wants``: per run (value, time, servers asked in order)."""
    for k, (o, (want, want_at, asked)) in enumerate(zip(obs, wants)):
        run = o["run"]
        setup = ", ".join(f"{n} {_mode_text(m)}" for n, m in run["servers"])
        call = (f"fetch({run['key']!r}, {show([n for n, _ in run['servers']])}, "
                f"timeout={run['timeout']:g}) with {setup} (seed {run.get('seed')})")
        if o["ended"] != "normal":
            raise Fail(f"{call} returns {show(want)}",
                       "it has not returned" if o["ended"] is None else
                       f"the caller exited with {reason_text(o['ended'])}",
                       "every failed call exits the caller with (reason, ...), whatever the "
                       "reason ('shutdown', 'normal', 'killed', a crash, ...): catch "
                       "ProcessExit, all of them, and ask the next server", diagram=k)
        if o["value"] != want or type(o["value"]) is not type(want):
            hint = ("a server's reply, whatever it is, is the answer: return it at once "
                    "(also an error reply, None, 0 or an empty value)")
            raise Fail(f"{call} returns {show(want)}", f"it returned {show(o['value'])}",
                       hint, diagram=k)
        if o["calls"] != asked:
            raise Fail(f"{call} calls {', '.join(asked)}",
                       f"it called {', '.join(str(c) for c in o['calls']) or 'nobody'}",
                       "stop at the first reply, whatever it is", diagram=k)
        if not close(o["at"], want_at):
            raise Fail(f"{call} returns at t={want_at:g}", f"it returned at t={o['at']:g}",
                       diagram=k)


async def ledger_owner2(Ledger, plan, stop, stop_at, reason, strays):
    """As ledger_owner, with a stop reason of the scenario's choice and stray messages
    [(at, msg)] sent to the ledger meanwhile."""
    from labrt import send, spawn
    trap_exit(True)
    if stop == "supervisor":
        started = await supervisor.start_link(LedgerSup, Ledger)
    else:
        started = await gen_server.start(Ledger, "disk", name="ledger")
    if not (isinstance(started, tuple) and started[:1] == ("ok",)):
        return ("failed", plain(started))
    spawn(writer, "ledger", plan)

    async def stray(items):
        for at, m in items:
            await sleep(max(0.0, at - now()))
            send("ledger", m)
    if strays:
        spawn(stray, strays)
    if stop is None:
        return ("started",)
    await sleep(stop_at)
    if stop == "supervisor":
        signal_exit(started[1], reason)
        await receive(lambda m: isinstance(m, Exit) and m.pid == started[1])
    else:
        await gen_server.stop("ledger", reason)
    return ("stopped",)


@scenario
def ledger_runs(t: Trial, runs):
    """``runs``: [dict(plan=[(at, entry)], strays=[(at, msg)], stop, stop_at, reason, seed,
    until)]: what the disk receives, and when."""
    Ledger = _need_class(t, "Ledger")
    out = []
    for run in runs:
        rt = t.runtime(run.get("seed"))
        d = rt.spawn(disk)
        o = rt.spawn(ledger_owner2, Ledger, [tuple(p) for p in run["plan"]], run.get("stop"),
                     run.get("stop_at"), run.get("reason", "normal"),
                     [(at, tuple(m) if isinstance(m, list) else m)
                      for at, m in run.get("strays", [])])
        t.run(rt, until=run.get("until", 10.0))
        got = [(e.time, plain(e.data[1])) for e in rt.trace
               if e.kind == "receive" and e.pid == d and isinstance(e.data, tuple)
               and e.data[:1] == ("flush",)]
        done = rt.finished.get(o)
        out.append(dict(run=plain(run), flushes=got,
                        start=plain(done[1]) if done and done[0] == "normal" else None))
    return out


@ledger_runs.judge
def _judge_ledger_runs(obs, runs, wants):
    """``wants``: per run, the (time, entries) the disk must get."""
    for k, (o, want) in enumerate(zip(obs, wants)):
        run = o["run"]
        writes = ", ".join(f"{e!r} at t={at:g}" for at, e in run["plan"])
        strays = ", ".join(f"{show(m)} at t={at:g}" for at, m in run.get("strays", []))
        how = ""
        if run.get("stop") == "stop":
            how = f", gen_server.stop(ledger, {show(run.get('reason', 'normal'))}) at t={run['stop_at']:g}"
        elif run.get("stop") == "supervisor":
            how = (f", its supervisor shut down with {show(run.get('reason', 'shutdown'))} at "
                   f"t={run['stop_at']:g}")
        setup = (f"writes {writes}" + (f", stray messages {strays}" if strays else "") + how
                 + f" (seed {run.get('seed')})")
        if o["start"] is not None and o["start"][0] == "failed":
            raise Fail("the ledger starts", f"starting it returned {show(o['start'][1])}",
                       diagram=k)
        got = [(at, list(es) if isinstance(es, (list, tuple)) else es) for at, es in o["flushes"]]
        exp = [(at, list(es)) for at, es in want]
        if len(got) == len(exp) and all(close(a, b) and x == y for (a, x), (b, y) in zip(got, exp)):
            continue
        hint = None
        if strays and len(got) < len(exp) and run.get("stop") is None:
            hint = ("a stray message reached handle_info and the idle flush never came: every "
                    "callback's return value needs the timeout IDLE, the one for a message you "
                    "ignore too, since a return without it cancels the timer")
        elif strays and got and got[0][0] < exp[0][0] - 1e-9:
            hint = ("the ledger flushed when a stray message arrived: only the timeout "
                    "('timeout') means the ledger has been idle; ignore other messages")
        elif run.get("stop") and len(got) < len(exp):
            hint = ("terminate runs whatever the reason a ledger stops with: flush what is "
                    "left in every case")
        raise Fail(f"{setup}: the disk gets {_flush_text(want)}",
                   f"the disk got {_flush_text(o['flushes'])}", hint, diagram=k)
