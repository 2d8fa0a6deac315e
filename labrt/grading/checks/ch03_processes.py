"""Checks for exercises/ch03-processes.ipynb: ping-pong, a ring, a counter.

Every case is a *scenario* with concrete parameters: the scenario's observer
runs the student's code and returns plain data (a snapshot of the runtime, or
the facts a judge needs), and its judge compares that with what should have
happened (``notes/grading-protocol.md``). The hidden cases
(instructor/hidden/ch03_processes.py) are data too: the same scenarios with
other parameters, seeds and edge cases, and the observers further down that
run many variants at once.
"""
from __future__ import annotations

from labrt import ANY, TIMEOUT, now, receive, self, send, sleep
from labrt.trace import show

from ..core import Fail, Task, Trial, public
from ._kit import PlayView, Snap, describe_reason, judged, scenario, snap

NOTEBOOK = "ch03-processes"

PING_PONG = Task(NOTEBOOK, 1, "ping_pong", "a ping-pong pair",
                 defines=("pong", "ping"), hidden_points=5)
RING = Task(NOTEBOOK, 2, "ring", "a ring of processes", defines=("ring",), hidden_points=7)
COUNTER = Task(NOTEBOOK, 3, "counter", "a counter with selective receive and timeouts",
               defines=("counter",), hidden_points=5)

REPLY_WAIT = 1.0   # virtual seconds a tester waits for each reply


def _replies(got) -> str:
    return ", ".join("no reply within 1 s" if r is TIMEOUT else show(r) for r in got) or "none"


# ---------------------------------------------------------------------------
# Task 1: ping-pong
#
# Each scenario is in two halves (see _kit.py and notes/grading-protocol.md):
# the observer runs the student's code and returns a snapshot of the runtime;
# the judge looks at the snapshot, with the same words as before.

@scenario
def pong_scenario(t: Trial, pings: int, seed=None):
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
        return _plain_replies(got)

    tp = rt.spawn(tester, p, pings)
    t.run(rt)
    return {"snap": snap(rt, t), "p": p, "tp": tp}


@pong_scenario.judge
@judged
def _judge_pong(obs, pings: int, seed=None):
    rt = Snap(obs["snap"])
    p, tp = obs["p"], obs["tp"]
    got = rt.result(tp) if tp in rt.finished else []
    got = [TIMEOUT if r == _TIMEOUT_TEXT else r for r in got]
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


@scenario
def ping_scenario(t: Trial, n: int, seed=None):
    """ping(n) spawns one pong and plays n strict rounds, then stops it."""
    ping = t.need("ping")
    t.need("pong")
    play = t.play(ping, n, seed=seed)
    return {"snap": snap(play.rt, t), "pid": play.pid, "call": play.call}


@ping_scenario.judge
@judged
def _judge_ping(obs, n: int, seed=None):
    play = PlayView(Snap(obs["snap"]), obs["pid"], obs["call"])
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


public(PING_PONG, 2, "pong answers three pings, then stops", pong_scenario, pings=3)
public(PING_PONG, 2, "ping(3) plays three strict rounds", ping_scenario, n=3)


# ---------------------------------------------------------------------------
# Task 2: a ring

@scenario
def ring_scenario(t: Trial, n: int, laps: int, seed=None):
    ring = t.need("ring")
    play = t.play(ring, n, laps, seed=seed)
    return {"snap": snap(play.rt, t), "pid": play.pid, "call": play.call}


@ring_scenario.judge
@judged
def _judge_ring(obs, n: int, laps: int, seed=None):
    play = PlayView(Snap(obs["snap"]), obs["pid"], obs["call"])
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


public(RING, 2, "ring(3, 1): three members, one lap", ring_scenario, n=3, laps=1)
public(RING, 3, "ring(5, 3): five members, three laps", ring_scenario, n=5, laps=3)


# ---------------------------------------------------------------------------
# Task 3: a counter

