"""Unit tests for labrt.grading: the time guard, cases and tasks, check(),
notebook reading, the exercise generator and the grading command."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import labrt
from labrt import receive, send, spawn
from labrt.grading import (TASKS, CheckFailed, Fail, NotDone, Task, check, load_checks,
                           load_hidden, public, run_task, task_text)
from labrt.grading import assign
from labrt.grading import notebook as nbio
from labrt.grading.core import run_case
from labrt.grading import guard
from labrt.grading.guard import WallClockExceeded, wall_clock_limit

ROOT = Path(__file__).resolve().parents[1]
load_checks()
load_hidden(ROOT / "instructor" / "hidden")

# A throwaway task for these tests (its notebook name is not a real notebook).
DEMO = Task("test-demo", 1, "demo_echo", "an echo", defines=("echo",), hidden_points=0)


@public(DEMO, points=2, title="echo answers")
def _demo_echo(t):
    echo = t.need("echo")
    play = t.play(echo, "hi")
    if play.result() != "hi":
        raise Fail("echo returns 'hi'", f"it returned {play.result()!r}", "return what you got")


@public(DEMO, points=1, title="second case")
def _demo_second(t):
    t.play(t.need("echo"), "x").result()


BUGGY = Task("test-demo", 2, "demo_buggy", "a check with a bug", defines=())


@public(BUGGY, points=1, title="the check divides by zero")
def _buggy(t):
    return 1 / 0


# ---------------------------------------------------------------------------
# the wall-clock guard

def test_guard_stops_a_busy_loop():
    """A busy loop under the guard is interrupted soon after the limit."""
    start = time.monotonic()
    with pytest.raises(WallClockExceeded):
        with wall_clock_limit(0.2):
            while True:
                pass
    assert time.monotonic() - start < 1.5


def test_guard_interrupts_a_blocking_sleep():
    """time.sleep uses no CPU: the wall-clock backstop (BACKSTOP x the limit) interrupts it."""
    start = time.monotonic()
    with pytest.raises(WallClockExceeded, match="wall-clock"):
        with wall_clock_limit(0.1):
            time.sleep(30)
    took = time.monotonic() - start
    assert 0.1 * guard.BACKSTOP - 0.05 <= took < 0.1 * guard.BACKSTOP + 2


def test_guard_counts_cpu_time_not_waiting():
    """Blocking for longer than the limit (but less than the backstop) is not stopped:
    the limit is CPU seconds, so a busy machine does not change a verdict."""
    with wall_clock_limit(0.2) as state:
        time.sleep(0.5)
    assert not state.fired


def test_guard_counts_cpu_time_outside_the_main_thread_too():
    """The watchdog thread reads the checked thread's CPU clock: a sleeping thread is not
    stopped at the limit, a spinning one is."""
    outcome = []

    def body(spin):
        try:
            with wall_clock_limit(0.2):
                if spin:        # until this thread has used 0.6 s of CPU, however busy
                    start = time.thread_time()      # the machine (the backstop, 2 s of
                    while time.thread_time() - start < 0.6:     # wall time, may come
                        pass                        # first: it stops it too)
                else:           # 0.6 s of wall time, next to no CPU
                    end = time.monotonic() + 0.6
                    while time.monotonic() < end:
                        time.sleep(0.01)
            outcome.append("finished")
        except WallClockExceeded:
            outcome.append("stopped")

    for spin in (False, True):
        worker = threading.Thread(target=body, args=(spin,))
        worker.start()
        worker.join(10)
    assert outcome == ["finished", "stopped"]


def test_guard_counts_only_the_checked_threads_cpu_time():
    """CPU time another thread of the process uses does not count against the checked
    block: a main-thread block that mostly sleeps finishes while a thread spins."""
    done = threading.Event()

    def spin():
        while not done.is_set():
            pass

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    try:
        with wall_clock_limit(0.2) as state:
            end = time.monotonic() + 0.6        # the spinner uses ~0.6 s of CPU meanwhile
            while time.monotonic() < end:
                time.sleep(0.01)
    finally:
        done.set()
        spinner.join(10)
    assert not state.fired


def test_guard_tells_computing_from_blocked():
    """A guarded loop is stopped for its CPU time ("cpu"), a guarded sleep by the
    wall-clock backstop ("wall"), and the case's texts say which of the two it was."""
    from labrt.grading.guard import timeout_texts
    def spin():
        while True:
            pass

    causes = []
    for block in (spin, lambda: time.sleep(5)):
        try:
            with wall_clock_limit(0.05) as state:
                block()
        except WallClockExceeded:
            pass
        causes.append(state.cause)
    assert causes == ["cpu", "wall"]
    assert "s of CPU time" in timeout_texts(3.0, "cpu")["observed"]
    blocked = timeout_texts(3.0, "wall")
    assert "blocked for 30 s of wall-clock time" in blocked["observed"]
    assert "time.sleep" in blocked["hint"]


