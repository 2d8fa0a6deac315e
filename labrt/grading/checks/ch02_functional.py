"""Checks for exercises/ch02-functional.ipynb: a vending machine as a fold.

Expected states are written out as numbers (credit, cans), worked out by
hand from the rules in the notebook: the checks never run a reference step
function.

Each scenario is in two halves (see ``labrt/grading/protocol.py``): the
scenario runs the student's code and returns observations, plain data such
as ``(credit, cans)`` pairs and ``show()`` texts; its judge compares them with
the expected values. A case is one call, ``public(TASK, points, title,
scenario, inputs..., expected...)``; the hidden cases call the same
scenarios with other parameters.
"""
from __future__ import annotations

from labrt import receive, self, send
from labrt.trace import show

from ..core import Fail, Task, Trial, describe_reason, public
from ..protocol import scenario

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


def _pair(t: Trial, value):
    """(credit, cans) of a Machine; None for anything else."""
    return (value.credit, value.cans) if isinstance(value, _M(t)) else None


def _same_length(obs, asked) -> None:
    """A judge that zips observations with its table must first see one per row:
    an empty list would otherwise pass every row."""
    if not isinstance(obs, list) or len(obs) != len(asked):
        raise Fail(f"one result for each of the {len(asked)} calls",
                   f"{len(obs) if isinstance(obs, list) else 'no'} results")


def _text(pair) -> str:
    """How show() writes the Machine of a (credit, cans) pair."""
    return f"Machine(credit={show(pair[0])}, cans={show(pair[1])})"


# ---------------------------------------------------------------------------
# Task 1: step

@scenario
def step_table(t: Trial, starts):
    """``starts``: ((credit, cans), message) pairs; what step returned for each."""
    step = t.need("step", kind="function")
    out = []
    for before, msg in starts:
        try:
            got = step(_state(t, before), msg)
        except ValueError as e:
            out.append(("raised", str(e)))
            continue
        out.append(("returned", _pair(t, got), show(got)))
    return out


@step_table.judge
def _step_table(obs, starts, afters, hint):
    """``afters``: the (credit, cans) after each of ``starts``."""
    _same_length(obs, starts)
    for (before, msg), after, got in zip(starts, afters, obs):
        want = f"step({_text(before)}, {show(msg)}) == {_text(after)}"
        if got[0] == "raised":
            raise Fail(want, f"it raised ValueError({show(got[1])})", hint)
        if got[1] is None and got[2] == _text(after):
            raise Fail("step returns a Machine", f"it returned {got[2]}",
                       "build the new state with dataclasses.replace(m, ...)")
        if got[1] != tuple(after):
            raise Fail(want, f"it returned {got[2]}", hint)


@scenario
def step_refuses(t: Trial, messages, state=(3, 2)):
    """What step did with each of ``messages`` from ``state``."""
    step = t.need("step", kind="function")
    out = []
    for msg in messages:
        try:
            got = step(_state(t, state), msg)
        except ValueError as e:
            out.append(("raised", str(e)))
            continue
        out.append(("returned", show(got)))
    return out


@step_refuses.judge
def _step_refuses(obs, messages, state=(3, 2)):
    _same_length(obs, messages)
    for msg, got in zip(messages, obs):
        if got[0] == "raised":
            if show(msg) not in got[1] and repr(msg) not in got[1]:
                raise Fail(f"the ValueError for {show(msg)} names the message",
                           f"its text is {show(got[1])}",
                           "put the message in the error text, e.g. f\"unexpected message: {msg!r}\"")
            continue
        raise Fail(f"step({_text(state)}, {show(msg)}) raises ValueError",
                   f"it returned {got[1]}",
                   "a last `case _:` that returns the state unchanged hides typos and "
                   "bad amounts; make it raise, and check amounts with a guard (`if n > 0`)")


public(STEP, 2, "coins, refills and sales", step_table,
       starts=[((0, 3), ("coin", 2)), ((2, 3), "buy"), ((3, 1), "buy"),
               ((0, 0), ("refill", 5)), ((4, 2), ("coin", 1))],
       afters=[(2, 3), (0, 2), (1, 0), (0, 5), (5, 2)],
       hint="one `case` per kind of message; return a new Machine")

