"""Values in motion: receive patterns, and the copy a message makes.

Two small pieces of the core that do not need a runtime, kept apart so that
``_core.py`` reads as the semantics of processes alone:

* *Selective receive.*  ``receive``'s clauses (classes, predicates, patterns)
  compile once into one predicate, cached when the clauses are hashable, so
  that scanning a mailbox costs one call per message.
* *Isolation.*  A receiver can never change what its sender holds: a value
  that is immutable all the way down (numbers, strings, pids, frozen
  dataclasses, tuples of those) is passed as it is, anything else is
  deep-copied.  This is labrt's stand-in for Erlang's copying of every
  message, and it is what makes sharing impossible by accident.
"""
from __future__ import annotations

import copy
import types
from dataclasses import fields, is_dataclass

from .values import ANY, TIMEOUT, CannotSend, Down, Exit, Pid, Ref

# ---------------------------------------------------------------------------
# Selective receive: clauses compile to one predicate.

_MATCH_ANY = True            # the "waiting for anything" marker (no clause)
_NEVER = False               # what sleep() waits for: nothing matches


def _pattern(p):
    if p is ANY:
        return lambda m: True
    if isinstance(p, type):
        return lambda m: isinstance(m, p)
    if type(p) is tuple:
        subs = tuple(_pattern(x) for x in p)
        n = len(subs)
        return lambda m: (type(m) is tuple and len(m) == n
                          and all(f(x) for f, x in zip(subs, m)))
    if is_dataclass(p):          # Exit(ANY, "normal"): field by field, like a tuple
        cls = type(p)
        subs = tuple((f.name, _pattern(getattr(p, f.name))) for f in fields(p))
        return lambda m: (type(m) is cls
                          and all(g(getattr(m, name)) for name, g in subs))
    return lambda m: m == p


def _clause(c):
    if type(c) is types.FunctionType:
        return c
    if isinstance(c, type) or c is ANY or type(c) is tuple or is_dataclass(c):
        return _pattern(c)
    if callable(c):
        return c
    return _pattern(c)


_compiled: dict = {}


def compile_clauses(clauses):
    """Turn ``receive``'s clauses into one predicate (cached when hashable)."""
    if len(clauses) == 1 and type(clauses[0]) is types.FunctionType:
        return clauses[0]                 # a lone predicate is its own matcher
    try:
        f = _compiled.get(clauses)
    except TypeError:          # an unhashable pattern: compile every time
        f = None
        clauses_hashable = False
    else:
        clauses_hashable = True
    if f is None:
        if len(clauses) == 1:
            f = _clause(clauses[0])
        else:
            fs = tuple(_clause(c) for c in clauses)
            f = lambda m: any(g(m) for g in fs)
        if clauses_hashable and len(_compiled) < 4096 and not any(
                isinstance(c, types.FunctionType) for c in clauses):
            _compiled[clauses] = f
    return f


def describe_clauses(clauses) -> str:
    if not clauses:
        return "any message"
    parts = []
    for c in clauses:
        if isinstance(c, type):
            parts.append(f"a {c.__name__}")
        elif isinstance(c, types.FunctionType):
            parts.append(f"a message accepted by {c.__qualname__}")
        else:
            parts.append(repr(c))
    return " or ".join(parts)


# ---------------------------------------------------------------------------
# Message isolation: a receiver can never change what the sender holds.
# Immutable values are passed as they are; anything mutable is deep-copied.

_IMMUTABLE = {int, float, str, bytes, bool, complex, type(None), Pid, Ref,
              Exit, Down, range, type(TIMEOUT), type(ANY)}


_frozen_fields: dict = {}      # class -> field names if a frozen dataclass, else None


def _frozen_leaf(x) -> bool:
    t = type(x)
    if t in _IMMUTABLE:
        return True
    if t is tuple or t is frozenset:
        for y in x:
            if not _frozen_leaf(y):
                return False
        return True
    try:
        names = _frozen_fields[t]
    except KeyError:
        names = _frozen_fields[t] = (
            tuple(f.name for f in fields(t))
            if is_dataclass(t) and t.__dataclass_params__.frozen else None)
    if names is None:
        return False
    for name in names:
        if not _frozen_leaf(getattr(x, name)):
            return False
    return True


# Values that copy.deepcopy returns as they are (atomic, or a __deepcopy__
# returning self): what _copy_plain may share instead of copying.
_ATOMS = frozenset({int, float, str, bytes, bool, complex, type(None), range,
                    Pid, Ref, type(TIMEOUT)})


class _NotPlain(Exception):
    """Raised by _copy_plain for a value it leaves to copy.deepcopy."""


def _copy_plain(x, memo, depth=4):
    """``copy.deepcopy(x)`` for lists, dicts, sets and tuples of plain values, faster.

    The same result as deepcopy, step for step: atoms shared, a tuple whose
    items come back unchanged shared too, a container met twice copied once
    (``memo``), a set rebuilt from the list of its items as deepcopy's
    ``__reduce_ex__`` does.  Anything else (a dataclass, a subclass, nesting
    deeper than ``depth``) raises :class:`_NotPlain`, and :func:`isolate` runs
    deepcopy itself, so deep values still run out of stack where they did.
    """
    t = type(x)
    if t in _ATOMS:
        return x
    if depth == 0:
        raise _NotPlain
    y = memo.get(id(x))
    if y is not None:
        return y
    depth -= 1
    if t is tuple:
        items = [_copy_plain(e, memo, depth) for e in x]
        for a, b in zip(x, items):
            if a is not b:
                y = tuple(items)
                break
        else:
            y = x
    elif t is list:
        y = memo[id(x)] = []
        y.extend([_copy_plain(e, memo, depth) for e in x])
    elif t is dict:
        y = memo[id(x)] = {}
        for k, v in x.items():
            y[_copy_plain(k, memo, depth)] = _copy_plain(v, memo, depth)
    elif t is set:
        y = set([_copy_plain(e, memo, depth) for e in x])
    else:
        raise _NotPlain
    memo[id(x)] = y
    return y


def isolate(msg):
    """Return ``msg`` itself if it is immutable all the way down, else a deep copy.

    A class can opt out of copying by returning itself from ``__deepcopy__``,
    as :class:`Pid` does.  Do that only for instrumentation that is meant to
    be shared, such as a test's recorder; shared mutable state between
    processes is exactly what labrt exists to avoid.
    """
    t = type(msg)
    if t in _IMMUTABLE:
        return msg
    if t is tuple:
        for x in msg:
            if type(x) not in _IMMUTABLE:
                break
        else:
            return msg
    if _frozen_leaf(msg):
        return msg
    try:
        return _copy_plain(msg, {})
    except _NotPlain:
        pass                    # something deepcopy must see to: let it copy all
    try:
        return copy.deepcopy(msg)
    except RecursionError:
        raise                   # the sender is out of stack: its own crash
    except Exception as e:
        raise CannotSend(
            f"cannot send a {t.__name__}: it holds something that cannot be "
            f"copied to another process ({e}); send plain data (numbers, strings, "
            "tuples, lists, dicts, dataclasses) instead") from None
