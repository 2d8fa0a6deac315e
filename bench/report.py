"""Targets and the Markdown report for bench/run.py."""
from __future__ import annotations

import registry

KB = 1_000                      # "2 KB" and "3 GB" are read as decimal units (the stricter reading)
GB = 1_000_000_000


def _median(results, system, metric):
    return results.get(system, {}).get(metric, {}).get("median")


def targets(results):
    """Each target from the brief, checked against this run's own figures."""
    med = lambda s, m: _median(results, s, m)  # noqa: E731
    out = []

    def ratio(name, system, metric, against, factor):
        num = med(system, metric)
        dens = [med(s, metric) for s in against]
        ok = num is not None and all(d is not None for d in dens)
        value = num / max(dens) if ok else None
        base = " and ".join(against)
        base = f"best of {base}" if len(against) > 1 else base
        out.append({"name": name, "measured": value, "required": f">= {factor}x {base}",
                    "pass": None if value is None else value >= factor, "kind": "ratio"})

    ratio("sim ping-pong vs asyncio, Pykka", "labrt-sim", "pingpong", ["asyncio", "pykka"], 1.5)
    ratio("sim ping-pong vs ceiling", "labrt-sim", "pingpong", ["ceiling"], 0.4)
    ratio("sim one-way vs ceiling", "labrt-sim", "oneway", ["ceiling"], 0.3)
    ratio("sim spawn+exit vs ceiling", "labrt-sim", "spawn_exit", ["ceiling"], 0.5)
    idle = med("labrt-sim", "idle_bytes")
    out.append({"name": "bytes per idle process (sim)", "measured": idle,
                "required": f"<= {2 * KB:,} bytes",
                "pass": None if idle is None else idle <= 2 * KB, "kind": "bytes"})
    million = med("labrt-sim", "million")
    peak = million["peak_rss"] if million else None
    out.append({"name": "1,000,000 idle processes (sim), peak RSS", "measured": peak,
                "required": f"<= {3 * GB:,} bytes (3 GB)",
                "pass": None if peak is None else peak <= 3 * GB, "kind": "bytes"})
    ratio("trio-kernel ping-pong vs plain trio", "labrt-trio", "pingpong", ["trio"], 0.7)
    remote = med("labrt-sim", "dist_oneway")
    local = med("labrt-sim", "oneway")
    value = remote / local if remote and local else None
    out.append({"name": "remote one-way between 2 simulated nodes vs local one-way",
                "measured": value, "required": ">= 0.5x local one-way",
                "pass": None if value is None else value >= 0.5, "kind": "ratio"})
    hour = med("labrt-sim", "dist_hour")
    wall = hour["seconds"] if hour else None
    out.append({"name": "100-node world, random faults, a simulated hour: wall time",
                "measured": wall, "required": "< 10 s",
                "pass": None if wall is None else wall < 10, "kind": "wall"})
    month = med("labrt-sim", "month")
    wall = month["seconds"] if month else None
    out.append({"name": "a month of Klarna (full fidelity, with faults): wall time",
                "measured": wall, "required": "< 60 s",
                "pass": None if wall is None else wall < 60, "kind": "wall"})
    ratio("real nodes: labrt to labrt one-way vs Erlang to Erlang", "labrt-trio",
          "wire_oneway", ["erlang"], 0.25)
    return out


def fmt_value(kind, value):
    if value is None:
        return "-"
    if kind == "million" and "events_per_s" in value:      # the month (wl_month)
        return f"{value['seconds']:.1f} s, {value['events_per_s']:,.0f} simulated events/s"
    if kind == "million":
        return f"{value['seconds']:.2f} s, peak RSS {value['peak_rss'] / 2**20:,.0f} MiB"
    if kind == "pair":
        return f"start {value[0]:.3f} s, shutdown {value[1]:.3f} s"
    if kind == "seconds":
        return f"{value * 1e6:,.1f} µs"
    if kind == "bytes":
        return f"{value:,.0f}"
    if kind == "ratio":
        return f"{value:.2f}x"
    if kind == "wall":
        return f"{value:.2f} s"
    return f"{value:,.0f}"


def _cell(results, system, metric):
    cell = results.get(system, {}).get(metric)
    if cell is None:
        return "not run"
    if "skipped" in cell:
        return "skipped"
    if "error" in cell:
        return "ERROR"
    return fmt_value(cell["kind"], cell.get("median"))


def _verdict(t):
    return "n/a" if t["pass"] is None else ("**PASS**" if t["pass"] else "**FAIL**")


