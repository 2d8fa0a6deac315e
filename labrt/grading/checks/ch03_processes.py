"""Checks for exercises/ch03-processes.ipynb: ping-pong, a ring, a counter.

Each public case calls a *scenario* function with concrete parameters; the
hidden cases (instructor/hidden/ch03_processes.py) call the same scenarios
with other parameters, seeds and edge cases.
"""
from __future__ import annotations

from labrt import TIMEOUT, receive, self, send, sleep
from labrt.trace import show

from ..core import Fail, Task, Trial, describe_reason, public

NOTEBOOK = "ch03-processes"

PING_PONG = Task(NOTEBOOK, 1, "ping_pong", "a ping-pong pair",
                 defines=("pong", "ping"), hidden_points=3)
RING = Task(NOTEBOOK, 2, "ring", "a ring of processes", defines=("ring",), hidden_points=4)
COUNTER = Task(NOTEBOOK, 3, "counter", "a counter with selective receive and timeouts",
               defines=("counter",), hidden_points=3)

REPLY_WAIT = 1.0   # virtual seconds a tester waits for each reply


def _replies(got) -> str:
    return ", ".join("no reply within 1 s" if r is TIMEOUT else show(r) for r in got) or "none"


# ---------------------------------------------------------------------------
# Task 1: ping-pong

def pong_scenario(t: Trial, pings: int, seed=None) -> None:
    """A tester sends ``pings`` numbered pings to pong, one at a time, then "stop"."""
    pong = t.need("pong")
    rt = t.runtime(seed)
    p = rt.spawn(pong)

    async def tester(partner, n):
        got = []
        for k in range(1, n + 1):
            send(partner, ("ping", self(), k))
            got.append(await receive(timeout=REPLY_WAIT))
        send(partner, "stop")
        return got

    tp = rt.spawn(tester, p, pings)
    t.run(rt)
    got = rt.result(tp) if tp in rt.finished else []
    want = [("pong", k) for k in range(1, pings + 1)]
    if got != want:
        first = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), 0)
        raise Fail(f"pong answers ('ping', sender, {first + 1}) with {show(want[first])}, sent to sender",
                   f"answers: {_replies(got)}",
                   "reply to the pid that came in the message, with the number it carried",
                   diagram=rt)
    if p not in rt.finished:
        raise Fail("pong returns when it receives 'stop'",
                   f"pong ({p}) is still waiting after 'stop'",
                   "add a case for the message 'stop' that returns from the loop",
                   diagram=rt)
    reason, value = rt.finished[p]
    if reason != "normal":
        raise Fail("pong ends normally after 'stop'", f"it ended with {describe_reason(reason)}",
                   diagram=rt)
    if value != pings:
        raise Fail(f"pong returns the number of pings it answered ({pings})",
                   f"it returned {show(value)}", "count the pings as you answer them")


def ping_scenario(t: Trial, n: int, seed=None) -> None:
    """ping(n) spawns one pong and plays n strict rounds, then stops it."""
    ping = t.need("ping")
    t.need("pong")
    play = t.play(ping, n, seed=seed)
    got = play.result()
    if got != list(range(1, n + 1)):
        raise Fail(f"ping({n}) returns {list(range(1, n + 1))}",
                   f"it returned {show(got)}",
                   "collect the number carried by each ('pong', k) in the order they came",
                   diagram=play.rt)
    kids = play.spawned()
    if len(kids) != 1:
        raise Fail(f"ping({n}) spawns one pong process", f"it spawned {len(kids)}",
                   diagram=play.rt)
    partner = kids[0]
    # The rounds must be strict: ping k+1 is sent only after pong k arrived.
    steps = []
    for e in play.trace:
        if e.kind == "send" and e.pid == play.pid and e.other == partner:
            steps.append(("sent", e.data))
        elif e.kind == "receive" and e.pid == play.pid:
            steps.append(("got", e.data))
    want = []
    for k in range(1, n + 1):
        want += [("sent", ("ping", play.pid, k)), ("got", ("pong", k))]
    want.append(("sent", "stop"))
    if steps != want:
        i = next((i for i, (a, b) in enumerate(zip(steps, want)) if a != b), min(len(steps), len(want)))
        seen = f"{steps[i][0]} {show(steps[i][1])}" if i < len(steps) else "nothing more"
        raise Fail(f"step {i + 1} of ping: {want[i][0]} {show(want[i][1])}"
                   if i < len(want) else f"ping does nothing after sending 'stop'",
                   f"step {i + 1} was: {seen}",
                   "send one ping, wait for its pong with receive, then send the next; "
                   "send 'stop' at the end",
                   diagram=play.rt)
    if partner in play.alive():
        raise Fail("the pong process ends after 'stop'", f"{partner} is still alive",
                   diagram=play.rt)


