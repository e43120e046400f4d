"""A real mosquitto with mutual TLS and the repository's ACL, for tests.

The lab CA, broker certificate and node certificates are made with
:mod:`edge.pki`; the ACL is ``tools/mosquitto/anpr.acl`` as shipped, so the
tests check the example configuration installers copy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from edge import pki
from tests.mosquitto import Broker

ROOT = Path(__file__).resolve().parent.parent
ACL = ROOT / "tools" / "mosquitto" / "anpr.acl"


@dataclass(frozen=True, slots=True)
class ClientCert:
    """A client's certificate and key files, and the CA that signed them."""

    cert: Path
    key: Path
    ca: Path


class TlsBroker(Broker):
    """mosquitto on a loopback port requiring a client certificate from the lab CA."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(workdir, port)
        self.ca = pki.make_ca("anpr-edge test CA")
        self.ca_dir = workdir / "ca"
        pki.save_ca(self.ca, self.ca_dir)
        key, cert = pki.issue_server_cert(self.ca, ["127.0.0.1", "localhost"])
        server_key, server_crt = workdir / "server.key", workdir / "server.crt"
        pki.write_private_key(server_key, key)
        pki.write_pem(server_crt, cert)
        # As root, mosquitto drops to its own user before it reads the
        # certificates, which live in the test's private temp directory.
        run_as = "user root\n" if os.geteuid() == 0 else ""
        self.conf.write_text(
            run_as + "per_listener_settings false\n"
            "allow_anonymous false\n"
            "persistence false\n"
            f"log_dest file {self.log}\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            f"listener {self.port} 127.0.0.1\n"
            f"cafile {self.ca_dir / 'ca.crt'}\n"
            f"certfile {server_crt}\nkeyfile {server_key}\n"
            "require_certificate true\nuse_identity_as_username true\n"
            f"acl_file {ACL}\n",
            encoding="utf-8",
        )

    def client_cert(self, common_name: str, tenant: str | None = None) -> ClientCert:
        """Issue a client certificate whose CN (the MQTT username) is ``common_name``."""
        d = self.workdir / "clients" / common_name
        key = pki.new_private_key()
        cert = pki.sign_csr(self.ca, pki.make_csr(key, common_name, tenant))
        pki.write_private_key(d / "client.key", key)
        pki.write_pem(d / "client.crt", cert)
        return ClientCert(cert=d / "client.crt", key=d / "client.key",
                          ca=self.ca_dir / "ca.crt")
