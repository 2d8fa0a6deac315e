"""Links and exit signals: checklist items 1-21 of otp-semantics.md, on both kernels.

Every test runs once on the simulated kernel and once on trio (the ``run_on``
fixture).  Tests wait *causally* (for a DOWN, a reply, a message) instead of
sleeping, so they hold on the wall clock too; exact event orders are checked
only when ``kernel == "sim"``.

A note on synchronisation: labrt delivers every signal at once, inside the
operation that caused it, so when a monitor's DOWN for P has arrived, every
other signal P sent while dying has been delivered as well.  Several tests use
a monitor as that "P is completely gone" barrier.

The matrix tests at the bottom cover trap_exit x exit reason x link/monitor,
and trap_exit x reason x exit/2 sender, asserting what the receiver sees.
"""
import pytest

import labrt
from labrt import (
    ANY, TIMEOUT, BadArg, Down, Exit, NoProc, Pid, ProcessExit, exit, is_alive,
    link, monitor, process_info, receive, register, self, send, sleep, spawn,
    spawn_link, spawn_monitor, trap_exit, unlink, whereis,
)

from _semantics import drain, wait_down, settle, idle

# ---------------------------------------------------------------------------
# helpers


async def wait_exit(pid):
    """Wait for a trapped EXIT from ``pid``."""
    return await receive(lambda m: isinstance(m, Exit) and m.pid == pid)


async def die_on(reason):
    """Wait for "go", then end with ``reason`` (a returned value means normal)."""
    await receive("go")
    if isinstance(reason, BaseException):
        raise reason
    if reason == "normal":
        return "done"
    exit(reason)


async def trapper(parent):
    """Trap exits, tell the parent we are ready, then forward every message to it."""
    trap_exit(True)
    send(parent, ("ready", self()))
    while True:
        send(parent, ("got", self(), await receive()))


async def start_trapper():
    t = spawn(trapper, self())
    await receive(("ready", t))
    return t


async def got_from(t):
    """The next message forwarded by trapper ``t``."""
    _, _, m = await receive(("got", t, ANY))
    return m


# ---------------------------------------------------------------------------
# 1. exit reasons


async def _returns_42():
    return 42


def test_return_gives_normal(run_on):
    """A function that returns ends with reason normal, keeping its result (item 1)."""
    async def main():
        pid, ref = spawn_monitor(_returns_42)
        return pid, ref, await wait_down(ref)

    pid, ref, down = run_on(main)
    assert down == Down(ref, pid, "normal")


@pytest.mark.parametrize("reason", ["boom", ("shutdown", "x"), "normal", "kill", 17])
def test_exit1_gives_its_reason(run_on, reason):
    """exit(R) ends the process with exactly R (item 1)."""
    async def child():
        exit(reason)

    async def main():
        pid, ref = spawn_monitor(child)
        return (await wait_down(ref)).reason

    assert run_on(main) == reason


def test_crash_reason_is_the_exception_object(run_on):
    """An uncaught exception ends the process with that very exception object (item 1)."""
    errs = []

    async def child():
        err = ZeroDivisionError("division by zero")
        errs.append(err)
        raise err

    async def main():
        pid, ref = spawn_monitor(child)
        return (await wait_down(ref)).reason

    reason = run_on(main)
    assert reason is errs[0]
    assert reason.__traceback__ is not None      # kept for reports


def test_runtime_result_and_reason_of_finished_process(kernel):
    """The runtime keeps a finished process's result and exit reason (item 1)."""
    if kernel != "sim":
        pytest.skip("Runtime.run() drives the simulated kernel only")
    rt = labrt.Runtime(kernel="sim", reports=None)
    pid = rt.spawn(_returns_42)
    rt.run()
    assert rt.result(pid) == 42 and rt.exit_reason(pid) == "normal"


# ---------------------------------------------------------------------------
# 2. links carry the reason to every linked process; bidirectional; one per pair


def test_every_linked_process_gets_the_reason(run_on):
    """A dying process sends its reason to every linked process (item 2)."""
    async def hub(targets):
        for t in targets:
            link(t)
        await receive("go")
        exit(("shutdown", "hub"))

    async def main():
        ts = [await start_trapper() for _ in range(3)]
        h = spawn(hub, ts)
        send(h, "go")
        return h, [await got_from(t) for t in ts]

    h, got = run_on(main)
    assert got == [Exit(h, ("shutdown", "hub"))] * 3


