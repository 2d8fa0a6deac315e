"""An operating-system sandbox per submission, with bubblewrap.

The grading worker runs a student's code, and that code can do anything
Python can: read files, start processes, open sockets, write over reports.
So the command starts each worker inside ``bwrap`` (bubblewrap, the small
tool Flatpak uses to build its sandboxes) rather than trusting Python to
contain Python:

* **What it sees.** A new, empty root. Read-only: the system's ``/usr`` and
  libraries, the Python installation and its environment, and labrt's own
  package folder (the public checks with it). The job (the course's given
  cells, this student's task cells, the scenarios to run with their
  inputs) is a read-only file. Nothing else: not ``solutions/``, not
  ``instructor/hidden/``, not the other submissions, not the output folder.
  If one of those lies inside a folder that must be visible (a virtual
  environment inside the course repository is fine; a repository inside
  ``/usr`` would not be), it is covered by an empty folder.
* **What it may write.** A private ``/tmp`` (a small tmpfs, gone with the
  sandbox) and the result pipe the command reads.
* **Processes.** Its own PID namespace: ``/proc`` shows only the sandbox's
  processes, and when the worker ends (or the command kills it at the time
  limit), every process it started ends too, ``setsid()`` or not.
  ``--die-with-parent`` ends it if the command itself dies.
* **No network** (a network namespace with only a loopback), its own IPC
  and host name, no capabilities, a new session (no terminal injection).
* **Limits.** The worker sets hard limits on itself before any student code
  runs (address space, CPU seconds, file size, no core files); the command
  keeps the wall clock (per task and per notebook) and kills the sandbox.

When ``bwrap`` is missing or does not work here (:func:`problem` says why),
the command refuses to grade unless told ``--no-sandbox``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

#: Size of the sandbox's private /tmp.
TMP_BYTES = 64 * 1024 ** 2
#: Where the job folder appears inside the sandbox.
JOB_DIR = "/job"

_SYSTEM = ["/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin",
           "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
           "/etc/localtime"]


def _labrt_dir() -> Path:
    import labrt
    return Path(labrt.__file__).resolve().parent


def visible_paths() -> list[str]:
    """The host paths bound read-only into the sandbox (those that exist)."""
    paths = list(_SYSTEM)
    for p in (sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix,
              str(Path(sys.executable).resolve().parent), str(Path(sys.executable).parent)):
        paths.append(str(Path(p)))
    paths.append(str(_labrt_dir()))
    out = []
    for p in paths:
        if Path(p).exists() and p not in out:
            out.append(p)
    return out


def _inside(path: Path, folder: str) -> bool:
    try:
        path.resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def command(argv: list[str], job_dir: Path, secrets: list[Path] = (),
            extra_ro: dict[str, Path] | None = None) -> list[str]:
    """The bwrap command line that runs ``argv`` in a sandbox.

    ``job_dir`` appears read-only at :data:`JOB_DIR`; ``extra_ro`` maps more
    sandbox paths to host folders (read-only); every path in ``secrets``
    that a visible folder contains is covered by an empty tmpfs.
    """
    cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
           "--cap-drop", "ALL", "--hostname", "grader"]
    # The private /tmp first, then the read-only folders: a course (or its venv)
    # that lives under /tmp, as a CI clone may, stays visible on top of it.
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    visible = visible_paths()
    for p in visible:
        cmd += ["--ro-bind", p, p]
    cmd += ["--ro-bind", str(job_dir), JOB_DIR]
    for inside, host in (extra_ro or {}).items():
        cmd += ["--ro-bind", str(host), inside]
    for secret in secrets:
        if secret is not None and Path(secret).exists() and any(_inside(Path(secret), v) for v in visible):
            cmd += ["--tmpfs", str(Path(secret).resolve())]
    cmd += ["--chdir", "/tmp", "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp",
            "--setenv", "LANG", "C.UTF-8",
            "--setenv", "PYTHONHASHSEED", "0", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
            "--"]
    return cmd + list(argv)


@lru_cache(maxsize=1)
def problem() -> str | None:
    """None if bwrap works here; otherwise one sentence saying why not."""
    if shutil.which("bwrap") is None:
        return ("bubblewrap (`bwrap`) is not installed, so student code cannot be isolated; "
                "install it (Debian/Ubuntu: apt-get install bubblewrap)")
    import tempfile
    with tempfile.TemporaryDirectory() as job:
        try:
            done = subprocess.run(command([sys.executable, "-c", "import labrt"], Path(job)),
                                  capture_output=True, text=True, timeout=60,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap (`bwrap`) is installed but could not be started ({e})"
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return (f"bubblewrap (`bwrap`) is installed but cannot make a sandbox here ({said}); "
                f"on Ubuntu 24.04 unprivileged user namespaces may need "
                f"`sysctl kernel.apparmor_restrict_unprivileged_userns=0`")
    return None
