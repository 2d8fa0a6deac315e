"""Build the book's pages and the workbook as a JupyterLite site that runs labrt in
Pyodide, fully offline: the site the "Run in your browser" buttons open.

    python tests/browser/jupyterlite/build.py        (or: make lite; make book runs it)

Output: _build/html/lite/, inside the static book, so the buttons open it from the same
site (`python -m http.server --directory _build/html`, then a page's button, or
/lite/lab/index.html).  Contents: exercises/*.ipynb as they are, and each book page's
executed notebook (_build/jupyter_execute/book/, present after the book build) rewritten
by pages.py where a cell cannot run in Pyodide. Needs Python 3.11+, npm and the package registries (PyPI, npm); nothing
is fetched from anywhere else, and the built site fetches nothing from outside itself.

Why this is more than `jupyter lite build`: jupyterlite-pyodide-kernel does not ship
Pyodide; by default the site loads it, and every package, from a CDN.  Here:

1. Pyodide's core (the interpreter, its standard library, pyodide-lock.json) comes from
   the `pyodide` npm package, at the version the kernel was built for.
2. The npm package has no package wheels, and the kernel needs some to start (micropip,
   then IPython and its dependencies).  They are pure-Python wheels that PyPI has at the
   exact versions the lock names; PyPI's files are not byte-identical to Pyodide's
   rebuilds, so their sha256 in our copy of the lock is replaced by the downloaded one.
3. labrt (built from this checkout), its dependencies not in the lock (trio, outcome) and
   comm (the kernel installs it) are added to the lock as well, and labrt is preloaded
   when the kernel starts, so a workbook notebook's `import labrt` works as it is.
4. The site is told never to fall back to PyPI (disablePyPIFallback).

Everything is cached under _build/lite-cache/ (a tool venv, the npm tarball, wheels).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "_build" / "lite-cache"
OUTPUT = ROOT / "_build" / "html" / "lite"
EXERCISES = ROOT / "exercises"
EXECUTED = ROOT / "_build" / "jupyter_execute" / "book"
LIB = ROOT / "book" / "_lib"
BOOK_SOURCES = ROOT / "book"       # pages (*.md) and erlang/*.erl, read by the pages' checks

JUPYTERLITE = "0.8.6"                 # jupyterlite-core and jupyterlite-pyodide-kernel
TOOLS = [f"jupyterlite-core=={JUPYTERLITE}", f"jupyterlite-pyodide-kernel=={JUPYTERLITE}",
         "jupyter-server==2.21.1",     # needed to add --contents (as in requirements.txt)
         "jupyterlab_widgets==3.0.17"] # the widgets' lab extension (pinned as requirements.txt)
# What the kernel loads from the Pyodide distribution when it starts (plus their
# dependencies in the lock), and labrt's own dependencies.
KERNEL_PACKAGES = ["micropip", "packaging", "ipython", "jedi"]
# Pure-Python wheels the lock lacks: labrt's dependencies (as pinned in requirements.txt)
# and comm, which the kernel installs at start.
# The book's pages also need ipywidgets (the ch01 calculator, the ch05 playground) and
# simpy; versions as in requirements.txt.
EXTRA = ["outcome==1.3.0.post0", "trio==0.35.0", "comm==0.2.3",
         "ipywidgets==8.1.9", "jupyterlab_widgets==3.0.17", "simpy==4.1.2"]
# book/_lib as a wheel (importable as `_lib`, as the pages do), built here
COURSE_LIB = "course_lib"
PRELOAD = ["labrt", "course-lib", "ipywidgets", "simpy"]      # as the lock's keys
# The one npm package, pinned by version and by the sha256 of its tarball (our lock file:
# `npm pack` of one package with no dependencies needs no package-lock.json).
NPM_SHA256 = {"314.0.6": "d78ac549b28a2a58600cd06f44e017024151775f8c6b2d73fab1475400d38ea2"}


def run(*cmd, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def tool_python() -> Path:
    """A venv with jupyterlite, apart from the project's pinned .venv."""
    env = CACHE / "venv"
    py = env / "bin" / "python"
    stamp = env / ".installed"
    if not stamp.exists() or stamp.read_text() != " ".join(TOOLS):
        venv.create(env, with_pip=True)
        run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *TOOLS)
        stamp.write_text(" ".join(TOOLS))
    return py


