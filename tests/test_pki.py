"""The node's key, CSR and test-CA tooling (edge.pki and ``anpr-edge pki``)."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from edge import pki
from edge.cli import main
from edge.errors import PkiError


def test_signed_node_certificate_names_the_node_and_chains_to_the_ca(tmp_path: Path) -> None:
    """A CSR signed by the test CA yields a client cert whose CN is the node id."""
    ca = pki.make_ca()
    key = pki.new_private_key()
    cert = pki.sign_csr(ca, pki.make_csr(key, "varco-07", "comune-x"))
    assert pki.common_name(cert) == "varco-07"
    cert.verify_directly_issued_by(ca.cert)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in list(eku)


def test_private_key_file_is_owner_only(tmp_path: Path) -> None:
    """Private keys are written with mode 0600."""
    path = tmp_path / "k" / "node.key"
    pki.write_private_key(path, pki.new_private_key())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cli_makes_a_chain_python_ssl_accepts(tmp_path: Path) -> None:
    """init-ca, csr, sign and server produce files that the ssl module loads as a chain."""
    ca_dir, node_dir, srv_dir = tmp_path / "ca", tmp_path / "node", tmp_path / "srv"
    assert main(["pki", "init-ca", "--out", str(ca_dir)]) == 0
    assert main(["pki", "csr", "--node-id", "n1", "--out", str(node_dir)]) == 0
    assert main(["pki", "sign", "--ca", str(ca_dir), str(node_dir / "node.csr"),
                 "--out", str(node_dir / "node.crt")]) == 0
    assert main(["pki", "server", "--ca", str(ca_dir), "--host", "127.0.0.1",
                 "--host", "localhost", "--out", str(srv_dir)]) == 0
    client = ssl.create_default_context(cafile=str(ca_dir / "ca.crt"))
    client.load_cert_chain(str(node_dir / "node.crt"), str(node_dir / "node.key"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca_dir / "ca.crt"))
    server.load_cert_chain(str(srv_dir / "server.crt"), str(srv_dir / "server.key"))


def test_unreadable_key_names_the_file(tmp_path: Path) -> None:
    """Loading garbage as a key raises PkiError naming the path."""
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    with pytest.raises(PkiError, match=r"bad\.key"):
        pki.load_private_key(bad)


def test_cli_reports_missing_ca_with_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Signing with a CA directory that does not exist exits 9 with the path in the message."""
    rc = main(["pki", "sign", "--ca", str(tmp_path / "nope"), str(tmp_path / "x.csr"),
               "--out", str(tmp_path / "x.crt")])
    assert rc == 9
    assert "nope" in capsys.readouterr().err
