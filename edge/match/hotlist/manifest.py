"""The signed list manifest and its Ed25519 envelope.

The wire form on ``.../bl/{list}/manifest`` is a small JSON envelope::

    {"schema_version": 1, "key_id": "...", "manifest": "<base64 of the manifest JSON>",
     "signature": "<base64 Ed25519 signature over exactly those manifest bytes>"}

``open_envelope`` checks the signature over the raw manifest bytes with the
trusted key named by ``key_id`` before the manifest JSON is parsed at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from edge.errors import BlacklistError, ListRefusedError

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Manifest(BaseModel):
    """What a signed list declares about its payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    list_id: str = Field(pattern=ID_PATTERN)
    purpose: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    version: int = Field(ge=1)
    kind: Literal["snapshot", "delta"]
    base_version: int | None = Field(default=None, ge=1)
    created_at: datetime
    expires_at: datetime
    entries: int = Field(ge=0, description="entries in force once this payload is applied")
    payload_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    payload_size: int = Field(ge=16)
    chunks: int = Field(ge=1)
    key_id: str = Field(pattern=ID_PATTERN)
    storage: Literal["clear", "hmac"]
    hmac_key_id: str | None = Field(default=None, pattern=ID_PATTERN)

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if (self.kind == "delta") != (self.base_version is not None):
            raise ValueError("a delta, and only a delta, names its base_version")
        if self.base_version is not None and self.base_version >= self.version:
            raise ValueError("base_version must be older than version")
        if (self.storage == "hmac") != (self.hmac_key_id is not None):
            raise ValueError("hmac storage, and only hmac storage, names its hmac_key_id")
        if self.created_at.tzinfo is None or self.expires_at <= self.created_at:
            raise ValueError("timestamps must be aware and expires_at after created_at")
        return self

    def to_bytes(self) -> bytes:
        """The canonical bytes that get signed."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True,
                          separators=(",", ":")).encode("utf-8")


def key_id_of(public: Ed25519PublicKey) -> str:
    """A stable id for a public key: 16 hex characters of its SHA-256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]


def write_signing_key(directory: Path, key_id: str | None = None) -> tuple[str, Path, Path]:
    """Make an Ed25519 key pair in ``directory``: ``{id}.key`` (0600) and ``{id}.pub``."""
    key = Ed25519PrivateKey.generate()
    kid = key_id or key_id_of(key.public_key())
    directory.mkdir(parents=True, exist_ok=True)
    priv, pub = directory / f"{kid}.key", directory / f"{kid}.pub"
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(priv, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    return kid, priv, pub


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise BlacklistError(f"cannot read signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BlacklistError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise BlacklistError(f"cannot read trusted key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BlacklistError(f"{path} is not an Ed25519 public key")
    return key


class SignedEnvelope(BaseModel):
    """What goes on the wire for a list version: the manifest bytes and their signature."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    key_id: str = Field(pattern=ID_PATTERN, description="id of the Ed25519 signing key")
    manifest: str = Field(description="base64 of the manifest's canonical JSON bytes "
                                      "(schema Manifest.json); parsed only once verified")
    signature: str = Field(description="base64 Ed25519 signature over those bytes")


def seal(manifest: Manifest, key: Ed25519PrivateKey) -> bytes:
    """The signed envelope for ``manifest``, ready to publish."""
    body = manifest.to_bytes()
    return json.dumps({
        "schema_version": 1, "key_id": manifest.key_id,
        "manifest": base64.b64encode(body).decode("ascii"),
        "signature": base64.b64encode(key.sign(body)).decode("ascii"),
    }, sort_keys=True).encode("utf-8")


def open_envelope(data: bytes, trusted: dict[str, Ed25519PublicKey]) -> Manifest:
    """Verify the envelope's signature, then (and only then) parse the manifest."""
    try:
        env = json.loads(data)
        key_id = env["key_id"]
        body = base64.b64decode(env["manifest"], validate=True)
        sig = base64.b64decode(env["signature"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ListRefusedError("unsigned", "not a signed manifest envelope") from None
    if not isinstance(key_id, str) or key_id not in trusted:
        raise ListRefusedError("unknown_key", f"signing key {str(key_id)[:64]!r} is not trusted")
    try:
        trusted[key_id].verify(sig, body)
    except InvalidSignature:
        raise ListRefusedError("bad_signature", f"does not verify with {key_id}") from None
    try:
        manifest = Manifest.model_validate_json(body)
    except ValidationError as exc:
        raise ListRefusedError("malformed_manifest", str(exc.errors()[0]["msg"])) from None
    if manifest.key_id != key_id:
        raise ListRefusedError("bad_signature", "manifest key_id differs from the envelope's")
    return manifest


def utcnow() -> datetime:
    """Aware current UTC time (wall clock: event data and expiry checks only)."""
    return datetime.now(tz=UTC)
