"""Running a task's cases in two halves: observing (where the student's code
runs) and judging (where the verdict is made).

The grading command and ``check()`` in a notebook go through the same four
functions; only the distance between the halves differs.

* :func:`requests_for` (judging side) turns the cases of a task into
  *requests*: for a scenario case, the scenario's name and the case's
  inputs, encoded, and nothing else (no title, no expected values, no
  hint); for an older case (a function that judges itself) its task and
  title, so that the other side can find it.
* :func:`observe_task` (observing side) answers the requests, one *reply*
  per case: ``{"status": "observed", "obs": ...}``, or the status and text
  of what went wrong while observing (the stub raised ``NotDone``, the time
  guard fired, the student's code raised, a ``Fail`` from the scenario
  itself such as a missing name). After a timeout the task's remaining
  cases are skipped, as one endless loop is enough.
* :func:`assemble` (judging side) judges each reply with the case's judge
  and the registered points, and makes the :class:`TaskResult`. A reply is
  never believed about points: a passed case scores the points the
  registry gives it, and only a judge (or, for an older case, its own
  verdict) can pass it. Every text that came from the other side is cut to
  :data:`TEXT_LIMIT` characters.

:func:`run_here` chains the three in one process (``check()``, tests); the
grading worker runs :func:`observe_task` inside the sandbox and the grading
command runs :func:`assemble` outside it. Replies are JSON in both cases.
"""
from __future__ import annotations

import json

from labrt.kernel.trace import Trace

from .core import Case, CaseResult, Fail, NotDone, Task, TaskResult, Trial, _failed, run_case
from .guard import timeout_texts, wall_clock_limit
from .protocol import (SCENARIOS, ObservationError, decode, encode, trace_events,
                       trace_text)

#: Characters kept of any text that came from the observing side.
TEXT_LIMIT = 4000
#: Runtimes of one case whose traces are sent back (the last ones).
TRACED_RUNTIMES = 8
#: Reply statuses other than "observed" and "passed"; all of them score 0.
ZERO = {"failed", "timeout", "error", "not_done", "skipped"}


def _clip(text) -> str:
    text = text if isinstance(text, str) else ""
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "\u2026"


def cases_of(task: Task, include_hidden: bool) -> list[Case]:
    return task.public_cases() + (task.hidden_cases() if include_hidden else [])


# ---------------------------------------------------------------------------
# Judging side: what to ask for

def requests_for(task: Task, include_hidden: bool) -> list[dict]:
    """One request per case, in order; ``id`` is the case's index."""
    out = []
    for i, case in enumerate(cases_of(task, include_hidden)):
        if case.scenario is not None:
            inputs, _ = case.scenario.split(case.params)
            out.append({"id": i, "scenario": case.scenario.name, "inputs": encode(inputs),
                        "limit": case.limit})
        else:
            out.append({"id": i, "legacy": [task.name, case.title, case.hidden],
                        "limit": case.limit})
    return out


# ---------------------------------------------------------------------------
# Observing side

def _index(runtimes: list, rt) -> int | None:
    return next((i for i, r in enumerate(runtimes) if r is rt), None)


def _diagram_ref(diagram, runtimes) -> list | None:
    """A Fail's ``diagram`` (a runtime, or ``(runtime, options)``) as ``[index, options]``."""
    rt, options = diagram if isinstance(diagram, tuple) else (diagram, {})
    i = _index(runtimes, rt)
    if i is None or not isinstance(options, dict):
        return None
    return [i, {k: v for k, v in options.items() if isinstance(v, (int, float, str))}]


