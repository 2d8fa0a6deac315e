"""Checks for exercises/ch07-upgrades.ipynb: a code_change that migrates a state
(and one that migrates it back), the upgrade recipe with a way back, and a
rolling upgrade of a master/slave pair under load.

Every scenario runs the student's code while client processes keep calling
the servers; a call that fails, a write that disappears or a server that
crashes is reported with the virtual time it happened at.

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

from labrt import (ProcessExit, code, gen_server, now, self, sleep, spawn)
from labrt import sys as lsys
from labrt.gen_server import GenServer
from labrt.trace import show

from ..core import Fail, NotDone, Task, Trial, public
from ._kit import Snap, describe_reason, is_record, judged, scenario, snap

NOTEBOOK = "ch07-upgrades"

EXPIRY = Task(NOTEBOOK, 1, "expiry", "code_change: from plain values to entries that expire",
              defines=("KvV2", "KvV1Back"), hidden_points=5)
UPGRADE = Task(NOTEBOOK, 2, "upgrade", "the upgrade recipe, with a way back",
               defines=("upgrade",), hidden_points=5)
ROLLING = Task(NOTEBOOK, 3, "rolling", "a rolling upgrade of a master/slave pair",
               defines=("PairV2", "rolling"), hidden_points=4)

SMALL = dict(max_events=80)
EPS = 1e-9


def _close(a, b) -> bool:
    return abs(a - b) < EPS


def _raise_not_done(value) -> None:
    """A NotDone inside a change_code answer (the stub was called): not done."""
    if isinstance(value, NotDone):
        raise value
    if isinstance(value, tuple):
        for v in value:
            _raise_not_done(v)


def _need_class(t: Trial, name: str):
    obj = t.need(name, kind=None)
    if not isinstance(obj, type):
        raise Fail(f"`{name}` is a class (a gen_server callback module)",
                   f"`{name}` is {show(obj)}", "keep the `class ...:` line of the task's cell")
    return obj


def _died(rt, name):
    """(time, reason) of the death of the server registered as ``name``, or None."""
    pids = {e.pid for e in rt.trace if e.kind == "register" and e.data == name}
    return next(((e.time, e.data) for e in rt.trace if e.kind == "exit" and e.pid in pids), None)


async def load_client(server, plan, timeout=1.0):
    """``plan``: [(at, request)]: call at each time; record (at, request, outcome)."""
    got = []
    for at, request in plan:
        if now() > at + timeout:            # earlier calls took so long that this one is moot
            got.append((at, request, ("failed", "not sent: the calls before it took too long")))
            continue
        await sleep(max(0.0, at - now()))
        sent = now()
        try:
            got.append((sent, request, ("reply", await gen_server.call(server, request, timeout))))
        except ProcessExit as e:
            got.append((sent, request, ("failed", e.reason)))
    return got


def _failed_calls(rt, clients):
    out = []
    for c in clients:
        res = rt.finished.get(c)
        if res is None or res[0] != "normal":
            continue
        out += [(at, req, o[1]) for at, req, o in res[1] if o[0] == "failed"]
    return sorted(out, key=lambda x: (isinstance(x[2], str), x[0]))   # calls not sent last


def _call_reason(reason):
    return reason[0] if isinstance(reason, tuple) and len(reason) == 2 else reason


# ---------------------------------------------------------------------------
# Task 1: KvV2.code_change and KvV1Back.code_change

async def expiry_operator(V1, V2, extra, at, pause=0.2):
    """Start kv on V1 with three keys, put clients to work, and upgrade it at
    ``at``, suspended for ``pause`` s before the load."""
    code.load("kv", V1)
    await gen_server.start("kv", None, name="kv")
    for k, v in [("a", 1), ("b", 2), ("c", 3)]:
        await gen_server.call("kv", ("put", k, v))
    await sleep(at - now())
    await lsys.suspend("kv")
    await sleep(pause)                     # calls queue in the mailbox meanwhile
    before = await lsys.get_state("kv")
    code.load("kv", V2)
    answer = await lsys.change_code("kv", "kv", 1, extra)
    state = await lsys.get_state("kv")
    await lsys.resume("kv")
    return dict(answer=answer, before=before, state=state)


def expiry_clients(rt, at, n=3):
    """Clients that put and get their own keys every 0.1 s until a second after ``at``."""
    return [rt.spawn(load_client, "kv",
                     [(0.1 * k + 0.03 * i, ("put", f"n{i}-{k}", k) if k % 2 == 1
                       else ("get", f"n{i}-{k - 1}")) for k in range(1, int(at * 10) + 10)])
            for i in range(n)]


@scenario
def expiry_scenario(t: Trial, extra, at=1.0, seed=None):
    """Upgrade under load with ``extra``; check the new state, the calls and expiry."""
    V1 = _need_class(t, "KvV1")
    V2 = _need_class(t, "KvV2")
    ttl = V2.TTL if extra is None else extra
    changed = at + 0.2
    reads = [(changed + ttl - 0.1, "a"), (changed + ttl + 0.1, "a"), (changed + ttl + 0.1, "late")]
    late_at = changed + ttl - 0.5
    rt = t.runtime(seed)

    async def scenario():
        res = await expiry_operator(V1, V2, extra, at)
        await sleep(late_at - now())
        try:
            await gen_server.call("kv", ("put", "late", "x"), 1.0)
        except ProcessExit:
            pass
        got = []
        for when, key in reads:
            await sleep(max(0.0, when - now()))
            try:
                got.append((key, ("reply", await gen_server.call("kv", ("get", key), 1.0))))
            except ProcessExit as e:
                got.append((key, ("failed", e.reason)))
        res["reads"] = got
        return res

    pid = rt.spawn(scenario)
    clients = expiry_clients(rt, at)
    t.run(rt, until=changed + ttl + 5.0)
    fin = rt.finished.get(pid)
    if fin is not None and fin[0] != "normal":
        _raise_not_done(fin[0])
    if fin is not None and fin[0] == "normal":
        _raise_not_done(fin[1]["answer"])
    return {"snap": snap(rt, t), "pid": pid, "clients": clients, "ttl": ttl}


@expiry_scenario.judge
@judged
def _judge_expiry(obs, extra, at=1.0, seed=None):
    rt = Snap(obs["snap"])
    pid, clients, ttl = obs["pid"], obs["clients"], obs["ttl"]
    changed = at + 0.2
    reads = [(changed + ttl - 0.1, "a"), (changed + ttl + 0.1, "a"), (changed + ttl + 0.1, "late")]
    fin = rt.finished.get(pid)
    if fin is not None and fin[0] != "normal":
        died = _died(rt, "kv")
        raise Fail("the upgrade and the reads after it go through",
                   f"the server died at t={died[0]:g}: {describe_reason(died[1])}" if died else
                   f"the operator ended with {describe_reason(fin[0])}",
                   "version 2's callbacks met a state they do not understand", diagram=(rt, SMALL))
    if fin is None:
        raise Fail("the upgrade finishes", f"still running at t={rt.now:g}", diagram=(rt, SMALL))
    res = fin[1]
    answer = res["answer"]
    _raise_not_done(answer)
    call = f"code_change(1, state, extra={show(extra)})"
    if answer != "ok":
        raise Fail(f"sys.change_code(server, 'kv', 1, {show(extra)}) answers 'ok'",
                   f"it answered {show(answer)}",
                   f"{call} returns ('ok', new_state) for the version-1 state",
                   diagram=(rt, SMALL))
    before, state = res["before"], res["state"]
    if not isinstance(state, dict) or set(state) != set(before):
        raise Fail(f"after {call}, the state has the same keys as before: {show(sorted(before))}",
                   f"the state is {show(state)}",
                   "convert every key: the new state is a dict {key: Entry(value, expires)}",
                   diagram=(rt, SMALL))
    for key in sorted(before):
        entry = state[key]
        if not is_record(entry, "Entry"):
            raise Fail(f"after {call}, every value is an Entry: {key!r} -> "
                       f"Entry(value={show(before[key])}, expires=...)",
                       f"{key!r} -> {show(entry)}: still in version 1's format",
                       "version 2 keeps Entry(value, expires) for each key; the callbacks of "
                       "version 2 cannot read a plain value", diagram=(rt, SMALL))
        if entry.value != before[key]:
            raise Fail(f"after {call}, {key!r} keeps its value {show(before[key])}",
                       f"{key!r} -> {show(entry)}", diagram=(rt, SMALL))
        if not isinstance(entry.expires, (int, float)) or not _close(entry.expires, changed + ttl):
            why = ("extra is None, so an old entry lives TTL seconds (KvV2.TTL) from the upgrade"
                   if extra is None else
                   f"extra={show(extra)} says how many seconds an old entry lives from the "
                   "upgrade")
            raise Fail(f"the upgrade happens at t={changed:g}: {key!r} expires at "
                       f"t={changed + ttl:g}", f"{key!r} -> {show(entry)}",
                       why + ": expires = now() + those seconds", diagram=(rt, SMALL))
    died = _died(rt, "kv")
    if died is not None:
        raise Fail("the server keeps running after the upgrade",
                   f"it died at t={died[0]:g}: {describe_reason(died[1])}",
                   "version 2's callbacks met a value they do not understand",
                   diagram=(rt, SMALL))
    failed = _failed_calls(rt, clients)
    if failed:
        at_, req, reason = failed[0]
        raise Fail("no client call fails during the upgrade",
                   f"{len(failed)} call(s) failed, the first one {show(req)} at t={at_:g}: "
                   f"{describe_reason(_call_reason(reason))}", diagram=(rt, SMALL))
    want = [("a", ("reply", 1)), ("a", ("reply", None)), ("late", ("reply", "x"))]
    for (when, _), got, w in zip(reads, res["reads"], want):
        if got != w:
            raise Fail(f"get {w[0]!r} at t={when:g} answers {show(w[1][1])}",
                       f"it gave {show(got[1][1]) if got[1][0] == 'reply' else 'a failed call'}",
                       "an old entry lives until its expires time; a new one TTL seconds "
                       "from its put", 
                       diagram=(rt, SMALL))


@scenario
def refuse_scenario(t: Trial, old_vsn, seed=None):
    """change_code from a version it does not know must be refused, state unchanged."""
    V1 = _need_class(t, "KvV1")
    V2 = _need_class(t, "KvV2")
    rt = t.runtime(seed)

    async def scenario():
        code.load("kv", V1)
        await gen_server.start("kv", None, name="kv")
        await gen_server.call("kv", ("put", "a", 1))
        await lsys.suspend("kv")
        code.load("kv", V2)
        answer = await lsys.change_code("kv", "kv", old_vsn, None)
        return answer, await lsys.get_state("kv")

    pid = rt.spawn(scenario)
    t.run(rt, until=10.0)
    fin = rt.finished.get(pid)
    if fin is None or fin[0] != "normal":
        _raise_not_done(fin[0] if fin else None)
    else:
        _raise_not_done(fin[1][0])
    return {"snap": snap(rt, t), "pid": pid}


@refuse_scenario.judge
@judged
def _judge_refuse(obs, old_vsn, seed=None):
    rt = Snap(obs["snap"])
    fin = rt.finished.get(obs["pid"])
    if fin is None or fin[0] != "normal":
        raise Fail("change_code from an unknown version answers", "it did not",
                   diagram=(rt, SMALL))
    answer, state = fin[1]
    ok = isinstance(answer, tuple) and len(answer) == 2 and answer[0] == "error" and \
        isinstance(answer[1], tuple) and answer[1][:1] == ("error",)
    if not ok or state != {"a": 1}:
        raise Fail(f"KvV2.code_change({show(old_vsn)}, state, None) refuses: it returns "
                   "('error', reason), and the server keeps its state {'a': 1}",
                   f"change_code answered {show(answer)}; the state is now {show(state)}",
                   "convert only the format you know (version 1); for any other old_vsn "
                   "return ('error', reason)", diagram=(rt, SMALL))


@scenario
def downgrade_scenario(t: Trial, up_at=0.5, ttl=1.0, down_at=2.0, seed=None):
    """Upgrade with extra=ttl, write 'c', then downgrade to KvV1Back after the
    old entries expired: only 'c' is left, as a plain value."""
    V1 = _need_class(t, "KvV1")
    V2 = _need_class(t, "KvV2")
    Back = _need_class(t, "KvV1Back")
    rt = t.runtime(seed)

    async def scenario():
        code.load("kv", V1)
        await gen_server.start("kv", None, name="kv")
        for k, v in [("a", 1), ("b", 2)]:
            await gen_server.call("kv", ("put", k, v))
        await sleep(up_at - now())
        await lsys.suspend("kv")
        code.load("kv", V2)
        up = await lsys.change_code("kv", "kv", 1, ttl)
        await lsys.resume("kv")
        await gen_server.call("kv", ("put", "c", 3))
        await sleep(down_at - now())
        await lsys.suspend("kv")
        code.load("kv", Back)
        down = await lsys.change_code("kv", "kv", ("down", 2), None)
        state = await lsys.get_state("kv")
        await lsys.resume("kv")
        reads = []
        for key in ("a", "c"):
            try:
                reads.append(await gen_server.call("kv", ("get", key), 1.0))
            except ProcessExit as e:
                reads.append(("failed", _call_reason(e.reason)))
        return up, down, state, reads

    pid = rt.spawn(scenario)
    t.run(rt, until=down_at + 5.0)
    fin = rt.finished.get(pid)
    if fin is None or fin[0] != "normal":
        _raise_not_done(fin[0] if fin else None)
    else:
        _raise_not_done(fin[1][0])
        _raise_not_done(fin[1][1])
    return {"snap": snap(rt, t), "pid": pid}


@downgrade_scenario.judge
@judged
def _judge_downgrade(obs, up_at=0.5, ttl=1.0, down_at=2.0, seed=None):
    rt = Snap(obs["snap"])
    fin = rt.finished.get(obs["pid"])
    if fin is None or fin[0] != "normal":
        died = _died(rt, "kv")
        raise Fail("an upgrade, then a downgrade, go through",
                   f"the server died at t={died[0]:g}: {describe_reason(died[1])}" if died else
                   "they did not", diagram=(rt, SMALL))
    up, down, state, reads = fin[1]
    _raise_not_done(up)
    _raise_not_done(down)
    if up != "ok":
        raise Fail("the upgrade to KvV2 answers 'ok'", f"it answered {show(up)}",
                   diagram=(rt, SMALL))
    want = {"c": 3} if down_at >= up_at + ttl else {"a": 1, "b": 2, "c": 3}
    if down != "ok" or state != want:
        if down != "ok":
            hint = ("a downgrade calls the *old* version's code_change with old_vsn "
                    "('down', 2): KvV1Back.code_change must accept it")
        elif isinstance(state, dict) and any(not isinstance(v, int) for v in state.values()):
            hint = "version 1 keeps plain values: take each Entry's value"
        else:
            hint = ("entries that expired before the downgrade are gone in version 2 "
                    "already: drop them")
        raise Fail(f"at t={down_at:g} the downgrade answers 'ok' and leaves {show(want)} ('a' "
                   f"and 'b' expire at t={up_at + ttl:g})",
                   f"change_code answered {show(down)}; the state is {show(state)}", hint,
                   diagram=(rt, SMALL))
    if reads != [want.get("a"), 3]:
        raise Fail(f"after the downgrade, get 'a' answers {show(want.get('a'))} and get 'c' "
                   "answers 3",
                   f"they answered {show(reads)}", diagram=(rt, SMALL))


public(EXPIRY, 2, "an upgrade under load: every key kept, as an Entry, no call fails",
       expiry_scenario, extra=2.0)
public(EXPIRY, 1, "extra=None: old entries live TTL seconds", expiry_scenario, extra=None)
public(EXPIRY, 1, "an unknown old version is refused", refuse_scenario, old_vsn=7)
public(EXPIRY, 2, "a downgrade drops what expired and keeps plain values", downgrade_scenario)


# ---------------------------------------------------------------------------
# Task 2: upgrade(server, module, new_cls, extra)

class AccountV1(GenServer):
    """An account: the state is the balance."""
    vsn = 1

    def init(self, _):
        return ("ok", 0)

    async def handle_call(self, request, from_, balance):
        match request:
            case ("deposit", n):
                return ("reply", balance + n, balance + n)
            case "balance":
                return ("reply", balance, balance)
            case ("audit", seconds):               # a slow request
                await sleep(seconds)
                return ("reply", "audited", balance)


class AccountV2(GenServer):
    """Version 2 also counts deposits; replies say ("v2", balance)."""
    vsn = 2

    def init(self, _):
        return ("ok", {"balance": 0, "deposits": 0})

    async def handle_call(self, request, from_, s):
        match request:
            case ("deposit", n):
                s = {"balance": s["balance"] + n, "deposits": s["deposits"] + 1}
                return ("reply", ("v2", s["balance"]), s)
            case "balance":
                return ("reply", ("v2", s["balance"]), s)
            case ("audit", seconds):
                await sleep(seconds)
                return ("reply", ("v2", "audited"), s)

    async def code_change(self, old_vsn, balance, extra):
        if old_vsn != 1:
            return ("error", ("cannot upgrade from", old_vsn))
        await sleep(extra or 0.0)                  # converting takes time
        return ("ok", {"balance": balance, "deposits": 0})


class AccountV2Broken(AccountV2):
    """A version 2 whose conversion fails."""

    async def code_change(self, old_vsn, balance, extra):
        await sleep(extra or 0.0)
        return ("error", "corrupt ledger")


class AccountV3(AccountV2):
    """Version 3 replies ("v3", balance); its state is version 2's."""
    vsn = 3

    async def handle_call(self, request, from_, s):
        tag, reply, s = await super().handle_call(request, from_, s)
        return (tag, ("v3", reply[1]), s)

    async def code_change(self, old_vsn, s, extra):
        if old_vsn != 2:
            return ("error", ("cannot upgrade from", old_vsn))
        await sleep(extra or 0.0)
        return ("ok", s)


