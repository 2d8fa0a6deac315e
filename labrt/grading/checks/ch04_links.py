"""Checks for exercises/ch04-links.ipynb: collect exits, keep a worker alive,
watch a service with monitors.

The processes the student's code must handle (workers that crash, hang or
finish; a service restarted by a keeper; a client measuring availability)
are written here, as ordinary labrt processes with scripted behaviour.
"""
from __future__ import annotations

from labrt import (TIMEOUT, Exit, make_ref, now, receive, register, self, send,
                   sleep, spawn_link, trap_exit, whereis)
from labrt import exit as signal_exit
from labrt.trace import show

from ..core import Fail, Task, Trial, describe_reason, public

NOTEBOOK = "ch04-links"

COLLECT = Task(NOTEBOOK, 1, "collect", "hear every exit", defines=("collect",),
               hidden_points=2)
KEEP_ALIVE = Task(NOTEBOOK, 2, "keep_alive", "restart a linked worker",
                  defines=("keep_alive",), hidden_points=3)
WATCHDOG = Task(NOTEBOOK, 3, "watchdog", "a watchdog built on monitors",
                defines=("watchdog",), hidden_points=3)

SMALL = dict(max_events=80)


def _same_reason(got, want) -> bool:
    if isinstance(want, type) and issubclass(want, BaseException):
        return isinstance(got, want)
    return type(got) is type(want) and got == want


def _reason_text(want) -> str:
    if isinstance(want, type):
        return f"a {want.__name__} crash"
    return show(want)


# ---------------------------------------------------------------------------
# Task 1: collect

async def finishes_late():
    await sleep(3)
    return "done"


async def gets_tired():
    await sleep(1)
    signal_exit("tired")


async def divides_by_zero():
    await sleep(2)
    return 1 / 0


async def waits_to_be_killed():
    register("victim", self())
    await receive("a message nobody sends")


async def killer(at):
    await sleep(at)
    victim = whereis("victim")
    if victim is not None:
        signal_exit(victim, "kill")


async def quits_at_once():
    signal_exit(("shutdown", "early"))


KINDS = {"finishes_late": "normal", "gets_tired": "tired",
         "divides_by_zero": ZeroDivisionError, "waits_to_be_killed": "killed",
         "quits_at_once": ("shutdown", "early")}


def collect_scenario(t: Trial, funs, order, kill_at=4.0, seed=None) -> None:
    """``order``: indexes of ``funs`` in the order they end."""
    collect = t.need("collect")
    rt = t.runtime(seed)
    pid = rt.spawn(collect, list(funs))
    rt.spawn(killer, kill_at)
    t.run(rt)
    want = [(i, KINDS[funs[i].__name__]) for i in order]
    want_text = ", ".join(f"({i}, {_reason_text(r)})" for i, r in want) or "nothing"
    if pid not in rt.finished:
        raise Fail(f"collect returns [{want_text}]", f"it is still running at t={rt.now:g}",
                   "wait for exactly one Exit message per function you started",
                   diagram=(rt, SMALL))
    reason, got = rt.finished[pid]
    if reason != "normal":
        died_at = next((e.time for e in rt.trace if e.kind == "exit" and e.pid == pid), 0)
        linked = any(e.kind == "exit_signal" and e.other == pid for e in rt.trace)
        raise Fail(f"collect survives its processes and returns [{want_text}]",
                   f"it ended at t={died_at:g} with {describe_reason(reason)}",
                   "a process that does not trap exits dies with any linked process that "
                   "dies abnormally: call trap_exit(True) before spawning" if linked else None,
                   diagram=(rt, SMALL))
    ok = (isinstance(got, list) and len(got) == len(want)
          and all(isinstance(g, tuple) and len(g) == 2 and g[0] == w[0]
                  and _same_reason(g[1], w[1]) for g, w in zip(got, want)))
    if not ok:
        raise Fail(f"collect returns [{want_text}]: (index in funs, exit reason), in the "
                   f"order the processes ended",
                   f"it returned {show(got)}",
                   "each Exit message carries the pid; keep a dict from pid to index",
                   diagram=(rt, SMALL))


