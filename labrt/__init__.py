"""labrt: a small actor runtime with Erlang/OTP semantics, for learning.

Inside a process (an ``async def`` function started with ``spawn``)::

    from labrt import spawn, send, receive, self

    async def echo():
        sender, text = await receive()
        send(sender, text)

From outside (a notebook cell, a test)::

    labrt.run(main)                 # run main to completion on simulated time
    rt = labrt.Runtime()            # or drive a runtime step by step

See ``notes/labrt-api.md`` and the book for the whole story.

The folders are the layers, each importing only those below it:

* ``labrt.kernel``: processes, signals, the two kernels, the trace;
* ``labrt.otp``: gen_server, supervisor, sys, code;
* ``labrt.dist``: nodes of one simulated world and the network between them;
  ``labrt.store`` a replicated store on top; ``labrt.erl`` real nodes;
* ``labrt.draw``: pictures and widgets (nothing below imports it eagerly);
* the tools beside them: ``labrt.check``, ``labrt.explore``, ``labrt.grading``.

Import from ``labrt`` itself and from the public modules: the paths students
have always used keep working, as aliases of the modules' new homes (see
``MOVED`` below): ``from labrt import gen_server, supervisor, sys, code``,
``import labrt.trace``, ``labrt.widgets``, ``labrt.supervision_tree``,
``python -m labrt.node``; ``labrt.gen_server`` works even before an import.
"""
import importlib as _importlib
import importlib.util as _importlib_util
import sys as _sys

# Old module path -> where the module lives now.  An old path is an alias, not
# a copy: ``labrt.gen_server is labrt.otp.gen_server``.  Only the public paths
# are kept; the private ones (``labrt._core`` and the like) moved for good.
MOVED = {
    "labrt.gen_server": "labrt.otp.gen_server",
    "labrt.supervisor": "labrt.otp.supervisor",
    "labrt.sys": "labrt.otp.sys",
    "labrt.code": "labrt.otp.code",
    "labrt.trace": "labrt.kernel.trace",
    "labrt.supervision_tree": "labrt.draw.supervision_tree",
    "labrt.widgets": "labrt.draw.widgets",
    "labrt.node": "labrt.erl.cli",
}


class _Aliases:
    """Import hook: importing an old path returns the module at its new path.

    Lazy, so ``import labrt`` still loads no drawing code and no ipywidgets;
    ``python -m labrt.node`` works too (runpy asks for the code).
    """

    def __init__(self):
        self._specs = {}                          # new path -> the module's own spec

    def find_spec(self, name, path=None, target=None):
        if name not in MOVED:
            return None
        return _importlib_util.spec_from_loader(name, self, origin=MOVED[name])

    def create_module(self, spec):
        module = _importlib.import_module(MOVED[spec.name])
        self._specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module):
        # The import system has just set __spec__ to the alias's: put the
        # module's own back (its __name__ was never touched).
        module.__spec__ = self._specs[module.__name__]

    def get_code(self, name):                    # for ``python -m OLD.PATH``
        real = _importlib_util.find_spec(MOVED[name])
        return real.loader.get_code(MOVED[name])


def __getattr__(name):
    """``labrt.gen_server`` (or another old path) without importing it first."""
    if f"labrt.{name}" in MOVED:
        return _importlib.import_module(f"labrt.{name}")
    raise AttributeError(f"module 'labrt' has no attribute {name!r}")


if not any(isinstance(f, _Aliases) for f in _sys.meta_path):
    _sys.meta_path.insert(0, _Aliases())     # before any editable-install finder

from .kernel.core import ProcessInfo, Runtime, isolate
from .kernel.api import (
    alias, cancel_timer, current_runtime, demonitor, error_report,
    exit, is_alive, link, make_ref, monitor, now, process_info, receive,
    register, registered, self, send, send_after, sleep, spawn, spawn_link,
    spawn_monitor, trap_exit, unalias, unlink, unregister, whereis,
)
from .kernel.values import (
    ANY, TIMEOUT, BadArg, BadTimeout, CannotSend, Deadlock, Down, Exit, Exited,
    LabrtError, NoProc, NotInProcess, Pid, ProcessExit, Ref, Timeout,
    format_reason,
)
from .kernel import trace  # noqa: F401  (labrt.trace, as before)
from .kernel.trace import Event, Trace
from .dist.api import (
    connect_node, disconnect_node, monitor_node, monitor_nodes, node, nodes,
)
from .dist.world import World
from .dist import erpc, rpc  # noqa: E402  (labrt.rpc.call; needs the names above)
from .explore import explore  # labrt.explore(scenario, check, ...): the race explorer (issue 11)


def run(main, *args, seed=None, kernel="sim", trace=False, reports="stderr"):
    """Run ``main(*args)`` as a process until it ends and return its result.

    If main crashes, its exception is raised here; if it exits with another
    non-normal reason, :class:`Exited` is raised.  On the simulated kernel, a
    run that can make no progress raises :class:`Deadlock` naming each waiting
    process.
    """
    rt = Runtime(kernel=kernel, seed=seed, trace=trace, reports=reports)
    return rt.run_main(main, *args)


__all__ = [
    "ANY", "TIMEOUT", "BadArg", "BadTimeout", "CannotSend", "Deadlock", "Down",
    "Event", "Exit", "Exited", "LabrtError", "NoProc", "NotInProcess", "Pid",
    "ProcessExit", "ProcessInfo", "Ref", "Runtime", "Timeout", "Trace", "World",
    "alias", "cancel_timer", "connect_node", "current_runtime", "demonitor",
    "disconnect_node", "erpc", "error_report", "exit", "format_reason", "is_alive",
    "isolate", "link", "make_ref", "monitor", "monitor_node", "monitor_nodes", "node", "nodes",
    "now", "process_info", "receive", "register", "registered", "rpc", "run", "self",
    "send", "send_after", "sleep", "spawn", "spawn_link", "spawn_monitor", "trap_exit",
    "unalias", "unlink", "unregister", "whereis",
]


def _make_real_node(rt, name, cookie):
    """Runtime(kernel="trio", node="a@localhost", cookie=...): labrt.erl, loaded on first use."""
    from .erl.node import attach
    attach(rt, name, cookie)


Runtime.make_real_node = _make_real_node