def _version_of(reply):
    if isinstance(reply, tuple) and reply[:1] in (("v2",), ("v3",)):
        return int(reply[0][1])
    return 1


async def account_operator(upgrade, steps, until):
    """Start "acct" on AccountV1; at each (at, new_cls, extra) run the student's
    upgrade; return what each returned, with its start and end."""
    code.load("acct", AccountV1)
    await gen_server.start("acct", None, name="acct")
    results = []
    for at, new_cls, extra in steps:
        await sleep(max(0.0, at - now()))
        start = now()
        result = await upgrade("acct", "acct", new_cls, extra)
        results.append((start, now(), result))
    await sleep(max(0.0, until + 1.0 - now()))
    try:
        state = await lsys.get_state("acct", 1.0)
    except ProcessExit:
        state = None
    return results, state, code.current("acct")


@scenario
def upgrade_scenario(t: Trial, steps, until=4.0, seed=None):
    """``steps``: (at, name of the new class in ACCOUNTS, extra)."""
    upgrade = t.need("upgrade")
    rt = t.runtime(seed)
    steps = [(at, ACCOUNTS[name], extra) for at, name, extra in steps]
    op = rt.spawn(account_operator, upgrade, steps, until)
    clients = [rt.spawn(load_client, "acct",
                        [(0.1 * k + 0.02 * i, ("deposit", 1)) for k in range(1, int(until * 10))])
               for i in range(4)]
    rt.spawn(load_client, "acct", [(steps[0][0] - 0.05, ("audit", 0.3))])  # busy at the start
    t.run(rt, until=until + 10.0)
    fin = rt.finished.get(op)
    if fin is not None and fin[0] != "normal":
        _raise_not_done(fin[0])
    elif fin is not None:
        for _, _, result in fin[1][0]:
            _raise_not_done(result)
    return {"snap": snap(rt, t), "op": op, "clients": clients}


