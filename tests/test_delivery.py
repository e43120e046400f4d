"""Acks, signed purges, expiry, health and audit over a real mosquitto."""

from __future__ import annotations

import json
from pathlib import Path

from edge.audit import verify_chain
from edge.publish.messages import AuditMessage
from tests.delivery_helpers import (
    ROOT_TOPIC,
    audit_kinds,
    central_key,
    central_send,
    signed_purge,
    wait_until,
    wired_sink,
)
from tests.helpers import hit_event
from tests.mosquitto import Broker
from tests.mqtt_capture import Subscriber


def test_central_ack_deletes_the_event_and_is_audited(tmp_path: Path, broker: Broker) -> None:
    """A hit stays 'sent' after PUBACK until the central ack deletes it; the ack is audited."""
    w = wired_sink(tmp_path, broker.port)
    w.sink.start()
    event = hit_event()
    w.sink.publish(event)
    assert wait_until(lambda: w.sink.outbox.count("sent", kind="hit") == 1)
    central_send(broker.port, "ack", json.dumps({"event_ids": [event.event_id]}).encode())
    assert wait_until(lambda: w.sink.outbox.count("sent", kind="hit") == 0)
    w.sink.close()
    assert "hit_acked" in audit_kinds(w.audit.path)


def test_signed_purge_removes_the_event(tmp_path: Path, broker: Broker) -> None:
    """A purge signed by the configured central key removes the event, with an audit record."""
    key, pub = central_key()
    w = wired_sink(tmp_path, broker.port, pubkey=pub)
    w.sink.start()
    event = hit_event()
    w.sink.publish(event)
    assert wait_until(w.sink.is_ready)
    central_send(broker.port, "cmd/purge", signed_purge(key, [event.event_id]))
    assert wait_until(lambda: "purge" in audit_kinds(w.audit.path))
    assert w.sink.outbox.count("pending", kind="hit") + w.sink.outbox.count("sent", "hit") == 0
    w.sink.close()
    rec = next(json.loads(x) for x in w.audit.path.read_text().splitlines()
           if json.loads(x)["kind"] == "purge")
    assert rec["removed"] == 1 and rec["event_ids"] == event.event_id


def test_badly_signed_or_malformed_inbound_is_ignored_and_audited(tmp_path: Path,
                                                                 broker: Broker) -> None:
    """Wrong key, other node, unsigned and junk messages change nothing; each is audited."""
    _, pub = central_key()
    intruder, _ = central_key()
    w = wired_sink(tmp_path, broker.port, pubkey=pub)
    w.sink.start()
    event = hit_event()
    w.sink.publish(event)
    assert wait_until(lambda: w.sink.outbox.count("sent", kind="hit") == 1)
    central_send(broker.port, "cmd/purge", signed_purge(intruder, [event.event_id]))
    unsigned = json.loads(signed_purge(intruder, [event.event_id]))
    unsigned["signature"] = ""
    central_send(broker.port, "cmd/purge", json.dumps(unsigned).encode())
    central_send(broker.port, "cmd/purge", b"\xff\x00not json")
    central_send(broker.port, "ack", b'{"event_ids": "all"}')
    central_send(broker.port, "ack", b"[]")
    assert wait_until(lambda: audit_kinds(w.audit.path).count("inbound_refused") == 5)
    assert w.sink.outbox.count("sent", kind="hit") == 1
    # The node is still working: a good ack still applies.
    central_send(broker.port, "ack", json.dumps({"event_ids": [event.event_id]}).encode())
    assert wait_until(lambda: w.sink.outbox.count("sent", kind="hit") == 0)
    w.sink.close()


