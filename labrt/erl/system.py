"""The system processes an Erlang peer expects to find on a node.

A real Erlang node talks to a few registered processes of every node it
connects to.  A labrt node that joins an Erlang cluster runs small stand-ins
for the ones the course meets, each an ordinary labrt process:

* ``net_kernel`` answers ``net_adm:ping/1`` (a ``gen_server`` call of
  ``{is_auth, Node}``) with ``yes``.
* ``rex`` is the server behind ``rpc:call/4`` on the callee's side.  It
  answers the feature probe a peer sends on connecting (``features_reply``
  with no features, so peers fall back to plain ``rpc``), and runs a call
  only if the node was started with that ``{Module, Function}`` in its
  allow-list; any other call is answered ``{badrpc, {'EXIT', {undef, ...}}}``
  shape-alike as ``("badrpc", ("EXIT", ("not_allowed", M, F)))``.  A peer
  can never make a labrt node run code it did not choose to offer.

The allow-list maps ``(module, function)`` atoms to Python callables, so a
name from the network is only ever a key in a dict the program wrote.
"""
from __future__ import annotations

from ..kernel import api
from ..dist.api import node as this_node


def _reply(from_, value):
    pid, tag = from_
    api.send(pid, (tag, value))


async def net_kernel():
    """Answer ``is_auth`` (ping); ignore anything else, as a busy node would."""
    while True:
        msg = await api.receive()
        if (type(msg) is tuple and len(msg) == 3 and msg[0] == "$gen_call"
                and type(msg[1]) is tuple and len(msg[1]) == 2):
            request = msg[2]
            if type(request) is tuple and request[:1] == ("is_auth",):
                _reply(msg[1], "yes")
            else:
                _reply(msg[1], ("error", "not_supported_by_labrt"))


async def rex(allowed: dict):
    """The callee side of ``rpc:call``: only allow-listed functions run."""
    while True:
        msg = await api.receive()
        if type(msg) is not tuple:
            continue
        if len(msg) == 2 and msg[1] == "features_request" and type(msg[0]) is api.Pid:
            api.send(msg[0], ("features_reply", this_node(), []))
        elif (len(msg) == 3 and msg[0] == "$gen_call" and type(msg[1]) is tuple
                and len(msg[1]) == 2 and type(msg[2]) is tuple and msg[2][:1] == ("call",)):
            req = msg[2]
            if len(req) < 4 or type(req[1]) is not str or type(req[2]) is not str \
                    or type(req[3]) is not list:
                _reply(msg[1], ("badrpc", ("EXIT", "badarg")))
                continue
            fn = allowed.get((req[1], req[2]))
            if fn is None:
                _reply(msg[1], ("badrpc", ("EXIT", ("not_allowed", req[1], req[2]))))
                continue
            api.spawn(_run_call, msg[1], fn, req[3])


async def _run_call(from_, fn, args):
    try:
        result = fn(*args)
        if hasattr(result, "__await__"):
            result = await result
    except api.ProcessExit as e:
        result = ("badrpc", ("EXIT", e.reason))
    except Exception as e:               # the allowed function crashed: tell the caller
        result = ("badrpc", ("EXIT", e))
    _reply(from_, result)
