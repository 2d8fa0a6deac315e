"""What a process asks about nodes: node(), nodes(), monitor_node, monitor_nodes, ...

These are Erlang's BIFs and ``net_kernel`` calls, module-level like the rest
of labrt's process API (``labrt.node()``, ``labrt.monitor_node(...)``).  On
a runtime that is not part of a world they answer as a non-distributed
Erlang node does: ``node()`` is ``"nonode@nohost"`` and ``nodes()`` is empty.
"""
from __future__ import annotations

from ..kernel.core import _me
from ..kernel.values import LOCAL_NODE, BadArg, Pid

__all__ = ["connect_node", "disconnect_node", "monitor_node", "monitor_nodes",
           "node", "nodes"]


def node(of=None) -> str:
    """This process's node name, or the node of a pid, alias or ``(name, node)``."""
    rt = _me().rt
    if of is None:
        return rt.node_name
    if type(of) is tuple and len(of) == 2 and type(of[1]) is str:
        return of[1]
    if not hasattr(of, "node") or isinstance(of, str):
        raise BadArg(f"node: {of!r} is not a pid, a ref or a (name, node) pair")
    if rt.world is None:
        return LOCAL_NODE
    return rt.world.name_of(of.node)


def nodes() -> list[str]:
    """The nodes this node is connected to, sorted (not including itself)."""
    rt = _me().rt
    return [] if rt.world is None else rt.world.connected(rt.node_name)


def _world(what):
    p = _me()
    if p.rt.world is None:
        raise BadArg(f"{what}: this runtime is a single node ({LOCAL_NODE}); "
                     "build nodes with labrt.dist.World")
    return p


def monitor_node(name: str, flag: bool) -> bool:
    """``flag=True``: a ``("nodedown", name)`` message when the connection is lost.

    Each call is its own instance (one message each); a node that cannot be
    reached gives the message at once.  ``flag=False`` removes one instance.
    """
    p = _world("monitor_node")
    return p.rt.world.monitor_node(p.rt, p, name, flag)


def monitor_nodes(flag: bool, nodedown_reason: bool = False) -> str:
    """Subscribe to ``("nodeup", N)`` and ``("nodedown", N)`` for every node.

    With ``nodedown_reason=True`` the messages carry an info dict, as OTP's
    do with a map of options: ``("nodeup", N, {})`` and ``("nodedown", N,
    {"nodedown_reason": R})``, R one of ``"connection_closed"``,
    ``"disconnect"``, ``"net_tick_timeout"``.  Erlang's
    ``net_kernel:monitor_nodes``: each ``True`` call is one more subscription;
    ``flag=False`` ends every subscription made with the same options.
    """
    p = _world("monitor_nodes")
    return p.rt.world.monitor_nodes(p.rt, p, flag, nodedown_reason)


def disconnect_node(name: str) -> bool:
    """Drop the connection to ``name``: both sides see nodedown; False if there was none."""
    p = _world("disconnect_node")
    w = p.rt.world
    j = w.index(name) if type(name) is str else None
    if j is None:
        raise BadArg(f"disconnect_node: {name!r} is not a node name")
    return w.disconnect(p.rt.node, j, "disconnect", "connection_closed")


def connect_node(name: str) -> bool:
    """Set up the connection to ``name`` now (``net_kernel:connect_node``); True if up."""
    p = _world("connect_node")
    w = p.rt.world
    j = w.index(name)
    return j == p.rt.node or w.connection(p.rt.node, j) is not None