@public(PING_PONG, points=2, title="pong answers three pings, then stops")
def _pong_three(t):
    pong_scenario(t, 3)


@public(PING_PONG, points=2, title="ping(3) plays three strict rounds")
def _ping_three(t):
    ping_scenario(t, 3)


# ---------------------------------------------------------------------------
# Task 2: a ring

def ring_scenario(t: Trial, n: int, laps: int, seed=None) -> None:
    ring = t.need("ring")
    play = t.play(ring, n, laps, seed=seed)
    total = n * laps
    result = play.result(hint="the member holding the token after the last lap should tell "
                              "ring, which is waiting for that message")
    members = play.spawned()
    small = dict(max_events=80)
    if len(members) != n:
        raise Fail(f"ring({n}, {laps}) spawns {n} member processes",
                   f"it spawned {len(members)}", diagram=(play.rt, small))
    inside = set(members)
    passes = [e for e in play.trace if e.kind == "send" and e.pid in inside
              and e.other in inside and isinstance(e.data, tuple) and e.data[:1] == ("token",)]
    if len(passes) != total:
        off = len(passes) - total
        how = (" (one pass short)" if off == -1 else " (one pass too many)" if off == 1
               else f" ({abs(off)} passes {'short' if off < 0 else 'too many'})")
        raise Fail(f"the token is passed {total} times between members "
                   f"({laps} lap{'s' if laps != 1 else ''} of {n} passes)",
                   f"it was passed {len(passes)} times{how}",
                   "count passes, not laps, and check where you stop: after the last pass "
                   "the member holding the token reports instead of passing it on",
                   diagram=(play.rt, small))
    first = next((e.other for e in play.trace if e.kind == "send" and e.pid == play.pid
                  and e.other in inside and e.data == ("token", 0)), None)
    if first is None:
        raise Fail("ring starts the token by sending ('token', 0) to a member",
                   "no member received ('token', 0) from ring", diagram=(play.rt, small))
    holder = first
    order = []
    for i, e in enumerate(passes, start=1):
        if e.data != ("token", i):
            raise Fail(f"pass {i} carries ('token', {i})", f"it carried {show(e.data)}",
                       "each member adds one to the count before passing it on",
                       diagram=(play.rt, small))
        if e.pid != holder:
            raise Fail(f"pass {i} is made by {holder}, the member that holds the token",
                       f"it was made by {e.pid}", diagram=(play.rt, small))
        order.append(e.other)
        holder = e.other
    if len(set(order[:n])) != n or any(order[i] != order[i - n] for i in range(n, len(order))):
        raise Fail("the token visits every member once per lap, always in the same order",
                   f"members in the order they got it: {', '.join(map(str, order[:2 * n]))}"
                   + (" ..." if len(order) > 2 * n else ""),
                   "give each member one successor, fixed when the ring is built; the "
                   "last member's successor is the first",
                   diagram=(play.rt, small))
    if result != total:
        raise Fail(f"ring({n}, {laps}) returns {total}, the count on the token",
                   f"it returned {show(result)}", diagram=(play.rt, small))
    alive = [m for m in members if m in play.alive()]
    if alive:
        raise Fail("every member ends when the token has finished its laps",
                   f"{len(alive)} member(s) still alive after ring returned: "
                   + ", ".join(map(str, alive[:5])),
                   "tell each member to stop (or let the stop travel round the ring)",
                   diagram=(play.rt, small))
    exits = play.exits()
    bad = [(m, exits[m]) for m in members if exits.get(m) != "normal"]
    if bad:
        m, reason = bad[0]
        raise Fail("every member ends normally", f"{m} ended with {describe_reason(reason)}",
                   diagram=(play.rt, small))


@public(RING, points=2, title="ring(3, 1): three members, one lap")
def _ring_3_1(t):
    ring_scenario(t, 3, 1)


@public(RING, points=3, title="ring(5, 3): five members, three laps")
def _ring_5_3(t):
    ring_scenario(t, 5, 3)


# ---------------------------------------------------------------------------
# Task 3: a counter

def counter_conversation(t: Trial, idle: float = 5.0, seed=None, adds=(2, 3, 10)) -> None:
    counter = t.need("counter")
    rt = t.runtime(seed)
    c = rt.spawn(counter, idle)

    async def tester(c):
        got = []
        for a in adds[:-1]:
            send(c, ("add", a))
        send(c, ("get", self()))
        got.append(await receive(timeout=REPLY_WAIT))
        send(c, ("add", adds[-1]))
        send(c, ("get", self()))
        got.append(await receive(timeout=REPLY_WAIT))
        send(c, "stop")
        return got

    tp = rt.spawn(tester, c)
    t.run(rt)
    got = rt.result(tp) if tp in rt.finished else []
    want = [("count", sum(adds[:-1])), ("count", sum(adds))]
    if got != want:
        raise Fail(f"after adds of {', '.join(map(str, adds[:-1]))} a get is answered "
                   f"{show(want[0])}; after one more add of {adds[-1]}, {show(want[1])}",
                   f"answers: {_replies(got)}",
                   "reply to the pid in the ('get', pid) message with ('count', value)",
                   diagram=rt)
    _ended(t, rt, c, sum(adds), "after 'stop'")