def test_link_made_by_peer_reports_peer_death(run_on):
    """A link created by the other process carries that process's exit to us (item 2)."""
    async def linker(to):
        link(to)
        send(to, ("linked", self()))
        await idle()

    async def main():
        trap_exit(True)
        a = spawn(linker, self())
        await receive(("linked", a))
        exit(a, "boom")
        return a, await wait_exit(a)

    a, msg = run_on(main)
    assert msg == Exit(a, "boom")


def test_peer_hears_linker_death(run_on):
    """When the process that called link() dies, the other side is told (item 2)."""
    results = []

    async def peer(parent):
        trap_exit(True)
        send(parent, ("ready", self()))
        results.append(await receive(Exit))

    async def dier(p):
        link(p)
        exit("bye")

    async def main():
        p, ref = spawn_monitor(peer, self())
        await receive(("ready", p))
        d = spawn(dier, p)
        await wait_down(ref)
        return d

    d = run_on(main)
    assert results == [Exit(d, "bye")]


def test_at_most_one_link_per_pair(run_on):
    """Linking a pair many times from both sides still makes one link and one EXIT (item 2)."""
    async def other(parent):
        link(parent)
        link(parent)
        send(parent, "linked")
        await receive("go")
        exit("boom")

    async def main():
        trap_exit(True)
        o = spawn(other, self())
        link(o)
        link(o)
        await receive("linked")
        links = process_info(self()).links
        olinks = process_info(o).links
        ref = monitor(o)
        send(o, "go")
        await wait_down(ref)
        return o, links, olinks, await drain()

    o, links, olinks, rest = run_on(main)
    assert links == (o,)
    assert len(olinks) == 1
    assert rest == [Exit(o, "boom")]


# ---------------------------------------------------------------------------
# 3. normal exit signals


def test_normal_link_exit_is_dropped_by_non_trapping(run_on):
    """A linked process ending normally does not kill a non-trapping peer (item 3)."""
    async def main():
        c = spawn_link(die_on, "normal")
        ref = monitor(c)
        send(c, "go")
        down = await wait_down(ref)
        await settle()
        return down.reason, await drain()

    assert run_on(main) == ("normal", [])


def test_normal_link_exit_becomes_message_when_trapping(run_on):
    """A trapping process gets Exit(pid, "normal") from a normally ending link (item 3)."""
    async def main():
        trap_exit(True)
        c = spawn_link(die_on, "normal")
        send(c, "go")
        return c, await receive(Exit)

    c, msg = run_on(main)
    assert msg == Exit(c, "normal")


# ---------------------------------------------------------------------------
# 4. abnormal exit signals kill with the same reason, along chains


async def chain_link(n, top):
    """One process of a chain: link to the next (if any), report, wait."""
    if n > 0:
        spawn_link(chain_link, n - 1, top)
    send(top, ("up", self()))
    await idle()


@pytest.mark.parametrize("reason", ["boom", ("shutdown", 3), ValueError("bad")])
def test_abnormal_exit_propagates_along_a_chain(run_on, reason):
    """A non-normal exit kills a chain of non-trapping links, all with the same reason (item 4)."""
    async def main():
        spawn(chain_link, 4, self())
        pids = [(await receive(("up", Pid)))[1] for _ in range(5)]
        refs = {monitor(p): p for p in pids}
        exit(pids[-1], reason)               # kill the tail; it spreads to the head
        downs = [await receive(Down) for _ in pids]
        return refs, downs

    refs, downs = run_on(main)
    assert {d.pid for d in downs} == set(refs.values())
    assert all(d.reason is reason or d.reason == reason for d in downs)
    if isinstance(reason, BaseException):
        assert all(d.reason is reason for d in downs)


def test_abnormal_link_exit_kills_with_same_reason(run_on):
    """A non-trapping linked process dies with the crashed peer's exact reason (item 4)."""
    errs = []

    async def crasher():
        await receive("go")
        err = KeyError("k")
        errs.append(err)
        raise err

    async def victim(parent):
        c = spawn_link(crasher)
        send(parent, ("child", c))
        await idle()

    async def main():
        v, ref = spawn_monitor(victim, self())
        _, c = await receive(("child", Pid))
        send(c, "go")
        return (await wait_down(ref)).reason

    assert run_on(main) is errs[0]


# ---------------------------------------------------------------------------
# 5. trapped exits are appended to the end of the mailbox