_TIMEOUT_TEXT = "no reply within 1 s"


def _plain_replies(got):
    return [_TIMEOUT_TEXT if r is TIMEOUT else r for r in got]


@scenario
def counter_conversation(t: Trial, idle: float = 5.0, seed=None, adds=(2, 3, 10)):
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
        return _plain_replies(got)

    tp = rt.spawn(tester, c)
    t.run(rt)
    return {"snap": snap(rt, t), "c": c, "tp": tp}


@counter_conversation.judge
@judged
def _judge_conversation(obs, idle: float = 5.0, seed=None, adds=(2, 3, 10)):
    rt = Snap(obs["snap"])
    c, tp = obs["c"], obs["tp"]
    got = [TIMEOUT if r == _TIMEOUT_TEXT else r for r in (rt.result(tp) if tp in rt.finished else [])]
    want = [("count", sum(adds[:-1])), ("count", sum(adds))]
    if got != want:
        raise Fail(f"after adds of {', '.join(map(str, adds[:-1]))} a get is answered "
                   f"{show(want[0])}; after one more add of {adds[-1]}, {show(want[1])}",
                   f"answers: {_replies(got)}",
                   "reply to the pid in the ('get', pid) message with ('count', value)",
                   diagram=rt)
    _ended(rt, c, sum(adds), "after 'stop'")


def _ended(rt, c, value, when):
    if c not in rt.finished:
        raise Fail(f"counter returns {value} {when}",
                   f"it is still running at t={rt.now:g}", diagram=rt)
    reason, got = rt.finished[c]
    if reason != "normal":
        raise Fail(f"counter returns {value} {when}", f"it ended with {describe_reason(reason)}",
                   diagram=rt)
    if got != value:
        raise Fail(f"counter returns {value} {when}", f"it returned {show(got)}", diagram=rt)


@scenario
def counter_priority(t: Trial, before, after=(("add", 3),), idle: float = 5.0, seed=None):
    """Messages ``before`` then "stop" then ``after`` wait in the mailbox when
    the counter starts: it must stop at once, with its initial value 0."""
    counter = t.need("counter")
    rt = t.runtime(seed)
    c = rt.spawn(counter, idle)
    queue = list(before) + ["stop"] + list(after)
    for m in queue:
        rt.send(c, m)
    t.run(rt)
    return {"snap": snap(rt, t), "c": c}


@counter_priority.judge
@judged
def _judge_priority(obs, before, after=(("add", 3),), idle: float = 5.0, seed=None):
    rt = Snap(obs["snap"])
    c = obs["c"]
    queue = list(before) + ["stop"] + list(after)
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


@scenario
def counter_idle(t: Trial, idle: float, gaps, seed=None):
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
    return {"snap": snap(rt, t), "c": c}


@counter_idle.judge
@judged
def _judge_idle(obs, idle: float, gaps, seed=None):
    rt = Snap(obs["snap"])
    c = obs["c"]
    last = sum(gaps)
    want_t = last + idle
    ended = next((e.time for e in rt.trace if e.kind == "exit" and e.pid == c), None)
    times = ", ".join(f"t={sum(gaps[:i + 1]):g}" for i in range(len(gaps)))
    times = f"with adds at {times}" if times else "with no message at all"
    if ended is None or abs(ended - want_t) > 1e-9:
        raise Fail(f"{times} and idle={idle:g}, counter ends at t={want_t:g}",
                   f"it ended at t={ended:g}" if ended is not None else "it never ended",
                   "the idle time counts from the start, and again from each add or get: "
                   "keep a deadline, move it on after each of them, and wait with a "
                   "receive whose timeout is what is left of it",
                   diagram=rt)
    _ended(rt, c, len(gaps), "when it has been idle")


