"""Monitors: checklist items 22-28 of otp-semantics.md, on both kernels.

Every test runs on the simulated kernel and on trio (``run_on``) and waits
causally.  Item 28 (remote monitors and ``noconnection``) needs nodes, which
arrive with the distribution issue; its tests are written down and skipped.
"""
import pytest

import labrt
from labrt import (
    ANY, TIMEOUT, BadArg, Down, Exit, Ref, demonitor, exit, is_alive, make_ref,
    monitor, process_info, receive, register, self, send, sleep, spawn,
    spawn_monitor, trap_exit, unregister,
)

from _semantics import drain, wait_down, settle, idle, dead_pid

NODE = "nonode@nohost"


async def die_on(reason):
    """Wait for "go", then end with ``reason`` ("normal" returns)."""
    await receive("go")
    if isinstance(reason, BaseException):
        raise reason
    if reason != "normal":
        exit(reason)


# ---------------------------------------------------------------------------
# 22. monitor returns a fresh ref; DOWN once; then the monitor is gone


def test_monitor_returns_fresh_refs(run_on):
    """Each monitor() call returns a new, distinct Ref (item 22)."""
    async def main():
        t = spawn(idle)
        refs = [monitor(t) for _ in range(3)]
        return refs, make_ref()

    refs, other = run_on(main)
    assert all(isinstance(r, Ref) for r in refs)
    assert len(set(refs + [other])) == 4


@pytest.mark.parametrize("reason", ["normal", "boom", ("shutdown", 1), KeyError("k")])
def test_down_carries_ref_pid_and_reason(run_on, reason):
    """A monitor delivers Down(ref, pid, reason) when the target ends (item 22)."""
    async def main():
        t = spawn(die_on, reason)
        ref = monitor(t)
        send(t, "go")
        return ref, t, await wait_down(ref)

    ref, t, down = run_on(main)
    assert down.ref == ref and down.pid == t
    if isinstance(reason, BaseException):        # spawn copied it: same type and args
        assert type(down.reason) is type(reason) and down.reason.args == reason.args
    else:
        assert down.reason == reason


def test_monitor_fires_once_and_is_removed(run_on):
    """A monitor fires exactly one DOWN and is then gone from both sides (item 22)."""
    async def main():
        t = spawn(die_on, "boom")
        ref = monitor(t)
        before = process_info(self()).monitors, process_info(t).monitored_by
        send(t, "go")
        await wait_down(ref)
        await settle()
        return ref, before, process_info(self()).monitors, await drain()

    ref, before, after, rest = run_on(main)
    assert before[0] == (ref,) and len(before[1]) == 1
    assert after == () and rest == []


def test_monitor_does_not_need_trap_exit(run_on):
    """An abnormal death of a monitored process never kills the watcher (item 22)."""
    async def main():
        t = spawn(die_on, "boom")
        ref = monitor(t)
        send(t, "go")
        down = await wait_down(ref)
        return down.reason, is_alive(self())

    assert run_on(main) == ("boom", True)


def test_monitor_killed_target(run_on):
    """A target killed with exit(pid, kill) gives DOWN with reason killed (item 22)."""
    async def main():
        t = spawn(idle)
        ref = monitor(t)
        exit(t, "kill")
        return (await wait_down(ref)).reason

    assert run_on(main) == "killed"


# ---------------------------------------------------------------------------
# 23. monitor of something that does not exist: immediate DOWN noproc


def test_monitor_dead_pid_gives_noproc_at_once(run_on):
    """monitor(dead pid) returns a ref and a DOWN noproc is already there (item 23)."""
    async def main():
        d = await dead_pid()
        ref = monitor(d)
        return d, ref, await receive(timeout=0)

    d, ref, msg = run_on(main)
    assert msg == Down(ref, d, "noproc")


def test_monitor_unregistered_name_gives_noproc(run_on):
    """monitor("name") for a free name gives DOWN noproc with (name, node) (item 23)."""
    async def main():
        ref = monitor("nobody")
        return ref, await receive(timeout=0)

    ref, msg = run_on(main)
    assert msg == Down(ref, ("nobody", NODE), "noproc")


