"""Messages, receive and registered names: checklist items 29-38 of otp-semantics.md.

Every test runs on the simulated kernel and on trio (``run_on``).  Exact
times and interleavings are asserted only when ``kernel == "sim"``; on trio
the same tests check per-sender order, sets and bounds.
"""
import math

import pytest

import labrt
from labrt import (
    ANY, TIMEOUT, BadArg, BadTimeout, Down, Exit, Pid, Timeout, exit, is_alive, monitor,
    now, process_info, receive, register, registered, self, send, send_after,
    sleep, spawn, spawn_monitor, unregister, whereis,
)

from _semantics import drain, wait_down, idle, dead_pid

NODE = "nonode@nohost"


async def echo():
    """Reply to (from, x) with x, forever."""
    while True:
        frm, x = await receive((Pid, ANY))
        send(frm, x)


# ---------------------------------------------------------------------------
# 29. send is asynchronous, returns the message, never fails for pids


def test_send_returns_the_message(run_on):
    """send returns the message: the same object for immutable values, an equal one otherwise (item 29)."""
    msg = ("hello", 1, ("nested", 2.5))

    async def main():
        t = spawn(idle)
        return send(t, msg), send(t, [1, {"a": 2}])

    same, lst = run_on(main)
    assert same is msg and lst == [1, {"a": 2}]


def test_send_to_dead_pid_does_not_fail(run_on):
    """Sending to a dead pid returns the message and nothing happens (item 29)."""
    async def main():
        d = await dead_pid()
        return send(d, "into the void"), is_alive(self())

    assert run_on(main) == ("into the void", True)


def test_send_to_name_node_tuple_never_fails(run_on):
    """send((name, node), m) does not fail even if the name is free, and delivers if not (item 29)."""
    async def main():
        r1 = send(("nobody", NODE), "lost")
        r2 = send(("nobody", "other@host"), "lost too")
        register("me", self())
        send(("me", NODE), "found")
        return r1, r2, await drain()

    assert run_on(main) == ("lost", "lost too", ["found"])


def test_send_is_asynchronous(run_on):
    """send does not wait for the receiver to take the message (item 29)."""
    async def main():
        t = spawn(idle)
        for i in range(100):
            send(t, i)                        # nobody receives: still no blocking
        return len(process_info(t).mailbox)

    assert run_on(main) == 100


# ---------------------------------------------------------------------------
# 30. the only failing send: an unregistered name


def test_send_to_unregistered_name_is_badarg(run_on):
    """send("name", m) for a free name raises BadArg (item 30)."""
    async def main():
        try:
            send("nobody", "hi")
        except BadArg as e:
            return "badarg", "nobody" in str(e)
        return "sent"

    assert run_on(main) == ("badarg", True)


def test_send_to_registered_name_delivers(run_on):
    """send("name", m) reaches the process registered under that name (item 30)."""
    async def main():
        e = spawn(echo)
        register("echo", e)
        send("echo", (self(), "ping"))
        return await receive()

    assert run_on(main) == "ping"


def test_send_to_name_after_owner_died_is_badarg(run_on):
    """Once the owner of a name died, sending to the name raises BadArg (items 30, 37)."""
    async def main():
        e, ref = spawn_monitor(echo)
        register("echo", e)
        exit(e, "kill")
        await wait_down(ref)
        try:
            send("echo", "x")
        except BadArg:
            return "badarg"

    assert run_on(main) == "badarg"


@pytest.mark.parametrize("bad", [42, None, 3.5, ["list"]])
def test_send_to_non_destination_is_badarg(run_on, bad):
    """send to something that is not a pid or a name raises BadArg (item 30)."""
    async def main():
        try:
            send(bad, "x")
        except BadArg:
            return "badarg"

    assert run_on(main) == "badarg"


# ---------------------------------------------------------------------------
# 31. per-pair ordering


async def burst(to, tag, n, gap):
    for i in range(n):
        send(to, (tag, i))
        if gap:
            await sleep(gap)


def test_per_pair_order_with_interleaved_senders(run_on, kernel):
    """Each sender's messages arrive in send order, whatever the interleaving (item 31)."""
    async def main():
        me = self()
        for tag, gap in (("a", 0.001), ("b", 0.0015), ("c", 0)):
            spawn(burst, me, tag, 20, gap)
        return [await receive() for _ in range(60)]

    got = run_on(main)
    for tag in "abc":
        assert [i for t, i in got if t == tag] == list(range(20))
    if kernel == "sim":
        # FIFO scheduling: c (no gap) and the first sends of a and b come first.
        assert got[:3] == [("a", 0), ("b", 0), ("c", 0)]