def observe_one(task: Task, request: dict, ns: dict, ship_traces: bool = True):
    """Answer one request. Returns ``(reply, live)``: the JSON-able reply, and what
    stays in this process for drawing (the trial's runtimes, or an older case's result)."""
    limit = request.get("limit") or 3.0
    if "legacy" in request:
        _, title, hidden = request["legacy"]
        case = next((c for c in task.cases if c.title == title and c.hidden == hidden
                     and c.scenario is None), None)
        if case is None:
            return {"status": "error", "observed": "this check is not available here"}, None
        r = run_case(case, ns)
        reply = {"status": r.status, "expected": r.expected, "observed": r.observed,
                 "hint": r.hint}
        shown = r.diagram[0] if isinstance(r.diagram, tuple) else r.diagram
        if ship_traces and hasattr(shown, "trace"):
            reply["traces"], reply["diagram"] = {"0": trace_events(shown)}, [0, {}]
        return reply, r
    scn = SCENARIOS.get(request.get("scenario"))
    trial = Trial(task, ns)
    if scn is None:
        return {"status": "error", "observed": "this check's scenario is not in the public "
                                               "checks, so it cannot run here"}, trial
    exc, guard, reply = None, None, None
    try:
        inputs = decode(request.get("inputs", {"D": []}))
        with wall_clock_limit(limit) as guard:
            reply = {"status": "observed", "obs": encode(scn.observe(trial, **inputs))}
    except KeyboardInterrupt:
        raise
    except BaseException as e:                  # noqa: BLE001 - the point is to catch all
        exc = e
    if guard is not None and guard.fired:
        reply = {"status": "timeout", **timeout_texts(limit, guard.cause)}
    elif exc is not None:
        r = _failed(exc, dict(title="", hidden=False, max_points=0))
        reply = {"status": r.status, "expected": r.expected, "observed": r.observed,
                 "hint": r.hint}
        if r.diagram is not None:
            reply["diagram"] = _diagram_ref(r.diagram, trial.runtimes)
    if ship_traces and trial.runtimes:
        first = max(0, len(trial.runtimes) - TRACED_RUNTIMES)
        reply["traces"] = {str(i): trace_events(rt) for i, rt in enumerate(trial.runtimes)
                           if i >= first}
    return reply, trial


def observe_task(task: Task, ns: dict, requests: list[dict], ship_traces: bool = True,
                 emit=None):
    """Answer every request of a task. Returns ``(bundle, lives)``; ``emit(reply)``
    (if given) is called with each reply as soon as it is made."""
    missing = [n for n in task.defines if n not in ns]
    if missing and requests:
        return {"missing": missing}, {}
    replies, lives, timed_out = {}, {}, False
    for request in requests:
        if timed_out:
            reply, live = {"status": "skipped",
                           "observed": "not run: an earlier case ran out of time"}, None
        else:
            reply, live = observe_one(task, request, ns, ship_traces)
            timed_out = reply.get("status") == "timeout"
        key = str(request["id"])
        replies[key], lives[key] = reply, live
        if emit is not None:
            emit(key, reply)
    return {"replies": replies}, lives


# ---------------------------------------------------------------------------
# Judging side: the verdicts

class _Window:
    """A run's trace cut to a time window, for drawing (``since``/``until``)."""

    def __init__(self, rt, since, until):
        self.trace = Trace(e for e in rt.trace if (since is None or e.time >= since)
                           and (until is None or e.time <= until))


def _resolve(diagram) -> tuple[int, dict] | None:
    """A judge's ``diagram=`` (True, an index, or ``(either, options)``) as (index, options)."""
    options = {}
    if isinstance(diagram, tuple) and len(diagram) == 2 and isinstance(diagram[1], dict):
        diagram, options = diagram
    if diagram is True:
        return -1, options
    if isinstance(diagram, int) and not isinstance(diagram, bool):
        return diagram, options
    return None


def _picture(ref, reply: dict, live) -> tuple[object, str]:
    """(what check() draws, the text trace for reports) for a diagram reference."""
    if ref is None:
        return None, ""
    index, options = ref
    runtimes = live.runtimes if isinstance(live, Trial) else []
    draw, text = None, ""
    if runtimes and -len(runtimes) <= index < len(runtimes):
        rt = runtimes[index]
        index = index % len(runtimes)
        since, until = options.get("since"), options.get("until")
        shown = _Window(rt, since, until) if (since is not None or until is not None) else rt
        draw = (shown, {k: v for k, v in options.items() if k in ("max_events", "title")})
        text = trace_text(trace_events(rt), options)
    traces = reply.get("traces")
    if not text and isinstance(traces, dict) and traces:
        keys = sorted((int(k) for k in traces if str(k).isdigit()))
        key = str(keys[-1] if index == -1 else index) if keys else None
        if key in traces and isinstance(traces[key], list):
            text = trace_text(traces[key], options)
    return draw, _clip(text)


