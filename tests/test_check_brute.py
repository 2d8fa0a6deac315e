"""labrt.check against a brute-force checker: on thousands of random small
histories (register, set, map; with failed, timed-out and unfinished
operations) the fast search must give the same verdict, and its shortest
violation must be a 1-minimal failing piece of the shortest failing prefix.

The brute force tries every order of the operations that respects real
time, and every choice of which unknown operations happened; it does not
split a map by key, so agreement also checks P-compositionality. Hypothesis
runs derandomized with no database: the same examples every run.
"""
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labrt.check import (
    Counter, History, KeyValue, Register, Set, check, is_linearizable, shortest_prefix,
)


def stable(n):
    return settings(max_examples=n, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def brute(history, model, free=None):
    """True if some real-time-respecting order of the ops that happened
    (all ok ones, any subset of the uncertain ones) is legal for the model.
    ``free``: an op id with no real-time constraints."""
    ops = [op for op in history if op.status != "fail"]
    definite = [op for op in ops if not op.uncertain]
    uncertain = [op for op in ops if op.uncertain]

    def before(a, b):                     # must a come before b?
        return a.id != free and b.id != free and a.precedes(b)

    def orders(left, done):
        if not left:
            yield list(done)
            return
        for op in left:
            if not any(before(other, op) for other in left if other is not op):
                yield from orders([o for o in left if o is not op], done + [op])

    def legal(order):
        state = model.init()
        for op in order:
            ok, state = model.step(state, op)
            if not ok:
                return False
        return True

    for k in range(len(uncertain) + 1):
        for chosen in combinations(uncertain, k):
            if any(legal(order) for order in orders(definite + list(chosen), [])):
                return True
    return False


def histories(ops_strategy, max_ops=6, clients=3):
    """Random histories: each client runs its ops one after another, with
    small integer gaps and durations (ties and overlaps are common)."""
    op = st.tuples(st.integers(0, clients - 1), ops_strategy,
                   st.sampled_from(["ok"] * 6 + ["fail", "info", None]),
                   st.integers(0, 2), st.integers(0, 3))

    def build(items):
        clock = [0] * clients
        specs = []
        for client, (f, value, result), status, gap, duration in items:
            start = clock[client] + gap
            end = start + duration
            # (a zero-length op completes after the invocations at its time)
            clock[client] = end + (duration == 0) if status is not None else 10 ** 6
            if start >= 10 ** 6:
                continue                  # that client never finished its last op
            specs.append((f"c{client}", f, value, start, end, result, status))
        return History.from_ops(specs)
    return st.lists(op, max_size=max_ops).map(build)


values = st.integers(0, 2)
register_ops = st.one_of(
    st.tuples(st.just("write"), values, st.none()),
    st.tuples(st.just("read"), st.none(), values),
    st.tuples(st.just("cas"), st.tuples(values, values), st.sampled_from([True, False])),
)
set_ops = st.one_of(
    st.tuples(st.just("add"), values, st.none()),
    st.tuples(st.just("read"), st.none(), st.lists(values, max_size=3, unique=True)),
)
counter_ops = st.one_of(
    st.tuples(st.just("incr"), st.sampled_from([None, 2]), st.none()),
    st.tuples(st.just("read"), st.none(), st.integers(0, 4)),
)
kv_ops = st.one_of(
    st.tuples(st.just("put"), st.tuples(st.sampled_from("xy"), values), st.none()),
    st.tuples(st.just("get"), st.sampled_from("xy"), values),
)


def agree(h, model):
    fast = check(h, model)
    assert bool(fast) is brute(h, model), h.dumps()
    if not fast:
        _assert_minimal(h, model, fast)


def _assert_minimal(h, model, r):
    """The violation fails, lies inside the shortest failing prefix, and
    dropping any one operation of it breaks the failure (1-minimal)."""
    part = h if r.key is None else h.where(lambda op: KeyValue.key(op) == r.key)
    n = shortest_prefix(part, model)
    assert brute(part.prefix(n - 1), model) and not brute(part.prefix(n), model)
    v, c = r.violation, r.culprit
    assert not brute(v, model)
    if r.stale:
        assert brute(v, model, free=c)
    for op in v:
        if op.id == c:
            continue
        rest = v.subset([o.id for o in v if o.id != op.id])
        c2 = rest.origin.index(c)
        assert brute(rest, model) or (r.stale and not brute(rest, model, free=c2)), \
            f"operation {op.id} could be dropped:\n{v.dumps()}"


@stable(1500)
@given(histories(register_ops))
def test_register_agrees_with_brute_force(h):
    """Register histories: same verdict as brute force; minimal evidence."""
    agree(h, Register(initial=0))


@stable(600)
@given(histories(set_ops))
def test_set_agrees_with_brute_force(h):
    """Set histories: same verdict as brute force; minimal evidence."""
    agree(h, Set())


@stable(400)
@given(histories(counter_ops))
def test_counter_agrees_with_brute_force(h):
    """Counter histories (nothing pruned): same verdict as brute force; minimal evidence."""
    agree(h, Counter())


@stable(900)
@given(histories(kv_ops))
def test_key_value_agrees_with_unsplit_brute_force(h):
    """Map histories, split by key: same verdict as brute force on the whole map."""
    agree(h, KeyValue(initial=0))


@stable(300)
@given(histories(register_ops, max_ops=7, clients=4))
def test_verdict_is_stable_under_reloading(h):
    """A history saved and loaded gets the same verdict and the same evidence."""
    again = History.loads(h.dumps())
    a, b = check(h, Register(initial=0)), check(again, Register(initial=0))
    assert bool(a) is bool(b) is is_linearizable(h, Register(initial=0))
    if not a:
        assert a.violation.dumps() == b.violation.dumps() and a.culprit == b.culprit


class Plain:
    """A model seen without the search's shortcuts: nothing is read-only (no
    forced reads, no dropped unknown reads) and nothing is unobserved."""

    def __init__(self, model):
        self.model = model
        self.name = model.name

    def init(self):
        return self.model.init()

    def step(self, state, op):
        return self.model.step(state, op)

    def validate(self, op):
        self.model.validate(op)

    def read_only(self, op):
        return False

    def unobserved(self, ops):
        return set()

    def partition(self, history):
        return [(None, history)]


@stable(300)
@given(histories(register_ops, max_ops=12, clients=4))
def test_shortcuts_agree_with_the_plain_search_on_larger_histories(h):
    """Up to 12 ops (too many for brute force): forced reads and pruning change no verdict."""
    assert is_linearizable(h, Register(initial=0)) is is_linearizable(h, Plain(Register(initial=0)))


@stable(200)
@given(histories(kv_ops, max_ops=12, clients=4))
def test_map_shortcuts_agree_with_the_plain_unsplit_search(h):
    """Up to 12 map ops: splitting by key, forced reads and pruning change no verdict."""
    assert is_linearizable(h, KeyValue(initial=0)) is is_linearizable(h, Plain(KeyValue(initial=0)))
