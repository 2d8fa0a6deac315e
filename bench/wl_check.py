"""Workloads for the checkers (labrt.check): realistic histories, timed checks.

The histories come from a simulated concurrent register: each client
invokes an operation after a random think time; the operation takes effect
at a random moment between its invocation and its completion (its
linearization point) and the register answers as of that moment. So the
history is linearizable by construction, with random overlaps among the
clients' operations: the search has real choices to make, not only the
trivial path. A few operations time out (recorded as info); a timed-out
write takes effect late or never. Stale reads are injected by making chosen
reads answer with the value of an older write.

Each workload returns seconds for one check (time.perf_counter around the
call only; generating the history is not timed).
"""
from __future__ import annotations

import random
import time

from labrt.check import History, KeyValue, Register, check


def simulate(n_ops: int, clients: int, keys: int | None, seed: int,
             info_rate: float = 0.01, stale: int = 0, read_ratio: float = 0.5,
             think: float = 1.0) -> History:
    """A history of ``n_ops`` operations on a register (``keys=None``) or on
    a map with ``keys`` keys; ``stale`` reads are made to return an older value."""
    rng = random.Random(seed)
    specs = []        # [client, f, value, start, end, status, effect_time]
    clock = [rng.random() for _ in range(clients)]
    per_client = [n_ops // clients + (1 if c < n_ops % clients else 0) for c in range(clients)]
    counter = 0
    for c in range(clients):
        t = clock[c]
        for _ in range(per_client[c]):
            start = t + rng.expovariate(1.0 / think)
            duration = rng.uniform(0.1, 2.0)
            key = None if keys is None else rng.randrange(keys)
            if rng.random() < read_ratio:
                f, value = ("read", None) if keys is None else ("get", key)
            else:
                counter += 1
                f, value = ("write", counter) if keys is None else ("put", (key, counter))
            status = "info" if rng.random() < info_rate else "ok"
            effect = start + rng.random() * duration
            if status == "info" and rng.random() < 0.5:
                effect = None if rng.random() < 0.5 else start + duration + rng.random() * 5
            specs.append([f"c{c}", f, value, start, start + duration, status, effect, key])
            t = start + duration
    # Replay the effects in time order to give each read its answer.
    state: dict = {}
    history_of: dict = {}
    for s in sorted((s for s in specs if s[6] is not None), key=lambda s: s[6]):
        key = s[7]
        if s[1] in ("write", "put"):
            state[key] = s[2] if keys is None else s[2][1]
            history_of.setdefault(key, []).append(state[key])
        else:
            s.append(state.get(key, 0))
            s.append(len(history_of.get(key, [])))     # writes before this read
    reads = [s for s in specs if s[1] in ("read", "get") and s[5] == "ok"]
    for s in rng.sample(reads, min(stale, len(reads))):
        older = history_of.get(s[7], [])[:s[9]][-4:-1]     # 2 to 4 writes back
        if older:
            s[8] = older[0]
    out = []
    for s in specs:
        result = s[8] if len(s) > 8 and s[5] == "ok" else None
        out.append((s[0], s[1], s[2], s[3], s[4], result, s[5]))
    return History.from_ops(out)


def timed(history: History, model, shrink: bool = True):
    t0 = time.perf_counter()
    result = check(history, model, shrink=shrink)
    return time.perf_counter() - t0, result


def register(n: int = 1000, seed: int = 1, stale: int = 0, shrink: bool = True,
             info_rate: float = 0.01, clients: int = 5, think: float = 1.0):
    """Seconds to check an n-operation register history (5 clients)."""
    h = simulate(n, clients, None, seed, info_rate=info_rate, stale=stale, think=think)
    return timed(h, Register(initial=0), shrink)


def kv(n: int = 10_000, seed: int = 1, stale: int = 0, shrink: bool = True,
       info_rate: float = 0.01):
    """Seconds to check an n-operation, 10-client history over 100 keys."""
    h = simulate(n, 10, 100, seed, info_rate=info_rate, stale=stale)
    return timed(h, KeyValue(initial=0), shrink)