def test_trapped_exit_is_appended_after_queued_messages(run_on):
    """A trapped exit signal becomes Exit(from, reason) at the end of the mailbox (item 5)."""
    async def main():
        trap_exit(True)
        c = spawn_link(die_on, ("shutdown", "x"))
        ref = monitor(c)
        send(self(), "m1")
        send(self(), "m2")
        send(c, "go")
        await wait_down(ref)
        return c, await drain()

    c, msgs = run_on(main)
    assert msgs == ["m1", "m2", Exit(c, ("shutdown", "x"))]


# ---------------------------------------------------------------------------
# 6. exit(Pid, kill) is untrappable and becomes killed


def test_exit2_kill_kills_a_trapping_process(run_on):
    """exit(pid, "kill") kills even a trapping process, with reason killed (item 6)."""
    async def main():
        t = await start_trapper()
        ref = monitor(t)
        exit(t, "kill")
        return (await wait_down(ref)).reason

    assert run_on(main) == "killed"


def test_exit_self_kill_kills_trapping_caller(run_on):
    """exit(self(), "kill") kills the caller even when it traps exits (item 6)."""
    ran = []

    async def suicidal():
        trap_exit(True)
        exit(self(), "kill")
        ran.append("after")

    async def main():
        pid, ref = spawn_monitor(suicidal)
        down = await wait_down(ref)
        await settle()
        return down.reason

    assert run_on(main) == "killed"
    assert ran == []


def test_killed_propagates_as_killed(run_on):
    """The links of a process killed by exit(pid, kill) receive reason killed (item 6)."""
    async def middle(parent, t):
        trap_exit(True)                          # trapping does not save it from kill
        link(t)
        send(parent, "linked")
        await idle()

    async def main():
        t = await start_trapper()
        m = spawn(middle, self(), t)
        await receive("linked")
        mref = monitor(m)
        exit(m, "kill")
        mdown = await wait_down(mref)
        return m, mdown.reason, await got_from(t)

    m, mreason, tgot = run_on(main)
    assert mreason == "killed"
    assert tgot == Exit(m, "killed")


def test_killed_kills_non_trapping_links_with_killed(run_on):
    """A non-trapping link of a process killed by exit/2 dies with killed (item 6)."""
    async def pair(parent):
        trap_exit(True)
        v = spawn_link(idle)
        send(parent, ("pair", self(), v))
        await idle()

    async def main():
        p = spawn(pair, self())
        _, p, v = await receive(("pair", p, Pid))
        vref = monitor(v)
        exit(p, "kill")
        return (await wait_down(vref)).reason

    assert run_on(main) == "killed"


# ---------------------------------------------------------------------------
# 7. a process dying with reason kill sends a trappable kill


def test_dying_with_kill_sends_trappable_kill(run_on):
    """exit("kill") by a process sends a trappable "kill", not "killed" (item 7)."""
    async def main():
        trap_exit(True)
        c = spawn_link(die_on, "kill")
        send(c, "go")
        msg = await wait_exit(c)
        return c, msg, is_alive(self())

    c, msg, alive = run_on(main)
    assert msg == Exit(c, "kill") and alive


def test_kill_link_chain_dies_with_kill(run_on):
    """Non-trapping links of a process that died with kill die with kill, along a chain (item 7)."""
    async def main():
        spawn(chain_link, 3, self())
        pids = [(await receive(("up", Pid)))[1] for _ in range(4)]
        refs = [monitor(p) for p in pids]
        # the tail dies with reason kill by its own hand: a kill *via link*
        spawn(_kill_via, pids[-1])
        return [(await wait_down(r)).reason for r in refs]

    assert run_on(main) == ["kill"] * 4


async def _kill_via(target):
    """Link to target and die with reason kill (so target gets a kill *link* signal)."""
    link(target)
    exit("kill")


# ---------------------------------------------------------------------------
# 8. exit(Pid, normal) to another process


def test_exit2_normal_ignored_by_non_trapping(run_on):
    """exit(pid, "normal") does nothing to a non-trapping process (item 8)."""
    async def echo():
        while True:
            frm, m = await receive()
            send(frm, m)

    async def main():
        e = spawn(echo)
        exit(e, "normal")
        send(e, (self(), "still here"))
        return await receive(), is_alive(e)

    assert run_on(main) == ("still here", True)