def test_monitor_unregistered_name_node_tuple_gives_noproc(run_on):
    """monitor((name, node)) for a free name gives DOWN noproc with that tuple (item 23)."""
    async def main():
        ref = monitor(("nobody", NODE))
        return ref, await receive(timeout=0)

    ref, msg = run_on(main)
    assert msg == Down(ref, ("nobody", NODE), "noproc")


def test_monitor_of_bad_argument_is_badarg(run_on):
    """monitor() of something that is neither a pid nor a name raises BadArg."""
    async def main():
        out = []
        for bad in (42, None, 1.5):
            try:
                monitor(bad)
            except BadArg:
                out.append("badarg")
        return out

    assert run_on(main) == ["badarg"] * 3


# ---------------------------------------------------------------------------
# 24. monitors by name


async def _named(name, parent):
    register(name, self())
    send(parent, ("registered", name))
    await receive("go")
    exit("boom")


def test_monitor_by_name_reports_name_node(run_on):
    """A monitor taken by name reports (name, node) as the object (item 24)."""
    async def main():
        spawn(_named, "db", self())
        await receive(("registered", "db"))
        ref = monitor("db")
        send("db", "go")
        return ref, await wait_down(ref)

    ref, down = run_on(main)
    assert down == Down(ref, ("db", NODE), "boom")


def test_monitor_by_name_node_tuple(run_on):
    """A monitor taken by (name, node) reports that tuple (item 24)."""
    async def main():
        spawn(_named, "db", self())
        await receive(("registered", "db"))
        ref = monitor(("db", NODE))
        send("db", "go")
        return ref, await wait_down(ref)

    ref, down = run_on(main)
    assert down == Down(ref, ("db", NODE), "boom")


def test_monitor_by_name_is_resolved_once(run_on):
    """A name is resolved when the monitor is made; the name's next owner is not watched (item 24)."""
    async def first(parent):
        register("svc", self())
        send(parent, "up")
        await receive("release")
        unregister("svc")
        send(parent, "released")
        await receive("go")
        exit("first died")

    async def main():
        a = spawn(first, self())
        await receive("up")
        ref = monitor("svc")                   # watches a, by name
        send(a, "release")
        await receive("released")
        b = spawn(_named, "svc", self())       # the name now belongs to b
        await receive(("registered", "svc"))
        bref = monitor(b)
        send(b, "go")
        await wait_down(bref)                  # b dies: our name monitor stays quiet
        quiet = await receive(lambda m: isinstance(m, Down) and m.ref == ref, timeout=0)
        send(a, "go")
        return ref, quiet, await wait_down(ref)

    ref, quiet, down = run_on(main)
    assert quiet is TIMEOUT
    assert down == Down(ref, ("svc", NODE), "first died")


# ---------------------------------------------------------------------------
# 25. monitors are one-way; repeated monitors are independent


def test_watcher_death_does_not_affect_target(run_on):
    """When a watcher dies, the monitored process lives on and forgets the monitor (item 25)."""
    async def watcher(t, parent):
        monitor(t)
        send(parent, "watching")
        await receive("go")
        raise RuntimeError("watcher crash")

    async def main():
        t = spawn(idle)
        w, wref = spawn_monitor(watcher, t, self())
        await receive("watching")
        during = process_info(t).monitored_by
        send(w, "go")
        await wait_down(wref)
        await settle()
        return w, during, is_alive(t), process_info(t).monitored_by

    w, during, alive, after = run_on(main)
    assert during == (w,) and alive and after == ()


def test_repeated_monitors_each_fire(run_on):
    """Two monitors on the same process are independent: each gets its own DOWN (item 25)."""
    async def main():
        t = spawn(die_on, "boom")
        r1, r2 = monitor(t), monitor(t)
        send(t, "go")
        d1 = await wait_down(r1)
        d2 = await wait_down(r2)
        await settle()
        return (r1, r2), (d1, d2), await drain()

    (r1, r2), (d1, d2), rest = run_on(main)
    assert r1 != r2
    assert d1.ref == r1 and d2.ref == r2 and d1.pid == d2.pid
    assert rest == []


def test_demonitor_one_of_two(run_on):
    """Removing one of two monitors leaves the other working (item 25)."""
    async def main():
        t = spawn(die_on, "boom")
        r1, r2 = monitor(t), monitor(t)
        demonitor(r1)
        send(t, "go")
        d2 = await wait_down(r2)
        await settle()
        return r2, d2, await drain()

    r2, d2, rest = run_on(main)
    assert d2.ref == r2 and rest == []


