"""Profile labrt's hot paths on the simulated kernel (a tool for the lead, not part of the run).

    python bench/profile_labrt.py [pingpong|oneway|spawn_exit|idle_bytes] [N] [--kernel sim|trio]

Prints cProfile's top functions by own time.  Deterministic profiling inflates
the cost of small functions; read the ranking and the call counts, not the
absolute times.
"""
import argparse
import cProfile
import pstats
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import wl_labrt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("metric", nargs="?", default="pingpong")
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--kernel", default="sim")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    fn = getattr(wl_labrt, args.metric)
    prof = cProfile.Profile()
    prof.enable()
    fn(args.n, kernel=args.kernel)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
