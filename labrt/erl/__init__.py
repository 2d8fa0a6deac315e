"""labrt on Erlang's own distribution protocol: real nodes, real Erlang peers.

``Node("a@localhost", cookie="secret")`` makes a trio runtime that is a node
of a real cluster, reachable by name through EPMD, able to talk to other
labrt nodes and to Erlang nodes started with ``erl -sname``.
``labrt.Runtime(kernel="trio", node="a@localhost", cookie="secret")`` is the
same node with the default options, and ``python -m labrt.node --sname a
--cookie secret`` runs one as an OS process.  EPMD is found on
``$ERL_EPMD_PORT`` or 4369, as Erlang nodes find it.  A real node keeps no
trace unless asked (``trace=True``): it may run for hours.

Layers, bottom up: :mod:`.etf` (the external term format: its values,
decoder and encoder are :mod:`.etf_values`, :mod:`.etf_decode`,
:mod:`.etf_encode`), :mod:`.epmd` (finding nodes), :mod:`.tls` (distribution
over TLS, as ``-proto_dist inet_tls``), :mod:`.handshake` (the cookie
challenge), :mod:`.control` (control messages), :mod:`.connection` (packets
and ticks), :mod:`.system` (the processes a peer expects: net_kernel, rex),
:mod:`.remote_spawn` (spawn requests and rpc both ways), :mod:`.node` (the
node itself, which the core sees as its world), and OTP's ``global`` beside
it: :mod:`.global_server` (the ``global_name_server`` every node runs: sync
sessions, global's locks, transitive connections, prevent_overlapping_partitions),
its :mod:`.locker`, :mod:`.global_tables` (locks and names),
:mod:`.partitions` (prevent_overlapping_partitions) and :mod:`.global_proto`
(the protocol's messages, checked on the way in).
"""
from .node import ErlWorld, Node, connect_all, spawn

__all__ = ["ErlWorld", "Node", "connect_all", "spawn"]
