"""Run one repetition of one workload and print its raw value.

    python bench/worker.py SYSTEM METRIC N

Prints `RESULT <json>` on success, `SKIP <reason>` (exit 3) when the workload
cannot run yet.  bench/run.py starts one worker per measurement, so every
figure comes from a fresh interpreter.
"""
import json
import os
import sys
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
            def report(seconds, peak, base):
                emit({"seconds": seconds, "peak_rss": peak, "base_rss": base})
                sys.stderr.flush()
                os._exit(0)          # skip tearing down n live processes
            fn(n, report=report)
            print("million: the runtime returned before the report", file=sys.stderr)
            return 1
        value = fn(n)
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
    emit(value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
