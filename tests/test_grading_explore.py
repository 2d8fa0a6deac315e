"""Hidden checks that explore schedules (issue 11): what the observer sends, what the
judge makes of it, determinism, and the reference solutions under other seeds."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from labrt.grading import TASKS, load_checks, load_hidden, run_task
from labrt.grading import notebook as nbio
from labrt.grading.core import Trial
from labrt.grading.judging import judge_reply
from labrt.grading.protocol import encode

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")


def _namespace(notebook: str, code: str | None = None) -> dict:
    nb = json.loads((ROOT / "solutions" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    ns: dict = {"__name__": "__main__"}
    for cell in nb["cells"]:
        role, _ = nbio.role(cell, trust_metadata=False)
        if role in ("given", "solution"):
            exec(compile(nbio.source(cell), f"<{notebook}>", "exec"), ns)
    if code is not None:
        exec(compile(code, "<changed>", "exec"), ns)
    return ns


def _exploring_cases():
    return [pytest.param(name, c, id=f"{name}: {c.title[:40]}") for name, t in sorted(TASKS.items())
            for c in t.hidden_cases() if c.scenario is not None
            and c.scenario.name.endswith("_explored")]


def _observe(case, ns, **override):
    inputs, _ = case.scenario.split(case.params)
    inputs.update(override)
    return case.scenario.observe(Trial(case.task, ns), **inputs)


LATE_TRAP = {      # the reference, with trap_exit moved after the first spawn_link
    "collect": [("    trap_exit(True)\n    index = {spawn_link(f): i for i, f in enumerate(funs)}\n",
                 "    index = {spawn_link(f): i for i, f in enumerate(funs)}\n    trap_exit(True)\n")],
    "supervise": [("    trap_exit(True)\n    restarts = []\n    pid = spawn_link(worker)\n",
                   "    restarts = []\n    pid = spawn_link(worker)\n    trap_exit(True)\n")],
    "keep_alive": [("    trap_exit(True)\n\n    def start():", "    def start():"),
                   ("    pid = start()\n    while", "    pid = start()\n    trap_exit(True)\n    while")],
}


def _late(name, code):
    for old, new in LATE_TRAP[name]:
        assert old in code, old
        code = code.replace(old, new)
    return code


def _task_code(name):
    nb = json.loads((ROOT / "solutions" / f"{TASKS[name].notebook}.ipynb").read_text(encoding="utf-8"))
    return next(nbio.source(c) for c in nb["cells"]
                if nbio.source(c).startswith(f"# {TASKS[name].label}"))


@pytest.mark.parametrize("name,case", _exploring_cases())
def test_reference_keeps_full_marks_under_other_seeds(name, case):
    """The reference solution shows no other outcome under three more seeds (100 runs each)."""
    ns = _namespace(TASKS[name].notebook)
    for seed in (1, 2, 3):
        obs = _observe(case, ns, seed=seed, runs=100)
        assert obs["found"] is False, obs
        assert judge_reply(case, {"status": "observed", "obs": encode(obs)}).status == "passed"


@pytest.mark.parametrize("name", sorted(LATE_TRAP))
def test_late_trap_is_found_under_every_seed(name):
    """trap_exit after spawn_link is found (and named) under each of several seeds."""
    ns = _namespace(TASKS[name].notebook, _late(name, _task_code(name)))
    case = next(c for c in TASKS[name].hidden_cases() if "(explored)" in c.title)
    for seed in (0, 1, 2, 3):
        obs = _observe(case, ns, seed=seed)
        assert obs["found"] is True and obs["deviations"] == 1, obs
        result = judge_reply(case, {"status": "observed", "obs": encode(obs)})
        assert result.status == "failed" and "trap_exit after spawn_link" in result.hint


@pytest.mark.parametrize("name,case", _exploring_cases())
def test_the_same_submission_gets_the_same_feedback(name, case):
    """Exploring twice gives the same observation, schedule and steps included."""
    code = _task_code(name)
    if name in LATE_TRAP:
        code = _late(name, code)
    else:
        assert "successor = await receive(Pid)" in code
        code = code.replace("successor = await receive(Pid)", "successor = await receive()")
    ns = _namespace(TASKS[name].notebook, code)
    first, second = _observe(case, ns), _observe(case, ns)
    assert first["found"] and first == second


@pytest.mark.parametrize("name,case", _exploring_cases())
def test_an_observation_that_shows_nothing_scores_nothing(name, case):
    """A forged or empty observation (no default outcome, wrong shape) never passes."""
    for obs in ([], {}, {"found": False}, {"default": None, "found": False},
                {"default": ("returned", []), "found": False}):
        result = judge_reply(case, {"status": "observed", "obs": encode(obs)})
        assert result.status != "passed" and result.points == 0, (obs, result)


@pytest.mark.parametrize("name,case", _exploring_cases())
def test_observer_gets_no_expected_values(name, case):
    """An exploring case's parameters are all inputs of its observer: what it should
    return is worked out by the judge, outside the sandbox."""
    inputs, expected = case.scenario.split(case.params)
    assert expected == {} and set(inputs) <= set(case.scenario.inputs)
    assert {"runs", "seed"} <= set(inputs) and inputs["runs"] <= 300