@scenario
def counter_junk(t: Trial, junk=(("junk", 1), "hello", 42), idle: float = 5.0):
    counter = t.need("counter")
    rt = t.runtime()
    c = rt.spawn(counter, idle)

    async def tester(c):
        for j in junk:
            send(c, j)
        send(c, ("add", 1))
        send(c, ("get", self()))
        return _plain_replies([await receive(timeout=REPLY_WAIT)])[0]

    tp = rt.spawn(tester, c)
    t.run(rt, until=idle / 2)
    return {"snap": snap(rt, t), "c": c, "tp": tp}


@counter_junk.judge
@judged
def _judge_junk(obs, junk=(("junk", 1), "hello", 42), idle: float = 5.0):
    rt = Snap(obs["snap"])
    c, tp = obs["c"], obs["tp"]
    got = rt.result(tp) if tp in rt.finished else None
    got = TIMEOUT if got == _TIMEOUT_TEXT else got
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


public(COUNTER, 2, "adds and gets", counter_conversation)
public(COUNTER, 2, "'stop' jumps the queue", counter_priority, before=[("add", 1), ("add", 2)])
public(COUNTER, 2, "the idle timer starts again with every message", counter_idle,
       idle=5.0, gaps=[4.0, 4.0])
public(COUNTER, 1, "unknown messages are thrown away", counter_junk)


# ---------------------------------------------------------------------------
# Checks that generalise (used by the hidden cases): each observer runs the
# student's code for several seeds and variants and returns plain data; its
# judge decides. See _kit.py.

from ._kit import is_crash, plain, reason_text  # noqa: E402

NOISE = ["hello", ("pong", -7), ("noise", 1), 42, ("count", 99)]


async def _noise_sender(target, messages, gap):
    """Sends each message to ``target``, ``gap`` seconds apart (None: all at once, as
    soon as it runs, which a seed makes happen at different points of a game)."""
    for m in messages:
        if gap is not None:
            await sleep(gap)
        send(target, m)


@scenario
def ping_noise(t: Trial, runs):
    """``runs``: [(n, seed, noise, gap)]: ping(n) on a runtime with ``seed`` while
    a process sends the messages ``noise`` to ping, ``gap`` s apart."""
    ping = t.need("ping")
    t.need("pong")
    out = []
    for n, seed, noise, gap in runs:
        rt = t.runtime(seed)
        pid = rt.spawn(ping, n)
        rt.spawn(_noise_sender, pid, list(noise), gap)
        t.run(rt)
        kids = [e.other for e in rt.trace if e.kind == "spawn" and e.pid == pid]
        partner = kids[0] if kids else None
        steps = []
        for e in rt.trace:
            if e.kind == "send" and e.pid == pid and e.other == partner:
                steps.append(("sent", plain(e.data)))
            elif e.kind == "receive" and e.pid == pid:
                steps.append(("got", plain(e.data)))
        done = rt.finished.get(pid)
        out.append(dict(n=n, seed=seed, noise=plain(list(noise)), kids=len(kids),
                        ping=str(pid), reason=plain(done[0]) if done else None,
                        value=plain(done[1]) if done else None, finished=done is not None,
                        steps=steps,
                        partner_alive=partner is not None and rt.is_alive(partner)))
    return out


