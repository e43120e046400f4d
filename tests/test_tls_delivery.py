"""The node's own MQTT sink over mutual TLS with the shipped ACL."""

from __future__ import annotations

import json
import ssl
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge import pki
from edge.config import MqttConfig, NodeConfig, TlsConfig
from edge.publish import MqttSink, Outbox
from tests.delivery_helpers import wait_until
from tests.helpers import hit_event
from tests.tls_broker import ClientCert, TlsBroker

NODE1 = NodeConfig(id="node-1", tenant="t1")


def _central(broker: TlsBroker, topic: str) -> tuple[mqtt.Client, list[tuple[str, bytes]]]:
    got: list[tuple[str, bytes]] = []
    ready = threading.Event()
    cert = broker.client_cert("central")
    c = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="central",
                    protocol=mqtt.MQTTv5)
    c.tls_set(ca_certs=str(cert.ca), certfile=str(cert.cert), keyfile=str(cert.key),
              tls_version=ssl.PROTOCOL_TLS_CLIENT)
    c.on_message = lambda _c, _u, m: got.append((m.topic, bytes(m.payload)))
    c.on_subscribe = lambda *_a: ready.set()
    c.on_connect = lambda cl, *_a: cl.subscribe(topic, qos=1)
    c.connect("127.0.0.1", broker.port, 10)
    c.loop_start()
    assert ready.wait(10)
    return c, got


def _sink(tmp_path: Path, broker: TlsBroker, cert: ClientCert | None) -> MqttSink:
    tls = TlsConfig(ca_file=broker.ca_dir / "ca.crt",
                    cert_file=cert.cert if cert else None, key_file=cert.key if cert else None)
    cfg = MqttConfig(host="127.0.0.1", port=broker.port, tls=tls, reconnect_min_s=1,
                     reconnect_max_s=1)
    return MqttSink(cfg, NODE1, Outbox(tmp_path / "o.sqlite3", 3600, 1 << 20))


def test_node_publishes_hits_with_its_certificate(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """With its CN=node-id certificate the node's hits reach central through the ACL."""
    central, got = _central(tls_broker, "anpr/v1/#")
    sink = _sink(tmp_path, tls_broker, tls_broker.client_cert("node-1"))
    sink.start()
    event = hit_event()
    sink.publish(event)
    assert wait_until(lambda: any(t.endswith("/evt/hit") for t, _ in got))
    sink.close()
    central.loop_stop()
    hits = [json.loads(p) for t, p in got if t == "anpr/v1/t1/node-1/evt/hit"]
    assert [h["event_id"] for h in hits] == [event.event_id]


def test_certificate_from_another_ca_is_refused(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """A certificate not issued by the fleet CA never gets a session; events stay on disk."""
    rogue_ca = pki.make_ca("rogue CA")
    key = pki.new_private_key()
    d = tmp_path / "rogue"
    pki.write_private_key(d / "client.key", key)
    pki.write_pem(d / "client.crt", pki.sign_csr(rogue_ca, pki.make_csr(key, "node-1", None)))
    central, got = _central(tls_broker, "anpr/v1/#")
    sink = _sink(tmp_path, tls_broker,
                 ClientCert(d / "client.crt", d / "client.key", tls_broker.ca_dir / "ca.crt"))
    sink.start()
    sink.publish(hit_event())
    connected = wait_until(sink.is_ready, 4)
    sink.close(0.5)
    central.loop_stop()
    assert not connected and not got


def test_node_cannot_read_another_nodes_commands(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """Subscribed to node-2's command topic, node-1 receives only its own commands."""
    central, _ = _central(tls_broker, "anpr/v1/t1/central-only")
    sink = _sink(tmp_path, tls_broker, tls_broker.client_cert("node-1"))
    got: list[str] = []
    sink.subscribe("anpr/v1/t1/+/cmd/#", lambda t, p: got.append(t))
    sink.start()
    assert wait_until(sink.is_ready)
    wait_until(lambda: False, 0.5)  # let the subscription settle on the broker
    central.publish("anpr/v1/t1/node-2/cmd/purge", b"{}", qos=1).wait_for_publish(5)
    central.publish("anpr/v1/t1/node-1/cmd/purge", b"{}", qos=1).wait_for_publish(5)
    assert wait_until(lambda: bool(got))
    sink.close()
    central.loop_stop()
    assert got == ["anpr/v1/t1/node-1/cmd/purge"]



def test_hit_refused_by_the_acl_stays_pending(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """A PUBACK carrying a refusal (another node's topics) never marks the hit sent."""
    import structlog

    cert = tls_broker.client_cert("node-1")
    tls = TlsConfig(ca_file=tls_broker.ca_dir / "ca.crt", cert_file=cert.cert,
                    key_file=cert.key)
    cfg = MqttConfig(host="127.0.0.1", port=tls_broker.port, tls=tls)
    impostor = NodeConfig(id="node-2", tenant="t1")  # node-1's certificate, node-2's topics
    sink = MqttSink(cfg, impostor, Outbox(tmp_path / "o.sqlite3", 3600, 1 << 20))
    with structlog.testing.capture_logs() as logs:
        sink.start()
        sink.publish(hit_event())
        assert wait_until(lambda: any(e["event"] == "publish_refused_by_broker" for e in logs))
        pending, published = sink.outbox.count("pending", kind="hit"), sink.published
        sink.close(0.5)
    assert pending == 1 and published == 0