public(STEP, 2, "a sale that cannot happen changes nothing", step_table,
       starts=[((2, 1), "buy"),          # exactly the price: a sale
               ((1, 3), "buy"),          # one coin short
               ((5, 0), "buy"),          # empty machine
               ((0, 0), "buy")],
       afters=[(0, 0), (1, 3), (5, 0), (0, 0)],
       hint="a sale needs credit of at least PRICE and at least one can; otherwise "
            "the machine stays as it was")

public(STEP, 2, "unexpected messages raise ValueError", step_refuses,
       messages=[("coin", 0), ("coin", -1), ("con", 2), ("refill", 0), "sell", ("buy",)])


# ---------------------------------------------------------------------------
# Task 2: machine

@scenario
def machine_fold(t: Trial, start, messages, seed=None, ask_at=None):
    """Send ``messages`` from outside, then "stop"; if ``ask_at`` is given, a
    tester asks for the state after that many messages."""
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
    obs = {"now": rt.now, "finished": m in rt.finished}
    if tester is not None:
        reason, got = rt.finished.get(tester, (None, None))
        got = got if reason == "normal" else None
        obs["answer"] = (None if got is None else
                         (_pair(t, got[1]) if isinstance(got, tuple) and len(got) == 2
                          and got[0] == "state" else None, show(got)))
    if m in rt.finished:
        reason, value = rt.finished[m]
        obs["recursion"] = isinstance(reason, RecursionError)
        obs["reason"] = "normal" if reason == "normal" else describe_reason(reason)
        obs["value"] = (_pair(t, value), show(value))
    return obs


@machine_fold.judge
def _machine_fold(obs, start, messages, end, seed=None, ask_at=None, asked=None):
    """``end``: the state 'stop' returns; ``asked``: the state answered after ``ask_at``."""
    if ask_at is not None:
        got = obs["answer"]
        want = f"('state', {_text(asked)})"
        if got is None or got[0] != tuple(asked):
            raise Fail(f"after {ask_at} messages, ('state', pid) is answered {want}",
                       f"the answer was {got[1]}" if got is not None else "no answer",
                       "send ('state', current_state) to the pid in the message", diagram=True)
    if not obs["finished"]:
        raise Fail("machine returns its state when it receives 'stop'",
                   f"it is still running at t={obs['now']:g}", diagram=True)
    if obs["recursion"]:
        raise Fail(f"machine handles {len(messages)} messages",
                   "it crashed with RecursionError after about a thousand",
                   "`return await machine(new_state)` keeps every call's frame: write the "
                   "loop as `while True:` and reassign the state")
    if obs["reason"] != "normal":
        raise Fail("machine ends normally on 'stop'", f"it ended with {obs['reason']}",
                   diagram=True)
    if obs["value"][0] != tuple(end):
        raise Fail(f"machine returns {_text(end)} after {len(messages)} messages",
                   f"it returned {obs['value'][1]}",
                   "each message goes through step; 'stop' returns the state")


@scenario
def machine_crashes(t: Trial, messages, seed=None):
    """Send ``messages`` and "stop" to a machine; how it ended and what it took last."""
    machine = t.need("machine")
    t.need("step", kind="function")
    rt = t.runtime(seed)
    m = rt.spawn(machine, _state(t, (0, 1)))
    for msg in messages:
        rt.send(m, msg)
    rt.send(m, "stop")
    t.run(rt)
    reason = rt.finished[m][0] if m in rt.finished else None
    taken = [e.data for e in rt.trace if e.kind == "receive" and e.pid == m]
    return {"finished": m in rt.finished, "value_error": isinstance(reason, ValueError),
            "reason": None if reason is None else describe_reason(reason),
            "last": (taken[-1], show(taken[-1])) if taken else None}


