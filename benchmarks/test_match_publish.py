"""Matching against plain lists of 1 thousand to 1 million entries; outbox; real broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from edge.benchclip import random_plates
from edge.config import NodeConfig
from edge.match import PlainListMatcher
from edge.publish.mqtt import MqttSink
from edge.publish.outbox import Outbox
from tests.helpers import hit_event, mqtt_config, vehicle
from tests.mosquitto import Broker, find_mosquitto

LIST_SIZES = (1_000, 10_000, 100_000, 1_000_000)


@pytest.fixture(scope="module", params=LIST_SIZES, ids=lambda n: f"{n // 1000}k")
def matcher(request: pytest.FixtureRequest) -> PlainListMatcher:
    """A plain list of n seeded plates."""
    n = int(request.param)
    plates = random_plates(n)
    return PlainListMatcher("bench", 1, "stolen", {p: f"R{i}" for i, p in enumerate(plates)})


def test_match_miss(benchmark: BenchmarkFixture, matcher: PlainListMatcher) -> None:
    """A read that is not on the list (the common case)."""
    v = vehicle("ZZ999ZZ")
    assert benchmark.pedantic(matcher.match, args=(v,), rounds=200, iterations=10) is None


def test_match_hit(benchmark: BenchmarkFixture, matcher: PlainListMatcher) -> None:
    """A read that is on the list."""
    v = vehicle(random_plates(1000)[0] if len(matcher) >= 1000 else "AA000AA")
    benchmark.pedantic(matcher.match, args=(v,), rounds=200, iterations=10)


def test_outbox_write(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    """One durable event write (SQLite WAL, synchronous=FULL)."""
    box = Outbox(tmp_path / "outbox.sqlite3", 3600.0, 64 * 1024 * 1024)
    payload = hit_event().model_dump_json().encode()
    ids = iter(range(10**9))
    benchmark.pedantic(lambda: box.put(f"e{next(ids)}", "anpr/v1/t/n/hit", payload),
                       rounds=100, iterations=1)
    box.close()


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MqttSink]:
    """An MQTT sink connected to a real mosquitto."""
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed")
    broker = Broker(tmp_path)
    broker.start()
    s = MqttSink(mqtt_config(broker.port), NodeConfig(id="bench", tenant="t"),
                 Outbox(tmp_path / "o.sqlite3", 3600.0, 64 * 1024 * 1024))
    s.start()
    try:
        yield s
    finally:
        s.close()
        broker.stop()


def test_publish_to_broker(benchmark: BenchmarkFixture, sink: MqttSink) -> None:
    """A hit from hand-over to the sink until the broker acknowledged it (QoS 1)."""
    def step() -> None:
        sink.publish(hit_event())
        assert sink.wait_delivered(5.0)

    benchmark.pedantic(step, rounds=30, iterations=1, warmup_rounds=1)
    assert np.isfinite(benchmark.stats.stats.mean)
