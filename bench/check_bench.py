"""Benchmark of the linearizability checker (labrt.check), standalone.

    python bench/check_bench.py            # the figures, about a minute
    python bench/check_bench.py --quick    # smaller, one repetition

The two targets of issue 13: a 1,000-operation history of 5 clients on one
register checked in under 1 s, and a 10,000-operation key-value history over
100 keys in under 5 s. Histories come from bench/wl_check.py (a simulated
concurrent register with random overlaps and 1% timeouts), linearizable ones
and ones with injected stale reads; for the failing ones the time with and
without computing the shortest violating sub-history is shown. Each figure
is the median over seeds (and repetitions) of the check alone.

This script is not registered in bench/registry.py: the registry measures
systems x metrics of the runtime, and a checker is neither.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import wl_check  # noqa: E402

CASES = [
    # name, function, kwargs, target seconds (None: no target)
    ("register, 1,000 ops, 5 clients, linearizable", wl_check.register, {}, 1.0),
    ("register, 1,000 ops, 3 stale reads, verdict only", wl_check.register,
     {"stale": 3, "shrink": False}, 1.0),
    ("register, 1,000 ops, 3 stale reads, with shortest violation", wl_check.register,
     {"stale": 3}, None),
    ("register, 1,000 ops, 5% timeouts, linearizable", wl_check.register,
     {"info_rate": 0.05}, None),
    ("register, 1,000 ops, 5 busy clients (think 0.1 s), linearizable", wl_check.register,
     {"think": 0.1}, 1.0),
    ("register, 1,000 ops, 5 busy clients, 3 stale reads, verdict only", wl_check.register,
     {"think": 0.1, "stale": 3, "shrink": False}, 1.0),
    ("register, 1,000 ops, 5 busy clients, 3 stale reads, with shortest violation",
     wl_check.register, {"think": 0.1, "stale": 3}, None),
    ("register, 1,000 ops, 10 busy clients, linearizable", wl_check.register,
     {"think": 0.1, "clients": 10}, None),
    ("key-value, 10,000 ops, 100 keys, linearizable", wl_check.kv, {}, 5.0),
    ("key-value, 10,000 ops, 20 stale reads, verdict only", wl_check.kv,
     {"stale": 20, "shrink": False}, 5.0),
    ("key-value, 10,000 ops, 20 stale reads, with shortest violation", wl_check.kv,
     {"stale": 20}, None),
]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seeds", type=int, default=5)
    args = p.parse_args(argv)
    seeds = range(1, 2 if args.quick else args.seeds + 1)
    print("| history | median s | max s | target | verdicts | search steps (median) | evidence size |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for name, fn, kw, target in CASES:
        if args.quick:
            kw = dict(kw, n=100 if fn is wl_check.register else 1000)
        times, verdicts, sizes, steps = [], set(), [], []
        for seed in seeds:
            seconds, result = fn(seed=seed, **kw)
            times.append(seconds)
            steps.append(result.steps)
            verdicts.add("linearizable" if result else "not linearizable")
            if not result and kw.get("shrink", True):
                sizes.append(len(result.violation))
        med, worst = statistics.median(times), max(times)
        ok = "" if target is None else (f"< {target:g} s " + ("met" if med < target else "MISSED"))
        failed |= target is not None and med >= target and not args.quick
        size = "" if not sizes else f"{min(sizes)}-{max(sizes)} ops"
        print(f"| {name} | {med:.3f} | {worst:.3f} | {ok} | {', '.join(sorted(verdicts))} "
              f"| {int(statistics.median(steps)):,} | {size} |",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