def markdown(doc):
    m, results, cfg = doc["machine"], doc["results"], doc["config"]
    reps = cfg["reps"]
    lines = [
        "# labrt benchmark results",
        "",
        f"Produced by `python bench/run.py{' --quick' if cfg['quick'] else ''}` on {m['date']} "
        f"(labrt at commit {m['labrt_commit']}; the whole run took {doc['wall_seconds']:.0f} s). "
        f"Each figure is the median of {reps} repetition{'s' if reps != 1 else ''}; every "
        "repetition ran in a fresh interpreter, and repetitions were interleaved across systems.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable)",
        f"- Memory: {m['memory_bytes'] / 2**30:.1f} GiB" if m["memory_bytes"] else "- Memory: unknown",
        f"- OS: {m['os']}",
        f"- Python: {m['python']}",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"- Load average (1 min) at start / end: {m.get('load_at_start')} / {m.get('load_at_end')}; "
        f"{_busy_note(results)}",
        "",
        "## Targets (ratios from this run)",
        "",
        "| target | measured | required | result |",
        "|---|---:|---|---|",
    ]
    for t in doc["targets"]:
        lines.append(f"| {t['name']} | {fmt_value(t['kind'], t['measured'])} | {t['required']} | {_verdict(t)} |")
    lines += [
        "",
        "## Messaging, spawning, memory",
        "",
        "| system | ping-pong round trips/s | one-way msg/s | spawn+exit /s | bytes per idle process |",
        "|---|---:|---:|---:|---:|",
    ]
    for system, title in registry.SYSTEMS.items():
        if system not in results or system in registry.WIRE_ONLY:
            continue
        row = [_cell(results, system, metric) for metric in registry.CORE]
        lines.append(f"| {title} | " + " | ".join(row) + " |")
    ceiling = results.get("ceiling", {})
    sim = results.get("labrt-sim", {})
    if ceiling and sim:
        ratios = []
        for metric in registry.CORE:
            a, b = _median(results, "labrt-sim", metric), _median(results, "ceiling", metric)
            ratios.append("-" if a is None or b is None or not b else f"{a / b:.2f}x")
        lines.append("| *labrt sim ÷ ceiling* | " + " | ".join(ratios) + " |")

    million = results.get("labrt-sim", {}).get("million")
    if million:
        lines += ["", "## One million idle processes (simulated kernel, fresh subprocess)", ""]
        if "median" in million:
            v, n = million["median"], million["n"]
            lines += [
                "| processes | time to spawn and block | peak RSS | RSS before spawning | RSS per process |",
                "|---:|---:|---:|---:|---:|",
                f"| {n:,} | {v['seconds']:.2f} s | {v['peak_rss'] / 2**20:,.0f} MiB "
                f"| {v['base_rss'] / 2**20:,.0f} MiB | {(v['peak_rss'] - v['base_rss']) / n:,.0f} bytes |",
            ]
        else:
            lines.append(f"Not measured: {million.get('skipped') or million.get('error')}")

    lines += ["", "## OTP behaviours", "", "| workload | system | figure |", "|---|---|---:|"]
    for system in ("labrt-sim", "labrt-trio", "asyncio", "pykka"):
        if "call" in results.get(system, {}):
            what = {"asyncio": "request/response (Queue in, Future back)",
                    "pykka": "`ask`"}.get(system, "`gen_server.call`")
            lines.append(f"| call round trips/s: {what} | {registry.SYSTEMS[system]} "
                         f"| {_otp_cell(results[system]['call'])} |")
    for metric, what in (("restart", "restart latency (kill → new child's init), one_for_one"),
                         ("sup_children", "simple_one_for_one: start N children one by one, then shut down")):
        cell = results.get("labrt-sim", {}).get(metric)
        if cell:
            lines.append(f"| {what}, N={cell['n']:,} | {registry.SYSTEMS['labrt-sim']} | {_otp_cell(cell)} |")

    hour = results.get("labrt-sim", {}).get("idle_hour")
    if hour and "median" in hour:
        lines += ["", "## Simulated time", "",
                  f"A simulated hour of {hour['n']:,} mostly idle processes (each wakes once a "
                  f"minute; one in ten pings a peer): **{hour['median']:.2f} s** of wall time "
                  "(target: well under a second)."]

    sim = results.get("labrt-sim", {})
    if any(m in sim for m in ("dist_oneway", "dist_pingpong", "dist_hour")):
        lines += ["", "## Distribution (simulated nodes, one world)", "",
                  "| workload | figure |", "|---|---:|"]
        for metric in ("dist_oneway", "dist_pingpong", "dist_hour"):
            if metric in sim:
                label, unit, _ = registry.METRICS[metric]
                lines.append(f"| {label}{' (' + unit + ')' if unit else ''} "
                             f"| {_otp_cell(sim[metric])} |")
    month = sim.get("month")
    if month and "median" in month:
        v = month["median"]
        lines += ["", "## A month of Klarna (simulated nodes, full fidelity)", "",
                  f"December's {v['purchases']:,.0f} purchases (`book/_lib/klarna_traffic.py`: "
                  "daily and yearly shape, peak on Friday 21 December), each a request through "
                  "three nodes of one world: the shop sends it to the purchase node's front end, "
                  "which calls its risk server, replicates to the other node by message and "
                  "answers; three node crashes (each restarted a minute later) and a 40 s partition on the peak "
                  f"evening (`bench/wl_month.py`). **{v['seconds']:.1f} s** of wall time "
                  f"(target: under 60 s), {v['events_per_s']:,.0f} simulated events per second; "
                  f"{v['lost']:,.0f} purchases lost, {v['duplicates']:,.0f} decided twice."]
    wire = [s_ for s_ in ("erlang", "labrt-trio", "labrt-to-erlang")
            if any(m in results.get(s_, {}) for m in ("wire_oneway", "wire_pingpong"))]
    if wire:
        lines += ["", "## Real nodes on loopback (Erlang's distribution protocol)", "",
                  "| pair | one-way msg/s | ping-pong round trips/s |", "|---|---:|---:|"]
        names = {"erlang": "Erlang to Erlang (baseline)", "labrt-trio": "labrt to labrt",
                 "labrt-to-erlang": "labrt to Erlang"}
        for system in wire:
            lines.append(f"| {names[system]} | {_cell(results, system, 'wire_oneway')} "
                         f"| {_cell(results, system, 'wire_pingpong')} |")
    if any(m in sim for m in ("explore_rate", "explore_litmus")):
        lines += ["", "## Race explorer (schedule mode)", "", "| workload | figure |",
                  "|---|---:|"]
        for metric in ("explore_rate", "explore_litmus"):
            if metric in sim:
                label, unit, _ = registry.METRICS[metric]
                lines.append(f"| {label} ({unit}) | {_otp_cell(sim[metric])} |")

    lines += [
        "",
        "## How each figure is measured",
        "",
        "- **ping-pong**: two processes; one sends `(self, i)`, the other replies `i`; N round trips.",
        "- **one-way**: a sender sends N messages without waiting; the receiver takes them one by one.",
        "- **spawn+exit**: a parent spawns N children that return at once; the clock stops when the last "
        "child has run (a shared counter tells the parent, the same way on every system).",
        "- **bytes per idle process**: tracemalloc's Python-heap growth from before spawning N processes "
        "to when all of them block in receive, divided by N (each process's mailbox is included). "
        "Native memory is not counted, so Pykka's per-thread OS stacks are missing from its figure.",
        "- **1M idle processes**: time to spawn 1,000,000 processes that block in receive, and the "
        "process's peak RSS (`ru_maxrss`), in a fresh subprocess per repetition.",
        "- **call round trips**: one client, one server, N synchronous requests "
        "(labrt `gen_server.call`, Pykka `ask` from the main thread, asyncio Queue + Future).",
        "- **ceiling**: `bench/ceiling.py`, a ~70-line round-robin scheduler over plain generators with "
        "deque mailboxes (no selective receive, timeouts, links or tracing). *ceiling, async def* drives "
        "`async def` processes with the same scheduler (for information; not used by targets).",
        "- Sends never suspend on any system (asyncio `put_nowait`, trio `send_nowait` on an unbounded "
        "channel); timing covers start-up of the runtime, which is negligible at these sizes. "
        "The garbage collector stays on, as in real use.",
        "- **Busy machine**: figures are wall-clock times, so another program on the same cores slows "
        "them. Each worker reports its CPU time over its wall time; a timed repetition that got less "
        "than 90% of a CPU is run again (up to 3 more times, within a 90 s budget for the whole run) "
        "and the attempt with the largest share is kept. Pykka is exempt (its threads wait for each "
        "other, so its share is never near 100%), and so are the real-node workloads (their time is "
        "spent waiting on the other node's OS process).",
        "- **real nodes**: two OS processes on loopback with a private EPMD; the sending node times "
        "N one-way messages to a registered sink (which answers when it has them all), or N round "
        "trips to a registered echo process (`bench/wl_erl.py`, `bench/erl/dist_bench.escript`).",
        "",
        "Sizes (N) in this run: " + ", ".join(f"{k} {v:,}" for k, v in cfg["sizes"].items()) + ".",
        "",
    ]
    return "\n".join(lines)


def _otp_cell(cell):
    if "skipped" in cell:
        return f"skipped ({cell['skipped']})"
    if "error" in cell:
        return f"ERROR ({cell['error']})"
    v = cell.get("median")
    if v is None:
        return "-"
    if cell["kind"] == "pair":
        n = cell["n"]
        return f"start {v[0]:.2f} s ({n / v[0]:,.0f}/s), shutdown {v[1]:.2f} s"
    return fmt_value(cell["kind"], v)


def _busy_note(results):
    retried = sum(c.get("retries", 0) for cells in results.values() for c in cells.values())
    low = sorted({f"{s}/{m}" for s, cells in results.items() for m, c in cells.items()
                  if min(c.get("cpu_share") or [1]) < 0.9 and s != "pykka"
                  and c["kind"] != "bytes"})
    text = (f"{retried} timed repetition{'s' if retried != 1 else ''} re-run because another "
            "program held the core (a repetition counts only if it got >= 90% of a CPU)")
    if low:
        text += ("; figures that still ran on a shared core (treat them, and ratios built on "
                 "them, as pessimistic): " + ", ".join(low))
    return text