@upgrade_scenario.judge
@judged
def _judge_upgrade(obs, steps, outcomes, until=4.0, seed=None):
    """``outcomes``: for each step "ok" or "error". The final version is the last one
    that succeeded."""
    rt = Snap(obs["snap"])
    op, clients = obs["op"], obs["clients"]
    steps = [(at, ACCOUNTS[name], extra) for at, name, extra in steps]
    fin = rt.finished.get(op)
    server = {e.pid for e in rt.trace if e.kind == "register" and e.data == "acct"}
    system = [(e.time, e.data[2]) for e in rt.trace if e.kind == "receive" and e.pid in server
              and isinstance(e.data, tuple) and e.data[:1] == ("$system",)]
    kinds = [r if isinstance(r, str) else r[0] for _, r in system]
    died = _died(rt, "acct")
    names = ", ".join(f"{c.__name__} at t={at:g}" for at, c, _ in steps)
    if fin is not None and fin[0] != "normal" and not died:
        _raise_not_done(fin[0])
        raise Fail(f"upgrade('acct', 'acct', ...) returns ({names})",
                   f"the process that called it ended with {describe_reason(fin[0])}",
                   diagram=(rt, SMALL))
    if died is not None:
        at, reason = died
        if "suspend" not in kinds or next(tm for tm, r in system if r == "suspend") > at:
            hint = ("the server ran new callbacks on its old state: suspend it *before* "
                    "loading the new code, so that no request reaches it until change_code "
                    "has converted the state")
        elif "change_code" not in kinds:
            hint = ("convert the state with sys.change_code before resuming: loading alone "
                    "leaves the old state for the new callbacks")
        else:
            hint = ("the state was not converted (change_code failed), yet the server went on "
                    "with the new code: load the old version back before resuming")
        raise Fail(f"the account keeps serving while it is upgraded ({names})",
                   f"it crashed at t={at:g}: {describe_reason(reason)}", hint,
                   diagram=(rt, {"since": max(0.0, at - 0.4), "until": at + 0.1, "max_events": 80}))
    if fin is None:
        raise Fail(f"upgrade('acct', 'acct', ...) returns ({names})",
                   f"it has not returned by t={rt.now:g}",
                   "each step waits for the server's answer; does the server still answer?",
                   diagram=(rt, SMALL))
    results, state, current = fin[1]
    for (at, cls, _), (start, end, result), want in zip(steps, results, outcomes):
        _raise_not_done(result)
        if want == "ok" and result != "ok":
            sent = [r for tm, r in system if isinstance(r, tuple) and r[0] == "change_code"
                    and start - EPS <= tm <= end + EPS]
            old = sent[0][2] if sent else None
            want_old = 1 if cls is AccountV2 else 2
            hint = (f"change_code was given old_vsn={show(old)}: pass the vsn of the version "
                    f"that ran before the upgrade (here {want_old})"
                    if sent and old != want_old else
                    "return 'ok' when change_code answers 'ok'")
            raise Fail(f"upgrading to {cls.__name__} at t={at:g} returns 'ok'",
                       f"it returned {show(result)}", hint, diagram=(rt, SMALL))
        if want == "error" and not (isinstance(result, tuple) and result[:1] == ("error",)):
            raise Fail(f"upgrading to {cls.__name__} at t={at:g}, whose code_change fails, "
                       "returns ('error', reason), the answer of change_code",
                       f"it returned {show(result)}", diagram=(rt, SMALL))
    failed = _failed_calls(rt, clients)
    if failed:
        at, req, reason = failed[0]
        why = _call_reason(reason)
        last_suspend = [tm for tm, r in system if r == "suspend"]
        resumed = [tm for tm, r in system if r == "resume"]
        if why == "timeout" and last_suspend and (not resumed or resumed[-1] < last_suspend[-1]):
            hint = ("the server was suspended and never resumed: a suspended server handles "
                    "only system messages, and calls wait until they time out")
        else:
            hint = "keep the server suspended only from before the load until after change_code"
        raise Fail(f"no client call fails while the account is upgraded ({names})",
                   f"{len(failed)} call(s) failed, the first {show(req)} at t={at:g}: "
                   f"{describe_reason(why)}", hint,
                   diagram=(rt, {"since": max(0.0, at - 0.2), "until": at + 1.1, "max_events": 80}))
    want_final = next((c for (_, c, _), o in zip(reversed(steps), reversed(outcomes)) if o == "ok"),
                      AccountV1)
    if getattr(current, "__name__", None) != want_final.__name__:
        raise Fail(f"after the upgrades the current version of 'acct' is {want_final.__name__}",
                   f"it is {getattr(current, '__name__', show(current))}",
                   "after a failed change_code, load the old version back (code.current(module) "
                   "before the load tells you which it was)", diagram=(rt, SMALL))
    # Every deposit of 1 that was acknowledged is in the balance.
    acked = sum(1 for c in clients for _, req, o in rt.finished[c][1] if o[0] == "reply")
    balance = state if isinstance(state, int) else (state or {}).get("balance")
    if balance != acked:
        raise Fail(f"the balance is the sum of the acknowledged deposits, {acked}",
                   f"the balance is {show(balance)}", diagram=(rt, SMALL))
    # Replies after the last upgrade come from the final version.
    done = results[-1][1]
    late = [(tm, o[1]) for c in clients for tm, req, o in rt.finished[c][1]
            if tm > done + EPS and o[0] == "reply"]
    want_v = getattr(want_final, "vsn", 1)
    wrong = [(tm, r) for tm, r in late if _version_of(r) != want_v]
    if wrong:
        raise Fail(f"after the upgrade, every call is answered by version {want_v}",
                   f"at t={wrong[0][0]:g} a call was answered {show(wrong[0][1])}",
                   diagram=(rt, SMALL))