def test_exit2_normal_to_trapping_gives_message(run_on):
    """exit(pid, "normal") to a trapping process gives Exit(sender, "normal") (item 8)."""
    async def main():
        t = await start_trapper()
        exit(t, "normal")
        return self(), await got_from(t)

    me, got = run_on(main)
    assert got == Exit(me, "normal")


# ---------------------------------------------------------------------------
# 9. exit(self(), normal)


def test_exit_self_normal_terminates_non_trapping(run_on):
    """exit(self(), "normal") ends a non-trapping caller with reason normal (item 9)."""
    ran = []

    async def child():
        exit(self(), "normal")
        ran.append("after")

    async def main():
        pid, ref = spawn_monitor(child)
        down = await wait_down(ref)
        await settle()
        return down.reason

    assert run_on(main) == "normal"
    assert ran == []


def test_exit_self_normal_trapping_gets_message(run_on):
    """exit(self(), "normal") gives a trapping caller Exit(self, "normal") (item 9)."""
    async def main():
        trap_exit(True)
        r = exit(self(), "normal")
        return r, self(), await receive(timeout=0)

    r, me, msg = run_on(main)
    assert r is True and msg == Exit(me, "normal")


# ---------------------------------------------------------------------------
# 10. exit(Pid, R) for any other R


@pytest.mark.parametrize("reason", ["boom", ("shutdown", "x"), RuntimeError("r")])
def test_exit2_kills_non_trapping_without_link(run_on, reason):
    """exit(pid, R) kills a non-trapping, unlinked process with R (item 10)."""
    async def main():
        v = spawn(idle)
        ref = monitor(v)
        exit(v, reason)
        return (await wait_down(ref)).reason

    got = run_on(main)
    assert got is reason or got == reason


@pytest.mark.parametrize("reason", ["boom", ("shutdown", "x"), RuntimeError("r")])
def test_exit2_to_trapping_gives_exit_from_sender(run_on, reason):
    """exit(pid, R) to a trapping process gives Exit(sender, R), no link needed (item 10)."""
    async def main():
        t = await start_trapper()
        exit(t, reason)
        return self(), await got_from(t), process_info(t).links

    me, got, links = run_on(main)
    assert got.pid == me and (got.reason is reason or got.reason == reason)
    assert links == ()


# ---------------------------------------------------------------------------
# 11. exit/2 returns true and never raises for pids; exit/1 raises a catchable exception


def test_exit2_returns_true_even_for_dead_pid(run_on):
    """exit(pid, R) returns True for live and dead pids alike (item 11)."""
    async def main():
        pid, ref = spawn_monitor(_returns_42)
        await wait_down(ref)
        t = await start_trapper()
        return exit(pid, "boom"), exit(pid, "kill"), exit(t, "boom")

    assert run_on(main) == (True, True, True)


def test_exit2_with_non_pid_is_badarg(run_on):
    """exit(non_pid, R) raises BadArg like Erlang's badarg (item 11)."""
    async def main():
        out = []
        for bad in ("nosuchname", 42, None):
            try:
                exit(bad, "kill")
            except BadArg:
                out.append("badarg")
        return out

    assert run_on(main) == ["badarg"] * 3


def test_exit1_is_catchable_but_not_an_exception(run_on):
    """exit(R) raises ProcessExit: catchable, with .reason, not caught by except Exception (item 11)."""
    async def main():
        try:
            exit("x")
        except ProcessExit as e:
            caught = e.reason
        try:
            try:
                exit(("y", 1))
            except Exception:
                return "wrongly caught"
        except ProcessExit as e:
            return caught, e.reason, issubclass(ProcessExit, Exception)

    assert run_on(main) == ("x", ("y", 1), False)


# ---------------------------------------------------------------------------
# 12. link is idempotent; link(self()) does nothing; one unlink removes


def test_link_self_does_nothing(run_on):
    """link(self()) returns True and creates no link (item 12)."""
    async def main():
        return link(self()), process_info(self()).links

    assert run_on(main) == (True, ())


def test_one_unlink_undoes_many_links(run_on):
    """Linking twice then unlinking once leaves no link (item 12)."""
    async def main():
        trap_exit(True)
        c = spawn(die_on, "boom")
        r = (link(c), link(c), unlink(c))
        links = process_info(self()).links, process_info(c).links
        ref = monitor(c)
        send(c, "go")
        await wait_down(ref)
        await settle()
        return r, links, await drain()

    r, links, rest = run_on(main)
    assert r == (True, True, True)
    assert links == ((), ())
    assert rest == []


