"""``anpr-edge pki``: node keys and signing requests, and a test CA for the lab."""

from __future__ import annotations

import argparse
from pathlib import Path

from edge.commands import SubParsers


def register(sub: SubParsers) -> None:
    """Add the ``pki`` command group."""
    p = sub.add_parser("pki", help="node keys, signing requests and a lab test CA")
    g = p.add_subparsers(dest="pki_command", required=True)
    ca = g.add_parser("init-ca", help="create a test CA (lab and tests only)")
    ca.add_argument("--out", type=Path, required=True, help="directory for ca.key and ca.crt")
    ca.add_argument("--name", default="anpr-edge test CA")
    ca.add_argument("--days", type=int, default=3650)
    ca.set_defaults(func=_init_ca)
    csr = g.add_parser("csr", help="make this node's private key and signing request")
    csr.add_argument("--node-id", required=True)
    csr.add_argument("--tenant")
    csr.add_argument("--out", type=Path, required=True, help="directory for node.key and node.csr")
    csr.set_defaults(func=_csr)
    sign = g.add_parser("sign", help="sign a node's CSR with the test CA")
    sign.add_argument("--ca", type=Path, required=True, help="directory holding ca.key and ca.crt")
    sign.add_argument("csr", type=Path)
    sign.add_argument("--out", type=Path, required=True, help="certificate file to write")
    sign.add_argument("--days", type=int, default=825)
    sign.set_defaults(func=_sign)
    srv = g.add_parser("server", help="issue a broker certificate from the test CA")
    srv.add_argument("--ca", type=Path, required=True)
    srv.add_argument("--host", action="append", required=True, help="host name or IP (repeat)")
    srv.add_argument("--out", type=Path, required=True, help="directory for server.key/.crt")
    srv.set_defaults(func=_server)


def _init_ca(args: argparse.Namespace) -> int:
    from edge import pki  # noqa: PLC0415

    pki.save_ca(pki.make_ca(args.name, args.days), args.out)
    print(f"test CA written to {args.out}/ca.crt (key: {args.out}/ca.key, mode 0600)")
    return 0


def _csr(args: argparse.Namespace) -> int:
    from edge import pki  # noqa: PLC0415

    key = pki.new_private_key()
    pki.write_private_key(args.out / "node.key", key)
    pki.write_pem(args.out / "node.csr", pki.make_csr(key, args.node_id, args.tenant))
    print(f"key {args.out}/node.key (0600), signing request {args.out}/node.csr")
    return 0


def _sign(args: argparse.Namespace) -> int:
    from edge import pki  # noqa: PLC0415

    cert = pki.sign_csr(pki.load_ca(args.ca), pki.load_csr(args.csr), args.days)
    pki.write_pem(args.out, cert)
    print(f"certificate for {pki.common_name(cert)} written to {args.out}")
    return 0


def _server(args: argparse.Namespace) -> int:
    from edge import pki  # noqa: PLC0415

    key, cert = pki.issue_server_cert(pki.load_ca(args.ca), list(args.host))
    pki.write_private_key(args.out / "server.key", key)
    pki.write_pem(args.out / "server.crt", cert)
    print(f"broker certificate for {', '.join(args.host)} written to {args.out}")
    return 0