public(UPGRADE, 3, "an upgrade under load: no call fails, every deposit counts",
       upgrade_scenario, steps=[(1.0, "AccountV2", 0.3)], outcomes=["ok"])
public(UPGRADE, 2, "a failed code_change is rolled back: version 1 goes on serving",
       upgrade_scenario, steps=[(1.0, "AccountV2Broken", 0.2)], outcomes=["error"])
public(UPGRADE, 2, "a failed upgrade, then a good one", upgrade_scenario,
       steps=[(1.0, "AccountV2Broken", 0.1), (2.0, "AccountV2", 0.2)], outcomes=["error", "ok"])


# ---------------------------------------------------------------------------
# Task 3: the pair

def other(name):
    return "b" if name == "a" else "a"


async def ask(target, request, timeout=0.25):
    """The chapter's failing-over client: (who answered or None, reply)."""
    for _ in range(2):
        try:
            reply = await gen_server.call(target, request, timeout)
        except ProcessExit:
            target = other(target)
            continue
        match reply:
            case ("not_master", master):
                target = master or other(target)
            case _:
                return target, reply
    return None, None


async def pair_client(i, until):
    """Puts a new key every 0.2 s and reads it back 0.1 s later."""
    target = "a"
    log = []
    k = 1
    while True:
        at = 0.1 * k + 0.025 * i
        if at >= until:
            return log
        await sleep(max(0.0, at - now()))
        key = f"c{i}-{k - 1 + k % 2}"
        request = ("put", key, k) if k % 2 == 1 else ("get", key)
        who, reply = await ask(target, request)
        log.append((at, request, who, reply))
        target = who or target
        k += 1


