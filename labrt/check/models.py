"""Models: the sequential object a concurrent history is checked against.

Linearizability asks whether the operations of a history can be put in one
sequence, respecting real-time order, such that a *single-threaded* object
would have answered exactly what the clients were told. The model is that
single-threaded object, written as a pure function::

    step(state, op) -> (allowed, new_state)

``allowed`` says whether the object, in ``state``, could have done ``op``
(with the result the client saw, if it saw one). States must be hashable and
compared by value (None, numbers, tuples, frozensets), because the checker
remembers which (state, operations done) pairs it has already explored.

Operations of unknown outcome (``info``, or never completed) have no result
to compare, so ``step`` asks only "could it have taken effect here, and what
would it have changed?". An uncertain operation that can never change the
state (``read_only``) is dropped before the search: it constrains nothing.

Uncertain operations are what make the search expensive: one that may or
may not have happened doubles the configurations to explore, for as long as
it floats. Most of them were never observed. A write of 7 that timed out,
when no read ever returned 7 and no cas expected 7, changes no verdict if
left out: wherever it might sit in an order, the reads after it returned
something else, so another write must follow it before any of them. A model
can name such operations (``unobserved``) and the checker drops them. This
pruning must be exact, and the brute-force tests check that it is.

A model may also split a history into independent parts (``partition``).
Operations on different keys of a map never constrain each other, so a map's
history is linearizable exactly when each key's sub-history is; checking
100 small histories is far cheaper than one large one. This is the
P-compositionality of Horn and Kroening that porcupine uses, in its simplest
form.

The models here are a register (read, write, compare-and-set), a set (add,
read), a counter (incr, read) and a key-value map (get, put per key). A new
model is a subclass with ``operations``, ``init`` and ``step``, and, where
they apply, ``read_only``, ``unobserved`` and ``partition``.
"""
from __future__ import annotations

from typing import Any, Hashable

from .history import History, Operation


class ModelError(ValueError):
    """An operation the model does not understand (wrong name or arguments)."""


