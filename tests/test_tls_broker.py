"""The shipped mosquitto ACL and mutual TLS, checked against a real broker."""

from __future__ import annotations

import ssl
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.tls_broker import ClientCert, TlsBroker


def _client(broker: TlsBroker, cert: ClientCert | None, name: str) -> mqtt.Client:
    c = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=name,
                    protocol=mqtt.MQTTv5)
    if cert is None:
        c.tls_set(ca_certs=str(broker.ca_dir / "ca.crt"), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    else:
        c.tls_set(ca_certs=str(cert.ca), certfile=str(cert.cert), keyfile=str(cert.key),
                  tls_version=ssl.PROTOCOL_TLS_CLIENT)
    return c


def test_client_without_certificate_is_refused(tls_broker: TlsBroker) -> None:
    """A TLS client that presents no certificate cannot connect."""
    c = _client(tls_broker, None, "anon")
    try:
        c.connect("127.0.0.1", tls_broker.port, 5)
        c.loop(2.0)
        refused = not c.is_connected()
    except (ssl.SSLError, OSError):
        refused = True
    assert refused


def test_node_reaches_only_its_own_topics(tls_broker: TlsBroker) -> None:
    """The ACL delivers a node's own topic to central but not a topic of another node."""
    got: list[str] = []
    ready = threading.Event()
    central = _client(tls_broker, tls_broker.client_cert("central"), "central")
    central.on_message = lambda _c, _u, m: got.append(m.topic)
    central.on_subscribe = lambda *_a: ready.set()
    central.connect("127.0.0.1", tls_broker.port, 5)
    central.loop_start()
    central.subscribe("anpr/v1/#", qos=1)
    assert ready.wait(5)
    node = _client(tls_broker, tls_broker.client_cert("varco-1"), "varco-1")
    node.connect("127.0.0.1", tls_broker.port, 5)
    node.loop_start()
    node.publish("anpr/v1/t1/varco-2/evt/hit", b"spoof", qos=1).wait_for_publish(5)
    node.publish("anpr/v1/t1/varco-1/evt/hit", b"own", qos=1).wait_for_publish(5)
    deadline = threading.Event()
    for _ in range(50):
        if got:
            break
        deadline.wait(0.1)
    node.loop_stop()
    central.loop_stop()
    assert got == ["anpr/v1/t1/varco-1/evt/hit"]