async def pair_operator(PairV1, rolling, new_cls, master, start_at, until):
    slave = other(master)
    for node, role in [(master, "master"), (slave, "standby")]:
        code.load(f"kv@{node}", PairV1)
        await gen_server.start(f"kv@{node}", role, name=node)
    await gen_server.call(slave, ("join", master))
    await sleep(start_at - now())
    result = await rolling(new_cls)
    done = now()
    await sleep(until + 1.0 - now())
    states = {}
    for node in ("a", "b"):
        try:
            states[node] = await lsys.get_state(node, 1.0)
        except ProcessExit:
            states[node] = None
    return dict(result=result, done=done, states=states,
                current={n: code.current(f"kv@{n}") for n in ("a", "b")})


def _suspensions(rt, node):
    pids = {e.pid for e in rt.trace if e.kind == "register" and e.data == node}
    out, start = [], None
    for e in rt.trace:
        if e.kind == "receive" and e.pid in pids and isinstance(e.data, tuple) \
                and e.data[:1] == ("$system",):
            if e.data[2] == "suspend":
                start = e.time
            elif e.data[2] == "resume" and start is not None:
                out.append((start, e.time))
                start = None
    if start is not None:
        out.append((start, rt.now))
    return out


@scenario
def rolling_scenario(t: Trial, master="a", start_at=2.0, until=7.0, seed=None):
    PairV1 = _need_class(t, "PairV1")
    PairV2 = _need_class(t, "PairV2")
    rolling = t.need("rolling")
    rt = t.runtime(seed)
    op = rt.spawn(pair_operator, PairV1, rolling, PairV2, master, start_at, until)
    workers = [rt.spawn(pair_client, i, until) for i in range(4)]
    t.run(rt, until=until + 5.0)
    for node in ("a", "b"):
        died = _died(rt, node)
        if died is not None:
            _raise_not_done(died[1])
    fin = rt.finished.get(op)
    if fin is not None and fin[0] != "normal":
        _raise_not_done(fin[0])
    return {"snap": snap(rt, t), "op": op, "workers": workers}


