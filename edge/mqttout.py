"""One-shot MQTT 5 publishing for the central-side commands (hotlists, signed commands).

Connect (optionally with TLS and a client certificate), publish a batch at
QoS 1, wait for every PUBACK, disconnect. The node's long-lived, outbox-backed
sink is :class:`edge.publish.mqtt.MqttSink`; this is only for operator tools.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from edge.errors import PublishError
from edge.pki import client_tls_context


@dataclass(frozen=True, slots=True)
class OutMessage:
    """One message to publish at QoS 1."""

    topic: str
    payload: bytes
    retain: bool = False


def publish_messages(host: str, port: int, messages: list[OutMessage], client_name: str,
                     tls_ca: Path | None = None, cert: Path | None = None,
                     key: Path | None = None, timeout: float = 60.0) -> None:
    """Publish ``messages`` in order at QoS 1 and wait for every PUBACK; PublishError if not."""
    import paho.mqtt.client as mqtt  # noqa: PLC0415 - only the publishing commands need it
    from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                         client_id=f"{client_name}-{secrets.token_hex(4)}",
                         protocol=mqtt.MQTTv5)
    if tls_ca is not None or cert is not None:
        try:
            client.tls_set_context(client_tls_context(tls_ca, cert, key))
        except (OSError, ValueError) as exc:
            raise PublishError(f"cannot set up TLS: {exc}") from exc
    try:
        client.connect(host, port)
    except OSError as exc:
        raise PublishError(f"cannot reach broker {host}:{port}: {exc}") from exc
    client.loop_start()
    try:
        infos = [client.publish(m.topic, m.payload, qos=1, retain=m.retain) for m in messages]
        deadline = time.monotonic() + timeout
        for msg, info in zip(messages, infos, strict=True):
            try:
                info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            except (RuntimeError, ValueError) as exc:  # paho refused to queue it
                raise PublishError(f"cannot publish to {msg.topic}: {exc}") from exc
            if not info.is_published():
                raise PublishError("the broker did not acknowledge every message in time")
    finally:
        client.loop_stop()
        client.disconnect()