@ping_noise.judge
def _judge_ping_noise(obs, runs):
    for k, o in enumerate(obs):
        n, noise = o["n"], o["noise"]
        setup = (f"ping({n}) (seed {o['seed']}) while another process sends ping "
                 f"{', '.join(map(show, noise))}")
        want = list(range(1, n + 1))
        if not o["finished"] or o["reason"] != "normal":
            raise Fail(f"{setup}: ping returns {want}",
                       "it is still waiting" if not o["finished"] else
                       f"it ended with {reason_text(o['reason'])}",
                       "a stray message is not the reply: wait for the pong of this round "
                       "with a pattern that only it matches, ('pong', k)", diagram=k)
        if o["value"] != want:
            raise Fail(f"{setup}: ping returns {want}", f"it returned {show(o['value'])}",
                       "ping took a stray message for a pong: wait for ('pong', k), the reply "
                       "of this round, and leave other messages alone", diagram=k)
        if o["kids"] != 1:
            raise Fail(f"{setup}: ping spawns one pong", f"it spawned {o['kids']}", diagram=k)
        pings = [s for s in o["steps"] if s[0] == "sent"]
        replies = [s for s in o["steps"] if s[0] == "got" and isinstance(s[1], tuple)
                   and len(s[1]) == 2 and s[1][0] == "pong" and s[1][1] in want]
        order = [s for s in o["steps"] if s in pings or s in replies]
        strict = []
        for i in range(1, n + 1):
            strict += [("sent", ("ping", o["ping"], i)), ("got", ("pong", i))]
        strict.append(("sent", "stop"))
        if order != strict:
            raise Fail(f"{setup}: one ping in flight at a time, then 'stop'",
                       f"ping's sends and pong replies: "
                       f"{', '.join(f'{a} {show(b)}' for a, b in order[:8])}",
                       "send one ping, wait for its pong, then the next", diagram=k)
        if o["partner_alive"]:
            raise Fail(f"{setup}: the pong ends after 'stop'", "it is still alive", diagram=k)


async def _peer(pong_pid, first, count, boss):
    """Plays ``count`` strict rounds numbered from ``first`` with a shared pong."""
    got = []
    for k in range(first, first + count):
        send(pong_pid, ("ping", self(), k))
        got.append(await receive(("pong", k), timeout=REPLY_WAIT))
    send(boss, ("peer_done", self(), got))
    return got


async def _peers_boss(pong_pid, peers, count, junk, junk_gap):
    """Starts the peers (and a junk sender), waits for them all, then stops pong."""
    from labrt import spawn
    pids = [spawn(_peer, pong_pid, 100 * (i + 1), count, self()) for i in range(peers)]
    if junk:
        spawn(_noise_sender, pong_pid, list(junk), junk_gap)
    got = {}
    for _ in range(peers):
        msg = await receive(("peer_done", ANY, ANY), timeout=REPLY_WAIT * (count + 1))
        if msg is not TIMEOUT:
            got[msg[1]] = ["timeout" if r is TIMEOUT else r for r in msg[2]]
    send(pong_pid, "stop")
    return [got.get(p) for p in pids]


@scenario
def pong_peers(t: Trial, runs):
    """``runs``: [(peers, count, seed, junk, junk_gap)]: ``peers`` processes play
    ``count`` strict rounds each with one pong at once; junk may arrive meanwhile."""
    pong = t.need("pong")
    out = []
    for peers, count, seed, junk, junk_gap in runs:
        rt = t.runtime(seed)
        p = rt.spawn(pong)
        boss = rt.spawn(_peers_boss, p, peers, count, list(junk), junk_gap)
        t.run(rt)
        res = rt.finished.get(boss)
        got = plain(res[1]) if res and res[0] == "normal" else [None] * peers
        done = rt.finished.get(p)
        out.append(dict(peers=peers, count=count, seed=seed, junk=plain(list(junk)),
                        got=got, finished=done is not None,
                        reason=plain(done[0]) if done else None,
                        value=plain(done[1]) if done else None))
    return out


