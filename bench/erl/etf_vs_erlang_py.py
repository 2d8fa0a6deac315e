"""labrt's term codec beside erlang_py (PyPI ``erlang-py``), on hostile and ordinary input.

The figures behind the choice written down in notes/labrt-erl.md ("The term
codec"). erlang_py is not a dependency of the course; to rerun this, install
it into a scratch environment and point ERLANG_PY at its folder:

    python3 -m venv /tmp/epy && /tmp/epy/bin/pip install erlang-py==2.0.7
    ERLANG_PY=/tmp/epy/lib/python3.11/site-packages .venv/bin/python bench/erl/etf_vs_erlang_py.py

Each hostile frame is decoded once by each codec; the line gives what came
of it (accepted, or the exception), the wall time and the peak of Python's
heap during the decode (tracemalloc).
"""
from __future__ import annotations

import os
import statistics
import struct
import sys
import time
import tracemalloc
import zlib

from labrt.erl import etf

try:
    sys.path.insert(0, os.environ.get("ERLANG_PY", ""))
    import erlang
except ImportError:
    sys.exit("erlang_py is not installed: see this file's docstring")


def measure(decode, data):
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        decode(data)
        what = "accepted"
    except Exception as e:                   # what each codec raises is part of the result
        what = type(e).__name__
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return f"{what:15s} {seconds:8.3f} s {peak / 1e6:7.1f} MB"


def hostile():
    bomb = zlib.compress(b"\x6d" + struct.pack(">I", 200_000_000) + bytes(200_000_000))
    yield "100,000 nested tuples", b"\x83" + b"\x68\x01" * 100_000 + b"\x6a"
    yield "a list claiming 2^32-1 elements", b"\x83\x6c\xff\xff\xff\xff\x6a"
    yield (f"zlib: 200 MB from {len(bomb) // 1000} KB",
           b"\x83\x50" + struct.pack(">I", 200_000_005) + bomb)
    for n in (20_000, 100_000):
        yield f"an integer of {n // 1000} KB", b"\x83\x6f" + struct.pack(">I", n) + b"\x00" + b"\xff" * n


def main():
    nodes = etf.NodeTable("a@localhost")
    print(f"{'frame':34s} | {'erlang_py ' + erlang.__name__:36s} | labrt.erl.etf")
    for name, data in hostile():
        print(f"{name:34s} | {measure(erlang.binary_to_term, data)} | "
              f"{measure(lambda d: etf.decode(d, nodes=nodes), data)}")
    node = erlang.OtpErlangAtom(b"b@localhost")
    pid = erlang.OtpErlangPid(node, b"\0\0\0\5", b"\0\0\0\0", b"\0\0\0\1")
    ref = erlang.OtpErlangReference(node, b"\0\0\0\1\0\0\0\2\0\0\0\3", b"\0\0\0\1")
    call = (erlang.OtpErlangAtom(b"$gen_call"), (pid, ref),
            (erlang.OtpErlangAtom(b"put"), erlang.OtpErlangBinary(b"key-17"), [1, 2, 3, 2.5]))
    data = erlang.term_to_binary(call)
    value = etf.decode(data, nodes=nodes)
    n, rounds = 10_000, 7
    rates: dict[str, list[float]] = {}
    for _ in range(rounds):                  # interleaved, so a busy moment hits all four
        for label, fn in (("erlang_py decode", lambda: erlang.binary_to_term(data)),
                          ("labrt decode", lambda: etf.decode(data, nodes=nodes)),
                          ("erlang_py encode", lambda: erlang.term_to_binary(call)),
                          ("labrt encode", lambda: etf.encode(value, nodes=nodes))):
            t0 = time.process_time()
            for _ in range(n):
                fn()
            rates.setdefault(label, []).append(n / (time.process_time() - t0))
    print(f"\na gen_server call ({len(data)} bytes), terms per CPU second, median of "
          f"{rounds} interleaved rounds: "
          + ", ".join(f"{k} {statistics.median(v):,.0f}" for k, v in rates.items()))
    print("labrt's value:    ", value)
    print("erlang_py's value:", erlang.binary_to_term(data))


if __name__ == "__main__":
    main()
