"""Test certificates for distribution over TLS, made with the openssl CLI.

Python's ssl module can use certificates but not make them, so the tests
call ``openssl``: a cluster CA, node certificates it signs (CN=localhost,
the host of every test node), and one signed by another CA (a peer that
must be refused).  ``dist_optfile`` writes the file a BEAM node reads with
``-ssl_dist_optfile`` (OTP ssl User's Guide, "Using TLS for Erlang
Distribution"): the same certificate as server and as client, the peer's
checked against the CA both ways.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def openssl_available() -> bool:
    return shutil.which("openssl") is not None


def make(folder, nodes=("n1", "n2"), rogues=("rogue",)):
    """``ca.pem`` signs ``<node>.pem/.key`` for each node; ``rogue_ca.pem`` signs the rogues."""
    def run(*a):
        subprocess.run(["openssl", *a], cwd=folder, check=True, capture_output=True)
    for ca in ("ca", "rogue_ca"):
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            f"/CN={ca}", "-keyout", f"{ca}.key", "-out", f"{ca}.pem")
    for name, ca in [(n, "ca") for n in nodes] + [(r, "rogue_ca") for r in rogues]:
        run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", f"{name}.key", "-out", f"{name}.csr")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-out", f"{name}.pem")
    return Path(folder)


def dist_optfile(folder, cert, ca="ca") -> Path:
    """Write ``<cert>.conf`` for ``erl -proto_dist inet_tls -ssl_dist_optfile``; return it."""
    d = Path(folder)
    opts = (f'{{certfile,"{d / cert}.pem"}},{{keyfile,"{d / cert}.key"}},'
            f'{{cacertfile,"{d / ca}.pem"}},{{verify,verify_peer}}')
    path = d / f"{cert}.conf"
    path.write_text(f"[{{server,[{opts},{{fail_if_no_peer_cert,true}}]}},\n"
                    f" {{client,[{opts}]}}].\n")
    return path


def beam_args(folder, cert) -> list[str]:
    """The ``erl`` flags of a BEAM node that speaks distribution over TLS with ``cert``."""
    return ["-proto_dist", "inet_tls", "-ssl_dist_optfile", str(dist_optfile(folder, cert))]
