"""Hit events over MQTT 5 to a real mosquitto, through the durable outbox."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from edge.publish import MqttSink, Outbox
from tests.helpers import NODE, hit_event, mqtt_config
from tests.mosquitto import Broker, free_port
from tests.mqtt_capture import Subscriber

HIT_TOPIC = "anpr/v1/t1/node-1/evt/hit"


def _sink(tmp_path: Path, port: int) -> MqttSink:
    outbox = Outbox(tmp_path / "outbox.sqlite3", ttl_s=3600, max_bytes=1 << 20)
    return MqttSink(mqtt_config(port), NODE, outbox)


def test_hit_is_published_qos1_with_mqtt5_properties(tmp_path: Path, broker: Broker) -> None:
    """A published hit reaches a subscriber on the node's hit topic as schema-1 JSON."""
    sub = Subscriber(broker.port, "anpr/#")
    sink = _sink(tmp_path, broker.port)
    sink.start()
    event = hit_event()
    sink.publish(event)
    got = sub.wait_for(lambda m: m.topic == HIT_TOPIC, 1)
    sink.close()
    sub.close()
    assert len(got) == 1
    body = json.loads(got[0].payload)
    assert body["event_id"] == event.event_id
    assert body["schema_version"] == 1
    assert body["plate"] == "AB123CD"
    assert got[0].qos == 1
    assert got[0].properties.ContentType == "application/json"
    assert 0 < got[0].properties.MessageExpiryInterval <= 3600


def test_birth_message_is_retained_online(tmp_path: Path, broker: Broker) -> None:
    """On connect the node publishes a retained 'online' state message."""
    sink = _sink(tmp_path, broker.port)
    sink.start()
    assert sink.wait_delivered(5)
    time.sleep(0.5)
    sub = Subscriber(broker.port, "anpr/v1/t1/node-1/state")
    got = sub.wait_for(lambda m: m.retain, 1, timeout=5)
    sink.close()
    sub.close()
    assert got and json.loads(got[0].payload)["state"] == "online"


def test_events_wait_on_disk_while_broker_is_down(tmp_path: Path) -> None:
    """Hits published with no broker stay in the outbox and are delivered once it starts."""
    port = free_port()
    sink = _sink(tmp_path, port)
    sink.start()
    events = [hit_event(ref=f"R{i}") for i in range(5)]
    for e in events:
        sink.publish(e)
    time.sleep(1.0)
    assert sink.outbox.count("pending") == 5
    broker = Broker(tmp_path, port=port)
    broker.start()
    try:
        sub = Subscriber(port, HIT_TOPIC)
        got = sub.wait_for(lambda m: True, 5, timeout=30)
        sub.close()
    finally:
        sink.close()
        broker.stop()
    ids = [json.loads(m.payload)["event_id"] for m in got]
    assert set(ids) == {e.event_id for e in events}


def test_undelivered_events_survive_a_restart(tmp_path: Path) -> None:
    """Events still pending at close are on disk and a new sink delivers them in order."""
    port = free_port()
    sink = _sink(tmp_path, port)
    sink.start()
    events = [hit_event(ref=f"R{i}") for i in range(3)]
    for e in events:
        sink.publish(e)
    sink.close(timeout=0.5)
    with sqlite3.connect(tmp_path / "outbox.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM outbox WHERE state='pending'").fetchone()[0] == 3
    broker = Broker(tmp_path, port=port)
    broker.start()
    try:
        sub = Subscriber(port, HIT_TOPIC)
        again = _sink(tmp_path, port)
        again.start()
        got = sub.wait_for(lambda m: True, 3, timeout=20)
        again.close()
        sub.close()
    finally:
        broker.stop()
    assert [json.loads(m.payload)["event_id"] for m in got] == [e.event_id for e in events]


def test_topic_names_never_carry_the_plate(tmp_path: Path, broker: Broker) -> None:
    """No topic the node publishes on contains the plate text."""
    sub = Subscriber(broker.port, "#")
    sink = _sink(tmp_path, broker.port)
    sink.start()
    sink.publish(hit_event("ZZ999ZZ"))
    sub.wait_for(lambda m: m.topic == HIT_TOPIC, 1)
    sink.close()
    sub.close()
    assert sub.messages
    assert all("ZZ999ZZ" not in m.topic for m in sub.messages)


def test_subscribed_handler_gets_inbound_messages_after_reconnect(tmp_path: Path) -> None:
    """A subscription made before the broker is up is routed to its handler once connected."""
    import paho.mqtt.publish as single

    port = free_port()
    sink = _sink(tmp_path, port)
    got: list[tuple[str, bytes]] = []
    sink.subscribe("anpr/v1/t1/bl/+/manifest", lambda t, p: got.append((t, p)))
    sink.start()
    broker = Broker(tmp_path, port=port)
    broker.start()
    try:
        deadline = time.monotonic() + 15
        while not sink.is_ready() and time.monotonic() < deadline:
            time.sleep(0.1)
        single.single("anpr/v1/t1/bl/stolen/manifest", b"m1", qos=1, port=port,
                      hostname="127.0.0.1")
        single.single("anpr/v1/t1/other", b"no", qos=1, port=port, hostname="127.0.0.1")
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
        sink.close()
    finally:
        broker.stop()
    assert got == [("anpr/v1/t1/bl/stolen/manifest", b"m1")]
