"""``python -m labrt.node``: run a labrt node as an operating-system process.

    python -m labrt.node --sname a@localhost --cookie secret
    python -m labrt.node --sname b@localhost --cookie secret --run labrt.erl.demo:replica

The node registers with EPMD (Erlang's, or labrt's own when none runs),
accepts connections from labrt and Erlang nodes that know the cookie, runs
the ``--run MODULE:FUNCTION`` process if given (its application), and serves
until it is stopped (Ctrl-C, or kill).  Functions that other nodes may start
here (remote spawn, ``rpc:call``) must be named with ``--allow
MODULE:FUNCTION``; nothing else can be run from outside.  The node runs
OTP's ``global_name_server`` (sync sessions, transitive connections,
prevent_overlapping_partitions) unless started with ``--no-global``.
"""
from __future__ import annotations

import argparse
import importlib
import sys


def _resolve(spec: str):
    module, _, name = spec.partition(":")
    if not module or not name:
        raise SystemExit(f"labrt.node: {spec!r} is not MODULE:FUNCTION")
    try:
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise SystemExit(f"labrt.node: cannot find {spec}: {e}")
    if not callable(obj):
        raise SystemExit(f"labrt.node: {spec} is not a function")
    return obj


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m labrt.node", description=__doc__.split("\n")[0])
    ap.add_argument("--sname", required=True, help="the node's name, name@host")
    ap.add_argument("--cookie", required=True, help="the cluster's shared secret")
    ap.add_argument("--run", help="MODULE:FUNCTION, the node's application process")
    ap.add_argument("--allow", action="append", default=[],
                    help="MODULE:FUNCTION other nodes may spawn or rpc:call (repeatable)")
    ap.add_argument("--epmd-port", type=int, default=None,
                    help="EPMD's port (default: $ERL_EPMD_PORT, else 4369, as for erl)")
    ap.add_argument("--port", type=int, default=0, help="distribution port (default: any)")
    ap.add_argument("--tick", type=float, default=60.0, help="seconds of silence before a "
                    "peer counts as down (Erlang's net_ticktime)")
    ap.add_argument("--tls-cert", help="this node's certificate (PEM): distribution over TLS")
    ap.add_argument("--tls-key", help="this node's private key (PEM)")
    ap.add_argument("--tls-ca", help="the cluster's CA certificate (PEM)")
    ap.add_argument("--no-global", action="store_true", help="run no global_name_server "
                    "(labrt nodes then pass node lists to each other their own way; BEAM "
                    "peers do not make this node part of their cluster)")
    args = ap.parse_args(argv)
    tls = None
    if args.tls_cert or args.tls_key or args.tls_ca:
        if not (args.tls_cert and args.tls_key and args.tls_ca):
            raise SystemExit("labrt.node: TLS needs all three of --tls-cert, --tls-key, --tls-ca")
        from labrt.erl.tls import TLS
        tls = TLS(args.tls_cert, args.tls_key, args.tls_ca)

    from labrt.erl import Node
    allow = {}
    for spec in args.allow:
        fn = _resolve(spec)
        module, _, name = spec.partition(":")
        allow[(module, name)] = fn
    app = _resolve(args.run) if args.run else None
    from labrt import BadArg
    try:
        rt = Node(args.sname, args.cookie, allow=allow, epmd_port=args.epmd_port,
                  port=args.port, tick=args.tick, tls=tls, speak_global=not args.no_global)
    except BadArg as e:
        ap.error(str(e))

    async def serve():
        from labrt import receive, spawn
        if app is not None:
            spawn(app)
        print(f"labrt node {args.sname} up", flush=True)
        await receive("a message nobody sends")     # serve until stopped

    try:
        rt.run_main(serve)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