# ---------------------------------------------------------------------------
# 13. link to a dead process


async def _dead_pid():
    pid, ref = spawn_monitor(_returns_42)
    await wait_down(ref)
    return pid


def test_link_to_dead_raises_noproc_when_not_trapping(run_on):
    """link(dead) raises NoProc in a non-trapping process, which survives the catch (item 13)."""
    async def main():
        d = await _dead_pid()
        try:
            link(d)
        except NoProc:
            return "noproc", is_alive(self()), await drain()
        return "no error"

    assert run_on(main) == ("noproc", True, [])


def test_link_to_dead_when_trapping_gives_noproc_exit(run_on):
    """link(dead) by a trapping process returns True and queues Exit(dead, "noproc") (item 13)."""
    async def main():
        trap_exit(True)
        d = await _dead_pid()
        return d, link(d), await drain()

    d, r, msgs = run_on(main)
    assert r is True and msgs == [Exit(d, "noproc")]


# ---------------------------------------------------------------------------
# 14. link to a non-pid


@pytest.mark.parametrize("bad", ["name", 42, None, ("name", "nonode@nohost")])
def test_link_to_non_pid_is_badarg(run_on, bad):
    """link(non_pid) raises BadArg (item 14)."""
    async def main():
        register("name", self())
        try:
            link(bad)
        except BadArg:
            return "badarg"
        return "accepted"

    assert run_on(main) == "badarg"


# ---------------------------------------------------------------------------
# 15. unlink


def test_unlink_returns_true_and_ends_the_link(run_on):
    """After unlink returns True, the old peer's crash has no effect (item 15)."""
    async def main():
        c = spawn_link(die_on, "boom")
        r1 = unlink(c)
        r2 = unlink(c)                                # no link: still True
        ref = monitor(c)
        send(c, "go")
        await wait_down(ref)
        await settle()
        return r1, r2, is_alive(self())

    assert run_on(main) == (True, True, True)


def test_unlink_leaves_already_queued_exit_to_flush(run_on):
    """An EXIT already queued stays after unlink and is flushed with a timeout-0 receive (item 15)."""
    async def main():
        trap_exit(True)
        c = spawn_link(die_on, "boom")
        ref = monitor(c)
        send(c, "go")
        await wait_down(ref)                          # the EXIT is queued now
        r = unlink(c)
        flushed = await receive(lambda m: isinstance(m, Exit) and m.pid == c, timeout=0)
        again = await receive(lambda m: isinstance(m, Exit) and m.pid == c, timeout=0)
        return c, r, flushed, again

    c, r, flushed, again = run_on(main)
    assert r is True and flushed == Exit(c, "boom") and again is TIMEOUT


def test_unlink_of_dead_pid_returns_true(run_on):
    """unlink of a dead or never-linked pid returns True (item 15)."""
    async def main():
        d = await _dead_pid()
        return unlink(d), unlink(self())

    assert run_on(main) == (True, True)


@pytest.mark.parametrize("bad", ["name", 42, None])
def test_unlink_of_non_pid_is_badarg(run_on, bad):
    """unlink(non_pid) raises BadArg, as erlang:unlink/1 raises badarg (items 14, 15)."""
    async def main():
        try:
            unlink(bad)
        except BadArg:
            return "badarg"
        return "accepted"

    assert run_on(main) == "badarg"


# ---------------------------------------------------------------------------
# 16. a link signal is dropped if the receiver removed the link first


def test_link_signal_dropped_after_receiver_unlinked(run_on):
    """A peer told to die right after unlink sends nothing that arrives (item 16)."""
    async def main():
        trap_exit(True)
        c = spawn_link(die_on, ("shutdown", "late"))
        ref = monitor(c)
        unlink(c)
        send(c, "go")                                 # it dies while the unlink is fresh
        down = await wait_down(ref)
        await settle()
        return down.reason, await drain()

    assert run_on(main) == (("shutdown", "late"), [])


def test_non_trapping_survives_peer_after_unlink(run_on):
    """A non-trapping process that unlinked survives the former peer's crash (item 16)."""
    async def main():
        c = spawn_link(die_on, ValueError("v"))
        ref = monitor(c)
        unlink(c)
        send(c, "go")
        await wait_down(ref)
        await settle()
        return is_alive(self())

    assert run_on(main) is True


# ---------------------------------------------------------------------------
# 17. spawn_link / spawn_monitor are atomic