def pyodide_version(py: Path) -> str:
    out = subprocess.run([str(py), "-c", "from jupyterlite_pyodide_kernel.constants import "
                          "PYODIDE_VERSION; print(PYODIDE_VERSION)"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def pyodide_core(version: str) -> Path:
    """The `pyodide` npm package, unpacked: interpreter, stdlib, lock, no wheels."""
    unpacked = CACHE / f"pyodide-npm-{version}"
    if not (unpacked / "pyodide-lock.json").exists():
        if not shutil.which("npm"):
            sys.exit("npm is needed to fetch Pyodide's core (apt-get install npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        run("npm", "pack", "--silent", f"pyodide@{version}", cwd=CACHE)
        tgz = CACHE / f"pyodide-{version}.tgz"
        if NPM_SHA256.get(version) and sha256(tgz) != NPM_SHA256[version]:
            sys.exit(f"{tgz.name}: sha256 differs from the one pinned in build.py (NPM_SHA256)")
        with tarfile.open(tgz) as tar:
            tar.extractall(CACHE / "npm-tmp", filter="data")
        shutil.rmtree(unpacked, ignore_errors=True)
        (CACHE / "npm-tmp" / "package").rename(unpacked)
        shutil.rmtree(CACHE / "npm-tmp")
    return unpacked


def lock_closure(lock: dict, names: list[str]) -> list[str]:
    """`names` and everything they depend on, as the lock says."""
    found, todo = [], [normal(n) for n in names]
    while todo:
        name = todo.pop()
        if name not in found and name in lock["packages"]:
            found.append(name)
            todo += [normal(d) for d in lock["packages"][name]["depends"]]
    return sorted(found)


def normal(name: str) -> str:
    """A distribution name as the lock's keys spell it (PEP 503: prompt_toolkit ->
    prompt-toolkit); the lock's `depends` lists do not always."""
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_requires(wheel: Path) -> list[str]:
    """Names of a wheel's unconditional requirements (from its METADATA)."""
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        lines = z.read(meta).decode().splitlines()
    names = []
    for line in lines:
        if line.startswith("Requires-Dist:") and ";" not in line:
            name = re.match(r"[A-Za-z0-9._-]+", line.split(":", 1)[1].strip()).group()
            names.append(normal(name))
    return names


def saved_runs() -> subprocess.Popen | None:
    """Start the local runs of the cells too slow for the browser (slow.py), each saved
    under _build/lite-cache/saved/ by a hash of the code it depends on: a cached one is
    not run again. Returns the process (wait for it), or None when all are cached."""
    import slow
    folder = CACHE / "saved"
    folder.mkdir(parents=True, exist_ok=True)
    scripts = []
    for spec in slow.SLOW:
        path = folder / f"{slow.key(spec)}-{spec.file}"
        if not path.is_file():
            about = {"page": spec.page, "made_by": "tests/browser/jupyterlite/build.py"}
            scripts.append(slow.script(spec, path.with_suffix(".tmp"), about) +
                           f"import os; os.replace({str(path.with_suffix('.tmp'))!r}, {str(path)!r})\n")
    if not scripts:
        return None
    print(f"+ running {len(scripts)} slow cell(s) in a local kernel, for the browser's saved runs",
          flush=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "book"))
    return subprocess.Popen([sys.executable, "-c", "\n".join(scripts)], cwd=ROOT / "book", env=env)


def saved_files() -> dict[str, Path]:
    """The saved runs' files (by the name the page loads), current ones only."""
    import slow
    files = {spec.file: CACHE / "saved" / f"{slow.key(spec)}-{spec.file}" for spec in slow.SLOW}
    return {name: path for name, path in files.items() if path.is_file()}


def course_lib_wheel(wheels: Path) -> Path:
    """book/_lib as a pure-Python wheel holding the package `_lib`, and beside it (in
    site-packages, where `_lib.numbers.BOOK`, the folder above `_lib`, points) the
    book's page sources and Erlang snippets: part 2's pages end with a check that reads
    them (`nums.check()`: every number the prose states is the one the code computed;
    ch09/ch10 also compare their Erlang snippet's expected lines with the page). With
    the sources there, that check runs in the browser too, on Pyodide's own numbers."""
    for old in wheels.glob(f"{COURSE_LIB}-*.whl"):
        old.unlink()
    wheel = wheels / f"{COURSE_LIB}-0.1.0-py3-none-any.whl"
    info = f"{COURSE_LIB}-0.1.0.dist-info"
    files = {f"_lib/{p.name}": p.read_bytes() for p in sorted(LIB.glob("*.py"))}
    files.setdefault("_lib/__init__.py", b"")
    files |= {p.name: p.read_bytes() for p in sorted(BOOK_SOURCES.glob("*.md"))}
    files |= {f"erlang/{p.name}": p.read_bytes() for p in sorted((BOOK_SOURCES / "erlang").glob("*.erl"))}
    # Results the pages read rather than compute (the month of chapters 10-11: minutes of
    # CPU, run by `python -m book._lib.month`), beside _lib as in the book folder.
    files |= {f"_data/{p.name}": p.read_bytes() for p in sorted((BOOK_SOURCES / "_data").glob("*.json"))}
    # the runs of cells too slow for Pyodide, made by a local kernel (saved_runs)
    files |= {f"_data/{name}": p.read_bytes() for name, p in saved_files().items()}
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {COURSE_LIB}\n"
                                 "Version: 0.1.0\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: build.py\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/top_level.txt"] = b"_lib\n"
    record = [f"{n},," for n in files] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return wheel


def contents() -> Path:
    """The site's files: exercises/ as they are, book/ the pages rewritten for Pyodide."""
    from pages import browser_cells
    staged = CACHE / "contents"
    shutil.rmtree(staged, ignore_errors=True)
    (staged / "exercises").mkdir(parents=True)
    for nb in sorted(EXERCISES.glob("*.ipynb")):
        page, changed = browser_cells(json.loads(nb.read_text(encoding="utf-8")))
        if changed:      # e.g. a setup cell importing numpy: says so instead of failing
            for index, why in changed:
                print(f"  exercises/{nb.stem}: code cell {index} cannot run in Pyodide ({why})")
            (staged / "exercises" / nb.name).write_text(json.dumps(page, indent=1), encoding="utf-8")
        else:
            shutil.copy(nb, staged / "exercises" / nb.name)
    (staged / "book").mkdir()
    pages = sorted(EXECUTED.glob("*.ipynb"))
    saved = {name: json.loads(p.read_text(encoding="utf-8"))["about"]
             for name, p in saved_files().items()}
    for nb in pages:
        page, changed = browser_cells(json.loads(nb.read_text(encoding="utf-8")), nb.stem, saved)
        (staged / "book" / nb.name).write_text(json.dumps(page, indent=1), encoding="utf-8")
        for index, why in changed:
            print(f"  {nb.stem}: code cell {index} " +
                  (why if why.startswith("slow") else f"cannot run in Pyodide ({why})"))
    if not pages:
        print(f"  no executed book pages in {EXECUTED}: build the book first for them")
    return staged


def pyodide_distribution(py: Path, version: str) -> Path:
    """Pyodide core + the wheels the kernel and labrt need, with a matching lock, as the
    tarball `jupyter lite build --pyodide` takes."""
    core = pyodide_core(version)
    lock = json.loads((core / "pyodide-lock.json").read_text())
    python = ".".join(lock["info"]["python"].split(".")[:2])
    dist = CACHE / "dist" / "pyodide"
    shutil.rmtree(dist.parent, ignore_errors=True)
    shutil.copytree(core, dist, ignore=shutil.ignore_patterns(
        "*.map", "*.d.ts", "*.html", "README.md", "package.json"))
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)

    # labrt from this checkout, and its requirements the lock does not have
    for old in wheels.glob("labrt-*.whl"):
        old.unlink()
    run(py, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
        "-w", wheels, ROOT)
    run(py, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
        "--only-binary=:all:", "--python-version", python, "-d", wheels, *EXTRA)
    course_lib_wheel(wheels)
    extra_names = {"labrt", COURSE_LIB} | {e.split("==")[0].lower() for e in EXTRA}
    extra = sorted(p for p in wheels.glob("*.whl") if p.name.split("-")[0].lower() in extra_names)

    # the kernel's packages and the lock's packages that labrt's stack needs
    wanted = KERNEL_PACKAGES + [r for w in extra for r in wheel_requires(w)]
    names = lock_closure(lock, wanted)
    specs = [f'{lock["packages"][n]["name"]}=={lock["packages"][n]["version"]}' for n in names]
    run(py, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
        "--only-binary=:all:", "--python-version", python, "-d", wheels, *specs)
    for name in names:
        entry = lock["packages"][name]
        wheel = wheels / entry["file_name"]
        if not wheel.exists():
            sys.exit(f"PyPI has no {entry['file_name']} (needed by the Pyodide kernel)")
        shutil.copy(wheel, dist / wheel.name)
        entry["sha256"] = sha256(wheel)     # PyPI's file, not Pyodide's rebuild

    # labrt and the extra wheels become lock packages too (labrt is preloaded)
    for wheel in extra:
        name = normal(wheel.name.split("-")[0])   # the lock's keys are PEP 503 names
        # importable top-level names: modules, and folders holding Python code
        # (course-lib's page sources and erlang/ are files, not imports)
        top = {n.split("/")[0] for n in zipfile.ZipFile(wheel).namelist()
               if not n.split("/")[0].endswith((".dist-info", ".data")) and n.endswith(".py")}
        lock["packages"][name] = {
            "name": name, "version": wheel.name.split("-")[1], "file_name": wheel.name,
            "install_dir": "site", "sha256": sha256(wheel), "package_type": "package",
            "imports": sorted(t.removesuffix(".py") for t in top),
            "depends": [r for r in wheel_requires(wheel)
                        if r in lock["packages"] or r in {normal(e) for e in extra_names}],
            "unvendored_tests": False}
        shutil.copy(wheel, dist / wheel.name)

    (dist / "pyodide-lock.json").write_text(json.dumps(lock))
    tarball = CACHE / f"pyodide-{version}-offline.tar.bz2"
    with tarfile.open(tarball, "w:bz2") as tar:
        tar.add(dist, arcname="pyodide")
    return tarball


