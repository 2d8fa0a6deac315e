"""What the benchmark runs: systems, metrics, sizes.

`workload(system, metric)` returns a function of the size n; it is only called
inside a worker subprocess (bench/worker.py), so importing this module imports
no runtime.
"""
from functools import partial

SYSTEMS = {
    "labrt-sim": "labrt, simulated kernel",
    "labrt-trio": "labrt, trio kernel",
    "ceiling": "generator scheduler (the ceiling)",
    "ceiling-async": "same scheduler, async def processes",
    "asyncio": "asyncio tasks + asyncio.Queue",
    "trio": "trio tasks + memory channels",
    "pykka": "Pykka 4 (thread per actor)",
    "erlang": "Erlang/OTP, two real nodes",
    "labrt-to-erlang": "labrt node to a real Erlang node",
}

# Systems measured only between real nodes (bench/wl_erl.py), not in the core table.
WIRE_ONLY = ("erlang", "labrt-to-erlang")

# metric -> (label, unit, kind); kind "rate" values are n / seconds.
METRICS = {
    "pingpong": ("ping-pong", "round trips/s", "rate"),
    "oneway": ("one-way", "msg/s", "rate"),
    "spawn_exit": ("spawn+exit", "processes/s", "rate"),
    "idle_bytes": ("idle process", "bytes (tracemalloc)", "bytes"),
    "million": ("1M idle processes", "", "million"),
    "call": ("call round trip", "calls/s", "rate"),
    "restart": ("restart latency", "per restart", "seconds"),
    "sup_children": ("simple_one_for_one", "", "pair"),
    "idle_hour": ("a simulated hour", "", "seconds"),
    "explore_rate": ("explore: 3 processes", "schedules/s", "rate"),
    "explore_litmus": ("explore: cover litmus", "per suite", "seconds"),
    "dist_oneway": ("one-way between 2 nodes", "msg/s", "rate"),
    "dist_pingpong": ("ping-pong between 2 nodes", "round trips/s", "rate"),
    "dist_hour": ("100 nodes, faulty hour", "", "million"),
    "wire_oneway": ("one-way between real nodes (loopback)", "msg/s", "rate"),
    "wire_pingpong": ("ping-pong between real nodes (loopback)", "round trips/s", "rate"),
    # a dict of figures (medians per key, as for "million"): bench/wl_month.py
    "month": ("a month of Klarna: purchases through 3 nodes, with faults", "", "million"),
}

CORE = ("pingpong", "oneway", "spawn_exit", "idle_bytes")

SIZES = {
    "pingpong": 200_000,
    "oneway": 1_000_000,
    "spawn_exit": 100_000,
    "idle_bytes": 10_000,
    "million": 1_000_000,
    "call": 50_000,
    "restart": 2_000,
    "sup_children": 10_000,
    "idle_hour": 1_000,
    "explore_rate": 1_000,
    "explore_litmus": 5,
    "dist_oneway": 1_000_000,
    "dist_pingpong": 200_000,
    "dist_hour": 100,
    "wire_oneway": 100_000,
    "wire_pingpong": 10_000,
    "month": 2_500_000,
}

# Slow systems get smaller sizes so that one repetition takes about a second.
# A target compares labrt-sim with the ceiling at the same n: spawn+exit slows
# down as n grows (n live processes at the peak), so those two are never scaled.
SCALE = {
    "pykka": {"pingpong": 0.1, "oneway": 0.1, "spawn_exit": 0.01,
              "idle_bytes": 0.1, "call": 0.4},
    "trio": {"pingpong": 0.5, "oneway": 0.2},
    "labrt-trio": {"pingpong": 0.5, "oneway": 0.2, "call": 0.5},
    "asyncio": {"pingpong": 0.5},
}

QUICK_SIZES = {
    "pingpong": 2_000,
    "oneway": 10_000,
    "spawn_exit": 2_000,
    "idle_bytes": 500,
    "million": 20_000,
    "call": 500,
    "restart": 50,
    "sup_children": 200,
    "idle_hour": 100,
    "explore_rate": 100,
    "explore_litmus": 1,
    "dist_oneway": 10_000,
    "dist_pingpong": 2_000,
    "dist_hour": 10,
    "wire_oneway": 2_000,
    "wire_pingpong": 200,
    "month": 20_000,
}


def cells():
    """Every (system, metric) the benchmark measures, in run order."""
    out = [(system, metric) for system in SYSTEMS if system not in WIRE_ONLY
           for metric in CORE]
    out += [("labrt-sim", "call"), ("labrt-trio", "call"), ("asyncio", "call"),
            ("pykka", "call"), ("labrt-sim", "restart"), ("labrt-sim", "sup_children"),
            ("labrt-sim", "idle_hour"), ("labrt-sim", "million"),
            ("labrt-sim", "explore_rate"), ("labrt-sim", "explore_litmus"),
            ("labrt-sim", "dist_oneway"), ("labrt-sim", "dist_pingpong"),
            ("labrt-sim", "dist_hour"), ("labrt-sim", "month")]
    out += [(system, metric) for metric in ("wire_oneway", "wire_pingpong")
            for system in ("erlang", "labrt-trio", "labrt-to-erlang")]
    return out


def size(system, metric, quick=False, scale=1.0):
    if quick:
        base = QUICK_SIZES[metric]
    else:
        base = SIZES[metric] * scale
    factor = SCALE.get(system, {}).get(metric, 1)
    minimum = {"restart": 10, "call": 10, "explore_litmus": 1}.get(metric, 50)
    return max(minimum, int(base * factor))


def workload(system, metric):
    if metric.startswith("explore_"):
        import wl_explore
        return getattr(wl_explore, metric)
    if metric.startswith("wire_"):
        import wl_erl
        kind = metric.split("_")[1]
        prefix = {"erlang": "erlang", "labrt-trio": "labrt",
                  "labrt-to-erlang": "labrt_to_erlang"}[system]
        return getattr(wl_erl, f"{prefix}_{kind}")
    if metric == "month":
        import wl_month
        return wl_month.month
    if metric.startswith("dist_"):
        import wl_dist
        return getattr(wl_dist, metric)
    if metric in ("call", "restart", "sup_children"):
        import wl_otp
        if system == "asyncio":
            return wl_otp.asyncio_call
        if system == "pykka":
            return wl_otp.pykka_call
        kernel = system.split("-")[1]
        fn = {"call": wl_otp.labrt_call, "restart": wl_otp.restart_latency,
              "sup_children": wl_otp.sup_children}[metric]
        return partial(fn, kernel=kernel)
    if system.startswith("labrt-"):
        import wl_labrt
        return partial(getattr(wl_labrt, metric), kernel=system.split("-")[1])
    module = {"ceiling": "wl_ceiling", "ceiling-async": "wl_ceiling_async",
              "asyncio": "wl_asyncio", "trio": "wl_trio", "pykka": "wl_pykka"}[system]
    return getattr(__import__(module), metric)