def test_purge_is_refused_without_a_configured_key(tmp_path: Path, broker: Broker) -> None:
    """With no central key configured no command is ever acted on."""
    key, _ = central_key()
    w = wired_sink(tmp_path, broker.port, pubkey=None)
    w.sink.start()
    event = hit_event()
    w.sink.publish(event)
    assert wait_until(lambda: w.sink.outbox.count("sent", kind="hit") == 1)
    central_send(broker.port, "cmd/purge", signed_purge(key, [event.event_id]))
    assert wait_until(lambda: "inbound_refused" in audit_kinds(w.audit.path))
    assert w.sink.outbox.count("sent", kind="hit") == 1
    w.sink.close()


def test_expired_events_are_never_published(tmp_path: Path, broker: Broker) -> None:
    """An event past its time-to-live while the node was offline is purged, not sent."""
    import time

    w = wired_sink(tmp_path, broker.port, ttl_s=60)
    old, fresh = hit_event(ref="OLD"), hit_event(ref="NEW")
    w.sink.outbox.put(old.event_id, w.sink.hit_topic, old.model_dump_json().encode(),
                      now=time.time() - 120)
    w.sink.outbox.put(fresh.event_id, w.sink.hit_topic, fresh.model_dump_json().encode())
    sub = Subscriber(broker.port, f"{ROOT_TOPIC}/evt/hit")
    w.sink.start()
    got = sub.wait_for(lambda m: True, 1)
    assert w.sink.wait_delivered(10)
    w.sink.close()
    sub.close()
    assert [json.loads(m.payload)["entry_ref"] for m in got] == ["NEW"]
    assert 0 < got[0].properties.MessageExpiryInterval <= 60


def test_audit_records_reach_the_audit_topic_as_a_chain(tmp_path: Path, broker: Broker) -> None:
    """Each audit record is published on .../audit with its line and digest."""
    w = wired_sink(tmp_path, broker.port)
    sub = Subscriber(broker.port, f"{ROOT_TOPIC}/audit")
    w.sink.start()
    w.audit.record("node_started", node="node-1")
    w.sink.publish(hit_event())
    got = sub.wait_for(lambda m: True, 2)
    w.sink.close()
    sub.close()
    msgs = [AuditMessage.model_validate_json(m.payload) for m in got]
    assert [m.kind for m in msgs] == ["node_started", "hit_emitted"]
    assert [m.seq for m in msgs] == [1, 2]
    assert "AB123CD" not in w.audit.path.read_text()
    assert verify_chain(w.audit.path).ok
    assert dict(got[0].properties.UserProperty)["kind"] == "audit"


def test_old_replayed_or_misaddressed_purges_are_refused(tmp_path: Path) -> None:
    """A signed purge that is stale, for another node, or replayed does nothing the 2nd time."""
    import time

    key, pub = central_key()
    w = wired_sink(tmp_path, 1, pubkey=pub)  # never started: handlers are called directly
    event = hit_event()
    w.sink.publish(event)
    w.inbound.on_purge("t", signed_purge(key, [event.event_id], issued_at=int(time.time()) - 7200))
    w.inbound.on_purge("t", signed_purge(key, [event.event_id], node="node-2"))
    assert w.sink.outbox.count("pending", kind="hit") == 1
    good = signed_purge(key, ["not-this-one"])
    w.inbound.on_purge("t", good)
    w.inbound.on_purge("t", good)
    kinds = audit_kinds(w.audit.path)
    assert kinds.count("inbound_refused") == 3 and kinds.count("purge") == 1
    assert w.sink.outbox.count("pending", kind="hit") == 1
    w.sink.outbox.close()


def test_a_hit_that_does_not_fit_is_refused_loudly(tmp_path: Path) -> None:
    """With the budget spent on live hits a new hit raises and is audited; none is dropped."""
    import pytest

    from edge.publish import OutboxFullError

    first = hit_event()
    w = wired_sink(tmp_path, 1, max_bytes=len(first.model_dump_json()) + 10)
    w.sink.publish(first)
    with pytest.raises(OutboxFullError):
        w.sink.publish(hit_event())
    assert w.sink.outbox.count("pending", kind="hit") == 1
    assert "hit_not_stored" in audit_kinds(w.audit.path)
    w.sink.outbox.close()