async def _crash_at_once():
    raise ArithmeticError("at once")


def _plain_crash():
    raise LookupError("plain")


@pytest.mark.parametrize("fn", [_crash_at_once, _plain_crash], ids=["async", "plain"])
def test_spawn_link_of_instant_crash_gives_real_reason(run_on, fn):
    """spawn_link of a child that dies at once still delivers its EXIT with the real reason (item 17)."""
    async def main():
        trap_exit(True)
        c = spawn_link(fn)
        return c, await wait_exit(c)

    c, msg = run_on(main)
    assert msg.pid == c and isinstance(msg.reason, (ArithmeticError, LookupError))
    assert msg.reason != "noproc"


@pytest.mark.parametrize("fn", [_crash_at_once, _plain_crash], ids=["async", "plain"])
def test_spawn_monitor_of_instant_crash_gives_real_reason(run_on, fn):
    """spawn_monitor of a child that dies at once delivers DOWN with the real reason (item 17)."""
    async def main():
        c, ref = spawn_monitor(fn)
        return c, ref, await wait_down(ref)

    c, ref, down = run_on(main)
    assert down.ref == ref and down.pid == c
    assert isinstance(down.reason, (ArithmeticError, LookupError))


def test_spawn_link_of_plain_normal_function(run_on):
    """spawn_link of a plain function that returns gives a trapping parent Exit(child, normal) (item 17)."""
    async def main():
        trap_exit(True)
        c = spawn_link(lambda: 1)
        return c, await wait_exit(c)

    c, msg = run_on(main)
    assert msg == Exit(c, "normal")


# ---------------------------------------------------------------------------
# 18. trap_exit returns the old flag; the flag is read when each signal arrives


def test_trap_exit_returns_old_value(run_on):
    """trap_exit(flag) returns the previous flag (item 18)."""
    async def main():
        return trap_exit(True), trap_exit(True), trap_exit(False), trap_exit(False)

    assert run_on(main) == (False, True, True, False)


def test_trap_flag_is_read_when_each_signal_arrives(run_on):
    """A signal becomes a message while trapping; after trap_exit(False) the next one kills (item 18)."""
    async def watcher(parent):
        trap_exit(True)
        a = spawn_link(die_on, "first")
        b = spawn_link(die_on, "second")
        send(a, "go")
        got = await wait_exit(a)
        send(parent, ("got", got))
        trap_exit(False)
        send(b, "go")
        await idle()

    async def main():
        w, ref = spawn_monitor(watcher, self())
        _, got = await receive(("got", ANY))
        return got.reason, (await wait_down(ref)).reason

    assert run_on(main) == ("first", "second")


def test_trapping_turned_on_later_applies_to_later_signals(run_on):
    """Turning trapping on after linking makes the next signal a message (item 18)."""
    async def main():
        c = spawn_link(die_on, "boom")
        trap_exit(True)
        send(c, "go")
        return c, await wait_exit(c)

    c, msg = run_on(main)
    assert msg == Exit(c, "boom")


# ---------------------------------------------------------------------------
# 19. the name is free when the EXIT/DOWN arrives


async def _named_dier(name, parent):
    register(name, self())
    send(parent, "registered")
    await receive("go")
    exit("boom")


def test_name_is_free_when_down_arrives(run_on):
    """When a monitor's DOWN arrives, the dead process's name is already free (item 19)."""
    async def main():
        p, ref = spawn_monitor(_named_dier, "svc", self())
        await receive("registered")
        send("svc", "go")
        await wait_down(ref)
        return whereis("svc"), register("svc", self()), whereis("svc") == self()

    assert run_on(main) == (None, True, True)


def test_name_is_free_when_exit_arrives(run_on):
    """When a trapped EXIT arrives, the dead process's name is already free (item 19)."""
    async def main():
        trap_exit(True)
        p = spawn_link(_named_dier, "svc", self())
        await receive("registered")
        send("svc", "go")
        await wait_exit(p)
        return whereis("svc"), "svc" in labrt.registered()

    assert run_on(main) == (None, False)