# ---------------------------------------------------------------------------
# 26. demonitor


def test_demonitor_always_returns_true(run_on):
    """demonitor(ref) returns True for live, fired, unknown and foreign refs (item 26)."""
    async def main():
        t = spawn(idle)
        live = monitor(t)
        d = await dead_pid()
        fired = monitor(d)
        return (demonitor(live), demonitor(live), demonitor(fired),
                demonitor(make_ref()))

    assert run_on(main) == (True, True, True, True)


def test_no_down_after_demonitor(run_on):
    """After demonitor, the target's death delivers no DOWN (item 26)."""
    async def main():
        t = spawn(die_on, "boom")
        ref = monitor(t)
        demonitor(ref)
        probe = monitor(t)                  # a second monitor tells us when t is gone
        send(t, "go")
        await wait_down(probe)
        await settle()
        return await drain(), process_info(t)

    assert run_on(main) == ([], None)


def test_demonitor_leaves_queued_down(run_on):
    """A DOWN already in the mailbox stays there after a plain demonitor (item 26)."""
    async def main():
        d = await dead_pid()
        ref = monitor(d)                    # DOWN noproc is queued now
        return d, ref, demonitor(ref), await drain()

    d, ref, r, msgs = run_on(main)
    assert r is True and msgs == [Down(ref, d, "noproc")]


# ---------------------------------------------------------------------------
# 27. demonitor flush / info


def test_demonitor_flush_removes_pending_down(run_on):
    """demonitor(ref, flush=True) removes the queued DOWN for that ref only (item 27)."""
    async def main():
        d = await dead_pid()
        send(self(), "before")
        keep = monitor(d)
        ref = monitor(d)
        send(self(), "after")
        return keep, d, demonitor(ref, flush=True), await drain()

    keep, d, r, msgs = run_on(main)
    assert r is True
    assert msgs == ["before", Down(keep, d, "noproc"), "after"]


def test_demonitor_info_live_monitor(run_on):
    """demonitor(ref, info=True) is True when an active monitor was removed (item 27)."""
    async def main():
        t = spawn(idle)
        ref = monitor(t)
        return demonitor(ref, info=True), demonitor(ref, info=True)

    assert run_on(main) == (True, False)


def test_demonitor_info_fired_monitor(run_on):
    """demonitor(ref, info=True) is False once the monitor has fired; the DOWN stays (item 27)."""
    async def main():
        d = await dead_pid()
        ref = monitor(d)
        return demonitor(ref, info=True), len(await drain())

    assert run_on(main) == (False, 1)


def test_demonitor_flush_info_reports_flush_needed(run_on):
    """demonitor(ref, flush=True, info=True) is False when a DOWN had to be flushed (item 27)."""
    async def main():
        d = await dead_pid()
        ref = monitor(d)
        fired = demonitor(ref, flush=True, info=True)
        t = spawn(idle)
        live = monitor(t)
        active = demonitor(live, flush=True, info=True)
        return fired, active, await drain()

    assert run_on(main) == (False, True, [])


def test_demonitor_flush_after_real_death(run_on):
    """flush also removes a DOWN caused by a real (not noproc) death (item 27)."""
    async def main():
        t = spawn(die_on, "boom")
        ref = monitor(t)
        probe = monitor(t)
        send(t, "go")
        await wait_down(probe)              # so the DOWN for ref is queued too
        return demonitor(ref, flush=True), await drain()

    assert run_on(main) == (True, [])


# ---------------------------------------------------------------------------
# 28. remote monitors and links: noconnection (needs nodes)

DIST = pytest.mark.skip(reason="nodes arrive with the distribution issue")


@DIST
def test_remote_monitor_fires_noconnection(run_on):
    """A monitor on a process of a node whose connection is lost fires noconnection (item 28)."""


@DIST
def test_remote_monitor_unreachable_node_fires_noconnection(run_on):
    """A monitor on a process of a node that cannot be reached fires noconnection (item 28)."""


@DIST
def test_remote_link_gives_exit_noconnection(run_on):
    """A link to a process of a lost node gives Exit(pid, "noconnection") to a trapping process (item 28)."""