@rolling_scenario.judge
@judged
def _judge_rolling(obs, master="a", start_at=2.0, until=7.0, seed=None):
    rt = Snap(obs["snap"])
    op, workers = obs["op"], obs["workers"]
    fin = rt.finished.get(op)
    setup = f"{master} is the master, {other(master)} its slave; rolling(PairV2) at t={start_at:g}"
    for node in ("a", "b"):
        died = _died(rt, node)
        if died is not None:
            _raise_not_done(died[1])
            pids = {e.pid for e in rt.trace if e.kind == "register" and e.data == node}
            last = [e.data for e in rt.trace if e.kind == "receive" and e.pid in pids
                    and e.time <= died[0]]
            msg = last[-1] if last else None
            v2_update = (isinstance(msg, tuple) and msg[:1] == ("$gen_cast",)
                         and isinstance(msg[1], tuple) and msg[1][:1] == ("replicate",)
                         and isinstance(msg[1][1], tuple) and len(msg[1][1]) == 3)
            if v2_update and isinstance(died[1], ValueError):
                hint = ("a node still running version 1 got an update in version 2's format "
                        "from a master that was upgraded first: upgrade the slave before the "
                        "master, and find out which node is the master with sys.get_state")
            else:
                hint = ("a node that runs version 2's code on version 1's data crashes: "
                        "suspend it, load, convert with change_code, resume; and version 2 "
                        "must apply updates in both formats")
            raise Fail(f"both nodes keep running through the upgrade ({setup})",
                       f"node {node} crashed at t={died[0]:g}: {describe_reason(died[1])}",
                       hint, diagram=(rt, {"since": max(0.0, died[0] - 0.05), "until": died[0] + 0.1, "max_events": 80}))
    if fin is None:
        raise Fail(f"rolling(PairV2) returns ({setup})", f"it has not returned by t={rt.now:g}",
                   diagram=(rt, SMALL))
    if fin[0] != "normal":
        _raise_not_done(fin[0])
        raise Fail(f"rolling(PairV2) returns ({setup})",
                   f"it ended with {describe_reason(fin[0])}", diagram=(rt, SMALL))
    res = fin[1]
    logs = [x for w in workers for x in rt.finished[w][1]]
    failed = sorted((at, req) for at, req, who, _ in logs if who is None)
    if failed:
        spans = {n: _suspensions(rt, n) for n in ("a", "b")}
        both = [(max(s1, s2), min(e1, e2)) for s1, e1 in spans["a"] for s2, e2 in spans["b"]
                if max(s1, s2) < min(e1, e2)]
        handed = next((e.time for e in rt.trace if e.kind == "receive" and isinstance(e.data, tuple)
                       and e.data[:1] == ("$gen_call",) and isinstance(e.data[2], tuple)
                       and e.data[2][:1] == ("hand_over",)), None)
        as_master = [(s, e) for s, e in spans[master] if handed is None or s < handed]
        if both:
            hint = (f"both nodes were suspended at once, from t={both[0][0]:g} to "
                    f"t={both[0][1]:g}: nobody could answer. Upgrade one node at a time")
        elif as_master:
            hint = (f"{master} was suspended from t={as_master[0][0]:g} while it was still the "
                    "master: upgrade the slave first, then hand over to it, then upgrade the "
                    "old master")
        else:
            hint = "clients fail over only once: keep one node answering at every moment"
        raise Fail(f"no request fails during the upgrade ({setup})",
                   f"{len(failed)} request(s) failed, the first {show(failed[0][1])} at "
                   f"t={failed[0][0]:g}", hint, diagram=(rt, {"since": max(0.0, failed[0][0] - 0.05), "until": failed[0][0] + 0.6, "max_events": 80}))
    states = res["states"]
    roles = {n: getattr(s, "role", None) for n, s in states.items()}
    new_master = next((n for n, r in roles.items() if r == "master"), None)
    if new_master is None or roles[other(new_master)] != "slave" or \
            getattr(states[other(new_master)], "peer", None) != new_master:
        raise Fail(f"at the end one node is the master and the other its slave ({setup})",
                   f"roles: a is {roles['a']}, b is {roles['b']}",
                   "after the hand-over, the old master is a standby: it must join the new "
                   "master, which sends it a copy of the data", diagram=(rt, SMALL))
    bad = [n for n in ("a", "b") if getattr(res["current"][n], "__name__", None) != "PairV2"]
    if bad:
        raise Fail(f"both modules, kv@a and kv@b, run PairV2 at the end ({setup})",
                   f"kv@{bad[0]} runs {getattr(res['current'][bad[0]], '__name__', '?')}",
                   "load the new version into each node's module, one node at a time",
                   diagram=(rt, SMALL))
    data = states[new_master].data

    def value(v):
        return v[0] if isinstance(v, tuple) and len(v) == 2 else v

    acked = [(at, req) for at, req, who, reply in logs if who is not None and req[0] == "put"]
    lost = [(at, req) for at, req in acked
            if req[1] not in data or value(data[req[1]]) != req[2]]
    if lost:
        at, req = lost[0]
        hint = ("updates that the version-1 master replicated to the upgraded slave arrive in "
                "the old format (key, value): PairV2.apply must apply them too"
                if any(start_at <= a_ <= res["done"] for a_, _ in lost) else
                "every acknowledged write must be in the master's data")
        raise Fail(f"no write is lost: every acknowledged put is in the final data ({setup})",
                   f"{len(lost)} acknowledged put(s) are missing or stale, the first "
                   f"{show(req)} at t={at:g}: the master has {show(data.get(req[1]))}",
                   hint, diagram=(rt, {"since": max(0.0, at - 0.1), "until": at + 0.2, "max_events": 80}))
    slave_data = states[other(new_master)].data
    if slave_data != data or not all(isinstance(v, tuple) and len(v) == 2 for v in data.values()):
        raise Fail("the slave holds the same data as the master, all in version 2's format",
                   f"the master has {len(data)} keys, the slave {len(slave_data)}; "
                   f"{sum(1 for k in data if slave_data.get(k) != data[k])} differ",
                   "the old master joins the new master after its own upgrade, so that the "
                   "copy it gets is already converted", diagram=(rt, SMALL))


