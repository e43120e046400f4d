"""Hit event payloads: exactly the privacy-minimised fields, nothing more."""

from __future__ import annotations

import base64
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

import cv2
from pydantic import BaseModel, ConfigDict, Field

from edge.types import Hit, Image

SCHEMA_VERSION = 1
CONTENT_TYPE = "application/json"
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")


def uuid7(now_ms: int | None = None) -> str:
    """A time-ordered UUIDv7 (RFC 9562): 48-bit ms timestamp, then random bits."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | rand & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(UUID(int=value))


def clock_synced(flag: Path = TIMESYNC_FLAG) -> bool:
    """Whether systemd-timesyncd reports the clock synchronised."""
    return flag.exists()


class CandidateOut(BaseModel):
    """An alternative reading."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    plate: str
    confidence: float = Field(ge=0, le=1)


class HitEvent(BaseModel):
    """A blacklist hit, as published on ``.../evt/hit``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    event_id: str
    node: str
    camera: str
    lane: str | None = None
    direction: str | None = None
    captured_at: str = Field(description="UTC, ISO 8601 with milliseconds")
    clock_synced: bool
    list_id: str
    list_version: int
    entry_ref: str
    purpose: str
    plate: str
    confidence: float = Field(ge=0, le=1)
    match_type: Literal["exact", "ocr_equivalent"]
    candidates: list[CandidateOut] = Field(max_length=3)
    crop_jpeg_b64: str | None = None


def encode_crop(crop: Image, max_bytes: int) -> str | None:
    """A small JPEG of the plate for a human to verify, shrunk until it fits."""
    bgr = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR) if crop.ndim == 3 else crop
    if bgr.shape[1] > 240:
        scale = 240 / bgr.shape[1]
        bgr = cv2.resize(bgr, (240, max(1, round(bgr.shape[0] * scale))))
    for quality in (80, 60, 40, 25):
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(buf) <= max_bytes:
            return base64.b64encode(buf.tobytes()).decode("ascii")
    return None


def build_hit_event(hit: Hit, node: str, lane: str | None, direction: str | None,
                    synced: bool, crop_max_bytes: int | None) -> HitEvent:
    """Turn an internal Hit into its wire form."""
    v, m = hit.vehicle, hit.match
    captured = datetime.fromtimestamp(v.wall_time, tz=UTC)
    return HitEvent(
        event_id=uuid7(),
        node=node,
        camera=v.camera_id,
        lane=lane,
        direction=direction,
        captured_at=captured.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        clock_synced=synced,
        list_id=m.list_id,
        list_version=m.list_version,
        entry_ref=m.entry_ref,
        purpose=m.purpose,
        plate=m.matched_text,
        confidence=round(min(1.0, max(0.0, v.confidence)), 4),
        match_type="exact" if m.match_type == "exact" else "ocr_equivalent",
        candidates=[CandidateOut(plate=c.text, confidence=round(min(1.0, c.confidence), 4))
                    for c in v.candidates[:3]],
        crop_jpeg_b64=(encode_crop(v.best_crop, crop_max_bytes)
                       if crop_max_bytes is not None and v.best_crop.size else None),
    )
