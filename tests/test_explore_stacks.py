"""The explorer's JSPI stack backend (labrt/explore/_stacks.py), run locally on stand-ins
for Pyodide's run_sync and callPromising made of greenlets and a microtask queue: the
same outputs as the greenlet backend, every carrier back in the pool after each run."""
from __future__ import annotations

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
    return js


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
    assert "counterexample" in got[0] and _stacks._pool and not _stacks._starting
