"""The explorer's JSPI stack backend (labrt/explore/_stacks.py), run locally on stand-ins
for Pyodide's run_sync and callPromising made of greenlets and a microtask queue: the
same outputs as the greenlet backend; the cyclic GC off while a carrier is suspended and
given back, after a collection with no carrier left, when the outermost explorer call
returns."""
from __future__ import annotations

import gc
from collections import deque

import greenlet
import pytest

import labrt
from labrt import ANY, receive, self, send, spawn
from labrt.explore import _stacks, outcomes


class FakeJS:
    """run_sync suspends the calling greenlet until the awaitable's done callback runs
    (then it resumes in a later microtask); start(fn) runs fn on a new greenlet soon."""

    def __init__(self):
        self.micro = deque()
        self.loop = None

    def run_sync(self, aw):
        me = greenlet.getcurrent()
        aw.add_done_callback(lambda _b: self.micro.append(me.switch))
        self.loop.switch()

    def start(self, fn):
        self.micro.append(greenlet.greenlet(fn, parent=self.loop).switch)

    def cell(self, fn):
        self.loop = greenlet.getcurrent()
        out = []
        g = greenlet.greenlet(lambda: out.append(fn()), parent=self.loop)
        self.micro.append(g.switch)
        while self.micro:
            self.micro.popleft()()
        assert g.dead, "the cell never finished (in the browser: a hang)"
        return out[0]


@pytest.fixture
def fake_js(monkeypatch):
    js = FakeJS()
    monkeypatch.setattr(_stacks, "_run_sync", js.run_sync)
    monkeypatch.setattr(_stacks, "_start", js.start)
    monkeypatch.setattr(_stacks, "_pool", [])
    monkeypatch.setattr(_stacks, "_starting", deque())
    monkeypatch.setattr(_stacks, "make", _stacks.JspiStacks)
    for name, value in (("_alive", 0), ("_gc_held", False), ("_runs", 0), ("_depth", 0)):
        monkeypatch.setattr(_stacks, name, value)
    was_on = gc.isenabled()
    yield js
    if was_on:
        gc.enable()


async def account(balance):
    while True:
        msg = await receive()
        if msg[0] == "deposit":
            balance += msg[1]
        else:
            send(msg[1], ("balance", balance))


async def auditor(acct, boss):
    await receive(("deposited", ANY))
    send(acct, ("balance", self()))
    send(boss, await receive(("balance", ANY)))


async def hasty(acct, aud):
    send(acct, ("deposit", 100))
    send(aud, ("deposited", 100))


async def bank():
    acct = spawn(account, 0)
    aud = spawn(auditor, acct, self())
    spawn(hasty, acct, aud)
    return await receive(("balance", ANY))


def right(run):
    return run.result == ("balance", 100)


def runs():
    return [str(labrt.explore(bank, right, seed=1)),
            str(labrt.explore(bank, right, mode="systematic")),
            sorted(map(repr, outcomes(bank)))]


def test_jspi_backend_gives_the_greenlet_outputs(fake_js):
    """The race explorer gives the same counterexample, search and outcomes on the JSPI
    backend (stand-in platform) as on greenlet, and leaves no stack suspended."""
    monkey = _stacks.make
    _stacks.make = lambda: _stacks.GreenletStacks(greenlet)
    try:
        expected = runs()
    finally:
        _stacks.make = monkey
    got = fake_js.cell(runs)
    assert got == expected
    assert "counterexample" in got[0]
    # every carrier drained (returned from its promising call), the GC given back
    assert not _stacks._pool and not _stacks._starting and _stacks._alive == 0
    assert gc.isenabled() and not _stacks._gc_held


async def gc_state():
    """A scenario that reports whether the cyclic GC is on while it runs."""
    return gc.isenabled()


def test_gc_is_off_while_carriers_exist_and_collected_in_long_searches(fake_js, monkeypatch):
    """While a search runs on JSPI stacks the GC is off (a collection with stacks suspended
    in run_sync is what crashed Pyodide); every COLLECT_EVERY runs the pool is drained and
    gc.collect() runs with no carrier alive; at the end the GC is on again."""
    collections = []
    real_collect = gc.collect

    def collect(*a):
        collections.append((_stacks._alive, len(_stacks._pool)))
        return real_collect(*a)
    monkeypatch.setattr(gc, "collect", collect)
    monkeypatch.setattr(_stacks, "COLLECT_EVERY", 10)
    seen = fake_js.cell(lambda: outcomes(gc_state, runs=1))
    assert seen == {False}
    assert collections == [(0, 0)] and gc.isenabled()

    collections.clear()
    found = fake_js.cell(lambda: outcomes(bank))
    assert found.coverage.runs >= 40
    # one collection each 10 runs, and the last one after the search, all drained
    assert len(collections) == found.coverage.runs // 10 + 1
    assert set(collections) == {(0, 0)} and gc.isenabled()


def test_gc_stays_off_when_it_was_off(fake_js):
    """The backend gives the GC back as it found it: a reader who turned it off keeps it off."""
    gc.disable()
    fake_js.cell(lambda: outcomes(gc_state, runs=1))
    assert not gc.isenabled() and not _stacks._gc_held


def test_greenlet_backend_leaves_the_gc_alone():
    """Locally (greenlet) the explorer never touches the GC."""
    assert _stacks.make().name == "greenlet"
    assert outcomes(gc_state, runs=1) == {True}


def test_gc_stays_off_while_a_carrier_still_holds_a_stack(fake_js, capsys):
    """If a carrier could not be drained (it still runs a process stack), giving the GC
    back would bring the crash back: the backend keeps it off and says so."""
    fake_js.cell(lambda: outcomes(gc_state, runs=1))      # the GC held, then given back
    _stacks._hold_gc()
    _stacks._alive = 1                                    # a carrier that is not in the pool
    _stacks._release()
    assert not gc.isenabled() and _stacks._gc_held
    assert "still hold a process stack; the GC stays off" in capsys.readouterr().err
