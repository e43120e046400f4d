"""Every other message of the MQTT contract: state, health, audit, acks, commands, counters.

The hit event lives in :mod:`edge.publish.events`. Each model forbids extra
fields, so nothing can be added to the wire without changing the model (and
therefore the generated JSON Schemas and the AsyncAPI document). None of them
has a place for a plate: health and counters carry only counts and ids.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
ID = r"^[A-Za-z0-9_-]{1,64}$"
EVENT_ID = r"^[0-9a-fA-F-]{36}$"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StateMessage(_Message):
    """Retained node state on ``.../state``: the birth message and the Last Will."""

    schema_version: Literal[1] = 1
    node: str = Field(pattern=ID)
    state: Literal["online", "offline"]
    version: str
    ts: float = Field(description="wall-clock seconds since the epoch")


class CameraHealthOut(_Message):
    """One camera in a health report."""

    camera: str
    up: bool
    fps: float = Field(ge=0)
    drops: int = Field(ge=0, description="frames dropped since start (analysis too slow)")
    reconnects: int = Field(ge=0)
    queue_depth: int = Field(ge=0)
    last_frame_age_s: float | None = Field(default=None, ge=0)


class ListHealthOut(_Message):
    """One installed list in a health report (no entries, only its identity and age)."""

    list_id: str
    purpose: str
    version: int | None = Field(description="None: subscribed, nothing installed yet")
    entries: int = Field(ge=0)
    age_s: float | None = Field(default=None, ge=0)
    stale: bool


class HealthMessage(_Message):
    """Periodic health on ``.../evt/health``."""

    schema_version: Literal[1] = 1
    node: str = Field(pattern=ID)
    ts: float
    uptime_s: float = Field(ge=0)
    cameras: list[CameraHealthOut]
    event_queue_depth: int = Field(ge=0, description="hits waiting for the publisher")
    outbox_pending: int = Field(ge=0)
    outbox_unacked: int = Field(ge=0, description="sent, awaiting the central ack")
    outbox_bytes: int = Field(ge=0)
    oldest_pending_age_s: float | None = Field(default=None, ge=0)
    disk_free_bytes: int | None = Field(default=None, ge=0)
    temperature_c: float | None = None
    lists: list[ListHealthOut]
    clock_synced: bool


class CameraCountOut(_Message):
    """Reads of one camera in one interval."""

    camera: str
    reads: int = Field(ge=0)


class CountersMessage(_Message):
    """Optional aggregate counters on ``.../evt/counters`` (off by default; no identifiers)."""

    schema_version: Literal[1] = 1
    node: str = Field(pattern=ID)
    interval_start: float
    interval_s: float = Field(gt=0)
    cameras: list[CameraCountOut]


class AuditMessage(_Message):
    """One audit record on ``.../audit``: the exact chained line and its digest."""

    schema_version: Literal[1] = 1
    node: str = Field(pattern=ID)
    seq: int = Field(ge=1)
    kind: str
    record: str = Field(description="the JSON line as written to the local chain")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class AckMessage(_Message):
    """Central acknowledgement on ``.../ack`` (inbound): these events are safe centrally."""

    schema_version: Literal[1] = 1
    event_ids: list[str] = Field(min_length=1, max_length=1000)


class PurgeCommand(_Message):
    """Signed purge on ``.../cmd/purge`` (inbound): remove these pending events.

    ``signature`` is Ed25519 (base64) over :func:`signed_bytes` of the other fields.
    """

    schema_version: Literal[1] = 1
    command_id: str = Field(min_length=1, max_length=64)
    node: str = Field(pattern=ID)
    issued_at: int = Field(description="wall-clock seconds since the epoch (integer)")
    event_ids: list[str] = Field(min_length=1, max_length=1000)
    reason: str = Field(default="", max_length=200)
    signature: str = Field(min_length=1)

    def signed_bytes(self) -> bytes:
        """The bytes the central key signs: the other fields as sorted, compact UTF-8 JSON."""
        body = self.model_dump(exclude={"signature"})
        return json.dumps(body, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")


def sign_purge(key: Ed25519PrivateKey, node: str, event_ids: list[str], reason: str = "",
               command_id: str | None = None, issued_at: int | None = None) -> PurgeCommand:
    """A purge command for ``node`` issued now (or at ``issued_at``), signed with ``key``."""
    cmd = PurgeCommand(command_id=command_id or str(uuid.uuid4()), node=node,
                       issued_at=int(time.time()) if issued_at is None else issued_at,
                       event_ids=event_ids, reason=reason, signature="-")
    sig = base64.b64encode(key.sign(cmd.signed_bytes())).decode("ascii")
    return cmd.model_copy(update={"signature": sig})