def test_guard_leaves_nothing_behind():
    """After a guarded block ends (fired or not), nothing fires later."""
    with wall_clock_limit(0.1) as state:
        pass
    assert not state.fired
    try:
        with wall_clock_limit(0.05):
            while True:
                pass
    except WallClockExceeded:
        pass
    time.sleep(0.3)          # a stray alarm would raise here


def test_guard_does_not_charge_a_check_for_older_garbage():
    """Cyclic garbage left before the guarded block is not collected (its finalizers do
    not run) inside it, where its cost would count against the check's CPU seconds; it is
    collected after. Garbage the check makes is collected as usual. (CI lost ch07's
    rolling case to finalizers of a ch12 solution's coroutines run inside it.)"""
    import gc
    ran = []
    inside = [False]

    class Node:
        def __init__(self, tag):
            self.tag, self.peer = tag, None

        def __del__(self):
            ran.append((self.tag, inside[0]))

    def cycle(tag):
        a, b = Node(tag), Node(tag)
        a.peer, b.peer = b, a

    cycle("old")
    with wall_clock_limit(5) as state:
        inside[0] = True
        cycle("new")
        gc.collect()
        inside[0] = False
    assert not state.fired
    assert ("old", True) not in ran and ran.count(("new", True)) == 2
    gc.collect()
    assert ran.count(("old", False)) == 2
    assert gc.get_freeze_count() == 0


def test_guard_works_outside_the_main_thread():
    """In another thread the guard injects the exception into that thread."""
    outcome = []

    def body():
        try:
            with wall_clock_limit(0.2):
                while True:
                    pass
        except WallClockExceeded:
            outcome.append("stopped")

    worker = threading.Thread(target=body)
    worker.start()
    worker.join(5)
    assert outcome == ["stopped"]


def test_guard_repeats_until_the_kernel_lets_go():
    """A busy loop inside a process (whose exception the kernel turns into an exit)
    still ends the run."""
    async def spin():
        while True:
            pass

    async def bystander():
        await receive()

    rt = labrt.Runtime(reports=None)
    rt.spawn(spin)
    rt.spawn(spin)
    rt.spawn(bystander)
    start = time.monotonic()
    try:
        with wall_clock_limit(0.2) as state:
            rt.run()
    except WallClockExceeded:
        pass
    assert state.fired and time.monotonic() - start < 2
    assert len(rt.processes()) <= 1        # both spinners were stopped


# ---------------------------------------------------------------------------
# cases and tasks

async def good_echo(x):
    return x


def test_passing_task_scores_full_points():
    """A correct answer passes every case and scores all the points."""
    result = run_task(DEMO, {"echo": good_echo})
    assert (result.status, result.points, result.max_points) == ("passed", 3, 3)
    assert task_text(result).startswith("\u2714 Task 1 (demo_echo) passes its checks: 3/3")


def test_failure_says_expected_observed_and_hint():
    """A wrong answer loses the case's points; the text has expected, observed, hint."""
    async def echo(x):
        return x.upper()
    result = run_task(DEMO, {"echo": echo})
    assert (result.status, result.points) == ("partial", 1)
    text = task_text(result)
    assert "expected:   echo returns 'hi'" in text
    assert "observed:   it returned 'HI'" in text
    assert "hint:       return what you got" in text