public(ROLLING, 4, "a is the master: no request fails, no write is lost", rolling_scenario,
       master="a")
public(ROLLING, 3, "b is the master, the upgrade starts at t=3", rolling_scenario, master="b",
       start_at=3.0, until=8.0)


# ---------------------------------------------------------------------------
# Checks that generalise (used by the hidden cases): observers that run the
# student's code for several seeds and variants and return plain data, and
# judges that decide (see _kit.py). Classes are named by strings.

from ._kit import close, is_crash, plain, reason_text, said  # noqa: E402


@scenario
def expiry_runs(t: Trial, runs):
    """``runs``: [dict(extra, at, reads=[(t, key)], puts=[(t, key, value)], seed)]: kv
    on version 1 with a, b, c is upgraded at ``at`` (suspended 0.2 s) with ``extra``;
    then the puts and reads at their times."""
    V1 = _need_class(t, "KvV1")
    V2 = _need_class(t, "KvV2")
    out = []
    for run in runs:
        rt = t.runtime(run.get("seed"))
        events = sorted([(at, "get", key, None) for at, key in run.get("reads", [])]
                        + [(at, "put", key, v) for at, key, v in run.get("puts", [])],
                        key=lambda e: e[0])

        async def scenario_proc(extra=run["extra"], at=run["at"], events=events):
            res = await expiry_operator(V1, V2, extra, at)
            _raise_not_done(res["answer"])         # the stub: this process ends "not done"
            got = []
            for when, kind, key, value in events:
                await sleep(max(0.0, when - now()))
                req = ("get", key) if kind == "get" else ("put", key, value)
                try:
                    got.append((when, plain(req), ("reply", plain(await gen_server.call("kv", req, 1.0)))))
                except ProcessExit as e:
                    got.append((when, plain(req), ("failed", plain(e.reason))))
            state = res["state"]
            return dict(answer=plain(res["answer"]),
                        state={k: ((v.value, v.expires) if isinstance(v, Entry_of(t)) else plain(v))
                               for k, v in state.items()} if isinstance(state, dict) else plain(state),
                        reads=got)

        pid = rt.spawn(scenario_proc)
        t.run(rt, until=run["at"] + 30.0)
        fin = rt.finished.get(pid)
        if fin is not None and fin[0] != "normal":
            _raise_not_done(fin[0])
        out.append(dict(run=plain(run), ended=plain(fin[0]) if fin else None,
                        result=fin[1] if fin and fin[0] == "normal" else None))
    return out


def Entry_of(t):
    entry = t.ns.get("Entry")
    return entry if isinstance(entry, type) else ()


@expiry_runs.judge
def _judge_expiry_runs(obs, runs, wants):
    """``wants``: per run (expires of the old keys, [answers of the reads/puts])."""
    for k, (o, (expires, answers)) in enumerate(zip(obs, wants)):
        run = o["run"]
        changed = run["at"] + 0.2
        setup = (f"an upgrade at t={changed:g} with extra={show(run['extra'])} "
                 f"(seed {run.get('seed')})")
        if o["result"] is None:
            raise Fail(f"{setup} goes through", f"it ended with {reason_text(o['ended'])}"
                       if o["ended"] else "it did not finish", diagram=k)
        res = o["result"]
        if res["answer"] != "ok":
            raise Fail(f"{setup}: change_code answers 'ok'", f"it answered {show(res['answer'])}",
                       diagram=k)
        for key in ("a", "b", "c"):
            entry = res["state"].get(key) if isinstance(res["state"], dict) else None
            if not (isinstance(entry, tuple) and len(entry) == 2 and close(entry[1], expires)):
                hint = None
                if run["extra"] == 0:
                    hint = ("extra=0 means the old entries live 0 seconds: they are gone from "
                            "the upgrade on. Only extra=None means TTL (`extra or TTL` takes 0 "
                            "for None)")
                raise Fail(f"{setup}: {key!r} expires at t={expires:g}",
                           f"{key!r} -> {show(entry)}", hint, diagram=k)
        for (when, req, got), want in zip(res["reads"], answers):
            if got != ("reply", want):
                raise Fail(f"{setup}: {show(req)} at t={when:g} answers {show(want)}",
                           f"it gave {show(got[1]) if got[0] == 'reply' else 'a failed call'}",
                           diagram=k)


ACCOUNTS = {}


class AccountV2Bad(AccountV2):
    """A version 2 whose conversion refuses with an error of its own."""

    async def code_change(self, old_vsn, balance, extra):
        return ("error", ("bad", 42))


class AccountV2Raises(AccountV2):
    """A version 2 whose conversion crashes."""

    async def code_change(self, old_vsn, balance, extra):
        raise ValueError("cannot read the ledger")


ACCOUNTS.update({c.__name__: c for c in (AccountV1, AccountV2, AccountV2Broken, AccountV3,
                                          AccountV2Bad, AccountV2Raises)})


@scenario
def upgrade_runs(t: Trial, runs):
    """``runs``: [dict(steps=[(at, class name, extra)], seed)]: what each upgrade
    returned, the final version and balance, with clients depositing meanwhile."""
    upgrade = t.need("upgrade")
    out = []
    for run in runs:
        steps = [(at, ACCOUNTS[name], extra) for at, name, extra in run["steps"]]
        until = max(at for at, _, _ in steps) + 1.5
        rt = t.runtime(run.get("seed"))
        op = rt.spawn(account_operator, upgrade, steps, until)
        clients = [rt.spawn(load_client, "acct",
                            [(0.1 * k + 0.02 * i, ("deposit", 1)) for k in range(1, int(until * 10))])
                   for i in range(2)]
        t.run(rt, until=until + 10.0)
        fin = rt.finished.get(op)
        if fin is not None and fin[0] != "normal":
            _raise_not_done(fin[0])
        died = _died(rt, "acct")
        failed = _failed_calls(rt, clients)
        if fin is None or fin[0] != "normal":
            out.append(dict(run=plain(run), ended=plain(fin[0]) if fin else None,
                            died=plain(died), failed=len(failed)))
            continue
        results, state, current = fin[1]
        for _, _, r in results:
            _raise_not_done(r)
        out.append(dict(run=plain(run), ended="normal", died=plain(died), failed=len(failed),
                        results=[plain(r) for _, _, r in results],
                        current=getattr(current, "__name__", show(current))))
    return out


