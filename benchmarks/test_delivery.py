"""Outbox flush rate: 10,000 hits buffered during an outage, flushed to a local mosquitto.

Run with ``.venv/bin/pytest benchmarks/test_delivery.py --benchmark-only``. The
target is 2,000 events/s or more after the reconnect (``extra_info`` holds the
figure); the default MQTT settings are used (QoS 1, max_inflight 20).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from pytest_benchmark.fixture import BenchmarkFixture

from edge.publish import MqttSink, Outbox
from tests.helpers import NODE, hit_event, mqtt_config
from tests.mosquitto import Broker
from tests.mqtt_capture import Subscriber

N = 10_000
TARGET_EPS = 2000.0


def _buffered_outbox(path: Path, topic: str) -> Outbox:
    """An outbox holding N pending hits, as after a long outage."""
    box = Outbox(path, ttl_s=72 * 3600, max_bytes=256 << 20)
    template = hit_event()
    now = time.time()
    rows = []
    for i in range(N):
        ev = template.model_copy(update={"event_id": f"{i:08d}-0000-7000-8000-000000000000"})
        rows.append((ev.event_id, topic, ev.model_dump_json().encode(), now, now + 72 * 3600))
    with sqlite3.connect(path) as con:  # bulk set-up; the node commits one hit at a time
        con.executemany("INSERT INTO outbox(event_id, topic, payload, created, expires)"
                        " VALUES (?, ?, ?, ?, ?)", rows)
    box.close()
    return Outbox(path, ttl_s=72 * 3600, max_bytes=256 << 20)


def test_flush_10k_buffered_hits_after_reconnect(benchmark: BenchmarkFixture) -> None:
    """Seconds to move 10,000 pending hits to the broker (all PUBACKed and received)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Broker(work)
        broker.start()
        sub = Subscriber(broker.port, "anpr/v1/t1/node-1/evt/hit")
        rounds: list[float] = []
        try:
            def setup() -> tuple[tuple[MqttSink], dict[str, object]]:
                sub.messages.clear()
                db = work / f"outbox-{len(rounds)}.sqlite3"
                box = _buffered_outbox(db, "anpr/v1/t1/node-1/evt/hit")
                return (MqttSink(mqtt_config(broker.port), NODE, box),), {}

            def flush(sink: MqttSink) -> None:
                t0 = time.perf_counter()
                sink.start()
                while sink.outbox.count("pending") > 0 or len(sub.messages) < N:
                    time.sleep(0.01)
                rounds.append(time.perf_counter() - t0)
                sink.close()

            benchmark.pedantic(flush, setup=setup, rounds=3, iterations=1)
        finally:
            sub.close()
            broker.stop()
    eps = N / min(rounds)
    benchmark.extra_info["events_per_s_best"] = round(eps)
    benchmark.extra_info["events_per_s_median"] = round(N / sorted(rounds)[len(rounds) // 2])
    print(f"\nflush rate: best {eps:.0f} events/s, rounds {[round(r, 2) for r in rounds]} s")
    assert eps >= TARGET_EPS