def test_not_done_stub_gives_a_short_message():
    """A stub raising NotDone makes the task 'not done', with the stub's text."""
    async def echo(x):
        raise NotDone("Task 1 (demo_echo) is not done yet: write echo")
    result = run_task(DEMO, {"echo": echo})
    assert result.status == "not_done"
    assert task_text(result) == ("\u2718 Task 1 (demo_echo) is not done yet: write echo "
                                 "(0 of 3 points)")


def test_missing_definition_is_one_message():
    """A task whose function is not defined gets one message, not one per case."""
    result = run_task(DEMO, {})
    assert result.status == "failed" and result.cases == []
    assert "`echo` is not defined" in result.message


def test_plain_function_where_a_process_is_needed():
    """A `def` where an `async def` is needed is named as such."""
    def echo(x):
        return x
    result = run_task(DEMO, {"echo": echo})
    assert "a plain function (`def`), not `async def`" in task_text(result)


def test_endless_loop_times_out_and_skips_the_rest():
    """A process that never yields is stopped by the guard; later cases are skipped."""
    async def echo(x):
        while True:
            pass
    start = time.monotonic()
    result = run_task(DEMO, {"echo": echo})
    assert [c.status for c in result.cases] == ["timeout", "skipped"]
    assert "still running after 3 s" in task_text(result)
    # The guard counts CPU seconds; its wall-clock backstop (10x, 30 s) bounds the wait
    # however loaded the machine is: not a speed target, the promise that it ends.
    assert time.monotonic() - start < 40


def test_deadlock_names_the_waiting_processes():
    """A process that waits for a message nobody sends gives a deadlock report."""
    async def echo(x):
        pid = spawn(good_echo, x)
        send(pid, "hello")
        return await receive(("never", x))
    text = task_text(run_task(DEMO, {"echo": echo}))
    assert "deadlock" in text and "echo: waits for ('never', 'hi')" in text


def test_student_exception_names_their_line_not_ours():
    """An exception in the student's code is reported with their line, no traceback."""
    ns: dict = {}
    exec(compile("async def echo(x):\n    return len(x) / 0\n", "<student cell>", "exec"), ns)
    text = task_text(run_task(DEMO, ns))
    assert "ZeroDivisionError" in text and "line 2" in text
    assert "Traceback" not in text and "labrt/grading" not in text


def test_bug_in_a_check_is_reported_as_such():
    """A check that itself fails says so, without a traceback."""
    result = run_task(BUGGY, {})
    assert result.cases[0].status == "error"
    text = task_text(result)
    assert "the check itself failed (ZeroDivisionError" in text
    assert "Traceback" not in text


def test_check_prints_and_raises_a_one_line_error():
    """check() prints the report and raises CheckFailed, which IPython shows as one line."""
    async def echo(x):
        return None
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(CheckFailed) as info:
        check("demo_echo", {"echo": echo})
    assert "\u2718 Task 1 (demo_echo): 1 of 3 points" in out.getvalue()
    assert info.value._render_traceback_() == [
        "CheckFailed: Task 1 (demo_echo): 1 of 3 points (details above)"]


def test_check_uses_the_callers_globals():
    """check("name") finds the student's functions in the calling module's globals."""
    out = io.StringIO()
    globals()["echo"] = good_echo
    try:
        with redirect_stdout(out):
            check("demo_echo")
    finally:
        del globals()["echo"]
    assert "passes its checks" in out.getvalue()


def test_unknown_task_name():
    """check() with a name no task has fails clearly."""
    with redirect_stdout(io.StringIO()) as out, pytest.raises(CheckFailed):
        check("no_such_task", {})
    assert "there is no task named 'no_such_task'" in out.getvalue()


# ---------------------------------------------------------------------------
# the registry

# The course's tasks: those of notebooks that exist (a checks module may come first).
COURSE = {name: t for name, t in TASKS.items()
          if (ROOT / "solutions" / f"{t.notebook}.ipynb").is_file()}


