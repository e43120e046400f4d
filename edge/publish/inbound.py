"""Inbound acknowledgements and signed commands, and the audit log's path to the broker.

Everything that arrives is untrusted: a message that does not parse, is not
for this node, or carries no valid Ed25519 signature from the central key is
ignored with an audit record and never raises into paho's thread.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from edge.audit import AuditLog, AuditRecord
from edge.config import DeliveryConfig
from edge.logs import get_logger
from edge.publish.messages import AckMessage, AuditMessage, PurgeCommand
from edge.publish.mqtt import MqttSink

log = get_logger("inbound")


def load_public_key(b64: str) -> Ed25519PublicKey:
    """The central Ed25519 public key from its raw 32 bytes in base64."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))


def purge_signature_valid(key: Ed25519PublicKey, cmd: PurgeCommand) -> bool:
    """Whether ``cmd.signature`` is ``key``'s Ed25519 signature over its signed bytes."""
    try:
        key.verify(base64.b64decode(cmd.signature, validate=True), cmd.signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


class InboundHandler:
    """Applies ``ack`` and ``cmd/purge`` messages to the outbox, auditing each decision."""

    def __init__(self, sink: MqttSink, audit: AuditLog, config: DeliveryConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self.sink = sink
        self.audit = audit
        self.config = config
        self._clock = clock
        self._key = (load_public_key(config.command_public_key)
                     if config.command_public_key is not None else None)
        self._seen_commands: set[str] = set()

    def subscribe(self) -> None:
        """Listen on this node's ``ack`` and ``cmd/purge`` topics."""
        self.sink.subscribe(self.sink.topic("ack"), self.on_ack)
        self.sink.subscribe(self.sink.topic("cmd/purge"), self.on_purge)

    def _refuse(self, leaf: str, reason: str) -> None:
        log.warning("inbound_refused", topic_leaf=leaf, reason=reason)
        self.audit.record("inbound_refused", topic_leaf=leaf, reason=reason)

    def on_ack(self, topic: str, payload: bytes) -> None:
        """Delete acknowledged events; audit each acknowledged hit."""
        try:
            ack = AckMessage.model_validate_json(payload)
        except ValidationError as exc:
            self._refuse("ack", f"malformed: {exc.error_count()} error(s)")
            return
        found = self.sink.outbox.remove(ack.event_ids)
        hits = [e for e, kind in found.items() if kind == "hit"]
        # Acks of audit copies are not audited again, or every ack would beget a record.
        if hits:
            self.audit.record("hit_acked", event_ids=",".join(hits), count=len(hits))
        log.debug("ack_applied", requested=len(ack.event_ids), removed=len(found))

    def on_purge(self, topic: str, payload: bytes) -> None:
        """Remove pending events named by a purge command signed by the central key."""
        try:
            cmd = PurgeCommand.model_validate_json(payload)
        except ValidationError as exc:
            self._refuse("cmd/purge", f"malformed: {exc.error_count()} error(s)")
            return
        why = self._check(cmd)
        if why is not None:
            self._refuse("cmd/purge", why)
            return
        self._seen_commands.add(cmd.command_id)
        found = self.sink.outbox.remove(cmd.event_ids)
        self.audit.record("purge", command_id=cmd.command_id, requested=len(cmd.event_ids),
                          removed=len(found), event_ids=",".join(found), reason=cmd.reason)
        log.info("purge_applied", command_id=cmd.command_id, removed=len(found))

    def _check(self, cmd: PurgeCommand) -> str | None:
        """Why the command must be refused, or None when it is authentic and fresh."""
        if self._key is None:
            return "no command key configured (delivery.command_public_key)"
        if not purge_signature_valid(self._key, cmd):
            return "bad signature"
        if cmd.node != self.sink.node.id:
            return f"addressed to node {cmd.node}"
        if abs(self._clock() - cmd.issued_at) > self.config.command_max_age_s:
            return "too old or from the future"
        if cmd.command_id in self._seen_commands:
            return "replayed command id"
        return None


class AuditForwarder:
    """Puts every audit record into the outbox for the ``audit`` topic."""

    def __init__(self, sink: MqttSink) -> None:
        self.sink = sink

    def __call__(self, rec: AuditRecord) -> None:
        """Queue one record (on the recording thread; the sender delivers it)."""
        msg = AuditMessage(node=self.sink.node.id, seq=rec.seq, kind=rec.kind, record=rec.line,
                           sha256=rec.digest)
        try:
            self.sink.publish_message("audit", "audit", msg)
        except Exception as exc:  # the local chain already holds it; never fail the caller
            log.warning("audit_not_queued", seq=rec.seq, error=type(exc).__name__)


def wire_delivery(sink: object, audit: AuditLog, config: DeliveryConfig) -> InboundHandler | None:
    """Connect the audit log and inbound topics to an MQTT sink; nothing for other sinks."""
    if not isinstance(sink, MqttSink):
        return None
    sink.audit = audit
    audit.add_listener(AuditForwarder(sink))
    handler = InboundHandler(sink, audit, config)
    handler.subscribe()
    return handler