@pong_peers.judge
def _judge_pong_peers(obs, runs):
    for k, o in enumerate(obs):
        peers, count = o["peers"], o["count"]
        junk = f", while {', '.join(map(show, o['junk']))} also arrive" if o["junk"] else ""
        setup = (f"{peers} ping processes share one pong, {count} rounds each "
                 f"(seed {o['seed']}){junk}")
        for i, g in enumerate(o["got"]):
            first = 100 * (i + 1)
            want = [("pong", x) for x in range(first, first + count)]
            if g != want:
                shown = ", ".join("no reply within 1 s" if r == "timeout" else show(r)
                                  for r in (g or [])) or "nothing"
                hint = ("answer every ping to the sender it names: each ('ping', sender, k) "
                        "carries its own sender, and several processes may share a pong")
                if i > 0 and o["got"][0] == [("pong", x) for x in range(100, 100 + count)]:
                    hint = ("only the first peer was served: " + hint)
                elif o["finished"] and o["reason"] == "normal" and o["junk"]:
                    hint = ("pong stopped before 'stop' arrived: a message it does not know "
                            "(not a ping, not 'stop') is ignored, and pong goes on")
                raise Fail(f"{setup}: peer {i + 1} gets {show(want[0])} ... {show(want[-1])}",
                           f"it got {shown}", hint, diagram=k)
        if not o["finished"] or o["reason"] != "normal" or o["value"] != peers * count:
            got = ("it is still running" if not o["finished"] else
                   f"it ended with {reason_text(o['reason'])}" if o["reason"] != "normal"
                   else f"it returned {show(o['value'])}")
            raise Fail(f"{setup}: after 'stop', pong returns {peers * count}, every ping "
                       "it answered", got,
                       "count every ping answered, whoever sent it; ignore other messages",
                       diagram=k)


def _ring_facts(rt, ring_pid):
    members = [e.other for e in rt.trace if e.kind == "spawn" and e.pid == ring_pid]
    inside = set(members)
    passes = [(str(e.pid), str(e.other), plain(e.data)) for e in rt.trace
              if e.kind == "send" and e.pid in inside and e.other in inside
              and isinstance(e.data, tuple) and e.data[:1] == ("token",)]
    first = next((str(e.other) for e in rt.trace if e.kind == "send" and e.pid == ring_pid
                  and e.other in inside and e.data == ("token", 0)), None)
    exits = {e.pid: e.data for e in rt.trace if e.kind == "exit"}
    done = rt.finished.get(ring_pid)
    return dict(members=[str(m) for m in members], passes=passes, first=first,
                member_ends=[plain(exits[m]) if m in exits else None for m in members],
                finished=done is not None, reason=plain(done[0]) if done else None,
                value=plain(done[1]) if done else None)


async def _ring_pair(ring, specs):
    """Starts one ring per (n, laps) at once; waits for none of them."""
    from labrt import spawn
    for n, laps in specs:
        spawn(ring, n, laps)


@scenario
def ring_runs(t: Trial, runs):
    """``runs``: [(rings, seed, noise)]: the rings [(n, laps)] run at once in one
    runtime; ``noise`` messages are sent to each ring process as it starts."""
    ring = t.need("ring")
    out = []
    for rings, seed, noise in runs:
        rt = t.runtime(seed)
        pids = [rt.spawn(ring, n, laps) for n, laps in rings]
        for pid in pids:
            if noise:
                rt.spawn(_noise_sender, pid, list(noise), None)
        t.run(rt)
        out.append(dict(rings=[list(r) for r in rings], seed=seed, noise=plain(list(noise)),
                        facts=[_ring_facts(rt, pid) for pid in pids]))
    return out