@public(COLLECT, points=3, title="four processes, four different ends")
def _collect_four(t):
    collect_scenario(t, [finishes_late, gets_tired, divides_by_zero, waits_to_be_killed],
                     [1, 2, 0, 3])


# ---------------------------------------------------------------------------
# Task 2: keep_alive

def flaky_until(t_ok: float, crash=lambda: RuntimeError("flaky")):
    """A worker that works for a second, then crashes if the clock is before ``t_ok``
    and returns normally otherwise."""
    async def flaky():
        await sleep(1)
        if now() < t_ok:
            raise crash()
        return "finished"
    return flaky


async def always_crashes():
    await sleep(1)
    raise RuntimeError("broken")


async def crashes_at_once():
    raise RuntimeError("broken at start")


def keep_alive_scenario(t: Trial, worker, limit, workers, gives_up, end_time,
                        name="db", seed=None, kill_at=()) -> None:
    """Run keep_alive(name, worker, limit). ``workers``: how many workers it
    should start in all; ``gives_up``: whether it should end with
    "too_many_restarts" (else it returns workers - 1); ``kill_at``: times at
    which a killer sends exit(worker, "kill") to the registered worker."""
    keep_alive = t.need("keep_alive")
    rt = t.runtime(seed)
    pid = rt.spawn(keep_alive, name, worker, limit)

    async def hunter(times):
        for at in times:
            await sleep(at - now())
            victim = whereis(name)
            if victim is not None:
                signal_exit(victim, "kill")

    if kill_at:
        rt.spawn(hunter, list(kill_at))
    t.run(rt)
    spawned = [e for e in rt.trace if e.kind == "spawn" and e.pid == pid]
    kids = [e.other for e in spawned]
    restarts = workers - 1
    exits = {e.pid: e.data for e in rt.trace if e.kind == "exit"}
    normal_restart = next((k for k in kids[:-1] if exits.get(k) == "normal"), None)
    if normal_restart is not None:
        raise Fail("a worker that ends normally is not restarted",
                   f"{normal_restart} ended normally and keep_alive started another",
                   "look at the reason in the Exit message: only an abnormal end calls "
                   "for a restart", diagram=(rt, SMALL))
    ended = rt.finished.get(pid)
    if ended is not None and ended[0] != "normal" and not gives_up and len(kids) < workers:
        linked = any(e.kind == "exit_signal" and e.other == pid for e in rt.trace)
        raise Fail(f"keep_alive survives its worker's crashes and restarts it "
                   f"{restarts} time(s)",
                   f"it ended with {describe_reason(ended[0])} after starting {len(kids)} worker(s)",
                   "trap exits, so that a worker's death becomes an Exit message" if linked
                   else None, diagram=(rt, SMALL))
    if len(kids) != workers:
        off = len(kids) - workers
        how = (" (one too many)" if off == 1 else " (one too few)" if off == -1 else "")
        raise Fail(f"keep_alive(…, limit={limit}) starts {workers} worker(s): the first "
                   f"and {restarts} restart(s)",
                   f"it started {len(kids)}{how}",
                   "count restarts, and compare with the limit before restarting: with "
                   "limit=N there are at most N restarts" if gives_up else
                   "restart after each abnormal exit, and stop when a worker ends normally",
                   diagram=(rt, SMALL))
    registered = {e.pid: e.time for e in rt.trace if e.kind == "register" and e.data == name}
    for e in spawned:
        if e.other not in registered or abs(registered[e.other] - e.time) > 1e-9:
            raise Fail(f"each new worker is registered as {name!r} as soon as it starts",
                       f"{e.other}, started at t={e.time:g}, "
                       + ("was never registered" if e.other not in registered else
                          f"was registered at t={registered[e.other]:g}"),
                       "the name went away with the old worker; register the new pid",
                       diagram=(rt, SMALL))
    end_at = next((e.time for e in rt.trace if e.kind == "exit" and e.pid == pid), None)
    if gives_up:
        want = "'too_many_restarts'"
        if ended is None or ended[0] != "too_many_restarts":
            got = ("it is still running" if ended is None else
                   f"it ended with {describe_reason(ended[0])}")
            raise Fail(f"after {restarts} restart(s) keep_alive gives up: it exits with "
                       f"reason {want}", got,
                       "exit('too_many_restarts') when one more restart would go over the limit",
                       diagram=(rt, SMALL))
    else:
        if ended is None or ended != ("normal", restarts):
            got = ("it is still running" if ended is None else
                   f"it returned {show(ended[1])}" if ended[0] == "normal" else
                   f"it ended with {describe_reason(ended[0])}")
            raise Fail(f"keep_alive returns {restarts} (its restarts) when a worker ends "
                       f"normally", got, diagram=(rt, SMALL))
    if end_at is not None and abs(end_at - end_time) > 1e-9:
        raise Fail(f"keep_alive ends at t={end_time:g}", f"it ended at t={end_at:g}",
                   diagram=(rt, SMALL))


