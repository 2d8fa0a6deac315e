"""labrt.dist: nodes in one simulated world, and a network that fails on purpose.

A :class:`World` holds named nodes (``"master@site1"``, ``"bo@site2"``) on
one virtual clock.  Each node is a :class:`labrt.Runtime` with its own
processes and registered names; processes on different nodes talk exactly
as processes on one node do (pids are location transparent, a registered
name on another node is ``(name, node)``), except that their signals travel
over the world's network, which can be slowed, made lossy, partitioned and
healed, and whose nodes can crash and restart.  A fault schedule
(:class:`FaultSchedule`) is the same thing written down as data, so that the
same program with the same seed and schedule replays the same failure, byte
for byte.

Layers, bottom up: ``net`` (links, connections, signals in flight),
``chaos`` (the faults a world can suffer), ``world`` (nodes, connections up
and down, OTP's failure semantics), ``overlap`` (OTP 25 global's
``prevent_overlapping_partitions``, when a world asks for it), ``api`` (what a process asks:
``node()``, ``monitor_node``, ...), ``rpc``, ``faults`` (schedules as data).
"""
from .api import connect_node, disconnect_node, monitor_node, monitor_nodes, node, nodes
from .faults import (
    Crash, Drop, Fault, FaultSchedule, Heal, Partition, Restart, Slow,
)
from .net import Latency
from .world import World

__all__ = [
    "Crash", "Drop", "Fault", "FaultSchedule", "Heal", "Latency", "Partition",
    "Restart", "Slow", "World", "connect_node", "disconnect_node", "monitor_node",
    "monitor_nodes", "node", "nodes",
]
