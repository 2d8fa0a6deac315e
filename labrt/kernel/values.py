"""Values that flow between processes: pids, refs, EXIT/DOWN messages, errors.

This module is the bottom layer of labrt: it imports nothing from the rest of
the package. Everything here is immutable, so a value can be passed between
processes as it is, without copying.

Erlang's atoms become short Python strings (``"normal"``, ``"killed"``), its
tuples stay tuples, and its two system messages become frozen dataclasses that
work in a ``match`` statement::

    match await receive():
        case Exit(pid, "normal"): ...
        case Down(ref, pid, reason): ...
"""
from __future__ import annotations

from dataclasses import dataclass

#: The node name of a runtime that is not part of a network, as in Erlang.
LOCAL_NODE = "nonode@nohost"


class Pid:
    """A process identifier.  Prints like Erlang's: ``<0.42.0>``.

    Pids are numbered from 1 in spawn order within a runtime, so a run prints
    the same pids every time.  In a world of nodes (``labrt.dist``) the first
    number is the node's index in the world, and ``creation`` tells the
    incarnations of a restarted node apart: an old pid never reaches a
    process of the new incarnation, although it prints the same (Erlang's
    pids print without their creation too).  A pid also holds a private
    reference to its live process, which makes ``send`` a pointer chase
    instead of a table lookup; the runtime clears it when the process dies.
    """

    __slots__ = ("node", "num", "creation", "_proc")

    def __init__(self, node: int, num: int, proc=None, creation: int = 0):
        self.node = node
        self.num = num
        self.creation = creation
        self._proc = proc

    def __repr__(self) -> str:
        return f"<{self.node}.{self.num}.0>"

    def __eq__(self, other):
        return (isinstance(other, Pid) and self.num == other.num
                and self.node == other.node and self.creation == other.creation)

    def __hash__(self):
        return self.num ^ (self.node << 40)

    def __lt__(self, other):
        return ((self.node, self.num, self.creation)
                < (other.node, other.num, other.creation))

    # A pid is a value: copying it (as message isolation does) gives itself.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (Pid, (self.node, self.num, None, self.creation))


class Ref:
    """A unique reference, from ``make_ref()``, ``monitor()`` or ``send_after()``."""

    __slots__ = ("node", "num")

    def __init__(self, node: int, num: int):
        self.node = node
        self.num = num

    def __repr__(self) -> str:
        return f"#Ref<{self.node}.0.0.{self.num}>"

    def __eq__(self, other):
        return (isinstance(other, Ref) and self.num == other.num
                and self.node == other.node)

    def __hash__(self):
        return self.num ^ (self.node << 40)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


@dataclass(frozen=True, slots=True)
class Exit:
    """Erlang's ``{'EXIT', Pid, Reason}``: a trapped exit signal."""
    pid: Pid
    reason: object


@dataclass(frozen=True, slots=True)
class Down:
    """Erlang's ``{'DOWN', Ref, process, Pid, Reason}``: a monitor fired.

    For a monitor taken on a registered name, ``pid`` is ``(name, node)``.
    """
    ref: Ref
    pid: object
    reason: object


class Timeout:
    """The type of :data:`TIMEOUT`, what ``receive`` returns when it times out."""

    __slots__ = ()
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "TIMEOUT"

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


#: Returned by ``receive(..., timeout=t)`` when no message matched in time.
TIMEOUT = Timeout()


class _Any:
    __slots__ = ()

    def __repr__(self):
        return "ANY"


#: Wildcard for receive patterns: ``receive(("ping", ANY))``.
ANY = _Any()


# ---------------------------------------------------------------------------
# Errors.  Misuse of the API is a LabrtError (an ordinary Exception).  An exit
# travelling through a process is a ProcessExit, a BaseException, so that a
# student's ``except Exception:`` cannot swallow it by accident.

class LabrtError(Exception):
    """Base class of labrt's errors: something was used the wrong way."""


class NotInProcess(LabrtError):
    """A function that only works inside a process was called outside one."""


class BadArg(LabrtError):
    """Erlang's ``badarg``: a bad argument to a built-in function."""


class CannotSend(BadArg):
    """The message holds something that cannot be copied to another process."""


class BadTimeout(BadArg):
    """Erlang's ``timeout_value``: a negative or non-numeric timeout."""


class NoProc(LabrtError):
    """Erlang's ``noproc``: ``link`` to a process that does not exist."""


class Deadlock(LabrtError):
    """Nothing can run, no timer is pending, and processes still wait."""


class Exited(LabrtError):
    """``labrt.run``'s main process exited with a non-normal reason."""

    def __init__(self, reason):
        super().__init__(f"main process exited with reason {reason!r}")
        self.reason = reason


class ProcessExit(BaseException):
    """Raised by ``exit(reason)``: the process ends with ``reason``.

    Like Erlang's ``catch exit(R)``, it can be caught (``except ProcessExit``),
    but ``except Exception`` does not catch it.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class _Killed(BaseException):
    """Unwinds a process that was killed while it was running."""


def is_normal(reason) -> bool:
    """True for ``"normal"``; OTP also treats ``"shutdown"`` as clean (see gen_server)."""
    return type(reason) is str and reason == "normal"


def format_reason(reason) -> str:
    """A short, deterministic text for an exit reason."""
    if isinstance(reason, BaseException):
        return f"{type(reason).__name__}({', '.join(repr(a) for a in reason.args)})"
    return repr(reason)