def test_trace_name_freed_before_signals(kernel):
    """The trace shows the name gone before any EXIT or DOWN is sent (item 19)."""
    if kernel != "sim":
        pytest.skip("exact trace order is asserted on the simulated kernel")

    async def main():
        trap_exit(True)
        p = spawn_link(_named_dier, "svc", self())
        monitor(p)
        await receive("registered")
        send("svc", "go")
        await receive(Exit)

    rt = labrt.Runtime(kernel="sim", reports=None)
    rt.spawn(main)
    rt.run()
    dier = rt.trace.filter(kind="register")[0].pid
    exit_at = [i for i, e in enumerate(rt.trace) if e.kind == "exit" and e.pid == dier]
    signals = [i for i, e in enumerate(rt.trace) if e.pid == dier and (
        e.kind == "exit_signal" or (e.kind == "send" and isinstance(e.data, (Exit, Down))))]
    assert len(exit_at) == 1 and len(signals) >= 2      # the EXIT to main and the DOWN
    assert all(i > exit_at[0] for i in signals)
    assert rt.whereis("svc") is None


# ---------------------------------------------------------------------------
# 20. messages sent before death arrive before the EXIT / DOWN


def test_last_message_arrives_before_exit_and_down(run_on, kernel):
    """A message sent before dying arrives before that process's EXIT and DOWN (item 20)."""
    async def sender(to):
        await receive("go")
        send(to, "last words")
        raise RuntimeError("then crash")

    async def main():
        trap_exit(True)
        s = spawn_link(sender, self())
        monitor(s)
        send(s, "go")
        return s, [await receive() for _ in range(3)]

    s, msgs = run_on(main)
    assert msgs[0] == "last words"
    kinds = {type(m) for m in msgs[1:]}
    assert kinds == {Exit, Down}


def test_message_before_exit2_signal(run_on):
    """A message sent before exit(pid, R) arrives before the trapped Exit (item 20)."""
    async def main():
        t = await start_trapper()
        send(t, "hello")
        exit(t, "bye")
        return self(), [await got_from(t), await got_from(t)]

    me, got = run_on(main)
    assert got == ["hello", Exit(me, "bye")]


def test_no_message_after_down_when_spawn_link_kills_caller(run_on):
    """Nothing a process sends arrives after its DOWN, even if its spawn_link child crashed at once (items 20, 21)."""
    async def parent(obs):
        spawn_link(_plain_crash)                  # the child's crash kills us
        send(obs, "after")                        # (Erlang may still run this line)
        await idle()

    async def main():
        p, ref = spawn_monitor(parent, self())
        before = []
        while not isinstance(m := await receive(), Down):
            before.append(m)                      # allowed: sent before the DOWN
        await settle()
        return m.ref == ref, isinstance(m.reason, LookupError), await drain()

    assert run_on(main) == (True, True, [])


# ---------------------------------------------------------------------------
# 21. an exiting process runs no more code; is_alive sees earlier signals


def test_killed_while_runnable_runs_no_more_code(run_on):
    """A process woken by a message and killed before it runs executes nothing more (item 21)."""
    ran = []

    async def sleeper():
        m = await receive()
        ran.append(m)

    async def main():
        s, ref = spawn_monitor(sleeper)
        await settle()                               # s is waiting in receive
        send(s, "wake up")
        exit(s, "kill")
        reason = (await wait_down(ref)).reason
        await settle()
        return reason

    assert run_on(main) == "killed"
    assert ran == []


def test_killed_by_link_while_waiting_runs_no_more_code(run_on):
    """A non-trapping process killed by a link signal never resumes its receive (item 21)."""
    ran = []

    async def waiter():
        c = spawn_link(die_on, "boom")
        send(c, "go")
        await receive("never sent")
        ran.append("resumed")

    async def main():
        w, ref = spawn_monitor(waiter)
        reason = (await wait_down(ref)).reason
        await settle()
        return reason

    assert run_on(main) == "boom"
    assert ran == []


def test_is_alive_sees_signals_sent_before(run_on):
    """is_alive right after exit/2 reflects that signal: dead, or alive if trapping (item 21)."""
    async def main():
        a = spawn(idle)
        b = spawn(idle)
        t = await start_trapper()
        exit(a, "kill")
        exit(b, "boom")
        exit(t, "boom")
        return is_alive(a), is_alive(b), is_alive(t)

    assert run_on(main) == (False, False, True)


def test_caller_killed_in_spawn_link_runs_no_more_code(run_on):
    """Code after spawn_link runs only while the caller is still alive (item 21)."""
    ran = []

    async def parent():
        spawn_link(_plain_crash)
        ran.append(is_alive(self()))              # Erlang may run this, but alive
        await idle()

    async def main():
        p, ref = spawn_monitor(parent)
        reason = (await wait_down(ref)).reason
        await settle()
        return reason

    assert isinstance(run_on(main), LookupError)
    assert all(ran)