@public(KEEP_ALIVE, points=3, title="restarts a crashing worker until it finishes")
def _keep_alive_restarts(t):
    keep_alive_scenario(t, flaky_until(3.5), limit=5, workers=4, gives_up=False, end_time=4.0)


@public(KEEP_ALIVE, points=1, title="a worker that finishes is not restarted")
def _keep_alive_normal(t):
    keep_alive_scenario(t, flaky_until(0.0), limit=5, workers=1, gives_up=False, end_time=1.0)


@public(KEEP_ALIVE, points=2, title="gives up after limit restarts")
def _keep_alive_gives_up(t):
    keep_alive_scenario(t, always_crashes, limit=3, workers=4, gives_up=True, end_time=4.0)


# ---------------------------------------------------------------------------
# Task 3: watchdog

def service_for(hang_at=None, crash_at=None):
    """A service that answers ("ping", from, ref) with ("pong", ref). It traps
    exits (so only "kill" stops it); from ``hang_at`` it stops answering; at
    ``crash_at`` it crashes."""
    async def service():
        trap_exit(True)
        while True:
            due = [t for t in (hang_at, crash_at) if t is not None and t >= now()]
            wait = (min(due) - now()) if due else None
            msg = await receive(timeout=wait)
            if msg is TIMEOUT:
                if hang_at is not None and now() >= hang_at:
                    await receive("a message nobody sends")       # hung for good
                raise RuntimeError("disk full")
            match msg:
                case ("ping", sender, ref):
                    send(sender, ("pong", ref))
    return service


async def keeper(name, services):
    """Starts each service in turn, linked and registered, the next one as soon
    as the previous one dies (the last one should run for ever)."""
    trap_exit(True)
    for service in services:
        register(name, spawn_link(service))
        await receive(Exit)
    await receive("a message nobody sends")


async def client(name, every, wait, until):
    """Pings the service every ``every`` s; returns (answered, asked)."""
    asked = answered = 0
    k = 1
    while k * every < until:
        await sleep(max(0.0, k * every - now()))
        k += 1
        asked += 1
        pid = whereis(name)
        if pid is None:
            continue
        ref = make_ref()
        send(pid, ("ping", self(), ref))
        if await receive(("pong", ref), timeout=wait) is not TIMEOUT:
            answered += 1
    return answered, asked


