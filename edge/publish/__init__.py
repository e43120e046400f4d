"""Event sinks, chosen from config through an explicit registry."""

from __future__ import annotations

from pathlib import Path

from edge.config import Settings, resolve_path
from edge.publish.base import EventSink, node_topic
from edge.publish.events import HitEvent, build_hit_event
from edge.publish.mqtt import MqttSink
from edge.publish.outbox import Outbox, OutboxFullError
from edge.publish.stdout import StdoutSink


def make_sink(settings: Settings, base: Path) -> EventSink:
    """MQTT (through the durable outbox) when a broker is configured, else stdout."""
    if settings.mqtt.host is None:
        return StdoutSink()
    outbox = Outbox(resolve_path(base, settings.outbox.path), settings.outbox.ttl_h * 3600,
                    settings.outbox.max_bytes)
    d = settings.delivery
    return MqttSink(settings.mqtt, settings.node, outbox, d.max_queued_messages,
                    d.resend_unacked_s)


__all__ = ["EventSink", "HitEvent", "MqttSink", "Outbox", "OutboxFullError", "StdoutSink",
           "build_hit_event", "make_sink", "node_topic"]
