"""sys: talk to a running gen_server (or supervisor) about itself.

These are *system messages*, ``("$system", from_, request)``, which the
gen_server loop handles between callbacks, also while the server is
suspended (items 90-92).  A suspended server handles nothing else: its
calls, casts and other messages wait in the mailbox, in order, and are
handled after :func:`resume`.  That is what makes a hot upgrade safe::

    await sys.suspend(server)                      # stop handling requests
    code.load("counter", CounterV2)                # new code, not yet used
    await sys.change_code(server, "counter", 1, None)   # V2.code_change(1, S, None)
    await sys.resume(server)                       # queued requests meet V2 and the new S

(:func:`labrt.code.rolling_upgrade` does exactly this for a list of servers.)

Every function waits for the server's answer, 5 seconds by default; a
failure exits the caller with ``(Reason, ("sys", function, args))``, like a
failed ``gen_server.call``.
"""
from __future__ import annotations

from labrt.otp.gen_server import DEFAULT_TIMEOUT, _DefaultTimeout, _call

__all__ = [
    "CallbackFailed", "change_code", "get_state", "get_status", "replace_state",
    "resume", "suspend", "terminate",
]


class CallbackFailed(Exception):
    """``replace_state``'s function crashed; the server's state is unchanged.

    ``reason`` is ``("callback_failed", ("gen_server", "system_replace_state"), exc)``.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


async def _system(function, server, request, timeout, *extra):
    args = (server, *extra) if type(timeout) is _DefaultTimeout else (server, *extra, timeout)
    return await _call(server, "$system", request, timeout, ("sys", function, args))


async def suspend(server, timeout=DEFAULT_TIMEOUT) -> str:
    """Suspend the server: it handles only system messages until resumed.  ``"ok"``."""
    return await _system("suspend", server, "suspend", timeout)


async def resume(server, timeout=DEFAULT_TIMEOUT) -> str:
    """Resume a suspended server; the messages it queued are handled in order.  ``"ok"``."""
    return await _system("resume", server, "resume", timeout)


async def get_state(server, timeout=DEFAULT_TIMEOUT):
    """A copy of the server's state (works while suspended too)."""
    return await _system("get_state", server, "get_state", timeout)


async def replace_state(server, fun, timeout=DEFAULT_TIMEOUT):
    """Set the state to ``fun(state)`` and return it.

    If ``fun`` raises, the state is unchanged and :class:`CallbackFailed`
    is raised here (OTP raises ``{callback_failed, ...}`` the same way).
    """
    answer = await _system("replace_state", server, ("replace_state", fun), timeout, fun)
    if answer[0] == "error":
        raise CallbackFailed(answer[1])
    return answer[1]


async def change_code(server, module: str, old_vsn, extra, timeout=DEFAULT_TIMEOUT):
    """Convert a *suspended* server's state with the current ``code_change``.

    Calls ``code_change(old_vsn, S, extra)`` (``old_vsn`` is ``("down", V)``
    for a downgrade).  Returns ``"ok"``, or ``("error", R)`` as OTP does:
    ``("error", ("error", R))`` when code_change returned ``("error", R)``,
    ``("error", ("EXIT", exc))`` when it crashed, and
    ``("error", ("unknown_system_msg", ...))`` when the server is not suspended.
    """
    return await _system("change_code", server, ("change_code", module, old_vsn, extra),
                         timeout, module, old_vsn, extra)


async def get_status(server, timeout=DEFAULT_TIMEOUT):
    """``("status", pid, ("module", "gen_server"), info)``; ``info`` is a dict with
    ``module``, ``name``, ``parent``, ``sys_state`` ("running" or "suspended"),
    ``hibernating`` and ``state``."""
    return await _system("get_status", server, "get_status", timeout)


async def terminate(server, reason, timeout=None) -> str:
    """Stop the server with ``reason`` (its terminate runs).  Same as ``gen_server.stop``."""
    from labrt.otp.gen_server import stop
    return await stop(server, reason, timeout)
