"""Checks for exercises/ch02-functional.ipynb: a vending machine as a fold.

Expected states are written out as numbers (credit, cans), worked out by
hand from the rules in the notebook: the checks never run a reference step
function.
"""
from __future__ import annotations

from labrt import receive, self, send
from labrt.trace import show

from ..core import Fail, Task, Trial, describe_reason, public

NOTEBOOK = "ch02-functional"

STEP = Task(NOTEBOOK, 1, "step", "one message, one new state", defines=("step",),
            hidden_points=2)
MACHINE = Task(NOTEBOOK, 2, "machine", "a process that folds its messages",
               defines=("machine",), hidden_points=2)
SHOP = Task(NOTEBOOK, 3, "shop", "rebuild the state after a crash", defines=("shop",),
            hidden_points=3)


def _M(t: Trial):
    return t.need("Machine", kind=None)


def _state(t: Trial, pair):
    return _M(t)(credit=pair[0], cans=pair[1])


# ---------------------------------------------------------------------------
# Task 1: step

def step_table(t: Trial, rows, hint: str) -> None:
    """``rows``: ((credit, cans), message, (credit, cans)) triples."""
    step = t.need("step", kind="function")
    for before, msg, after in rows:
        start, want = _state(t, before), _state(t, after)
        try:
            got = step(start, msg)
        except ValueError as e:
            raise Fail(f"step({show(start)}, {show(msg)}) == {show(want)}",
                       f"it raised ValueError({show(str(e))})", hint) from None
        if got != want:
            raise Fail(f"step({show(start)}, {show(msg)}) == {show(want)}",
                       f"it returned {show(got)}", hint)
        if not isinstance(got, _M(t)):
            raise Fail("step returns a Machine", f"it returned {show(got)}",
                       "build the new state with dataclasses.replace(m, ...)")


def step_refuses(t: Trial, messages, state=(3, 2)) -> None:
    step = t.need("step", kind="function")
    start = _state(t, state)
    for msg in messages:
        try:
            got = step(start, msg)
        except ValueError as e:
            if show(msg) not in str(e) and repr(msg) not in str(e):
                raise Fail(f"the ValueError for {show(msg)} names the message",
                           f"its text is {show(str(e))}",
                           "put the message in the error text, e.g. f\"unexpected message: {msg!r}\"")
            continue
        raise Fail(f"step({show(start)}, {show(msg)}) raises ValueError",
                   f"it returned {show(got)}",
                   "a last `case _:` that returns the state unchanged hides typos and "
                   "bad amounts; make it raise, and check amounts with a guard (`if n > 0`)")


@public(STEP, points=2, title="coins, refills and sales")
def _step_basic(t):
    step_table(t, [((0, 3), ("coin", 2), (2, 3)),
                   ((2, 3), "buy", (0, 2)),
                   ((3, 1), "buy", (1, 0)),
                   ((0, 0), ("refill", 5), (0, 5)),
                   ((4, 2), ("coin", 1), (5, 2))],
               "one `case` per kind of message; return a new Machine")


@public(STEP, points=2, title="a sale that cannot happen changes nothing")
def _step_no_sale(t):
    step_table(t, [((2, 1), "buy", (0, 0)),          # exactly the price: a sale
                   ((1, 3), "buy", (1, 3)),          # one coin short
                   ((5, 0), "buy", (5, 0)),          # empty machine
                   ((0, 0), "buy", (0, 0))],
               "a sale needs credit of at least PRICE and at least one can; otherwise "
               "the machine stays as it was")


@public(STEP, points=2, title="unexpected messages raise ValueError")
def _step_refuses(t):
    step_refuses(t, [("coin", 0), ("coin", -1), ("con", 2), ("refill", 0), "sell", ("buy",)])


# ---------------------------------------------------------------------------
# Task 2: machine

def machine_fold(t: Trial, start, messages, end, seed=None, ask_at=None, asked=None) -> None:
    """Send ``messages`` from outside, then "stop": machine must return ``end``.
    If ``ask_at`` is given, a tester asks for the state after that many
    messages and must be told ``asked``."""
    machine = t.need("machine")
    t.need("step", kind="function")
    rt = t.runtime(seed)
    m = rt.spawn(machine, _state(t, start))
    tester = None
    if ask_at is None:
        for msg in messages:
            rt.send(m, msg)
        rt.send(m, "stop")
    else:
        async def ask(m):
            for msg in messages[:ask_at]:
                send(m, msg)
            send(m, ("state", self()))
            reply = await receive(timeout=1.0)
            for msg in messages[ask_at:]:
                send(m, msg)
            send(m, "stop")
            return reply
        tester = rt.spawn(ask, m)
    t.run(rt)
    if tester is not None:
        got = rt.result(tester) if tester in rt.finished else None
        want = ("state", _state(t, asked))
        if got != want:
            raise Fail(f"after {ask_at} messages, ('state', pid) is answered {show(want)}",
                       f"the answer was {show(got)}" if got is not None else "no answer",
                       "send ('state', current_state) to the pid in the message", diagram=rt)
    if m not in rt.finished:
        raise Fail("machine returns its state when it receives 'stop'",
                   f"it is still running at t={rt.now:g}", diagram=rt)
    reason, value = rt.finished[m]
    if isinstance(reason, RecursionError):
        raise Fail(f"machine handles {len(messages)} messages",
                   f"it crashed with RecursionError after about a thousand",
                   "`return await machine(new_state)` keeps every call's frame: write the "
                   "loop as `while True:` and reassign the state")
    if reason != "normal":
        raise Fail("machine ends normally on 'stop'", f"it ended with {describe_reason(reason)}",
                   diagram=rt)
    if value != _state(t, end):
        raise Fail(f"machine returns {show(_state(t, end))} after {len(messages)} messages",
                   f"it returned {show(value)}",
                   "each message goes through step; 'stop' returns the state")


