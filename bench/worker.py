"""Run one repetition of one workload and print its raw value.

    python bench/worker.py SYSTEM METRIC N

Prints `RESULT {"value": ..., "cpu_share": ...}` on success (cpu_share: CPU
time over wall time for the whole call, below 1 when another program took
the core), `SKIP <reason>` (exit 3) when the workload
cannot run yet.  bench/run.py starts one worker per measurement, so every
figure comes from a fresh interpreter.
"""
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))      # the repo root, for `import labrt`

import registry  # noqa: E402


def emit(value):
    print("RESULT " + json.dumps(value), flush=True)


def main(argv):
    system, metric, n = argv[0], argv[1], int(argv[2])
    try:
        fn = registry.workload(system, metric)
        if metric == "million":
            wall0, cpu0 = time.perf_counter(), time.process_time()

            def report(seconds, peak, base):
                wall = time.perf_counter() - wall0
                share = (time.process_time() - cpu0) / wall if wall > 0 else 1.0
                emit({"value": {"seconds": seconds, "peak_rss": peak, "base_rss": base},
                      "cpu_share": share})
                sys.stderr.flush()
                os._exit(0)          # skip tearing down n live processes
            fn(n, report=report)
            print("million: the runtime returned before the report", file=sys.stderr)
            return 1
        wall0, cpu0 = time.perf_counter(), time.process_time()
        value = fn(n)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("labrt", "pykka", "trio"):
            print(f"SKIP {e.name} is not installed", flush=True)
            return 3
        raise
    except Exception as e:
        if type(e).__name__ == "Skip":
            print(f"SKIP {e}", flush=True)
            return 3
        raise
    # cpu_share < 1 means the process waited for a core (another program ran):
    # run.py repeats such a repetition.
    emit({"value": value, "cpu_share": cpu / wall if wall > 0 else 1.0})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
