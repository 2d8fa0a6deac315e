"""Finding checks: the public ones shipped in ``labrt.grading.checks`` and
the hidden ones in an instructor's folder (``instructor/hidden``)."""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

from .core import add_our_directory

_loaded_hidden: set[str] = set()


def load_checks() -> None:
    """Import every module in ``labrt.grading.checks`` (each registers its tasks)."""
    from . import checks
    for info in pkgutil.iter_modules(checks.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{checks.__name__}.{info.name}")


def load_hidden(directory) -> list[str]:
    """Run every ``*.py`` file in ``directory``; each registers hidden cases.

    Returns the names of the files loaded. A folder that does not exist
    loads nothing.
    """
    load_checks()
    folder = Path(directory)
    if not folder.is_dir():
        return []
    add_our_directory(folder)
    loaded = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"labrt_hidden_{path.stem.replace('-', '_')}"
        key = str(path.resolve())
        if key not in _loaded_hidden:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            _loaded_hidden.add(key)
        loaded.append(path.name)
    return loaded