# ---------------------------------------------------------------------------
# Matrix 1: trap_exit x how the peer ends x link/monitor -> what the watcher sees
#
# Recorders (``errs``, ``seen``) reach the processes through closures: spawn
# copies its arguments between processes, as Erlang does.

HOW = ["normal", "string", "tuple", "exception", "exit2_kill", "kill_via_link"]


async def _killer():
    await receive("go")
    exit("kill")


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("rel", ["link", "monitor"])
@pytest.mark.parametrize("trap", [False, True], ids=["plain", "trapping"])
def test_matrix_peer_death(run_on, trap, rel, how):
    """Matrix (items 2-7, 22): what a (trapping) linked/monitoring process sees when its peer ends."""
    errs, seen = [], []

    async def target():
        k = spawn_link(_killer) if how == "kill_via_link" else None
        await receive("go")
        if how == "normal":
            return
        if how == "string":
            exit("boom")
        if how == "tuple":
            exit(("shutdown", "x"))
        if how == "exception":
            err = ValueError("bad")
            errs.append(err)
            raise err
        if how == "kill_via_link":
            send(k, "go")                   # k dies with kill; we die with kill too
        await idle()

    async def watcher(main):
        trap_exit(trap)
        t = spawn(target)
        if rel == "link":
            link(t)
        else:
            monitor(t)
        send(main, ("target", t))
        if rel == "monitor" or trap:
            seen.append(await receive(Exit, Down))
        else:
            await receive("check")
            seen.append("survived")

    async def main():
        w, wref = spawn_monitor(watcher, self())
        _, t = await receive(("target", Pid))
        tref = monitor(t)
        if how == "exit2_kill":
            exit(t, "kill")
        else:
            send(t, "go")
        tdown = await wait_down(tref)
        send(w, "check")
        wdown = await wait_down(wref)
        return t, tdown.reason, wdown.reason

    t, treason, wreason = run_on(main)
    expected = {"normal": "normal", "string": "boom", "tuple": ("shutdown", "x"),
                "exception": errs[0] if errs else None, "exit2_kill": "killed",
                "kill_via_link": "kill"}[how]
    same = (lambda a: a is expected) if how == "exception" else (lambda a: a == expected)
    assert same(treason)
    if rel == "monitor":
        assert len(seen) == 1 and isinstance(seen[0], Down)
        assert seen[0].pid == t and same(seen[0].reason)
        assert wreason == "normal"
    elif trap:
        assert seen == [Exit(t, expected)] and same(seen[0].reason)
        assert wreason == "normal"
    elif how == "normal":
        assert seen == ["survived"] and wreason == "normal"
    else:
        assert seen == [] and same(wreason)


# ---------------------------------------------------------------------------
# Matrix 2: trap_exit x reason x who sends exit/2 (another process, or itself)

REASONS = {"normal": "normal", "string": "boom", "tuple": ("shutdown", 1),
           "exception": OSError("io"), "kill": "kill"}


@pytest.mark.parametrize("name", list(REASONS))
@pytest.mark.parametrize("from_self", [False, True], ids=["other", "self"])
@pytest.mark.parametrize("trap", [False, True], ids=["plain", "trapping"])
def test_matrix_exit2(run_on, trap, from_self, name):
    """Matrix (items 6, 8, 9, 10): what exit(pid, R) does to a (trapping) target."""
    reason = REASONS[name]
    seen = []

    async def target(main):
        trap_exit(trap)
        if from_self:
            exit(self(), reason)
            seen.append("continued")
        else:
            send(main, ("ready", self()))
            await receive("check")
            seen.append("continued")
        seen.append(await receive(timeout=0))

    async def main():
        t, ref = spawn_monitor(target, self())
        if not from_self:
            await receive(("ready", t))
            exit(t, reason)
            send(t, "check")
        return self(), t, (await wait_down(ref)).reason

    me, t, treason = run_on(main)
    sender = t if from_self else me
    if name == "kill":
        assert treason == "killed" and seen == []
    elif trap:
        assert seen == ["continued", Exit(sender, reason)]
        assert seen[1].reason is reason
        assert treason == "normal"
    elif name == "normal" and not from_self:
        assert seen == ["continued", TIMEOUT] and treason == "normal"
    else:
        assert seen == []
        assert treason is reason
