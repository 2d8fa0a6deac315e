"""prevent_overlapping_partitions: what global does when a connection is lost.

OTP 25 turns it on by default.  A partition must never overlap another: if
a loses its connection to b while c still sees both, c must not stay
connected to both sides.  So (global.erl's "Prevent Overlapping Partitions
Algorithm"):

1. a node that loses a connection to a node it knew multicasts
   ``{lost_connection, Me, XCreation, OpId, Lost}`` to every node it knows
   (XCreation tells incarnations of a node apart, OpId orders one node's
   reports);
2. a node that receives one it has not seen yet forwards it to the nodes it
   knows, remembers it, and, if it knows the lost node, tells it
   ``{remove_connection, Me}`` and forgets it (so that node's nodedown, when
   it comes, starts no report of its own);
3. a node told to ``remove_connection`` disconnects from the sender and
   forgets it.

This takes down more connections than strictly needed (both ends of a lost
link leave the others), the price of every node deciding alone and alike.
A labrt node does all three, so in a BEAM cluster it drops and is dropped
as a BEAM node would be.  With ``connect_all(False)`` (``-connect_all
false``) none of it runs.

:class:`Partitions` holds these methods; the server inherits them.
"""
from __future__ import annotations

import labrt

from . import global_proto as P
from .global_proto import RemoveFromKnown

MAX_LOST = 10000            # lost connections remembered (global forgets them after 1 h)


class Partitions:
    """The partition half of :class:`~labrt.erl.global_server.Server` (a mixin)."""

    def nodedown(self, node, what):
        self.cancel_locker(node, self.get(node, "my"))
        self.tell_locker(RemoveFromKnown(node))
        self.reset(node)
        if what == "remove_connection":
            self.removing.add(node)
        elif node in self.removing:
            self.removing.discard(node)
        else:
            self.inform_connection_loss(node)
        self.pending.pop(node, None)
        self.known.pop(node, None)
        if node in self.synced:
            self.synced.remove(node)

    def inform_connection_loss(self, node):
        if self.connect_all:
            msg = ("lost_connection", self.me, self.xcreation, next(self.tags), node)
            self.multicast(msg, node, P.POP_VSN)

    def on_lost_connection(self, msg, node_a, xcre, op_id, node_b):
        if not self.connect_all:
            return
        seen = self.lost.get((node_a, node_b))
        if seen is not None and seen[0] == xcre and op_id <= seen[1]:
            return
        self.multicast(("lost_connection", node_a, xcre, op_id, node_b), node_a, P.POP_VSN)
        if len(self.lost) >= MAX_LOST and (node_a, node_b) not in self.lost:
            self.lost.pop(next(iter(self.lost)))         # the oldest goes first
        self.lost[(node_a, node_b)] = (xcre, op_id)
        rm = node_b if node_b != self.me else node_a
        if self.potentially_known(rm):
            self.volatile(rm, ("remove_connection", self.me))
            self.log(f"labrt.erl: 'global' at node {self.me} requested disconnect from node "
                     f"{rm} in order to prevent overlapping partitions")
            self.nodedown(rm, "remove_connection")

    def on_remove_connection(self, msg, node):
        if self.potentially_known(node):
            self.nodedown(node, "remove_connection")
            self.log(f"labrt.erl: 'global' at node {self.me} disconnected node {node} in "
                     "order to prevent overlapping partitions")
            labrt.disconnect_node(node)
