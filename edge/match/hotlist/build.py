"""Central side: build list payloads from a CSV, describe them in a manifest, publish them."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge.errors import BlacklistError, PublishError
from edge.match.hotlist.index import PlateHasher
from edge.match.hotlist.manifest import Manifest
from edge.match.hotlist.payload import Kind, Row, Storage, encode
from edge.mqttout import OutMessage, publish_messages
from edge.plates import canonical_plate, is_valid_plate

CHUNK_BYTES = 256 * 1024
"""Payload chunk size on ``.../data/{version}/{sha256}/{i}`` (the node accepts any size)."""


@dataclass(frozen=True, slots=True)
class CsvEntry:
    """One validated line of a list CSV."""

    plate: str
    entry_ref: str
    priority: int
    expires: int


def _expiry(text: str) -> int:
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def read_list_csv(path: Path) -> list[CsvEntry]:
    """``plate,entry_ref[,priority][,expires]`` rows; BlacklistError listing every bad line."""
    entries: list[CsvEntry] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"plate", "entry_ref"} <= set(reader.fieldnames):
                raise BlacklistError(f"{path}: header must contain 'plate,entry_ref'")
            for lineno, row in enumerate(reader, start=2):
                plate = canonical_plate(row.get("plate") or "")
                ref = (row.get("entry_ref") or "").strip()
                try:
                    prio = int((row.get("priority") or "0").strip())
                    expires = _expiry((row.get("expires") or "").strip())
                except ValueError:
                    problems.append(f"line {lineno}: bad priority or expires")
                    continue
                if not is_valid_plate(plate):
                    problems.append(f"line {lineno}: bad plate (2 to 10 of A-Z, 0-9)")
                elif not 1 <= len(ref.encode("utf-8")) <= 255:
                    problems.append(f"line {lineno}: entry_ref must be 1 to 255 bytes")
                elif not 0 <= prio <= 255:
                    problems.append(f"line {lineno}: priority must be 0 to 255")
                elif plate in seen:
                    problems.append(f"line {lineno}: plate repeats line {seen[plate]}")
                else:
                    seen[plate] = lineno
                    entries.append(CsvEntry(plate, ref, prio, expires))
    except FileNotFoundError:
        raise BlacklistError(f"list CSV not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise BlacklistError(f"{path}: not UTF-8 text ({exc})") from None
    if problems:
        raise BlacklistError(f"{path}: " + "; ".join(problems[:50])
                             + (f"; and {len(problems) - 50} more" if len(problems) > 50 else ""))
    return entries


def to_rows(entries: list[CsvEntry], hasher: PlateHasher | None) -> list[Row]:
    """Payload rows: the plate in clear, or its keyed hash when a hasher is given."""
    return [Row(hasher.digest(e.plate) if hasher else e.plate, e.entry_ref, e.priority, e.expires)
            for e in entries]


def build_payload(entries: list[CsvEntry], hasher: PlateHasher | None,
                  base: list[CsvEntry] | None = None) -> tuple[Kind, bytes]:
    """A snapshot of ``entries``, or with ``base`` the delta that turns base into entries."""
    storage: Storage = "hmac" if hasher else "clear"
    if base is None:
        return "snapshot", encode("snapshot", storage, to_rows(entries, hasher))
    old = {e.plate: e for e in base}
    new = {e.plate: e for e in entries}
    changed = [e for p, e in new.items() if old.get(p) != e]
    gone = [p for p in old if p not in new]
    removes: list[bytes | str] = [hasher.digest(p) if hasher else p for p in gone]
    return "delta", encode("delta", storage, to_rows(changed, hasher), removes)


def make_manifest(list_id: str, purpose: str, version: int, kind: Kind, payload: bytes,
                  entries: int, key_id: str, hmac_key_id: str | None, valid_days: float,
                  base_version: int | None = None) -> Manifest:
    """The manifest describing ``payload``."""
    now = datetime.now(tz=UTC).replace(microsecond=0)
    return Manifest(list_id=list_id, purpose=purpose, version=version, kind=kind,
                    base_version=base_version, created_at=now,
                    expires_at=now + timedelta(days=valid_days), entries=entries,
                    payload_sha256=hashlib.sha256(payload).hexdigest(),
                    payload_size=len(payload), chunks=max(1, -(-len(payload) // CHUNK_BYTES)),
                    key_id=key_id, storage="hmac" if hmac_key_id else "clear",
                    hmac_key_id=hmac_key_id)


def new_hmac_key() -> str:
    """A fresh 256-bit HMAC key as hexadecimal text."""
    return secrets.token_hex(32)


def read_hmac_key(path: Path) -> PlateHasher:
    """A hasher from a key file holding hexadecimal text."""
    try:
        return PlateHasher(bytes.fromhex(path.read_text(encoding="ascii").strip()))
    except (OSError, ValueError) as exc:
        raise BlacklistError(f"cannot read HMAC key {path}: {exc}") from exc


def chunks(payload: bytes) -> list[bytes]:
    """The payload cut into the chunks the manifest counts."""
    return [payload[i:i + CHUNK_BYTES] for i in range(0, len(payload), CHUNK_BYTES)] or [b""]


def publish(host: str, port: int, topic_base: str, list_id: str, envelope: bytes,
            payload: bytes, snapshot: bool, timeout: float = 60.0,
            tls_ca: Path | None = None, cert: Path | None = None,
            key: Path | None = None, supersede: list[bytes] | None = None) -> None:
    """Publish chunks then the manifest, all retained at QoS 1; wait for every PUBACK.

    ``supersede``: envelopes of earlier versions whose retained chunks are cleared
    afterwards (an empty retained message deletes one on the broker).
    """
    man = json.loads(manifest_bytes(envelope))
    base = f"{topic_base}/{list_id}"
    data = f"{base}/data/{man['version']}/{man['payload_sha256']}"
    out = [OutMessage(f"{data}/{i}", part, retain=True) for i, part in enumerate(chunks(payload))]
    out.append(OutMessage(f"{base}/manifest", envelope, retain=True))
    if snapshot:
        out.append(OutMessage(f"{base}/snapshot", envelope, retain=True))
    for old in supersede or []:
        gone = json.loads(manifest_bytes(old))
        out += [OutMessage(f"{base}/data/{gone['version']}/{gone['payload_sha256']}/{i}", b"",
                           retain=True) for i in range(int(gone["chunks"]))]
    try:
        publish_messages(host, port, out, "hotlist-publisher", tls_ca, cert, key, timeout)
    except PublishError as exc:  # hotlist tools keep their own exit code
        raise BlacklistError(str(exc)) from exc


def manifest_bytes(envelope: bytes) -> bytes:
    """The signed manifest bytes inside an envelope (no verification: publisher side)."""
    return base64.b64decode(json.loads(envelope)["manifest"])