@upgrade_runs.judge
def _judge_upgrade_runs(obs, runs, wants):
    """``wants``: per run ([what each upgrade returns], the final class name)."""
    for k, (o, (answers, final)) in enumerate(zip(obs, wants)):
        run = o["run"]
        names = ", then ".join(f"{name} at t={at:g}" for at, name, _ in run["steps"])
        setup = f"upgrades to {names} (seed {run.get('seed')})"
        if o["died"] is not None:
            raise Fail(f"{setup}: the account keeps serving",
                       f"it died at t={o['died'][0]:g}: {reason_text(o['died'][1])}",
                       "the vsn passed to change_code is the one of the version that ran "
                       "before the load (code.current(module) before loading), not one you "
                       "work out from the new class", diagram=k)
        if o["ended"] != "normal":
            raise Fail(f"{setup}: every upgrade returns", f"the caller ended with "
                       f"{reason_text(o['ended'])}" if o["ended"] else "it did not finish",
                       diagram=k)
        for (at, name, _), got, want in zip(run["steps"], o["results"], answers):
            if got != want:
                hint = ("return what change_code answered, as it is: the caller may want to "
                        "know why the conversion failed" if isinstance(want, tuple) else
                        "pass change_code the vsn of the class that was current before the "
                        "load (code.current(module).vsn), whichever version that is")
                raise Fail(f"{setup}: upgrading to {name} at t={at:g} returns {show(want)}",
                           f"it returned {said(got)}", hint, diagram=k)
        if o["current"] != final:
            raise Fail(f"{setup}: at the end 'acct' runs {final}", f"it runs {o['current']}",
                       diagram=k)
        if o["failed"]:
            raise Fail(f"{setup}: no client call fails", f"{o['failed']} call(s) failed",
                       diagram=k)


@scenario
def rolling_stamps(t: Trial, runs):
    """``runs``: [dict(master, start_at, until, seed)]: the final data of both nodes
    with its time stamps, and every acknowledged put with its reply."""
    PairV1 = _need_class(t, "PairV1")
    PairV2 = _need_class(t, "PairV2")
    rolling = t.need("rolling")
    out = []
    for run in runs:
        rt = t.runtime(run.get("seed"))
        op = rt.spawn(pair_operator, PairV1, rolling, PairV2, run["master"], run["start_at"],
                      run["until"])
        workers = [rt.spawn(pair_client, i, run["until"]) for i in range(4)]
        t.run(rt, until=run["until"] + 5.0)
        fin = rt.finished.get(op)
        if fin is None or fin[0] != "normal":
            if fin is not None:
                _raise_not_done(fin[0])
            out.append(dict(run=plain(run), ended=plain(fin[0]) if fin else None))
            continue
        res = fin[1]
        logs = [(at, plain(req), who, plain(reply)) for w in workers
                for at, req, who, reply in (rt.finished[w][1] if rt.finished.get(w, (None,))[0]
                                            == "normal" else [])]
        states = {n: (plain(getattr(s, "role", None)), plain(getattr(s, "data", None)))
                  for n, s in res["states"].items()}
        out.append(dict(run=plain(run), ended="normal", done=res["done"], states=states,
                        puts=[(at, req, reply) for at, req, who, reply in logs
                              if who is not None and req[0] == "put"]))
    return out


@rolling_stamps.judge
def _judge_rolling_stamps(obs, runs):
    for k, o in enumerate(obs):
        run = o["run"]
        setup = (f"{run['master']} is the master; rolling(PairV2) at t={run['start_at']:g} "
                 f"(seed {run.get('seed')})")
        if o["ended"] != "normal":
            raise Fail(f"{setup}: rolling returns", f"it ended with {reason_text(o['ended'])}"
                       if o["ended"] else "it did not finish", diagram=k)
        master = next((n for n, (role, _) in o["states"].items() if role == "master"), None)
        if master is None:
            raise Fail(f"{setup}: one node is the master at the end",
                       f"roles: {show({n: r for n, (r, _) in o['states'].items()})}", diagram=k)
        data = o["states"][master][1] or {}
        end = run["until"] + 1.0
        for at, req, reply in sorted(o["puts"]):
            key = req[1]
            entry = data.get(key)
            if not (isinstance(entry, tuple) and len(entry) == 2):
                continue                     # a lost write: the public checks say so
            stamp = entry[1]
            acked = reply[1] if isinstance(reply, tuple) and len(reply) == 2 \
                and reply[0] == "ok" else None
            bad = not isinstance(stamp, (int, float)) or isinstance(stamp, bool) \
                or stamp < at - 1e-9 or stamp > end
            if not bad and acked is not None and not close(stamp, acked):
                bad = True
            if bad:
                raise Fail(f"{setup}: {key!r}, written at t={at:g}"
                           + (f" and acknowledged with ('ok', {acked:g})" if acked is not None
                              else "") + ", carries a time stamp no earlier than its write"
                           + (" and equal to the master's" if acked is not None else ""),
                           f"the master holds {show(entry)}",
                           "an update from a version 1 master has no time: stamp it with now(), "
                           "the virtual clock (not 0, not None, not the wall clock time.time()); "
                           "an update from a version 2 master keeps its own time stamp",
                           diagram=k)