@ring_runs.judge
def _judge_ring_runs(obs, runs):
    for k, o in enumerate(obs):
        many = len(o["rings"]) > 1
        for (n, laps), f in zip(o["rings"], o["facts"]):
            total = n * laps
            setup = (f"ring({n}, {laps})" + (f", with {len(o['rings']) - 1} other ring(s) "
                                             "running at the same time" if many else "")
                     + (f", with {', '.join(map(show, o['noise']))} sent to ring"
                        if o["noise"] else "") + f" (seed {o['seed']})")
            if not f["finished"] or f["reason"] != "normal":
                hint = None
                if o["noise"]:
                    hint = ("ring took a message that was not the report: wait for the "
                            "report with a pattern only it matches")
                elif many:
                    hint = ("two rings must not get in each other's way: registered names "
                            "are shared by the whole runtime, pids are not")
                raise Fail(f"{setup} returns {total}",
                           "it is still waiting" if not f["finished"] else
                           f"it ended with {reason_text(f['reason'])}", hint, diagram=k)
            if len(f["members"]) != n:
                raise Fail(f"{setup} spawns {n} members", f"it spawned {len(f['members'])}",
                           diagram=k)
            if len(f["passes"]) != total:
                hint = ("with laps=0 the token makes no pass: the first member holds it "
                        "and reports at once" if laps == 0 else
                        "count passes: n * laps of them")
                raise Fail(f"{setup}: the token is passed {total} time(s)",
                           f"it was passed {len(f['passes'])} time(s)", hint, diagram=k)
            holder, order = f["first"], []
            for i, (src, dst, data) in enumerate(f["passes"], start=1):
                if data != ("token", i) or src != holder:
                    raise Fail(f"{setup}: pass {i} carries ('token', {i}), made by the member "
                               "holding the token", f"pass {i}: {src} sent {show(data)}",
                               diagram=k)
                order.append(dst)
                holder = dst
            if order and (len(set(order[:n])) != min(n, len(order)) or
                          any(order[i] != order[i - n] for i in range(n, len(order)))):
                raise Fail(f"{setup}: the token visits the members in one fixed circle",
                           f"order: {', '.join(order[:2 * n])}", diagram=k)
            if f["value"] != total:
                hint = ("ring took a message that was not the report: wait for the report "
                        "with a pattern only it matches" if o["noise"] else None)
                raise Fail(f"{setup} returns {total}, the count on the token",
                           f"it returned {show(f['value'])}", hint, diagram=k)
            bad = [e for e in f["member_ends"] if e != "normal"]
            if bad:
                raise Fail(f"{setup}: every member ends normally",
                           f"a member ended with {reason_text(bad[0]) if bad[0] else 'nothing: it is still running'}",
                           diagram=k)


async def _burst_tester(c, before, delay, burst):
    """Sends ``before`` (adds) and a get, waits ``delay``, then sends ``burst`` at
    once; returns (value before the burst, the reply to a get in the burst)."""
    for m in before:
        send(c, m)
    send(c, ("get", self()))
    base = await receive(("count", ANY), timeout=REPLY_WAIT)
    await sleep(delay)
    for m in burst:
        send(c, ("get", self()) if m == "get" else m)
    reply = await receive(("count", ANY), timeout=REPLY_WAIT) if "get" in burst else None
    return (plain(base), plain(reply))


@scenario
def counter_midlife(t: Trial, runs, idle=5.0):
    """``runs``: [(before, delay, burst, seed)]: the counter has handled ``before``;
    ``delay`` s later ``burst`` (with "get" for a get of the tester's) arrives at once."""
    counter = t.need("counter")
    out = []
    for before, delay, burst, seed in runs:
        rt = t.runtime(seed)
        c = rt.spawn(counter, idle)
        tp = rt.spawn(_burst_tester, c, [tuple(m) if isinstance(m, list) else m for m in before],
                      delay, [tuple(m) if isinstance(m, list) else m for m in burst])
        t.run(rt)
        res = rt.finished.get(tp)
        done = rt.finished.get(c)
        ended = next((e.time for e in rt.trace if e.kind == "exit" and e.pid == c), None)
        out.append(dict(before=plain(list(before)), delay=delay, burst=plain(list(burst)),
                        seed=seed, tester=plain(res[1]) if res and res[0] == "normal" else None,
                        finished=done is not None, reason=plain(done[0]) if done else None,
                        value=plain(done[1]) if done else None, ended=ended))
    return out