def test_exact_interleaving_on_sim(kernel):
    """On the simulated kernel, senders at equal virtual times run in spawn order (item 31)."""
    if kernel != "sim":
        pytest.skip("exact interleaving is defined on the simulated kernel only")

    async def main():
        me = self()
        spawn(burst, me, "a", 3, 1.0)
        spawn(burst, me, "b", 3, 1.0)
        return [await receive() for _ in range(6)]

    assert labrt.run(main, reports=None) == [
        ("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2)]


def test_per_pair_order_through_relays(run_on):
    """Order holds per pair: a relay preserves what it got from one sender (item 31)."""
    async def relay(to):
        while True:
            send(to, await receive())

    async def main():
        r = spawn(relay, self())
        for i in range(50):
            send(r, i)
        return [await receive() for _ in range(50)]

    assert run_on(main) == list(range(50))


# ---------------------------------------------------------------------------
# 32. selective receive


def test_selective_receive_takes_oldest_match(run_on):
    """receive takes the oldest matching message and leaves the rest in order (item 32)."""
    async def main():
        for m in ["a", ("x", 1), "b", ("x", 2), "c"]:
            send(self(), m)
        first = await receive(("x", ANY))
        return first, list(process_info(self()).mailbox)

    assert run_on(main) == (("x", 1), ["a", "b", ("x", 2), "c"])


def test_first_message_matching_any_clause(run_on):
    """With several clauses, the oldest message matching any clause wins, not the first clause (item 32)."""
    async def main():
        for m in ["junk", "b", "a"]:
            send(self(), m)
        return await receive("a", "b"), await drain()

    assert run_on(main) == ("b", ["junk", "a"])


def test_receive_clause_kinds(run_on):
    """Classes, predicates, nested patterns with classes and ANY all select messages (item 32)."""
    async def main():
        for m in ["s", 1, ("pair", 2, "x"), 3.5, ("pair", "no", "x"), [9]]:
            send(self(), m)
        got = [
            await receive(float),                          # by class
            await receive(lambda m: m == [9]),             # by predicate
            await receive(("pair", int, ANY)),             # class inside a pattern
            await receive(1),                              # by value
        ]
        return got, await drain()

    got, rest = run_on(main)
    assert got == [3.5, [9], ("pair", 2, "x"), 1]
    assert rest == ["s", ("pair", "no", "x")]


def test_receive_waits_for_a_match_keeping_others(run_on):
    """A waiting selective receive skips unmatched arrivals and keeps them in order (item 32)."""
    async def sender(to):
        for m in ["n1", "n2", "wanted", "n3"]:
            send(to, m)
            await sleep(0.001)

    async def main():
        spawn(sender, self())
        got = await receive("wanted")
        await receive("n3")
        send(self(), "end")
        return got, await drain()

    assert run_on(main) == ("wanted", ["n1", "n2", "end"])


def test_tuple_pattern_does_not_match_list_or_other_length(run_on):
    """A tuple pattern matches only tuples of the same length (item 32)."""
    async def main():
        for m in [["t", 1], ("t", 1, 2), ("t",), ("t", 1)]:
            send(self(), m)
        return await receive(("t", ANY)), len(await drain())

    assert run_on(main) == (("t", 1), 3)


# ---------------------------------------------------------------------------
# 33. receive ... after 0


def test_timeout_zero_does_not_block(run_on, kernel):
    """receive(timeout=0) on an empty mailbox returns TIMEOUT at once (item 33)."""
    async def main():
        t0 = now()
        r = await receive(timeout=0)
        return r, now() - t0

    r, dt = run_on(main)
    assert r is TIMEOUT and isinstance(r, Timeout)
    assert dt == 0.0 if kernel == "sim" else dt < 0.05


def test_timeout_zero_finds_queued_match(run_on):
    """receive(pattern, timeout=0) returns a matching message that is already there (item 33)."""
    async def main():
        send(self(), "other")
        send(self(), "it")
        return await receive("it", timeout=0), await receive("it", timeout=0)

    assert run_on(main) == ("it", TIMEOUT)


def test_timeout_zero_does_not_wait_for_later_message(run_on):
    """receive(timeout=0) does not wait for a message that arrives later (item 33)."""
    async def main():
        send_after(0.01, self(), "late")
        first = await receive(timeout=0)
        return first, await receive()

    assert run_on(main) == (TIMEOUT, "late")


# ---------------------------------------------------------------------------
# 34. receive ... after T


def test_timeout_fires_after_t_seconds(run_on, kernel):
    """receive(timeout=T) returns TIMEOUT T seconds after it was entered (item 34)."""
    async def main():
        await sleep(0.02)
        t0 = now()
        r = await receive("never", timeout=0.03)
        return t0, r, now()

    t0, r, t1 = run_on(main)
    assert r is TIMEOUT
    if kernel == "sim":
        assert (t0, t1) == (0.02, 0.05)
    else:
        assert 0.029 <= t1 - t0 < 0.5


def test_unmatched_arrivals_do_not_reset_the_timer(run_on, kernel):
    """Messages that do not match do not restart a receive's timeout (item 34)."""
    async def junk(to, n):
        for _ in range(n):
            send(to, "junk")
            await sleep(0.01)

    async def main():
        spawn(junk, self(), 50)                  # junk every 10 ms for 0.5 s
        t0 = now()
        r = await receive("wanted", timeout=0.05)
        return r, now() - t0, len(process_info(self()).mailbox)

    r, dt, queued = run_on(main)
    assert r is TIMEOUT and queued >= 2
    if kernel == "sim":
        assert dt == 0.05
    else:
        assert 0.049 <= dt < 0.4


def test_message_before_timeout_wins(run_on):
    """A matching message arriving before the deadline is returned, not TIMEOUT (item 34)."""
    async def main():
        send_after(0.01, self(), "soon")
        return await receive("soon", timeout=1.0)

    assert run_on(main) == "soon"


def test_timeout_none_waits_forever(kernel):
    """timeout=None waits for ever: with nothing else to do, that is a Deadlock (item 34)."""
    async def main():
        return await receive(timeout=None)

    with pytest.raises(labrt.Deadlock):
        labrt.run(main, kernel=kernel, reports=None)


@pytest.mark.parametrize("bad", [-1, -0.001, "1", True, float("nan"), [1]])
def test_invalid_timeout_raises_badtimeout(run_on, bad):
    """A negative or non-numeric timeout raises BadTimeout, a BadArg (item 34)."""
    async def main():
        try:
            await receive("never", timeout=bad)
        except BadTimeout as e:
            return isinstance(e, BadArg)
        return "accepted"

    assert run_on(main) is True


def test_invalid_timeout_in_sleep_and_send_after(run_on):
    """sleep and send_after reject negative times with BadTimeout too (item 34)."""
    async def main():
        out = []
        for call in (lambda: sleep(-1), lambda: send_after(-1, self(), "x")):
            try:
                c = call()
                if hasattr(c, "__await__") or hasattr(c, "send"):
                    await c
            except BadTimeout:
                out.append("badtimeout")
        return out

    assert run_on(main) == ["badtimeout", "badtimeout"]


def test_infinite_float_timeout_means_infinity(kernel):
    """receive(timeout=math.inf) is Erlang's infinity: it never times out (here: Deadlock) (item 34)."""
    async def main():
        return await receive(timeout=math.inf)

    with pytest.raises(labrt.Deadlock):
        labrt.run(main, kernel=kernel, reports=None)


def test_timeout_above_erlang_maximum_is_badtimeout(run_on):
    """A timeout above 4294967.295 s raises BadTimeout, as Erlang's timeout_value (item 34)."""
    async def main():
        try:
            await receive("never", timeout=4294967.296)
        except BadTimeout:
            return "badtimeout"
        return "accepted"

    assert run_on(main) == "badtimeout"


def test_timeout_at_erlang_maximum_is_accepted(kernel):
    """The largest Erlang timeout, 4294967295 ms, is accepted and fires then (item 34)."""
    if kernel != "sim":
        pytest.skip("waiting 49.7 days is only practical on simulated time")

    async def main():
        r = await receive("never", timeout=4294967.295)
        return r, now()

    assert labrt.run(main, reports=None) == (TIMEOUT, 4294967.295)


# ---------------------------------------------------------------------------
# 35. register


def test_register_returns_true(run_on):
    """register(name, pid) returns True and whereis finds the pid (item 35)."""
    async def main():
        t = spawn(idle)
        return register("worker", t), whereis("worker") == t

    assert run_on(main) == (True, True)


@pytest.mark.parametrize("case", ["not a string", "undefined", "taken", "already named",
                                  "dead pid", "not a pid"])
def test_register_errors_are_badarg(run_on, case):
    """register raises BadArg for a bad name, a taken name, a named or dead or non-pid target (item 35)."""
    async def main():
        t = spawn(idle)
        register("taken", spawn(idle))
        d = await dead_pid()
        name, target = {
            "not a string": (42, t),
            "undefined": ("undefined", t),
            "taken": ("taken", t),
            "already named": ("other", whereis("taken")),
            "dead pid": ("fresh", d),
            "not a pid": ("fresh", "taken"),
        }[case]
        try:
            register(name, target)
        except BadArg:
            return "badarg", sorted(registered())
        return "registered"

    assert run_on(main) == ("badarg", ["taken"])


# ---------------------------------------------------------------------------
# 36. whereis / registered / unregister


def test_whereis_registered_unregister(run_on):
    """whereis gives a pid or None; registered lists names; unregister returns True (item 36)."""
    async def main():
        a, b = spawn(idle), spawn(idle)
        register("a", a)
        register("b", b)
        before = sorted(registered()), whereis("a") == a, whereis("nobody")
        r = unregister("a")
        return before, r, whereis("a"), registered(), process_info(a).name, process_info(b).name

    before, r, wa, regs, aname, bname = run_on(main)
    assert before == (["a", "b"], True, None)
    assert r is True and wa is None and regs == ["b"]
    assert aname is None and bname == "b"


def test_unregister_unknown_name_is_badarg(run_on):
    """unregister of a name that is not registered raises BadArg (item 36)."""
    async def main():
        out = []
        register("once", self())
        unregister("once")
        for name in ("once", "never", 42):
            try:
                unregister(name)
            except BadArg:
                out.append("badarg")
        return out

    assert run_on(main) == ["badarg"] * 3


def test_name_can_be_reused_after_unregister(run_on):
    """After unregister the name and the process are free to register again (item 36)."""
    async def main():
        t = spawn(idle)
        register("n", t)
        unregister("n")
        return register("n", self()), register("m", t)

    assert run_on(main) == (True, True)


# ---------------------------------------------------------------------------
# 37. names are removed when their process dies


@pytest.mark.parametrize("how", ["normal", "crash", "kill"])
def test_name_unregistered_on_death(run_on, how):
    """A registered name disappears when its process ends, however it ends (item 37)."""
    async def owner(parent):
        register("svc", self())
        send(parent, "up")
        await receive("go")
        if how == "crash":
            raise RuntimeError("x")

    async def main():
        o, ref = spawn_monitor(owner, self())
        await receive("up")
        during = whereis("svc") == o
        if how == "kill":
            exit(o, "kill")
        else:
            send(o, "go")
        await wait_down(ref)
        return during, whereis("svc"), registered()

    assert run_on(main) == (True, None, [])


# ---------------------------------------------------------------------------
# 38. dead processes: is_alive false, process_info None


def test_dead_process_is_not_alive_and_has_no_info(run_on):
    """is_alive(dead) is False and process_info(dead) is None (item 38)."""
    async def main():
        t = spawn(idle)
        alive = is_alive(t), process_info(t) is not None
        d = await dead_pid()
        return alive, is_alive(d), process_info(d)

    assert run_on(main) == ((True, True), False, None)


def test_process_info_of_live_process(run_on):
    """process_info describes a live process: name, status, mailbox, links, trap flag (item 38)."""
    async def main():
        t = spawn(idle)
        register("t", t)
        send(t, "queued")
        labrt.link(t)
        labrt.trap_exit(True)
        return t, process_info(t), process_info(self())

    t, info, mine = run_on(main)
    assert info.pid == t and info.name == "t"
    assert info.mailbox == ("queued",)
    assert info.status in ("runnable", "waiting")
    assert info.trap_exit is False and mine.trap_exit is True
    assert mine.links == (t,) and info.links == (mine.pid,)
