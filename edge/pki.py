"""Keys and X.509 certificates for the node's mutual-TLS identity.

The production CA lives at the central platform: a node only makes its own
private key and a certificate signing request (CSR). For the lab, the tests and
the bundled example broker, this module also runs a small test CA that signs
node and broker certificates. Node certificates carry the node id as common
name (the broker's ACL keys topics on it) and the tenant as organisation.
Keys are EC P-256: small, fast on a Pi, and accepted by every TLS stack.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from edge.errors import PkiError
from edge.fsutil import atomic_write

PrivateKey = ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    """A CA's key and self-signed certificate."""

    key: PrivateKey
    cert: x509.Certificate


def new_private_key() -> PrivateKey:
    """A fresh EC P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(attrs)


def make_ca(common_name: str = "anpr-edge test CA", days: int = 3650) -> CertificateAuthority:
    """Create a self-signed CA (for the lab and the tests, not for production)."""
    key = new_private_key()
    name = _name(common_name)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(key=key, cert=cert)


def make_csr(key: PrivateKey, node_id: str,
             tenant: str | None = None) -> x509.CertificateSigningRequest:
    """A signing request naming the node (common name) and its tenant (organisation)."""
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(node_id, tenant))
        .sign(key, hashes.SHA256())
    )


def sign_csr(ca: CertificateAuthority, csr: x509.CertificateSigningRequest,
             days: int = 825) -> x509.Certificate:
    """Issue a TLS client certificate for a node's CSR; refuse a CSR whose signature is bad."""
    if not csr.is_signature_valid:
        raise PkiError("certificate signing request has an invalid signature")
    return _leaf(ca, csr.subject, csr.public_key(), days,
                 ExtendedKeyUsageOID.CLIENT_AUTH, san=None)


def issue_server_cert(ca: CertificateAuthority, hosts: list[str],
                      days: int = 825) -> tuple[PrivateKey, x509.Certificate]:
    """A broker certificate for the given host names and IP addresses."""
    if not hosts:
        raise PkiError("a server certificate needs at least one host name or address")
    key = new_private_key()
    names: list[x509.GeneralName] = []
    for h in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            names.append(x509.DNSName(h))
    cert = _leaf(ca, _name(hosts[0]), key.public_key(), days,
                 ExtendedKeyUsageOID.SERVER_AUTH, san=x509.SubjectAlternativeName(names))
    return key, cert


def _leaf(ca: CertificateAuthority, subject: x509.Name, public_key: object, days: int,
          usage: x509.ObjectIdentifier,
          san: x509.SubjectAlternativeName | None) -> x509.Certificate:
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise PkiError("only EC keys are accepted for node and broker certificates")
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                       critical=False)
    )
    if san is not None:
        builder = builder.add_extension(san, critical=False)
    return builder.sign(ca.key, hashes.SHA256())


def common_name(cert: x509.Certificate | x509.CertificateSigningRequest) -> str:
    """The subject common name (the node id, for node certificates)."""
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not attrs:
        raise PkiError("certificate has no common name")
    value = attrs[0].value
    return value.decode() if isinstance(value, bytes) else value


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    try:
        atomic_write(path, data, mode)
    except OSError as exc:
        raise PkiError(f"cannot write {path}: {exc}") from exc


def write_private_key(path: Path, key: PrivateKey) -> None:
    """Write a key as unencrypted PKCS#8 PEM, readable by its owner only (0600)."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _atomic_write(path, pem, 0o600)


def write_pem(path: Path, obj: x509.Certificate | x509.CertificateSigningRequest) -> None:
    """Write a certificate or CSR as PEM (0644: public material)."""
    _atomic_write(path, obj.public_bytes(serialization.Encoding.PEM), 0o644)


def load_private_key(path: Path) -> PrivateKey:
    """Read a PEM EC private key written by :func:`write_private_key`."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise PkiError(f"cannot read private key {path}: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{path}: not an EC private key")
    return key


def load_certificate(path: Path) -> x509.Certificate:
    """Read a PEM certificate."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot read certificate {path}: {exc}") from exc


def load_csr(path: Path) -> x509.CertificateSigningRequest:
    """Read a PEM certificate signing request."""
    try:
        return x509.load_pem_x509_csr(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot read signing request {path}: {exc}") from exc


def client_tls_context(ca: Path | None, cert: Path | None = None,
                       key: Path | None = None) -> ssl.SSLContext:
    """The TLS context of an MQTT client: broker verified against ``ca``, our certificate shown.

    One place for every client of the node (the sink, the doctor, the central tools).
    Raises OSError or ssl.SSLError; callers name the cause in their own error.
    """
    ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key) if key else None)
    return ctx


def save_ca(ca: CertificateAuthority, directory: Path) -> None:
    """Write ``ca.key`` (0600) and ``ca.crt`` into a directory."""
    write_private_key(directory / "ca.key", ca.key)
    write_pem(directory / "ca.crt", ca.cert)


def load_ca(directory: Path) -> CertificateAuthority:
    """Read a CA written by :func:`save_ca`."""
    return CertificateAuthority(key=load_private_key(directory / "ca.key"),
                                cert=load_certificate(directory / "ca.crt"))
