"""labrt.check: record what clients saw, and check it.

A distributed store is correct or not by what its clients observe, so the
checkers here look only at a *history*: who asked for what, what they were
told, and when. They know nothing of processes, nodes or the kernel, and
import nothing from the rest of labrt; a history recorded in a simulated run,
loaded from a file a student handed in, or typed in by hand is checked the
same way.

    from labrt.check import History, Register, check

    h = History()
    op = h.invoke("a", "write", 3, 0.0)
    h.ok(op, None, 1.0)
    op = h.invoke("b", "read", None, 2.0)
    h.ok(op, 0, 3.0)                    # b read the old value after the write
    result = check(h, Register(initial=0))
    print(result.text())                # why not, and the evidence, drawn

The modules, in reading order:

* ``history``: the recorder, and JSON lines in and out (strictly checked);
* ``models``: register, set, counter and key-value map as sequential
  specifications;
* ``linear``: the linearizability search (Wing & Gong, with Lowe's memo);
* ``shrink``: the shortest violating sub-history, the evidence of a failure;
* ``timeline``: histories drawn as text and SVG;
* ``counters``: lost acknowledged writes, stale reads, duplicated effects,
  divergent replicas.

See ``notes/labrt-check.md`` for the design and a worked example.
"""
from .counters import (
    Counts, count, divergent_replicas, duplicated_effects, lost_writes, stale_reads,
)
from .history import History, HistoryError, Operation, describe
from .linear import Result, SearchBudgetExceeded, check, is_linearizable, search
from .models import Counter, KeyValue, Model, ModelError, Register, Set
from .shrink import shortest_prefix, shortest_violation
from .timeline import svg_timeline, text_timeline

__all__ = [
    "Counter", "Counts", "History", "HistoryError", "KeyValue", "Model", "ModelError",
    "Operation", "Register", "Result", "SearchBudgetExceeded", "Set", "check", "count",
    "describe", "divergent_replicas", "duplicated_effects", "is_linearizable",
    "lost_writes", "search", "shortest_prefix", "shortest_violation", "stale_reads",
    "svg_timeline", "text_timeline",
]