def machine_crashes(t: Trial, messages, bad_index, seed=None) -> None:
    machine = t.need("machine")
    t.need("step", kind="function")
    rt = t.runtime(seed)
    m = rt.spawn(machine, _state(t, (0, 1)))
    for msg in messages:
        rt.send(m, msg)
    rt.send(m, "stop")
    t.run(rt)
    bad = messages[bad_index]
    reason = rt.finished[m][0] if m in rt.finished else None
    if isinstance(reason, ValueError):
        taken = [e.data for e in rt.trace if e.kind == "receive" and e.pid == m]
        if taken and taken[-1] != bad:
            raise Fail(f"machine crashes at {show(bad)}",
                       f"it crashed at {show(taken[-1])}", diagram=rt)
        return
    what = ("it is still running" if m not in rt.finished else
            f"it ended with {describe_reason(reason)}")
    raise Fail(f"the bad message {show(bad)} crashes machine with step's ValueError",
               what,
               "let it crash: do not catch step's exception in the process; whoever "
               "watches the process will restart it from a good state (Task 3)",
               diagram=rt)


@public(MACHINE, points=2, title="folds its messages and answers ('state', pid)")
def _machine_basic(t):
    msgs = [("refill", 2), ("coin", 1), ("coin", 2), "buy", ("coin", 1)]
    machine_fold(t, (0, 0), msgs, (2, 1), ask_at=3, asked=(3, 2))


@public(MACHINE, points=2, title="5,000 messages in constant space")
def _machine_long(t):
    machine_fold(t, (0, 0), [("coin", 1)] * 5000, (5000, 0))


@public(MACHINE, points=2, title="a bad message crashes it")
def _machine_crash(t):
    machine_crashes(t, [("coin", 1), ("bogus", 1), ("coin", 1)], 1)


# ---------------------------------------------------------------------------
# Task 3: shop

def shop_scenario(t: Trial, messages, good_states, restarts, seed=None) -> None:
    """``good_states``: the (credit, cans) after each accepted message, in order."""
    shop = t.need("shop")
    t.need("machine")
    t.need("step", kind="function")
    play = t.play(shop, list(messages), seed=seed, call=f"shop(<{len(messages)} messages>)")
    result = play.result(hint="shop waits for a reply or a Down after each message: a "
                              "crashed machine never replies, so wait for both")
    machines = play.spawned()
    want_final = _state(t, good_states[-1] if good_states else (0, 0))
    # What each machine answered, in order: the states after accepted messages.
    said = [e.data[1] for e in play.trace if e.kind == "send" and e.pid in machines
            and e.other == play.pid and isinstance(e.data, tuple) and len(e.data) == 2
            and e.data[0] == "state"]
    want = [_state(t, s) for s in good_states]
    for i, (g, w) in enumerate(zip(said, want)):
        if g != w:
            raise Fail(f"after {i + 1} accepted message(s) the machine is in state {show(w)}",
                       f"it said {show(g)}" + (
                           ": the state from before the crash was lost" if i > 0 else ""),
                       "a new machine must start from the state the accepted messages give: "
                       "fold step over the log of messages that were accepted (not the bad one)",
                       diagram=(play.rt, dict(max_events=80)))
    if len(machines) != restarts + 1:
        raise Fail(f"shop starts {restarts + 1} machine(s): the first, and one after each of "
                   f"the {restarts} crash(es)",
                   f"it started {len(machines)}",
                   "start a new machine only when a Down says the old one died",
                   diagram=(play.rt, dict(max_events=80)))
    if result != (want_final, restarts):
        raise Fail(f"shop returns ({show(want_final)}, {restarts})",
                   f"it returned {show(result)}")
    alive = [m for m in machines if m in play.alive()]
    if alive:
        raise Fail("shop stops its machine before returning",
                   f"{alive[0]} is still alive", "send it 'stop'")


@public(SHOP, points=3, title="one bad message: one restart, nothing lost")
def _shop_one(t):
    msgs = [("refill", 3), ("coin", 2), ("coin", -5), ("coin", 1), "buy"]
    shop_scenario(t, msgs, [(0, 3), (2, 3), (3, 3), (1, 2)], 1)


@public(SHOP, points=3, title="two crashes between sales")
def _shop_two(t):
    msgs = [("refill", 2), ("coin", 2), "buy", ("oops",), ("coin", 4), "buy",
            ("refill", -1), "buy", ("coin", 1)]
    shop_scenario(t, msgs, [(0, 2), (2, 2), (0, 1), (4, 1), (2, 0), (2, 0), (3, 0)], 2)

