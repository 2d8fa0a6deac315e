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
"""
from ._core import ProcessInfo, Runtime, isolate
from ._api import (
    alias, cancel_timer, current_runtime, demonitor, error_report,
    exit, is_alive, link, make_ref, monitor, now, process_info, receive,
    register, registered, self, send, send_after, sleep, spawn, spawn_link,
    spawn_monitor, trap_exit, unalias, unlink, unregister, whereis,
)
from ._values import (
    ANY, TIMEOUT, BadArg, BadTimeout, CannotSend, Deadlock, Down, Exit, Exited,
    LabrtError, NoProc, NotInProcess, Pid, ProcessExit, Ref, Timeout,
    format_reason,
)
from .trace import Event, Trace
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
