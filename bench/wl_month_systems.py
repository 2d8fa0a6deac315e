"""The month of Klarna through chapter 10's and chapter 11's systems, in bench/results.md.

    .venv/bin/python bench/wl_month_systems.py          # figures of the committed month
    .venv/bin/python bench/wl_month_systems.py --run    # run both months now (minutes)

``bench/wl_month.py`` measures a three-node stand-in for the month; the book's
pages show the month through the two real systems (``book/_lib/ch10_first.py``,
``book/_lib/ch11_second.py``), run once by ``python -m book._lib.month`` into
``book/_data/month.json``.  That run is also this workload's measurement: the
file holds each system's wall time, CPU time and simulated events (process
steps on the simulated kernel), so without ``--run`` this script only reads it
and writes the figures into results.md between two marker lines, as
``bench/extras.py`` does for its own section.  With ``--run`` it runs both
months again (each in its own process, side by side) into a scratch file and
reports those figures instead; the committed file is left alone.

The target is issue 15's: a month in under 60 s on this machine, judged in
CPU time (what the run takes on a core of its own: the machine is shared, so
its wall time depends on who else is running; the load average at the time of
the run is printed beside it).  The table gives the mode the month ran in
(``fidelity`` in the file: "full", every purchase a request through the
system, or "quiet-sampled", one purchase in ``sample_k`` through the system
in the quiet hours, see ``book/_lib/fidelity.py``) and the share of the
purchases that went through the system.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "book"))

from _lib import month  # noqa: E402

BEGIN = "<!-- the month through both systems: written by bench/wl_month_systems.py -->"
END = "<!-- end of bench/wl_month_systems.py -->"
TARGET_S = 60.0


def section(data, source):
    """The Markdown between the markers."""
    mode = data.get("fidelity", "full")
    how = ("every purchase a request through the system" if mode == "full" else
           f"mode `{mode}`: every hour with a fault or an operation in it or in the hour "
           f"before, and the whole peak day, at full fidelity; in the other (quiet) hours one "
           f"purchase in {data.get('sample_k')} through the system, the others counted")
    lines = [BEGIN, "", "## A month of Klarna through the book's two systems", "",
             f"December's {data['first']['purchases']:,} purchases and the month's faults "
             "(`ch10_first.month_faults()`) through chapter 10's first system and chapter 11's "
             f"second, {how} ({source}; "
             f"made on {data['generated']}, load average {data.get('load_average', 0):.1f}, "
             "both systems running side by side, one process each).", "",
             "| system | mode | simulated purchases | wall time | CPU time | simulated events "
             "| per wall second | per CPU second | target (CPU) | |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for which in ("first", "second"):
        s = data[which]
        ok = "ok" if s["cpu_s"] < TARGET_S else "**FAIL**"
        share = s.get("sampled_share", 1.0)
        lines.append(f"| {which} | {s.get('fidelity', mode)} | {100 * share:.1f} % "
                     f"| {s['wall_s']:.1f} s | {s['cpu_s']:.1f} s | {s['events']:,} "
                     f"| {s['events_per_s']:,.0f} | {s['events'] / s['cpu_s']:,.0f} "
                     f"| < {TARGET_S:.0f} s | {ok} |")
    lines += ["", "Simulated events are process steps: each time a process of the world runs "
              "until it waits again (counting them costs a few per cent). Wall time is the "
              "shared machine's at that load; CPU time is about what a core of its own would "
              "take, and the target is judged on it.", "", END, ""]
    return "\n".join(lines)


def write_into(results_md: Path, text: str) -> None:
    """Replace the marked section of results.md with ``text`` (or append it)."""
    old = results_md.read_text() if results_md.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results_md.write_text(new)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", action="store_true", help="run both months now (minutes)")
    p.add_argument("--fidelity", choices=month.fid.FIDELITIES, default=month.FIDELITY,
                   help="with --run: the mode (default: the month's, %(default)s)")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--out", default=str(HERE), help="folder holding results.md")
    args = p.parse_args(argv)
    if args.run:
        with tempfile.TemporaryDirectory() as tmp:
            data = month.generate(Path(tmp) / "month.json", fidelity=args.fidelity)
        source = "run by `bench/wl_month_systems.py --run`"
    else:
        try:
            data = month.load()
        except month.StaleMonth as e:
            print(f"the month's figures are not written: {e}")
            return 1
        source = f"measured by `{month.COMMAND}`, read from `book/_data/month.json`"
    text = section(data, source)
    print(text)
    if not args.no_write:
        target = Path(args.out) / "results.md"
        write_into(target, text)
        print(f"wrote the month's figures into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