@machine_crashes.judge
def _machine_crashes(obs, messages, bad_index, seed=None):
    """``bad_index``: which message must crash the machine."""
    bad = messages[bad_index]
    if obs["value_error"]:
        if obs["last"] is not None and obs["last"][0] != bad:
            raise Fail(f"machine crashes at {show(bad)}", f"it crashed at {obs['last'][1]}",
                       diagram=True)
        return
    what = ("it is still running" if not obs["finished"] else f"it ended with {obs['reason']}")
    raise Fail(f"the bad message {show(bad)} crashes machine with step's ValueError",
               what,
               "let it crash: do not catch step's exception in the process; whoever "
               "watches the process will restart it from a good state (Task 3)",
               diagram=True)


public(MACHINE, 2, "folds its messages and answers ('state', pid)", machine_fold,
       start=(0, 0), messages=[("refill", 2), ("coin", 1), ("coin", 2), "buy", ("coin", 1)],
       end=(2, 1), ask_at=3, asked=(3, 2))

public(MACHINE, 2, "5,000 messages in constant space", machine_fold,
       start=(0, 0), messages=[("coin", 1)] * 5000, end=(5000, 0))

public(MACHINE, 2, "a bad message crashes it", machine_crashes,
       messages=[("coin", 1), ("bogus", 1), ("coin", 1)], bad_index=1)


# ---------------------------------------------------------------------------
# Task 3: shop

@scenario
def shop_scenario(t: Trial, messages, seed=None):
    """Run ``shop(messages)``: what it returned, the machines it started, the
    states they reported, and which of them are still alive."""
    shop = t.need("shop")
    t.need("machine")
    t.need("step", kind="function")
    play = t.play(shop, list(messages), seed=seed, call=f"shop(<{len(messages)} messages>)")
    result = play.result(hint="shop waits for a reply or a Down after each message: a "
                              "crashed machine never replies, so wait for both")
    machines = play.spawned()
    said = [(_pair(t, e.data[1]), show(e.data[1])) for e in play.trace
            if e.kind == "send" and e.pid in machines and e.other == play.pid
            and isinstance(e.data, tuple) and len(e.data) == 2 and e.data[0] == "state"]
    pair = isinstance(result, tuple) and len(result) == 2
    return {"said": said, "machines": len(machines), "result_text": show(result),
            "result": (_pair(t, result[0]), result[1]) if pair else None,
            "alive": [show(m) for m in machines if m in play.alive()]}


@shop_scenario.judge
def _shop_scenario(obs, messages, good_states, restarts, seed=None):
    """``good_states``: the (credit, cans) after each accepted message, in order."""
    final = tuple(good_states[-1]) if good_states else (0, 0)
    for i, ((got, text), want) in enumerate(zip(obs["said"], good_states)):
        if got != tuple(want):
            raise Fail(f"after {i + 1} accepted message(s) the machine is in state {_text(want)}",
                       f"it said {text}" + (
                           ": the state from before the crash was lost" if i > 0 else ""),
                       "a new machine must start from the state the accepted messages give: "
                       "fold step over the log of messages that were accepted (not the bad one)",
                       diagram=(True, dict(max_events=80)))
    if obs["machines"] != restarts + 1:
        raise Fail(f"shop starts {restarts + 1} machine(s): the first, and one after each of "
                   f"the {restarts} crash(es)",
                   f"it started {obs['machines']}",
                   "start a new machine only when a Down says the old one died",
                   diagram=(True, dict(max_events=80)))
    if obs["result"] != (final, restarts):
        raise Fail(f"shop returns ({_text(final)}, {restarts})",
                   f"it returned {obs['result_text']}")
    if obs["alive"]:
        raise Fail("shop stops its machine before returning",
                   f"{obs['alive'][0]} is still alive", "send it 'stop'")


public(SHOP, 3, "one bad message: one restart, nothing lost", shop_scenario,
       messages=[("refill", 3), ("coin", 2), ("coin", -5), ("coin", 1), "buy"],
       good_states=[(0, 3), (2, 3), (3, 3), (1, 2)], restarts=1)

public(SHOP, 3, "two crashes between sales", shop_scenario,
       messages=[("refill", 2), ("coin", 2), "buy", ("oops",), ("coin", 4), "buy",
                 ("refill", -1), "buy", ("coin", 1)],
       good_states=[(0, 2), (2, 2), (0, 1), (4, 1), (2, 0), (2, 0), (3, 0)], restarts=2)
