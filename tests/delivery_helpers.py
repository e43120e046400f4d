"""Builders for delivery tests: a wired MQTT sink, a central signing key, central messages."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.publish as single
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from edge.audit import AuditLog
from edge.config import DeliveryConfig
from edge.publish import MqttSink, Outbox
from edge.publish.events import uuid7
from edge.publish.inbound import InboundHandler, wire_delivery
from edge.publish.messages import sign_purge
from tests.helpers import NODE, mqtt_config

ROOT_TOPIC = "anpr/v1/t1/node-1"


def central_key() -> tuple[Ed25519PrivateKey, str]:
    """A central signing key and its public half as the node config takes it."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, base64.b64encode(raw).decode()


def signed_purge(key: Ed25519PrivateKey, event_ids: list[str], node: str = "node-1",
                 issued_at: int | None = None) -> bytes:
    """A purge command signed with ``key``."""
    cmd = sign_purge(key, node, event_ids, reason="court order", command_id=uuid7(),
                     issued_at=issued_at)
    return cmd.model_dump_json().encode()


@dataclass
class Wired:
    """A sink with its outbox, audit log and inbound handler."""

    sink: MqttSink
    audit: AuditLog
    inbound: InboundHandler


def wired_sink(tmp_path: Path, port: int, pubkey: str | None = None,
               ttl_s: float = 3600, max_bytes: int = 1 << 22) -> Wired:
    """An MQTT sink wired as the Node wires it (audit forwarding, ack and purge topics)."""
    outbox = Outbox(tmp_path / "outbox.sqlite3", ttl_s=ttl_s, max_bytes=max_bytes)
    sink = MqttSink(mqtt_config(port), NODE, outbox)
    audit = AuditLog(tmp_path / "audit.jsonl")
    inbound = wire_delivery(sink, audit, DeliveryConfig(command_public_key=pubkey))
    assert inbound is not None
    return Wired(sink, audit, inbound)


def central_send(port: int, leaf: str, payload: bytes) -> None:
    """Publish as the central platform would, QoS 1."""
    single.single(f"{ROOT_TOPIC}/{leaf}", payload, qos=1, port=port, hostname="127.0.0.1")


def wait_until(pred: object, timeout: float = 15.0) -> bool:
    """Poll ``pred()`` until true or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def audit_kinds(path: Path) -> list[str]:
    """The kinds of the records in an audit log, in order."""
    import json

    return [json.loads(line)["kind"] for line in path.read_text().splitlines() if line]
