"""Signed, versioned blacklists (hotlists): clear or keyed-hash entries, OCR-aware matching."""

from __future__ import annotations

from pathlib import Path

from edge.audit import AuditLog
from edge.config import Settings, resolve_path
from edge.errors import BlacklistError
from edge.match.hotlist.index import PlateHasher
from edge.match.hotlist.manifest import load_public_key
from edge.match.hotlist.matcher import CompositeMatcher, HotlistMatcher, SkipRule
from edge.match.hotlist.sync import HotlistManager
from edge.plates import canonical_plate
from edge.types import ListStatus

__all__ = ["CompositeMatcher", "HotlistManager", "HotlistMatcher", "ListStatus",
           "build_hotlists"]


def build_hotlists(settings: Settings, base: Path, audit: AuditLog) -> HotlistManager | None:
    """The list manager for ``[hotlists]`` (lists loaded from disk), or None if none are set."""
    cfg = settings.hotlists
    if not cfg.lists:
        return None
    trusted = {k.id: load_public_key(resolve_path(base, k.file)) for k in cfg.trusted_keys}
    hashers: dict[str, PlateHasher] = {}
    if cfg.hmac_key is not None and cfg.hmac_key_id is not None:
        hashers[cfg.hmac_key_id] = PlateHasher(bytes.fromhex(cfg.hmac_key.get_secret_value()
                                                             .strip()))
    for sub in cfg.lists:
        if sub.purpose not in settings.privacy.enabled_purposes:
            raise BlacklistError(f"hotlists.lists: purpose {sub.purpose!r} of {sub.list_id!r} "
                                 "is not in privacy.enabled_purposes")
    skip = [SkipRule(s.list_id, s.entry_ref, canonical_plate(s.plate) if s.plate else None)
            for s in cfg.skip]
    root = resolve_path(base, settings.node.state_dir) / "lists"
    topic_base = f"{settings.mqtt.topic_prefix}/{settings.node.tenant}/bl"
    return HotlistManager(cfg.lists, settings.privacy.enabled_purposes, trusted, hashers, root,
                          audit, topic_base, max_staleness_s=cfg.max_staleness_s,
                          max_payload_bytes=cfg.max_payload_bytes, skip=skip)