class Model:
    """Base class: a sequential specification."""

    name = "model"
    operations: tuple[str, ...] = ()

    def init(self) -> Hashable:
        """The state before any operation."""
        return None

    def step(self, state: Hashable, op: Operation) -> tuple[bool, Hashable]:
        raise NotImplementedError

    def read_only(self, op: Operation) -> bool:
        """True if ``op`` never changes the state (so an uncertain one can go)."""
        return False

    def unobserved(self, ops: list[Operation]) -> set[int]:
        """Ids of uncertain operations in ``ops`` whose effect nobody could
        have seen, so that leaving them out changes no verdict (see below)."""
        return set()

    def validate(self, op: Operation) -> None:
        """Raise :class:`ModelError` if the model cannot run ``op``."""
        if op.f not in self.operations:
            raise ModelError(f"operation {op.id} ({op.client!r}): a {self.name} has no "
                             f"operation {op.f!r}; it knows {', '.join(self.operations)}")

    def partition(self, history: History) -> list[tuple[Any, History]]:
        """Independent parts of ``history``, as ``(key, sub-history)`` pairs."""
        return [(None, history)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Register(Model):
    """A single value: ``write(v)``, ``read() -> v``, ``cas((old, new))``.

    A cas that completed ``ok`` with result ``False`` found another value and
    changed nothing; with any other result it swapped. A cas that *failed*
    did not happen, like any failed operation.
    """

    name = "register"
    operations = ("read", "write", "cas")

    def __init__(self, initial: Hashable = None):
        self.initial = initial

    def init(self):
        return self.initial

    def validate(self, op):
        super().validate(op)
        if op.f == "cas" and not (isinstance(op.value, tuple) and len(op.value) == 2):
            raise ModelError(f"operation {op.id} ({op.client!r}): cas takes [old, new], "
                             f"got {op.value!r}")

    def read_only(self, op):
        return op.f == "read"

    def unobserved(self, ops):
        return _unobserved_writes(ops, "read", "write", lambda op: op.value)

    def step(self, state, op):
        f = op.f
        if f == "read":
            return (op.status != "ok" or op.result == state), state
        if f == "write":
            return True, op.value
        old, new = op.value
        if op.status == "ok" and op.result is False:
            return state != old, state
        return state == old, new

    def __repr__(self):
        return f"Register(initial={self.initial!r})"


class Set(Model):
    """A set that grows: ``add(x)``, ``read() -> [x, ...]`` (any order)."""

    name = "set"
    operations = ("add", "read")

    def init(self):
        return frozenset()

    def validate(self, op):
        super().validate(op)
        if op.f == "read" and op.status == "ok" and not isinstance(op.result, tuple):
            raise ModelError(f"operation {op.id} ({op.client!r}): a set's read returns "
                             f"a list, got {op.result!r}")

    def read_only(self, op):
        return op.f == "read"

    def unobserved(self, ops):
        seen = set()
        for op in ops:
            if op.f == "read" and op.status == "ok":
                seen.update(op.result)
        return {op.id for op in ops if op.f == "add" and op.uncertain and op.value not in seen}

    def step(self, state, op):
        if op.f == "add":
            return True, state | {op.value}
        return (op.status != "ok" or frozenset(op.result) == state), state


class Counter(Model):
    """A number: ``incr(n)`` adds n (default 1), ``read() -> v``.

    Unknown increments cannot be pruned (any of them may be part of a sum
    that was read), so many of them make the search slow; see the limits in
    notes/labrt-check.md.
    """

    name = "counter"
    operations = ("incr", "read")

    def __init__(self, initial: int = 0):
        self.initial = initial

    def init(self):
        return self.initial

    def validate(self, op):
        super().validate(op)
        if op.f == "incr" and not (op.value is None or isinstance(op.value, (int, float))):
            raise ModelError(f"operation {op.id} ({op.client!r}): incr takes a number, "
                             f"got {op.value!r}")

    def read_only(self, op):
        return op.f == "read"

    def step(self, state, op):
        if op.f == "incr":
            return True, state + (1 if op.value is None else op.value)
        return (op.status != "ok" or op.result == state), state

    def __repr__(self):
        return f"Counter(initial={self.initial!r})"


class KeyValue(Model):
    """A map: ``put([key, value])``, ``get(key) -> value`` (``initial`` if
    the key was never put). Checked one key at a time."""

    name = "key-value map"
    operations = ("get", "put")

    def __init__(self, initial: Hashable = None):
        self.initial = initial

    def init(self):
        return frozenset()          # (key, value) pairs

    @staticmethod
    def key(op: Operation) -> Any:
        return op.value[0] if op.f == "put" else op.value

    def validate(self, op):
        super().validate(op)
        if op.f == "put" and not (isinstance(op.value, tuple) and len(op.value) == 2):
            raise ModelError(f"operation {op.id} ({op.client!r}): put takes [key, value], "
                             f"got {op.value!r}")

    def read_only(self, op):
        return op.f == "get"

    def unobserved(self, ops):
        out = set()
        by_key: dict[Any, list[Operation]] = {}
        for op in ops:
            by_key.setdefault(self.key(op), []).append(op)
        for key_ops in by_key.values():
            out |= _unobserved_writes(key_ops, "get", "put", lambda op: op.value[1])
        return out

    def step(self, state, op):
        if op.f == "put":
            key, value = op.value
            return True, frozenset([(k, v) for k, v in state if k != key] + [(key, value)])
        if op.status != "ok":
            return True, state
        for k, v in state:
            if k == op.value:
                return op.result == v, state
        return op.result == self.initial, state

    def partition(self, history):
        for op in history:
            self.validate(op)
        return history.split(self.key)

    def __repr__(self):
        return f"KeyValue(initial={self.initial!r})"


def _unobserved_writes(ops, read, write, written) -> set[int]:
    """Uncertain writes (and cas) whose new value no read returned and no
    cas compared with. A cas that found a mismatch (ok, False) observes
    "not this value", so with one of those in the history nothing is pruned."""
    seen = set()
    for op in ops:
        if op.f == read and op.status == "ok":
            seen.add(op.result)
        elif op.f == "cas" and op.status != "fail":
            if op.status == "ok" and op.result is False:
                return set()
            seen.add(op.value[0])
    out = set()
    for op in ops:
        if not op.uncertain:
            continue
        if op.f == write and written(op) not in seen:
            out.add(op.id)
        elif op.f == "cas" and op.value[1] not in seen:
            out.add(op.id)
    return out