def watchdog_scenario(t: Trial, services, interval, timeout, duration, incidents,
                      availability=None, seed=None, name="db") -> None:
    """``incidents``: (time, service index, reason) the watchdog must record;
    ``availability``: the least share of client pings answered."""
    watchdog = t.need("watchdog")
    rt = t.runtime(seed)
    keep = rt.spawn(keeper, name, services)
    probe = rt.spawn(client, name, 0.1, 0.05, duration)
    w = rt.spawn(watchdog, name, interval, timeout, duration)
    t.run(rt, until=duration * 3)
    pids = [e.other for e in rt.trace if e.kind == "spawn" and e.pid == keep]
    want = [(at, pids[i] if i < len(pids) else None, r) for at, i, r in incidents]
    want_text = ", ".join(f"(t={at:g}, {p}, {_reason_text(r)})" for at, p, r in want) or "none"
    ended = rt.finished.get(w)
    if ended is None or ended[0] != "normal":
        signals = [e for e in rt.trace if e.kind == "exit_signal" and e.pid == w
                   and not (e.data == "kill" and type(e.data) is str)]
        if signals:
            raise Fail("a hung service is stopped with exit(pid, 'kill')",
                       f"the watchdog sent exit signal {show(signals[0].data)} to {signals[0].other}, "
                       "which traps exits and ignored it",
                       "'kill' is the one signal a process cannot trap", diagram=(rt, SMALL))
        linked = any(e.kind == "exit_signal" and e.other == w for e in rt.trace)
        raise Fail(f"watchdog returns at t={duration:g} with incidents [{want_text}]",
                   "it is still running" if ended is None else
                   f"it ended with {describe_reason(ended[0])}",
                   "a watchdog must not die with what it watches: use monitor, not link"
                   if linked else "wait for a Down with a timeout, so the watchdog "
                   "notices deaths between probes and still probes on time",
                   diagram=(rt, SMALL))
    got = ended[1]
    ok = (isinstance(got, list) and len(got) == len(want) and all(
        isinstance(g, tuple) and len(g) == 3 and isinstance(g[0], (int, float))
        and abs(g[0] - w_[0]) < 1e-9 and g[1] == w_[1] and _same_reason(g[2], w_[2])
        for g, w_ in zip(got, want)))
    if not ok:
        hint = "record (now(), pid, reason) when the Down arrives"
        if isinstance(got, list) and len(got) > len(want):
            hint = ("one death, one incident: after a kill, take that Down and record it "
                    "once (or demonitor with flush=True)")
        elif isinstance(got, list) and any(isinstance(g, tuple) and len(g) == 3 and g[2] == "noproc"
                                           for g in got):
            hint = "look the name up again at every probe: a restarted service has a new pid"
        elif isinstance(got, list) and len(got) < len(want) and not any(
                isinstance(g, tuple) and g[2] == "killed" for g in got) and not any(
                r == "killed" for _, _, r in want):
            hint = ("keep the monitor between probes: a crash between two probes must be "
                    "recorded when it happens")
        elif any(r == "killed" for _, _, r in want) and not any(
                e.kind == "exit_signal" and e.pid == w for e in rt.trace):
            hint = ("a service that does not answer within timeout is hung: kill it "
                    "(exit(pid, 'kill')) so that it can be restarted")
        raise Fail(f"incidents [{want_text}]", f"the watchdog returned {show(got)}", hint,
                   diagram=(rt, SMALL))
    if availability is not None:
        answered, asked = rt.result(probe)
        share = answered / asked
        if share < availability:
            raise Fail(f"with the watchdog at work the service answers at least "
                       f"{availability:.0%} of the client's pings",
                       f"it answered {answered} of {asked} ({share:.0%})",
                       "a hung service must be killed at the first probe it misses")
    end_at = next(e.time for e in rt.trace if e.kind == "exit" and e.pid == w)
    if abs(end_at - duration) > timeout + 1e-9:
        raise Fail(f"watchdog returns at t={duration:g}", f"it returned at t={end_at:g}",
                   diagram=(rt, SMALL))


@public(WATCHDOG, points=2, title="a crash is recorded when it happens")
def _watchdog_crash(t):
    watchdog_scenario(t, [service_for(crash_at=2.5), service_for()], 1.0, 0.25, 5.0,
                      [(2.5, 0, RuntimeError)])


@public(WATCHDOG, points=3, title="a hung service is killed at the first missed probe")
def _watchdog_hang(t):
    watchdog_scenario(t, [service_for(hang_at=3.2), service_for()], 1.0, 0.25, 6.0,
                      [(4.25, 0, "killed")], availability=0.8)


@public(WATCHDOG, points=2, title="a hang, then a crash, over ten seconds")
def _watchdog_both(t):
    watchdog_scenario(t, [service_for(hang_at=3.2), service_for(crash_at=6.5), service_for()],
                      1.0, 0.25, 10.0, [(4.25, 0, "killed"), (6.5, 1, RuntimeError)],
                      availability=0.85)
