"""A paho MQTT 5 subscriber that records what the broker delivered, for assertions."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True)
class Received:
    """One delivered message."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: Any


class Subscriber:
    """Subscribes to ``topic`` on a loopback broker and keeps every message."""

    def __init__(self, port: int, topic: str = "#") -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                                  client_id=f"test-sub-{time.monotonic_ns()}",
                                  protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._ready.set()
        self.client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not self._ready.wait(10):
            raise RuntimeError("test subscriber could not subscribe")

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, msg.payload, msg.qos, msg.retain,
                                          msg.properties))

    def wait_for(self, predicate: Any, count: int, timeout: float = 20.0) -> list[Received]:
        """Messages satisfying ``predicate`` once at least ``count`` arrived (or timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = [m for m in self.messages if predicate(m)]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()
