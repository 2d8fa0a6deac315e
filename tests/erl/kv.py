"""The labrt side of the live tests' key-value server.

A gen_server that answers ``("put", k, v)`` with ``"ok"`` and ``("get", k)``
with the value or ``"undefined"``: the twin of labrt_agent.erl's ``ekv``, so
a BEAM node and a labrt node can call each other's with the same requests.
"""
from __future__ import annotations

from labrt import gen_server


class Kv(gen_server.GenServer):
    def init(self, arg):
        return ("ok", {})

    def handle_call(self, req, from_, state):
        match req:
            case ("put", k, v):
                return ("reply", "ok", {**state, k: v})
            case ("get", k):
                return ("reply", state.get(k, "undefined"), state)
