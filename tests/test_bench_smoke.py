"""Smoke test of the benchmark: `bench/run.py --quick --no-write` runs and reports every figure.

No speed is asserted here; speed targets live in the benchmark's own report.
"""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_registry():
    # Loaded by path, so bench/'s generic module names never shadow anything on sys.path.
    spec = importlib.util.spec_from_file_location("bench_registry", ROOT / "bench" / "registry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


registry = _load_registry()

OTP_METRICS = {"call": "labrt.gen_server", "restart": "labrt.supervisor",
               "sup_children": "labrt.supervisor"}


def _exists(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture(scope="module")
def quick_run():
    """Output of one quick benchmark run, shared by the tests below."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--no-write"],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    return proc


def test_quick_run_exits_zero(quick_run):
    """The quick run finishes without a failed workload."""
    assert quick_run.returncode == 0, quick_run.stdout[-3000:] + quick_run.stderr[-3000:]


@pytest.mark.parametrize("system,metric", registry.cells())
def test_every_metric_is_printed(quick_run, system, metric):
    """Each (system, metric) cell prints a progress line with a number (or a skip while its OTP module is missing)."""
    label = registry.METRICS[metric][0]
    pattern = rf"^\[rep 1/1 +\d+/\d+\] {re.escape(system)} +{re.escape(label)} +n=[\d,]+ +(.*)$"
    lines = [m.group(1) for m in re.finditer(pattern, quick_run.stdout, re.M)]
    assert lines, f"no line for {system} {label}:\n{quick_run.stdout[-2000:]}"
    shown = lines[0]
    needed = OTP_METRICS.get(metric)
    if needed and not _exists(needed) and system.startswith("labrt"):
        assert shown.startswith(("SKIPPED", "start", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")), shown
    else:
        assert re.match(r"(start )?[\d,.]+", shown), shown


def test_report_has_targets_table(quick_run):
    """The printed report has the targets table with a PASS/FAIL verdict per target."""
    out = quick_run.stdout
    assert "## Targets" in out
    verdicts = re.findall(r"\*\*(PASS|FAIL)\*\*", out)
    # bench/report.py prints one verdict per target it defines (it imports bench/registry.py
    # as `registry`, so it is loaded with that module under that name for a moment).
    saved = sys.modules.get("registry")
    sys.modules["registry"] = registry
    try:
        spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
        report = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(report)
    finally:
        if saved is None:
            sys.modules.pop("registry", None)
        else:
            sys.modules["registry"] = saved
    assert len(verdicts) == len(report.targets({})) >= 10, out[-3000:]


def _load_extras():
    spec = importlib.util.spec_from_file_location("bench_extras", ROOT / "bench" / "extras.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extras_replace_only_their_own_section(tmp_path):
    """bench/extras.py rewrites the text between its markers and keeps the rest of results.md."""
    extras = _load_extras()
    target = tmp_path / "results.md"
    target.write_text("# labrt benchmark results\n\nrun.py's figures\n")
    extras.write_into(target, f"{extras.BEGIN}\nfirst\n{extras.END}\n")
    extras.write_into(target, f"{extras.BEGIN}\nsecond\n{extras.END}\n")
    text = target.read_text()
    assert text.count(extras.BEGIN) == 1 and "second" in text and "first" not in text
    assert text.startswith("# labrt benchmark results\n\nrun.py's figures\n")


def test_extras_quick_prints_the_store_and_checker_figures(tmp_path):
    """A quick run of bench/extras.py prints its three sections with their figures and no error."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "extras.py"), "--quick",
                           "--no-write"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "store transactions/s, 3 replicas:" in proc.stdout
    assert "key-value, 10,000 ops" in proc.stdout and "ERROR" not in proc.stdout
    assert "| ch02-functional |" in proc.stdout and "Targets: one notebook under 20 s" in proc.stdout