@counter_midlife.judge
def _judge_counter_midlife(obs, runs, idle=5.0):
    for k, o in enumerate(obs):
        base = sum(m[1] for m in o["before"] if isinstance(m, tuple) and m[0] == "add")
        burst = ", ".join("('get', tester)" if m == "get" else show(m) for m in o["burst"])
        setup = (f"counter({idle:g}) holding {base}; at t={o['delay']:g} the messages {burst} "
                 f"arrive together (seed {o['seed']})")
        if o["tester"] is None or o["tester"][0] != ("count", base):
            raise Fail(f"{setup}: before that, a get is answered ('count', {base})",
                       f"answer: {show(o['tester'][0]) if o['tester'] else 'none'}", diagram=k)
        # A counter blocked in a receive may take the first message of the burst that
        # it understands before the stop has arrived; after that, the stop comes first.
        first = next((m for m in o["burst"] if m == "get" or (isinstance(m, tuple)
                      and len(m) == 2 and m[0] == "add")), None)
        allowed = {base} | ({base + first[1]} if isinstance(first, tuple) else set())
        if not o["finished"] or o["reason"] != "normal" or o["value"] not in allowed:
            got = ("it is still running" if not o["finished"] else
                   f"it ended with {reason_text(o['reason'])}" if o["reason"] != "normal"
                   else f"it returned {show(o['value'])}")
            raise Fail(f"{setup}: the 'stop' jumps the queue, and counter returns {base} at "
                       f"t={o['delay']:g}", got,
                       "look for 'stop' before *every* message you take, not only when the "
                       "counter starts: a stop that arrives mid-life jumps the queue too",
                       diagram=k)
        if o["ended"] is None or abs(o["ended"] - o["delay"]) > 1e-9:
            raise Fail(f"{setup}: counter returns at once, at t={o['delay']:g}",
                       f"it returned at t={o['ended']:g}", diagram=k)
        reply = o["tester"][1]
        if reply is not None and reply != ("count", base):
            raise Fail(f"{setup}: the get in the burst, if answered, is ('count', {base})",
                       f"it was answered {show(reply)}", diagram=k)


async def _timed_sender(c, plan):
    """plan: [(at, message)]; "get" stands for ('get', self())."""
    for at, m in plan:
        await sleep(max(0.0, at - now()))
        send(c, ("get", self()) if m == "get" else m)


@scenario
def counter_quiet(t: Trial, runs):
    """``runs``: [(idle, plan, seed)]: messages at the times of ``plan`` [(at, msg)]."""
    counter = t.need("counter")
    out = []
    for idle, plan, seed in runs:
        rt = t.runtime(seed)
        c = rt.spawn(counter, idle)
        rt.spawn(_timed_sender, c, [(at, tuple(m) if isinstance(m, list) else m)
                                    for at, m in plan])
        t.run(rt)
        done = rt.finished.get(c)
        ended = next((e.time for e in rt.trace if e.kind == "exit" and e.pid == c), None)
        out.append(dict(idle=idle, plan=plain([tuple(p) for p in plan]), seed=seed,
                        finished=done is not None, reason=plain(done[0]) if done else None,
                        value=plain(done[1]) if done else None, ended=ended))
    return out


def _understood(m) -> bool:
    return m == "get" or (isinstance(m, tuple) and len(m) == 2 and m[0] == "add")


