"""Theory catching up: what growth does to the first system besides the CPU.

The talk lists what "buy a bigger box" cannot fix: data sets that grow very
large, traffic between nodes that exposes bottlenecks, and markets that want
nodes close to them.  Each has a small measurement here.

* :func:`data_share` -- with the load growing by a constant factor a year, the
  newest year's purchases are a fixed share of every purchase ever taken, so
  a system that keeps everything on every node doubles its data in well under
  two years, whatever the box.
* :func:`messages_per_purchase` -- one window of either system run with the
  trace on; every message that crosses between two nodes is counted at both
  ends, per node, and divided by the purchases.  The first system sends all
  of them through the master; the second spreads the front ends' share and
  leaves the back end's share where it was.
* The far market is a chapter-11 run with ``Slow`` links (see the chapter).

The first system's world is built here the way :func:`ch10_first.run` builds
it, only with the trace on (the chapter-10 module keeps its trace off for
speed); a short window is enough to count.
"""
from __future__ import annotations

from collections import Counter

import labrt

try:
    from . import ch10_first as c10
    from . import ch11_second as c11
except ImportError:
    import ch10_first as c10
    import ch11_second as c11


def data_share(growth=2.5, years=9):
    """The newest of ``years`` years' share of all purchases, load growing ``growth`` a year."""
    per_year = [growth ** i for i in range(years)]
    return per_year[-1] / sum(per_year)


def _count(world, purchases):
    per_node = Counter()
    for e in world.trace:
        if e.kind != "send" or e.pid is None or e.other is None:
            continue
        a, b = getattr(e.pid, "node", None), getattr(e.other, "node", None)
        if a is None or b is None or a == b:
            continue
        per_node[world.name_of(a)] += 1
        per_node[world.name_of(b)] += 1
    return {n: per_node[n] / purchases for n in sorted(per_node)}


def messages_per_purchase(system="first", minutes=10, seed=1, design=c11.SECOND):
    """Remote messages each node sends or receives, per purchase, over ``minutes``."""
    month = c10.kt.Month()
    t0 = c10.at(21, 0)
    t1 = t0 + minutes * 60.0
    span = t1 - t0
    w = labrt.World(seed=seed, trace=True, reports=None, latency=0.002, tick=10.0)
    shop_node = w.node(c10.WEB)
    stats = {}
    if system == "first":
        w.node(c10.MASTER, boot=c10.purchase_boot)
        w.node(c10.SLAVE, boot=c10.purchase_boot)
        w.node(c10.BOM, boot=c10.bo_master_boot)
        w.node(c10.BOS, boot=c10.bo_slave_boot)
        w.node(c10.BUREAU, boot=c10.bureau_boot)
        shop_node.spawn(c10.web, c10._arrivals(month, t0, t1, seed), seed, span + 30.0, stats)
    else:
        for n in design.fronts:
            w.node(n, boot=c11._front_boot(design))
        for n in design.risks:
            w.node(n, boot=c11.risk_boot)
        w.node(c11.BOM, boot=c11.bo_master_boot)
        w.node(c11.BUREAU, boot=c10.bureau_boot)
        shop_node.spawn(c11.web, design, c10._arrivals(month, t0, t1, seed), seed,
                        span + 30.0, stats)
    w.run_until(span)            # the traffic only, not the final report of the books
    return _count(w, stats.get("purchases") or sum(1 for _ in c10._arrivals(month, t0, t1, seed)))