def _ended(t, rt, c, value, when):
    if c not in rt.finished:
        raise Fail(f"counter returns {value} {when}",
                   f"it is still running at t={rt.now:g}", diagram=rt)
    reason, got = rt.finished[c]
    if reason != "normal":
        raise Fail(f"counter returns {value} {when}", f"it ended with {describe_reason(reason)}",
                   diagram=rt)
    if got != value:
        raise Fail(f"counter returns {value} {when}", f"it returned {show(got)}", diagram=rt)


def counter_priority(t: Trial, before, after=(("add", 3),), idle: float = 5.0, seed=None) -> None:
    """Messages ``before`` then "stop" then ``after`` wait in the mailbox when
    the counter starts: it must stop at once, with its initial value 0."""
    counter = t.need("counter")
    rt = t.runtime(seed)
    c = rt.spawn(counter, idle)
    queue = list(before) + ["stop"] + list(after)
    for m in queue:
        rt.send(c, m)
    t.run(rt)
    if c in rt.finished and rt.finished[c] == ("normal", 0):
        return
    got = (f"it returned {show(rt.finished[c][1])}" if c in rt.finished
           and rt.finished[c][0] == "normal" else
           f"it ended with {describe_reason(rt.finished[c][0])}" if c in rt.finished
           else "it is still running")
    raise Fail(f"with {', '.join(map(show, queue))} waiting in its mailbox, counter "
               f"handles 'stop' first and returns 0",
               got,
               "'stop' jumps the queue: look for it before taking the oldest message "
               "(a receive for just 'stop', with timeout=0)",
               diagram=rt)


def counter_idle(t: Trial, idle: float, gaps, seed=None) -> None:
    """A feeder sends ("add", 1) after each gap; the counter must end ``idle``
    seconds after the last message, not earlier or later."""
    counter = t.need("counter")
    rt = t.runtime(seed)
    c = rt.spawn(counter, idle)

    async def feeder(c):
        for gap in gaps:
            await sleep(gap)
            send(c, ("add", 1))

    rt.spawn(feeder, c)
    t.run(rt)
    last = sum(gaps)
    want_t = last + idle
    ended = next((e.time for e in rt.trace if e.kind == "exit" and e.pid == c), None)
    times = ", ".join(f"t={sum(gaps[:i + 1]):g}" for i in range(len(gaps))) or "no messages"
    if ended is None or abs(ended - want_t) > 1e-9:
        raise Fail(f"with messages at {times} and idle={idle:g}, counter ends at t={want_t:g}",
                   f"it ended at t={ended:g}" if ended is not None else "it never ended",
                   "the idle time counts from the last message: wait with "
                   "receive(timeout=idle) again after each message",
                   diagram=rt)
    _ended(t, rt, c, len(gaps), "when it has been idle")


def counter_junk(t: Trial, junk=(("junk", 1), "hello", 42), idle: float = 5.0) -> None:
    counter = t.need("counter")
    rt = t.runtime()
    c = rt.spawn(counter, idle)

    async def tester(c):
        for j in junk:
            send(c, j)
        send(c, ("add", 1))
        send(c, ("get", self()))
        return await receive(timeout=REPLY_WAIT)

    tp = rt.spawn(tester, c)
    t.run(rt, until=idle / 2)
    got = rt.result(tp) if tp in rt.finished else None
    if got != ("count", 1):
        raise Fail("junk messages are ignored: ('get', pid) is still answered ('count', 1)",
                   f"answer: {_replies([got]) if got is not None else 'none'}", diagram=rt)
    info = rt.process_info(c)
    left = list(info.mailbox) if info else []
    if left:
        raise Fail("messages the counter does not understand are thrown away",
                   f"{len(left)} stay in its mailbox: {', '.join(map(show, left))}",
                   "a message no clause matches stays in the mailbox forever: take "
                   "any message and ignore what you do not understand")


@public(COUNTER, points=2, title="adds and gets")
def _counter_basic(t):
    counter_conversation(t)


@public(COUNTER, points=2, title="'stop' jumps the queue")
def _counter_priority(t):
    counter_priority(t, before=[("add", 1), ("add", 2)])


@public(COUNTER, points=2, title="the idle timer starts again with every message")
def _counter_idle(t):
    counter_idle(t, 5.0, [4.0, 4.0])


@public(COUNTER, points=1, title="unknown messages are thrown away")
def _counter_junk(t):
    counter_junk(t)