def build(py: Path, tarball: Path) -> None:
    lite_dir = CACHE / "lite-dir"
    shutil.rmtree(lite_dir, ignore_errors=True)
    lite_dir.mkdir(parents=True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    jupyter = py.parent / "jupyter"
    # cwd: doit keeps its task database (.jupyterlite.doit.db) in the working directory
    run(jupyter, "lite", "build", "--lite-dir", lite_dir, "--contents", contents(),
        "--output-dir", OUTPUT, "--pyodide", tarball, cwd=lite_dir)
    config = OUTPUT / "jupyter-lite.json"
    data = json.loads(config.read_text())
    cfg = data["jupyter-config-data"]
    cfg["appName"] = "Robust Systems, hands-on"
    # window.jupyterapp: the browser tests drive the notebook through JupyterLab's commands
    cfg["exposeAppInBrowser"] = True
    kernel = cfg.setdefault("litePluginSettings", {}).setdefault(
        "@jupyterlite/pyodide-kernel-extension:kernel", {})
    kernel["disablePyPIFallback"] = True
    kernel.setdefault("loadPyodideOptions", {})["packages"] = PRELOAD
    config.write_text(json.dumps(data, indent=2))


def main() -> None:
    if not EXERCISES.is_dir():
        sys.exit(f"no {EXERCISES} to publish")
    slow_runs = saved_runs()          # a local kernel, beside the downloads below
    py = tool_python()
    version = pyodide_version(py)
    if slow_runs is not None and slow_runs.wait() != 0:
        sys.exit("the local run of a cell too slow for the browser failed (see above)")
    tarball = pyodide_distribution(py, version)
    build(py, tarball)
    size = sum(p.stat().st_size for p in OUTPUT.rglob("*") if p.is_file()) / 2**20
    print(f"\nJupyterLite site (Pyodide {version}, {size:.0f} MiB) in {OUTPUT}\n"
          f"  {sys.executable} -m http.server --directory {OUTPUT.parent} 8000\n"
          f"  then a page's 'Run in your browser' button, or "
          f"http://localhost:8000/lite/lab/index.html")


if __name__ == "__main__":
    main()