def judge_reply(case: Case, reply, live=None) -> CaseResult:
    """The verdict on one case, from the registry's points and the case's judge."""
    base = dict(title=case.title, hidden=case.hidden, max_points=case.points)
    if not isinstance(reply, dict):
        return CaseResult(points=0, status="error", **base, observed="no answer for this check")
    status = reply.get("status")
    texts = {k: _clip(reply.get(k)) for k in ("expected", "observed", "hint")}
    if case.scenario is None and status == "passed":            # an older, self-judging case
        return CaseResult(points=case.points, status="passed", **base)
    if status != "observed" or case.scenario is None:
        status = status if status in ZERO else "error"
        ref = reply.get("diagram")
        ref = (ref[0], ref[1]) if (isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], int)
                                   and isinstance(ref[1], dict)) else None
        draw, text = _picture(ref, reply, live)
        if isinstance(live, CaseResult):                         # an older case, run here
            draw = live.diagram
        return CaseResult(points=0, status=status, **base, diagram=draw, trace=text, **texts)
    try:
        obs = decode(reply.get("obs"))
    except ObservationError as e:
        return CaseResult(points=0, status="error", **base, expected="observations to judge",
                          observed=f"the observations could not be read ({e})")
    try:
        case.scenario.judge_fn(obs, **case.params)
    except Fail as f:
        draw, text = _picture(_resolve(f.diagram), reply, live)
        return CaseResult(points=0, status="failed", **base, expected=f.expected,
                          observed=f.observed, hint=f.hint or "", diagram=draw, trace=text)
    except NotDone as e:
        return CaseResult(points=0, status="not_done", **base, observed=str(e))
    except Exception as e:                      # noqa: BLE001 - a judge's bug, or forged data
        from .core import _internal
        return CaseResult(points=0, status="error", **base, expected="the check runs",
                          observed=f"the check itself failed ({_internal(e)})",
                          hint="this is a problem in the check, not necessarily in your "
                               "code: please tell your instructor")
    return CaseResult(points=case.points, status="passed", **base)


def assemble(task: Task, include_hidden: bool, bundle, lives=None) -> TaskResult:
    """The task's result from the replies (``bundle`` as :func:`observe_task` made it)."""
    lives = lives or {}
    cases = cases_of(task, include_hidden)
    max_points = task.points if include_hidden else task.public_points
    head = (task.notebook, task.name, task.number, task.title)
    bundle = bundle if isinstance(bundle, dict) else {}
    missing = bundle.get("missing")
    if isinstance(missing, list) and cases:
        names = [n for n in task.defines if n in missing] or list(task.defines)
        said = ", ".join(f"`{n}`" for n in names)
        return TaskResult(*head, 0, max_points, "failed",
                          f"{said} {'is' if len(names) == 1 else 'are'} not defined: run the "
                          f"task's cell before its check, and keep the names the task asks "
                          f"for", include_hidden, task.hidden_points, [])
    replies = bundle.get("replies") if isinstance(bundle.get("replies"), dict) else {}
    results = [judge_reply(case, replies.get(str(i)), lives.get(str(i)))
               for i, case in enumerate(cases)]
    if results and all(r.status == "not_done" for r in results):
        return TaskResult(*head, 0, max_points, "not_done", results[0].observed,
                          include_hidden, task.hidden_points, results)
    points = sum(r.points for r in results)
    if points == sum(r.max_points for r in results):
        status = "passed"
    elif points > 0:
        status = "partial"
    else:
        status = "failed"
    return TaskResult(*head, points, max_points, status, "", include_hidden,
                      task.hidden_points, results)


def _observe_here(task: Task, ns: dict, include_hidden: bool):
    """Observe in this process, requests and replies going through JSON as they would
    between the grading command and its worker."""
    requests = json.loads(json.dumps(requests_for(task, include_hidden)))
    bundle, lives = observe_task(task, ns, requests, ship_traces=False)
    return json.loads(json.dumps(bundle)), lives


def run_here(task: Task, ns: dict, include_hidden: bool = False) -> TaskResult:
    """Observe and judge in this process (``check()``), replies going through JSON."""
    bundle, lives = _observe_here(task, ns, include_hidden)
    return assemble(task, include_hidden, bundle, lives)


def run_here_both(task: Task, ns: dict) -> tuple[TaskResult, TaskResult]:
    """``(run_here(task, ns), run_here(task, ns, include_hidden=True))`` from one
    observation: the public cases come first and observe the same namespace in the
    same order either way, so their replies are those a public-only run would get."""
    bundle, lives = _observe_here(task, ns, True)
    return assemble(task, False, bundle, lives), assemble(task, True, bundle, lives)