def test_every_notebook_has_three_growing_tasks():
    """Each workbook notebook registers at least three tasks, numbered 1, 2, 3, ..."""
    by_notebook: dict = {}
    for t in COURSE.values():
        by_notebook.setdefault(t.notebook, []).append(t.number)
    assert set(by_notebook) >= {"ch02-functional", "ch03-processes", "ch04-links"}
    for numbers in by_notebook.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)) and len(numbers) >= 3


def test_hidden_points_match_the_hidden_cases():
    """The hidden points a task announces are what its hidden cases are worth."""
    for t in COURSE.values():
        assert sum(c.points for c in t.hidden_cases()) == t.hidden_points, t.name
        assert t.hidden_points > 0 and t.public_points > 0


# ---------------------------------------------------------------------------
# reading notebooks

def test_broken_files_give_plain_messages(tmp_path):
    """Empty, invalid JSON, non-notebook JSON and binary files each get a clear message."""
    cases = {"empty.ipynb": (b"", "is empty"),
             "cut.ipynb": (b'{"cells": [', "is not valid notebook JSON (line 1"),
             "list.ipynb": (b"[1, 2]", "is JSON but not a notebook"),
             "binary.ipynb": (b"\xff\xfe\x00junk", "not a text file")}
    for name, (data, says) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(nbio.NotebookError) as info:
            nbio.read_notebook(tmp_path / name)
        assert says in str(info.value), name


def test_solution_cells_found_by_metadata_or_header():
    """Task cells are found by their metadata, or by their header once metadata is lost."""
    nb = {"cells": [
        {"cell_type": "code", "metadata": {nbio.KEY: {"role": "solution", "task": "ring"}},
         "source": "async def ring(n, laps):\n    pass\n"},
        {"cell_type": "code", "metadata": {}, "source": "# Task 3 (counter)\nx = 1\n"},
        {"cell_type": "code", "metadata": {nbio.KEY: {"role": "check", "task": "ring"}},
         "source": "# Task 2 (ring)\ncheck('ring')\n"},
        {"cell_type": "markdown", "metadata": {}, "source": "# Task 1 (ping_pong)"},
    ]}
    found = nbio.student_solutions(nb)
    assert set(found) == {"ring", "counter"}
    assert found["ring"] == ["async def ring(n, laps):\n    pass\n"]
    assert found["counter"] == ["# Task 3 (counter)\nx = 1\n"]


# ---------------------------------------------------------------------------
# the generator

SOLUTION = '''\
# Task 2 (ring)
# Hint: kept.
### BEGIN SOLUTION: helpers go here
def helper():
    return 1
### END SOLUTION


async def ring(n, laps):
    """Docstring kept."""
    ### BEGIN SOLUTION: write ring
    return helper()
    ### END SOLUTION
'''


def test_stub_replaces_each_region_at_its_indentation():
    """Regions become a NotDone raise (in a body) or a comment (top level); the rest stays."""
    out = assign.stub_solution(SOLUTION, "Task 2 (ring)", "test")
    assert out == ('# Task 2 (ring)\n# Hint: kept.\n# helpers go here\n\n\n'
                   'async def ring(n, laps):\n    """Docstring kept."""\n'
                   '    raise NotDone("Task 2 (ring) is not done yet: write ring")\n')


@pytest.mark.parametrize("text, says", [
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "never ended"),
    ("def f():\n    ### END SOLUTION\n", "END SOLUTION without BEGIN"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another one"),
])
def test_bad_markers_are_authoring_errors(text, says):
    """Unbalanced markers stop the generator with the cell and the rule."""
    with pytest.raises(assign.AuthoringError) as info:
        assign.stub_solution(text, "Task 1 (x)", "solutions/x.ipynb, cell 3")
    assert says in str(info.value) and "cell 3" in str(info.value)


def test_generator_rejects_a_missing_check_cell():
    """A solution notebook whose task has no check cell is refused."""
    nb = json.loads((ROOT / "solutions" / "ch03-processes.ipynb").read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if "check(\"ring\")" not in nbio.source(c)]
    with pytest.raises(assign.AuthoringError) as info:
        assign.make_exercise(nb, "ch03-processes", "x", "x")
    assert "ring" in str(info.value) and "check cell" in str(info.value)


