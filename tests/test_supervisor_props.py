"""Property test: a random supervision tree under random seeded kills.

Hypothesis draws a tree (strategies, intensities, restart types, shutdown
kinds, trapping workers, nested supervisors), a schedule of kills on the
simulated clock and a kernel seed (which shuffles the order of processes
that are runnable at the same instant).  A driver process carries out the
kills and checks, after each one and at the end:

* no leak: the live processes are exactly the driver and the processes the
  supervisors list (walked with which_children);
* intensity: no supervisor restarts more than MaxR times in a window of
  Period whole seconds (OTP's rule), and one that gives up has used exactly
  MaxR;
* the end: either the root is alive with every permanent child running
  (transient ones running or stopped), or the root is gone with reason
  shutdown and nothing is left.

The restart counts are not taken from the supervisor's bookkeeping: every
start function logs ``(time, supervisor, id)`` when it runs, and the starts
one supervisor makes at one instant after its init are one restart.  That is
exact here because workers stop at once (a whole kill cascade happens at one
instant) and kills are at distinct instants, so a supervisor handles at most
one EXIT per kill.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st

import labrt
from labrt import Exit, Pid, exit, receive, self, send, sleep, spawn_link, trap_exit
from labrt import supervisor as sup
from labrt.supervisor import ChildSpec, SupFlags

STARTS: list = []               # (time, supervisor pid, child id, child pid)


# -- the processes ----------------------------------------------------------

async def worker(trap):
    """A worker; a trapping one stops as soon as an exit signal arrives."""
    if trap:
        trap_exit(True)
    while True:
        match await receive():
            case ("stop", reason):
                exit(reason)
            case Exit(_, reason):
                exit(reason)


def start_worker(cid, trap):
    pid = spawn_link(worker, trap)
    STARTS.append((labrt.now(), self(), cid, pid))
    return ("ok", pid)


class TreeSup:
    def init(self, arg):
        return arg


async def start_sup(cid, arg):
    res = await sup.start_link(TreeSup, arg)
    if res[0] == "ok":
        STARTS.append((labrt.now(), self(), cid, res[1]))
    return res


# -- random trees --------------------------------------------------------------

@dataclass(frozen=True)
class W:
    restart: str
    shutdown: object
    trap: bool


@dataclass(frozen=True)
class S:
    strategy: str
    intensity: int
    period: int
    restart: str
    children: tuple


RESTARTS = st.sampled_from(["permanent", "transient", "temporary"])
workers = st.builds(W, RESTARTS, st.sampled_from(["brutal_kill", 1.0, None]), st.booleans())


def sups(children):
    return st.builds(S, st.sampled_from(["one_for_one", "one_for_all", "rest_for_one"]),
                     st.integers(0, 3), st.integers(1, 5), RESTARTS,
                     st.lists(children, min_size=1, max_size=4).map(tuple))


trees = sups(st.recursive(workers, sups, max_leaves=8))
kills = st.lists(st.tuples(st.integers(1, 60), st.integers(0, 10**6),
                           st.sampled_from(["boom", "kill", "shutdown", "normal"])),
                 max_size=20, unique_by=lambda k: k[0])


def init_arg(tree: S, counter):
    """The ("ok", (flags, specs)) a TreeSup returns for ``tree``; ids are unique."""
    specs = []
    for c in tree.children:
        cid = f"{'w' if isinstance(c, W) else 's'}{next(counter)}"
        if isinstance(c, W):
            specs.append(ChildSpec(cid, (start_worker, (cid, c.trap)), restart=c.restart,
                                   shutdown=c.shutdown))
        else:
            specs.append(ChildSpec(cid, (start_sup, (cid, init_arg(c, counter))),
                                   restart=c.restart, type="supervisor"))
    return ("ok", (SupFlags(tree.strategy, tree.intensity, tree.period), specs))


# -- walking and checking ------------------------------------------------------------

async def walk(s):
    """{supervisor pid: (flags, [(id, child, type, restart)])} for the live tree."""
    out = {}
    try:
        flags = await sup.get_flags(s)
        children = await sup.which_children(s)
    except labrt.ProcessExit:
        return out
    listing = []
    for cid, child, ctype, _ in children:
        restart = (await sup.get_childspec(s, cid))[1].restart
        listing.append((cid, child, ctype, restart))
        if ctype == "supervisor" and isinstance(child, Pid):
            out.update(await walk(child))
    out[s] = (flags, listing)
    return out


def tree_pids(tree) -> set:
    pids = set(tree)
    for _, listing in tree.values():
        pids.update(c for _, c, _, _ in listing if isinstance(c, Pid))
    return pids


async def driver(tree_spec: S, schedule):
    rt = labrt.current_runtime()
    me = self()
    trap_exit(True)
    res = await sup.start_link(TreeSup, init_arg(tree_spec, iter(range(1, 10**6))))
    assert res[0] == "ok", res
    root = res[1]
    for tick, pick, reason in sorted(schedule):
        await sleep(tick * 0.25 - labrt.now())
        if not rt.is_alive(root):
            break
        tree = await walk(root)
        live = {p.pid for p in rt.processes()} - {me}
        assert live == tree_pids(tree), (live, tree)              # no leak
        candidates = sorted(tree_pids(tree) - {root})
        if not candidates:
            continue
        target = candidates[pick % len(candidates)]
        if target in tree:                       # a supervisor traps: only kill works
            exit(target, "kill")
        elif reason == "normal":
            send(target, ("stop", "normal"))
        else:
            exit(target, reason)
    await sleep(1)
    if rt.is_alive(root):
        tree = await walk(root)
        live = {p.pid for p in rt.processes()} - {me}
        assert live == tree_pids(tree)
        for flags, listing in tree.values():
            for cid, child, ctype, restart in listing:
                if restart == "permanent":
                    assert isinstance(child, Pid) and rt.is_alive(child), (cid, child)
                else:
                    assert child != "restarting"
        return root, None
    msg = await receive(lambda m: isinstance(m, Exit) and m.pid == root)
    assert {p.pid for p in rt.processes()} == {me}
    return root, msg.reason


def restart_ops() -> dict:
    """{supervisor pid: [times of its restarts]} from the start log."""
    first: dict = {}
    ops: dict = {}
    for t, s, _cid, _pid in STARTS:
        first.setdefault(s, t)
        if t > first[s] and (not ops.get(s) or ops[s][-1] != t):
            ops.setdefault(s, []).append(t)
    return ops


def in_window(times, t, period) -> int:
    """How many restarts OTP remembers at time t: whole seconds, inclusive."""
    now = math.floor(t)
    return sum(1 for r in times if r <= t and math.floor(r) >= now - period)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, schedule=kills, seed=st.integers(0, 2**16))
def test_random_kills_never_leak_and_respect_intensity(tree, schedule, seed):
    """Random seeded kills: no leaked process, intensity respected, permanent children alive or root gone with shutdown."""
    STARTS.clear()
    rt = labrt.Runtime(seed=seed, reports=None)
    root, reason = rt.run_main(driver, tree, schedule)
    assert reason in (None, "shutdown")

    gave_up = {}
    for line in rt.reports:
        if "reached_max_restart_intensity" in line:
            t = float(line.split(" t=")[1].split(" ")[0])
            s = line.split(" supervisor ")[1].split(" ")[0]
            gave_up[s] = t
    ops = restart_ops()
    period_of, intensity_of = _limits(rt, tree, root)
    for s, times in ops.items():
        period, intensity = period_of[s], intensity_of[s]
        for t in times:
            assert in_window(times, t, period) <= intensity, (s, times, period, intensity)
    for s_text, t in gave_up.items():
        s = next(p for p in period_of if str(p) == s_text)
        assert in_window(ops.get(s, []), t, period_of[s]) == intensity_of[s]


def _limits(rt, tree, root):
    """Period and intensity of every supervisor instance, from the spawn records."""
    period_of, intensity_of = {root: tree.period}, {root: tree.intensity}
    # A child supervisor is started by its parent with the same spec each time:
    # map (parent instance, child id) -> spec, following the start log in order.
    counter = iter(range(1, 10**6))
    by_id = {}

    def index(t: S):
        for c in t.children:
            cid = f"{'w' if isinstance(c, W) else 's'}{next(counter)}"
            if isinstance(c, S):
                by_id[cid] = c
                index(c)
    index(tree)
    for _t, s, cid, pid in STARTS:
        if cid in by_id:
            period_of[pid] = by_id[cid].period
            intensity_of[pid] = by_id[cid].intensity
    return period_of, intensity_of
