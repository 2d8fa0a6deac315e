"""Footprints: what each action of a schedule may read and write.

Design
------
Two actions *commute* when doing them in either order leads to the same
state and neither can disable the other.  The systematic searches
(``_search.py``, ``_dpor.py``) never run both orders of two commuting
actions, so the finer the footprints, the smaller the space; but a
footprint that forgets something an action touches makes the search miss
schedules, so when in doubt we write more, and an operation we do not know
writes everything (``"*"``).

A footprint is a pair ``(reads, writes)`` of sets of *objects*, and two
actions are dependent when one writes what the other reads or writes.  The
objects are the parts of a process's state that other actions can touch,
``(part, n)`` for process ``<0.n.0>``:

* ``mbox``: its mailbox and what it waits for (messages, trapped exits, DOWNs);
* ``life``: whether it is alive (every step of its own reads it: a process
  killed before its step never takes it);
* ``trap``: its trap_exit flag, read by every exit signal that arrives;
* ``links``, ``monitors`` (that it holds), ``watchers`` (held on it);

and the node's shared tables: ``names`` (the registry), ``aliases``,
``pids`` (the next pid number: two spawns in a different order give
different pids) and ``time`` (the timers).

So a ``monitor`` request arriving at a server commutes with the server's own
``receive`` (watchers against mailbox), while a message arriving does not.
Everything a dying process does to others goes through signals, so the end
of a process writes only its own parts and, if it had one, the registry.
"""
from __future__ import annotations

from ..kernel.values import Pid, Ref

EVERYTHING = (frozenset(), frozenset({"*"}))
_PARTS = ("mbox", "life", "trap", "links", "monitors", "watchers")


def dependent(a, b) -> bool:
    """May the two actions with footprints ``a`` and ``b`` not commute?"""
    (ra, wa), (rb, wb) = a, b
    if "*" in wa or "*" in wb:
        return True
    return bool(wa & rb or wa & wb or wb & ra)


def _all(n):
    return {(part, n) for part in _PARTS}


def of_delivery(kernel, act):
    """The footprint of delivering the oldest signal from ``act[1]`` to ``act[2]``."""
    rt = kernel.rt
    sig = kernel.head(act)
    kind, target = sig.kind, sig.target
    reads, writes = set(), set()
    if type(target) is Pid:
        q = rt.lookup(target)
        n = target.num
    elif type(target) is Ref:                     # a message to an alias
        reads.add("aliases")
        q = rt.aliases.get(target)
        n = q.pid.num if q is not None else None
    else:                                         # (name, node): resolved on arrival
        reads.add("names")
        q = rt.names.get(target[0]) if type(target) is tuple else None
        n = q.pid.num if q is not None else None
    if n is None:
        return frozenset(reads), frozenset(writes)
    reads.add(("life", n))
    if kind == "message" or kind == "down":
        writes.add(("mbox", n))
        if kind == "down":
            writes.add(("monitors", n))
    elif kind == "exit":                          # a message, a death, or nothing
        reads.add(("trap", n))
        writes |= _all(n) - {("trap", n)}
        if q is not None and q.name is not None:
            writes.add("names")
        if q is not None and q.aliases:
            writes.add("aliases")
    elif kind in ("link", "unlink"):
        writes.add(("links", n))
    elif kind in ("monitor", "monitor_name", "demonitor"):
        writes.add(("watchers", n))
    else:
        return EVERYTHING
    return frozenset(reads), frozenset(writes)


def of_run(kernel, act):
    """The footprint of process ``act[1]`` taking the operation it is stopped at."""
    st = kernel.ps[act[1]]
    p, op, args = st.p, st.op, dict(st.args)
    me = act[1]
    reads, writes = {("life", me)}, set()

    def target(value):
        return value.num if type(value) is Pid else None

    if op == "receive":
        writes.add(("mbox", me))
        if args.get("timeout") is not None:
            writes.add("time")
    elif op == "sleep":
        writes.add("time")
    elif op == "send":
        dest = args.get("dest")
        if type(dest) is Pid:
            if not kernel.signals:
                writes.add(("mbox", dest.num))
        elif type(dest) is Ref:
            reads.add("aliases")
        elif type(dest) in (str, tuple):
            reads.add("names")
        else:
            return EVERYTHING
    elif op == "trap_exit":
        writes.add(("trap", me))
    elif op in ("link", "unlink"):
        writes |= {("links", me), ("mbox", me)}   # a dead target: EXIT noproc or NoProc
        t = target(args.get("pid"))
        if t is not None:
            reads.add(("life", t))
    elif op == "monitor":
        writes |= {("monitors", me), ("mbox", me)}
        dest = args.get("target")
        if type(dest) is Pid:
            reads.add(("life", dest.num))
        else:
            reads.add("names")
    elif op == "demonitor":
        writes |= {("monitors", me), ("mbox", me)}
    elif op in ("spawn", "spawn_link", "spawn_monitor"):
        writes |= {"pids", ("links", me), ("monitors", me)}
    elif op in ("register", "unregister"):
        writes.add("names")
        t = target(args.get("pid"))
        if t is not None:
            reads.add(("life", t))
    elif op in ("whereis", "registered"):
        reads.add("names")
    elif op in ("is_alive", "process_info"):
        t = target(args.get("pid"))
        if t is None:
            return EVERYTHING
        reads |= _all(t)
    elif op == "exit":                            # exit/2
        a = args.get("args") or ()
        if a and type(a[0]) is Pid and a[0].num == me:
            writes |= _all(me) | ({"names"} if p.name else set())   # to itself: at once
    elif op in ("alias", "unalias"):
        writes.add("aliases")
    elif op in ("send_after", "cancel_timer"):
        writes.add("time")
    elif op == "end":
        writes |= _all(me)
        if p.name is not None:
            writes.add("names")
        if p.aliases:
            writes.add("aliases")
    else:
        return EVERYTHING
    return frozenset(reads), frozenset(writes)


def footprint(kernel, act):
    if act[0] == "timer":
        return EVERYTHING                          # a timeout races everything
    if act[0] == "deliver":
        return of_delivery(kernel, act)
    return of_run(kernel, act)