def test_out_of_sync_is_detected(tmp_path):
    """Changing an exercise (or dropping one) is reported by the sync check."""
    ex = tmp_path / "exercises"
    ex.mkdir()
    for path in (ROOT / "exercises").glob("*.ipynb"):
        (ex / path.name).write_bytes(path.read_bytes())
    assert assign.out_of_sync(ROOT / "solutions", ex) == []
    target = ex / "ch03-processes.ipynb"
    target.write_text(target.read_text(encoding="utf-8").replace("Task 2", "Task Two"),
                      encoding="utf-8")
    (ex / "ch02-functional.ipynb").unlink()
    assert assign.out_of_sync(ROOT / "solutions", ex) == [
        "exercises/ch02-functional.ipynb is missing",
        "exercises/ch03-processes.ipynb differs from what solutions/ch03-processes.ipynb generates"]


# ---------------------------------------------------------------------------
# the grading command

def _variant(base: dict, task: str, source: str) -> dict:
    nb = json.loads(json.dumps(base))
    for cell in nb["cells"]:
        first = nbio.source(cell).split("\n", 1)[0]
        if cell["cell_type"] == "code" and first.startswith("# Task") and f"({task})" in first:
            cell["source"] = source
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade a folder of ten submissions with the command line, once."""
    folder = tmp_path_factory.mktemp("submissions")
    solution = json.loads((ROOT / "solutions" / "ch03-processes.ipynb").read_text(encoding="utf-8"))
    exercise = json.loads((ROOT / "exercises" / "ch03-processes.ipynb").read_text(encoding="utf-8"))
    files = {
        "alice": solution,                                            # correct
        "bob": _variant(exercise, "ping_pong", "".join(               # partly correct
            c for c in (nbio.source(x) for x in solution["cells"]) if c.startswith("# Task 1"))),
        "erin": _variant(_variant(exercise, "ping_pong", "# Task 1 (ping_pong)\nwhile True:\n    pass\n"),
                         "ring", "# Task 2 (ring)\nasync def ring(n, laps):\n    while True:\n        pass\n"),
        "frank": _variant(solution, "ring", "# Task 2 (ring)\nimport os\n"
                          "async def ring(n, laps):\n    os._exit(3)\n"),
        "gina": _variant(solution, "ring", next(                     # solved, and tampering
            c for c in (nbio.source(x) for x in solution["cells"]) if c.startswith("# Task 2"))
            + "\nimport labrt.grading.core as c\nc.run_case = lambda case, ns: None\n"),
    }
    ivan = json.loads(json.dumps(solution))                          # check cells deleted
    ivan["cells"] = [c for c in ivan["cells"] if not nbio.source(c).startswith("check(")]
    files["ivan"] = ivan
    judy = json.loads(json.dumps(exercise))                          # fake check cells
    for cell in judy["cells"]:
        if nbio.source(cell).startswith("check("):
            cell["source"] = "import labrt.grading\nlabrt.grading.check = print\nprint('\u2714 all good')"
    files["judy"] = judy
    kim = json.loads(json.dumps(solution))                           # metadata stripped
    for cell in kim["cells"]:
        cell["metadata"] = {}
    kim["metadata"] = {}
    files["kim"] = kim
    for name, nb in files.items():
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (folder / "carol.ipynb").write_text("", encoding="utf-8")                     # empty
    (folder / "dave.ipynb").write_text(json.dumps(solution)[:3000], encoding="utf-8")  # broken JSON
    out = tmp_path_factory.mktemp("report") / "grades"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "labrt.grading", "grade", str(folder),
                           "--out", str(out), "--hidden", str(ROOT / "instructor" / "hidden"),
                           "--source", str(ROOT / "exercises")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stdout + done.stderr
    rows = list(csv.DictReader(io.StringIO(out.with_suffix(".csv").read_text(encoding="utf-8"))))
    return rows, out.with_suffix(".md").read_text(encoding="utf-8"), seconds


def _row(rows, student, task):
    return next(r for r in rows if r["student"] == student and r["task"] == task)


def _full(task: str) -> str:
    """A task's points with its hidden checks, as the CSV writes them."""
    return str(TASKS[task].points)


