"""Steady traffic for chapter 7: clients keep asking while an operator upgrades the servers.

A run is one labrt runtime on the simulated kernel with two kinds of processes:

* an *operator*, an ``async`` function the chapter writes: it starts the servers, waits,
  and performs the upgrade steps, each inside ``async with steps("label"):`` so that the
  step's start and end times are recorded;
* ``clients`` client processes, each sending one request after another with a random
  pause between them (exponential, mean ``mean_gap`` seconds, from a seeded
  ``random.Random``), until ``until`` seconds of virtual time have passed. Every request
  goes through the chapter's ``ask(target, request)`` function, which returns the name of
  the server that answered, or None if it gave up.

Each client returns the list of its requests, and the operator returns its steps, so no
process shares anything with another: the results are collected from the runtime after
the run, with ``rt.result``. Everything is deterministic: same arguments, same numbers.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import labrt
from labrt import now, sleep


@dataclass(frozen=True)
class Request:
    """One client request: when it was sent and answered, and who answered (None: failed)."""
    start: float
    end: float
    kind: str                    # "get" or "put"
    server: str | None

    @property
    def latency(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Step:
    """One thing the operator did, from ``start`` to ``end`` (virtual seconds)."""
    start: float
    end: float
    label: str


class Steps:
    """Records the operator's steps: ``async with steps("upgrade b"): ...``."""

    def __init__(self):
        self.done: list[Step] = []

    def __call__(self, label: str):
        return _StepTimer(self, label)


class _StepTimer:
    def __init__(self, steps: Steps, label: str):
        self.steps, self.label = steps, label

    async def __aenter__(self):
        self.start = now()

    async def __aexit__(self, *exc):
        self.steps.done.append(Step(self.start, now(), self.label))
        return False


@dataclass
class Run:
    """What one run measured."""
    requests: list[Request]
    steps: list[Step]
    until: float
    result: object = None                          # whatever else the operator returned
    answered_by: Counter = field(init=False)

    def __post_init__(self):
        self.requests.sort(key=lambda r: (r.start, r.end))
        self.answered_by = Counter(r.server for r in self.requests if r.server is not None)

    @property
    def failed(self) -> int:
        return sum(r.server is None for r in self.requests)

    @property
    def slowest(self) -> float:
        return max(r.latency for r in self.requests)

    def summary(self) -> str:
        by = ", ".join(f"{n} by {s}" for s, n in sorted(self.answered_by.items()))
        return (f"{len(self.requests)} requests ({by}); failed: {self.failed}; "
                f"slowest answer: {self.slowest * 1000:.0f} ms")


async def _client(ask, i, until, mean_gap, seed, keys):
    rng = random.Random(seed * 1000 + i)
    target = "a"                  # every client starts with the master it was given
    done = []
    n = 0
    while True:
        await sleep(rng.expovariate(1 / mean_gap))
        if now() >= until:
            return done
        key = f"k{rng.randrange(keys)}"
        request = ("put", key, f"c{i}.{n}") if rng.random() < 0.5 else ("get", key)
        start = now()
        server = await ask(target, request)
        done.append(Request(start, now(), request[0], server))
        if server is not None:
            target = server       # next time, go straight to whoever answered
        n += 1


def run(operator, ask, *, clients=20, until=10.0, mean_gap=0.1, keys=50, seed=2014) -> Run:
    """Run ``operator`` and ``clients`` client processes on a fresh runtime.

    ``operator(steps)`` gets a :class:`Steps` recorder and may return anything, which
    lands in ``Run.result``. Crash reports are not printed (the chapter shows them where
    it means to); ``Run`` holds the runtime's report list as ``reports``.
    """
    rt = labrt.Runtime(trace=False, reports=None)
    steps = Steps()

    async def operate():
        return await operator(steps)

    op = rt.spawn(operate)
    pids = [rt.spawn(_client, ask, i, until, mean_gap, seed, keys) for i in range(clients)]
    rt.run()
    for pid in [op, *pids]:
        reason = rt.exit_reason(pid)
        if reason != "normal":
            raise RuntimeError(f"{pid} ended with {labrt.format_reason(reason)}; "
                               f"reports: {rt.reports}")
    requests = [r for pid in pids for r in rt.result(pid)]
    out = Run(requests, steps.done, until, rt.result(op))
    out.reports = list(rt.reports)
    return out


def table(runs: dict) -> str:
    """One line per run: requests, failed, slowest answer, answered by a and by b."""
    lines = [f"{'':28}{'requests':>9}{'failed':>7}{'slowest':>10}{'by a':>6}{'by b':>6}"]
    for title, r in runs.items():
        lines.append(f"{title:28}{len(r.requests):9}{r.failed:7}"
                     f"{r.slowest * 1000:7.0f} ms{r.answered_by['a']:6}"
                     f"{r.answered_by['b']:6}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The figure

COLOURS = {"a": "#1f6fb4", "b": "#e08a1e", None: "#c0392b", "step": "#d9d9d9"}


def plot_runs(runs: dict, bin_width: float = 0.2):
    """One panel per run: requests answered per bin, stacked by server, failures in red;
    the operator's steps shaded grey and labelled.  Drawn with ``labrt.draw.chart``
    (SVG, no matplotlib or numpy), so it also draws in the browser."""
    from labrt.draw import chart as ch

    figure = ch.Chart("The same traffic during each upgrade", sharex=True,
                      desc=f"One panel per upgrade: requests started per {bin_width:g} s, "
                           "stacked by who answered them; the operator's steps shaded.")
    until = max(r.until for r in runs.values())
    counts = {}
    for title, r in runs.items():
        edges = ch.edges(0.0, r.until, bin_width)
        counts[title] = [ch.histogram([q.start for q in r.requests if q.server == server],
                                      edges) for server in ("a", "b", None)]
    top = max((sum(c[i] for c in cs) for cs in counts.values() for i in range(len(cs[0]))),
              default=1) or 1
    last = list(runs)[-1]
    for title, r in runs.items():
        p = figure.panel(title=f"{title}: {len(r.requests)} requests, {r.failed} failed",
                         ylabel=f"requests per {bin_width:g} s", xlim=(0, until),
                         ylim=(0, top * 1.6), height=120,
                         xlabel="virtual time (s)" if title == last else "")
        for k, s in enumerate(r.steps):
            p.span(s.start, max(s.end, s.start + 0.04), colour=COLOURS["step"])
            p.vline(s.start, colour="#555555", width=0.8)
            p.label(s.start, top * (1.47 - 0.14 * (k % 3)), s.label, dx=3, dy=0,
                    anchor="start", colour="#333333", size=10)
        edges = ch.edges(0.0, r.until, bin_width)
        bottom = [0] * (len(edges) - 1)
        for (server, label), c in zip((("a", "answered by a"), ("b", "answered by b"),
                                       (None, "failed")), counts[title]):
            p.bars(edges[:-1], c, width=bin_width, bottom=bottom, align="edge",
                   colour=COLOURS[server], label=label)
            bottom = [b + n for b, n in zip(bottom, c)]
    return figure
