"""isolate's fast copier (labrt.kernel.match._copy_plain) against copy.deepcopy, the path it mirrors."""
import copy
from dataclasses import dataclass

import pytest

from labrt.kernel.match import _copy_plain, _NotPlain, isolate
from labrt.kernel.values import TIMEOUT, Exit, Pid, Ref

SHARED = [1, 2]
SHAPES = [
    [1, (2, 3.5), "s", None, True, b"b"],
    ("entries", "n@h", [(1, "a"), (2, "b")]),
    {"a": [1, 2], (1, 2): {3, 4}, "d": {}},
    {1, 2, (3, "x")},
    (SHARED, SHARED),
    [SHARED, [SHARED], {"k": SHARED}],
    ("x", [Pid(0, 1)], Ref(0, 2), TIMEOUT, range(3)),
    [], {}, set(), ((), [()]),
]


@pytest.mark.parametrize("value", SHAPES, ids=range(len(SHAPES)))
def test_fast_copy_equals_deepcopy(value):
    """The fast copier gives what deepcopy gives: equal, same types, same order, same sharing."""
    a, b = copy.deepcopy(value), isolate(value)
    assert a == b and repr(a) == repr(b) and type(a) is type(b)

    def shape(x, seen):           # which containers are the same object, by position
        if type(x) in (list, dict, set, tuple):
            if id(x) in seen:
                return ("again", seen[id(x)])
            seen[id(x)] = len(seen)
            items = x.items() if type(x) is dict else x
            return (type(x).__name__, [shape(i, seen) for i in items])
        return x
    assert shape(a, {}) == shape(b, {})


def test_fast_copy_isolates_and_shares_only_immutables():
    """Mutable parts are new objects; tuples of atoms and pids are shared, as deepcopy shares them."""
    t, pid = (1, "a"), Pid(0, 7)
    msg = ("m", [t, pid], {"k": [1]})
    out = isolate(msg)
    assert out[1] is not msg[1] and out[2]["k"] is not msg[2]["k"]
    assert out[1][0] is t and out[1][1] is pid
    out[1].append("changed")
    assert msg[1] == [t, pid]


@dataclass
class Box:
    item: list


@pytest.mark.parametrize("value", [[Box([1])], [Exit(None, "x")], [[[[[[1]]]]]], [object()]])
def test_other_values_are_left_to_deepcopy(value):
    """Dataclasses, unknown objects and deep nesting are not the fast copier's: deepcopy copies them."""
    with pytest.raises(_NotPlain):
        _copy_plain(value, {})
    out = isolate(value)
    assert out is not value and type(out[0]) is type(value[0])