@counter_quiet.judge
def _judge_counter_quiet(obs, runs):
    for k, o in enumerate(obs):
        idle, plan = o["idle"], o["plan"]
        last = max([at for at, m in plan if _understood(m)], default=0.0)
        want_t = last + idle
        value = sum(m[1] for at, m in plan if isinstance(m, tuple) and m[0] == "add"
                    and at < want_t)
        shown = ", ".join(f"{'get' if m == 'get' else show(m)} at t={at:g}" for at, m in plan)
        setup = f"counter({idle:g}) gets {shown} (seed {o['seed']})"
        junk_after = [at for at, m in plan if not _understood(m) and at > last]
        if o["ended"] is None or abs(o["ended"] - want_t) > 1e-9:
            hint = ("the idle time counts from the last message the counter understands: "
                    "junk must not keep it alive. receive(timeout=idle) starts a fresh timer "
                    "each time you call it, so keep a deadline and wait for what is left of it"
                    if junk_after and o["ended"] is not None and o["ended"] > want_t else
                    "the idle time counts from the last add or get")
            raise Fail(f"{setup}: it returns at t={want_t:g}, {idle:g} s after the last add "
                       f"or get (junk does not count)",
                       f"it returned at t={o['ended']:g}" if o["ended"] is not None
                       else "it never returned", hint, diagram=k)
        if o["reason"] != "normal" or o["value"] != value:
            raise Fail(f"{setup}: it returns {value}",
                       f"it ended with {reason_text(o['reason'])}" if o["reason"] != "normal"
                       else f"it returned {show(o['value'])}", diagram=k)


# ---------------------------------------------------------------------------
# Under exploration (issue 11): ring run under many schedules. On the default
# kernel a message is in the mailbox the moment it is sent, so a member always
# has its successor's pid (sent by ring) before the token (sent by the
# previous member, later); Erlang keeps order only per pair of processes, so on
# a BEAM the token can overtake the pid. The observer reports whether some
# schedule gives another outcome than the default one (_kit.explored); the
# judge decides.

from ._kit import (end_kinds, explored, explored_fail, outcome_text, reason_kind,  # noqa: E402
                   said, spawned_by)


def _ring_key(run, pid, reason, value):
    """ring's end, and how each of its members ended ("alive": it did not)."""
    members = sorted(end_kinds(run, spawned_by(run, pid)), key=repr)
    if reason != "normal":
        return ("ended", reason_kind(reason), members)
    return ("returned", plain(value), members)


@scenario
def ring_explored(t: Trial, n, laps, runs=200, seed=0, max_preemptions=2):
    """ring(n, laps) under ``runs`` random schedules."""
    ring = t.need("ring")
    return explored(ring, (n, laps), _ring_key, runs=runs, seed=seed,
                    max_preemptions=max_preemptions)


OVERTAKEN = ("the token can overtake the successor's pid: Erlang keeps the order of "
             "messages between one sender and one receiver, and nothing more, so the token "
             "(from the previous member) may arrive before the pid (from ring), though ring "
             "sent the pid first. Take the successor with a receive that waits for a pid "
             "(receive(Pid)), not with the first message that comes")


@ring_explored.judge
def _judge_ring_explored(obs, n, laps, runs=200, seed=0, max_preemptions=2):
    call = f"ring({n}, {laps})"
    want = ("returned", n * laps, ["normal"] * n)
    expected = f"ring returns {n * laps} and its {n} members end normally"
    default = obs["default"]
    if default != want:
        raise Fail(f"{call}: {expected}", f"on the default schedule {outcome_text('ring', default)}")
    if obs["found"]:
        o = obs["outcome"]
        text = outcome_text("ring", o)
        if isinstance(o, tuple) and len(o) == 3 and isinstance(o[2], list):
            text += f"; its members: {said(o[2])}"
        delivered = [r for r in obs.get("steps") or () if isinstance(r, tuple) and len(r) == 6
                     and r[2] == "deliver message"]
        overtaken = _token_first(delivered)
        explored_fail(call, obs, expected, text, OVERTAKEN if overtaken else (
            "look at the steps: a message sent earlier by one process can arrive later "
            "than a message another process sent after it"))


def _token_first(delivered) -> bool:
    """Whether some member got a token before any pid, in the steps shipped."""
    seen_pid = set()
    for _n, who, _op, value, _d, _i in delivered:
        if not isinstance(value, str) or not isinstance(who, str):
            continue
        member = who.split(" ")[0]
        if value.startswith("<0."):
            seen_pid.add(member)
        elif value.startswith("('token'") and member not in seen_pid:
            return True
    return False
