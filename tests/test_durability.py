"""No hit is lost: a 60 s broker outage, and a SIGKILL in the middle of publishing."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.publish import MqttSink, Outbox
from tests.delivery_helpers import ROOT_TOPIC, wait_until
from tests.helpers import NODE, hit_event, mqtt_config
from tests.mosquitto import Broker

ROOT = Path(__file__).resolve().parent.parent
EVENT_ID = re.compile(r"[0-9a-f-]{36}")
OUTAGE_S = float(os.environ.get("ANPR_TEST_OUTAGE_S", "60"))


def persistent_broker(workdir: Path) -> Broker:
    """A mosquitto that keeps sessions and queued messages across its own restarts."""
    workdir.mkdir(parents=True, exist_ok=True)
    b = Broker(workdir)
    conf = b.conf.read_text().replace(
        "persistence false", f"persistence true\npersistence_location {workdir}/")
    b.conf.write_text(("user root\n" if os.geteuid() == 0 else "") + conf)
    return b


class Central:
    """The central platform's subscriber: a persistent session, so nothing queued is missed."""

    def __init__(self, port: int, topic: str) -> None:
        self.got: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        c = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                        client_id=f"central-{time.monotonic_ns()}", protocol=mqtt.MQTTv5)
        c.on_message = self._on_message
        c.on_connect = lambda cl, *a: cl.subscribe(topic, qos=1)
        c.on_subscribe = lambda *a: self._subscribed.set()
        c.reconnect_delay_set(1, 2)
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = 3600
        c.connect("127.0.0.1", port, clean_start=False, properties=props)
        c.loop_start()
        assert self._subscribed.wait(10)
        self.client = c

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.got.append((msg.topic, bytes(msg.payload), bool(msg.retain)))

    def hit_ids(self) -> list[str]:
        """Event ids of the hits received, in arrival order (duplicates kept)."""
        with self._lock:
            return [json.loads(p)["event_id"] for t, p, _ in self.got if t.endswith("/evt/hit")]

    def payloads(self) -> dict[str, set[bytes]]:
        """Every distinct payload received per event id."""
        out: dict[str, set[bytes]] = {}
        with self._lock:
            for t, p, _ in self.got:
                if t.endswith("/evt/hit"):
                    out.setdefault(json.loads(p)["event_id"], set()).add(p)
        return out

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def test_broker_outage_loses_no_hit(tmp_path: Path) -> None:
    """Hits keep coming through a 60 s broker outage; all arrive, in order, no stray copies."""
    broker = persistent_broker(tmp_path / "broker")
    broker.start()
    central = Central(broker.port, f"{ROOT_TOPIC}/evt/hit")
    sink = MqttSink(mqtt_config(broker.port), NODE,
                    Outbox(tmp_path / "outbox.sqlite3", ttl_s=3600, max_bytes=1 << 24))
    sink.start()
    sent: list[str] = []
    stop = threading.Event()

    def produce() -> None:
        i = 0
        while not stop.wait(0.2):
            e = hit_event(ref=f"R{i}")
            sink.publish(e)
            sent.append(e.event_id)
            i += 1

    producer = threading.Thread(target=produce)
    producer.start()
    try:
        time.sleep(3)
        broker.stop()
        during_from = len(sent)
        time.sleep(OUTAGE_S)
        during = len(sent) - during_from
        assert sink.outbox.count("pending") >= during > 0
        broker.start()
        time.sleep(3)
        stop.set()
        producer.join()
        assert wait_until(lambda: set(central.hit_ids()) >= set(sent), 60)
    finally:
        stop.set()
        sink.close()
        central.close()
        broker.stop()
    ids = central.hit_ids()
    assert set(ids) == set(sent)
    first_seen = list(dict.fromkeys(ids))
    assert first_seen == sent, "hits arrived out of order"
    assert all(len(p) == 1 for p in central.payloads().values())


def test_sigkill_mid_publish_then_restart_delivers_every_hit(tmp_path: Path) -> None:
    """SIGKILL while publishing; the database is intact and a restart delivers every hit."""
    broker = persistent_broker(tmp_path / "broker")
    broker.start()
    central = Central(broker.port, f"{ROOT_TOPIC}/#")
    db = tmp_path / "outbox.sqlite3"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "tests.outbox_child", str(broker.port), str(db)]
    child = subprocess.Popen([*cmd, "publish"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             text=True)
    committed: list[str] = []
    try:
        assert child.stdout is not None
        while len(committed) < 300:
            line = child.stdout.readline()
            assert line, "child ended early"
            if EVENT_ID.fullmatch(line.strip()):  # log lines share standard output
                committed.append(line.strip())
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        with sqlite3.connect(db) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The broker published the Last Will: the node is 'offline' (retained).
        assert wait_until(lambda: any(t.endswith("/state") and b'"offline"' in p
                                      for t, p, _ in central.got), 20)
        drain = subprocess.run([*cmd, "drain"], cwd=ROOT, env=env, timeout=120,
                               capture_output=True, check=False)
        assert drain.returncode == 0, drain.stderr[-2000:]
        assert wait_until(lambda: set(central.hit_ids()) >= set(committed), 30)
    finally:
        if child.poll() is None:
            child.kill()
        central.close()
        broker.stop()
    assert all(len(p) == 1 for p in central.payloads().values())
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM outbox WHERE state='pending'").fetchone()[0] == 0