CH03 = str(sum(t.points for t in TASKS.values() if t.notebook == "ch03-processes"))


def test_grade_correct_submission_gets_everything(graded):
    """The solution notebook scores all public and hidden points."""
    rows, _, _ = graded
    assert _row(rows, "alice", "TOTAL")["points"] == _row(rows, "alice", "TOTAL")["max_points"] == "33"


def test_grade_partial_submission(graded):
    """A notebook with one task done scores that task only; the others are 'not done'."""
    rows, _, _ = graded
    assert (_row(rows, "bob", "ping_pong")["points"], _row(rows, "bob", "ring")["status"]) == ("9", "not_done")
    assert _row(rows, "bob", "TOTAL")["points"] == "9"


def test_grade_empty_and_broken_json(graded):
    """An empty file and a cut-off file score 0 with a message, not a traceback."""
    rows, md, _ = graded
    assert _row(rows, "carol", "ring")["status"] == "unreadable"
    assert "is empty" in _row(rows, "carol", "ring")["message"]
    assert "is not valid notebook JSON" in _row(rows, "dave", "TOTAL")["message"]
    assert "Traceback" not in md


def test_grade_endless_loops(graded):
    """A top-level endless loop and one inside a process are stopped and reported."""
    rows, _, _ = graded
    assert "still running after 5 s" in _row(rows, "erin", "ping_pong")["message"]
    assert _row(rows, "erin", "ring")["points"] == "0"
    assert "timeout" in _row(rows, "erin", "ring")["status"] or _row(rows, "erin", "ring")["status"] == "failed"


def test_grade_crashed_worker_costs_one_task(graded):
    """os._exit in one task scores that task 0 ('crashed'); the other tasks are graded."""
    rows, _, _ = graded
    assert _row(rows, "frank", "ring")["status"] == "crashed"
    assert (_row(rows, "frank", "ping_pong")["points"], _row(rows, "frank", "counter")["points"]) == ("9", "12")


def test_grade_tampering_is_refused(graded):
    """Replacing a function of the grading module is noticed and named; a task whose
    cases judge themselves scores 0, a task judged outside the sandbox its real score."""
    rows, _, _ = graded
    ring = _row(rows, "gina", "ring")
    assert "labrt.grading.core.run_case" in ring["message"]
    if any(c.scenario is None for c in TASKS["ring"].cases):     # cases that judge themselves
        assert ring["status"] == "tampered"
    else:                          # judged outside the sandbox: its real score, here full
        assert ring["points"] == _full("ring") and "judged outside the sandbox" in ring["message"]
    assert _row(rows, "gina", "ping_pong")["points"] == _full("ping_pong")


def test_grade_ignores_the_students_check_cells(graded):
    """Deleted or faked check cells change nothing: the official checks run."""
    rows, _, _ = graded
    assert _row(rows, "ivan", "TOTAL")["points"] == "33"
    assert _row(rows, "judy", "TOTAL")["points"] == "0"
    assert _row(rows, "judy", "ring")["status"] == "not_done"


def test_grade_finds_task_cells_without_metadata(graded):
    """A notebook whose cell metadata was stripped is graded by its task headers."""
    rows, _, _ = graded
    assert _row(rows, "kim", "TOTAL")["points"] == "33"
    assert _row(rows, "kim", "TOTAL")["notebook"] == "ch03-processes"


def test_grade_markdown_report(graded):
    """The Markdown report has a table per notebook and a section per student."""
    _, md, seconds = graded
    assert "## ch03-processes (33 points)" in md
    assert "| alice | 9 | 12 | 12 | 33/33 |" in md
    for student in ("alice", "bob", "carol", "dave", "erin", "frank", "gina", "ivan", "judy", "kim"):
        assert f"{student}: {student}.ipynb" in md
    assert seconds < 60


def test_cli_without_a_command_prints_usage():
    """`python -m labrt.grading` with no command explains itself."""
    done = subprocess.run([sys.executable, "-m", "labrt.grading"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 2 and "grade SUBMISSIONS" in done.stdout
