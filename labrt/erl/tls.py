"""Distribution over TLS, as Erlang's ``-proto_dist inet_tls``.

The cookie handshake proves that a peer knows the cookie, but everything
after it, messages included, crosses the network in clear text.  Erlang's
answer is ``inet_tls_dist``: each distribution connection is a TLS
connection from its first byte, and the cookie handshake runs inside it.
EPMD stays plain (it only maps names to ports).  labrt does the same with
the standard library's :mod:`ssl` and trio's ``SSLStream``::

    tls = TLS(certfile="node.pem", keyfile="node.key", cafile="ca.pem")
    rt = labrt.erl.Node("a@localhost", cookie, tls=tls)

Both sides present a certificate signed by the cluster's CA and check the
other's (mutual TLS, as ``inet_tls_dist`` is usually configured with
``verify_peer``); a peer without one is refused before the cookie handshake.
Every node of the cluster must use TLS: a plain node and a TLS node cannot
talk, exactly as in Erlang.

One wire detail differs from plain TCP: inside TLS the handshake messages
are framed by a 4-byte length, not 2 (``inet_tls_dist`` sets ``{packet, 4}``
on the TLS socket from the start; see :mod:`labrt.erl.handshake`).  A labrt
TLS node and a BEAM node started with ``-proto_dist inet_tls
-ssl_dist_optfile FILE`` talk (tests/test_erl_tls.py); the BEAM node checks
our certificate against its ``cacertfile`` and we check its.  A BEAM client
also checks that the server's certificate names the host it connected to
(``localhost`` in the tests: CN=localhost is enough for OTP 25).
"""
from __future__ import annotations

import ssl

import trio

__all__ = ["TLS"]

#: Seconds the TLS handshake may take.
TIMEOUT = 7.0


class TLS:
    """The certificates of one node: its own (certfile, keyfile) and the cluster's CA."""

    def __init__(self, certfile, keyfile, cafile, *, check_hostname: bool = False):
        self.server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(cafile))
        self.server_ctx.load_cert_chain(str(certfile), str(keyfile))
        self.server_ctx.verify_mode = ssl.CERT_REQUIRED
        self.client_ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(cafile))
        self.client_ctx.load_cert_chain(str(certfile), str(keyfile))
        self.client_ctx.check_hostname = check_hostname
        for ctx in (self.server_ctx, self.client_ctx):
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2

    async def server(self, stream):
        tls = trio.SSLStream(stream, self.server_ctx, server_side=True)
        with trio.fail_after(TIMEOUT):
            await tls.do_handshake()
        return tls

    async def client(self, stream, host: str):
        tls = trio.SSLStream(stream, self.client_ctx, server_hostname=host)
        with trio.fail_after(TIMEOUT):
            await tls.do_handshake()
        return tls
