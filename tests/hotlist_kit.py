"""Builders for signed-list tests: keys, lists, a manager on a temporary state dir."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.audit import AuditLog
from edge.config import HotlistSubscription
from edge.match.hotlist import HotlistManager
from edge.match.hotlist.build import CsvEntry, build_payload, chunks, make_manifest
from edge.match.hotlist.index import PlateHasher
from edge.match.hotlist.manifest import Manifest, key_id_of, seal
from edge.match.hotlist.matcher import SkipRule
from edge.types import Candidate, VehicleRead
from tests.helpers import vehicle

HMAC_KEY = bytes(range(32))
BASE = "anpr/v1/t1/bl"


@dataclass
class Signer:
    """A central signing key."""

    key: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        """The key's id."""
        return key_id_of(self.key.public_key())


def new_signer() -> Signer:
    """A fresh signing key."""
    return Signer(Ed25519PrivateKey.generate())


def entries(*plates: str) -> list[CsvEntry]:
    """List entries REF-<plate> for ``plates``."""
    return [CsvEntry(p, f"REF-{p}", 1, 0) for p in plates]


@dataclass
class Built:
    """A signed list ready to deliver."""

    manifest: Manifest
    envelope: bytes
    payload: bytes


def build_list(signer: Signer, version: int, plates: list[CsvEntry], *, hashed: bool = True,
               base: list[CsvEntry] | None = None, base_version: int | None = None,
               list_id: str = "stolen-it", purpose: str = "stolen",
               valid_days: float = 7.0, **override: object) -> Built:
    """Build and sign a snapshot (or, with ``base``, a delta)."""
    hasher = PlateHasher(HMAC_KEY) if hashed else None
    kind, payload = build_payload(plates, hasher, base)
    man = make_manifest(list_id, purpose, version, kind, payload, len(plates), signer.key_id,
                        "h1" if hashed else None, valid_days, base_version)
    if override:
        man = Manifest.model_validate({**man.model_dump(), **override})
    return Built(man, seal(man, signer.key), payload)


def deliver(mgr: HotlistManager, built: Built, list_id: str = "stolen-it",
            payload: bytes | None = None, topic: str = "manifest") -> None:
    """Hand the manager the manifest, then the payload chunks, as the broker would."""
    mgr.process(f"{BASE}/{list_id}/{topic}", built.envelope)
    for i, part in enumerate(chunks(built.payload if payload is None else payload)):
        mgr.process(f"{BASE}/{list_id}/data/{built.manifest.version}/"
                    f"{built.manifest.payload_sha256}/{i}", part)


def manager(tmp: Path, signer: Signer, skip: tuple[SkipRule, ...] = (),
            purposes: tuple[str, ...] = ("stolen", "flagged")) -> HotlistManager:
    """A manager subscribed to ``stolen-it`` and ``flagged-it`` with state under ``tmp``."""
    subs = [HotlistSubscription(list_id="stolen-it", purpose="stolen"),
            HotlistSubscription(list_id="flagged-it", purpose="flagged")]
    return HotlistManager(subs, purposes, {signer.key_id: signer.key.public_key()},
                          {"h1": PlateHasher(HMAC_KEY)}, tmp / "lists",
                          AuditLog(tmp / "audit.jsonl"), BASE, max_staleness_s=3600,
                          max_payload_bytes=64 * 1024 * 1024, skip=skip)


def audit_kinds(tmp: Path) -> list[tuple[str, str | None]]:
    """(kind, reason) of every audit record so far."""
    lines = (tmp / "audit.jsonl").read_text().splitlines()
    return [(r["kind"], r.get("reason")) for r in map(json.loads, lines)]


def read(text: str, *others: str) -> VehicleRead:
    """A vehicle read with ``text`` first and ``others`` as further candidates."""
    v = vehicle(text)
    cands = (Candidate(text, 0.9), *(Candidate(o, 0.5) for o in others))
    return VehicleRead(v.camera_id, v.track_id, text, v.confidence, cands, v.frames,
                       v.first_pts, v.last_pts, v.wall_time, v.t_capture, v.best_crop)
