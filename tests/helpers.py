"""Small builders shared by tests (never imported by edge/)."""

from __future__ import annotations

import numpy as np

from edge.config import MqttConfig, NodeConfig
from edge.publish.events import HitEvent, build_hit_event
from edge.types import Candidate, Hit, Match, VehicleRead


def vehicle(text: str = "AB123CD", camera: str = "cam0", conf: float = 0.9) -> VehicleRead:
    """A finished vehicle read with a tiny crop."""
    crop = np.full((20, 80, 3), 200, np.uint8)
    return VehicleRead(camera, 1, text, conf, (Candidate(text, conf),), 5, 0.0, 0.4,
                       1_700_000_000.123, 0.0, crop)


def hit_event(text: str = "AB123CD", ref: str = "REF-1") -> HitEvent:
    """A hit event as the pipeline would build it."""
    m = Match("list-a", 3, ref, "stolen", "exact", text)
    return build_hit_event(Hit(vehicle(text), m), "node-1", "1", "in", True, None)


def mqtt_config(port: int, **kw: object) -> MqttConfig:
    """Config for the test broker on loopback."""
    return MqttConfig(host="127.0.0.1", port=port, reconnect_min_s=1, reconnect_max_s=1,
                      **kw)  # type: ignore[arg-type]


NODE = NodeConfig(id="node-1", tenant="t1")


class ListSink:
    """An EventSink that keeps events in memory, for pipeline tests."""

    def __init__(self) -> None:
        self.events: list[HitEvent] = []
        self.closed = False

    def start(self) -> None:
        """Nothing to connect."""

    def is_ready(self) -> bool:
        """Always ready."""
        return True

    def publish(self, event: HitEvent) -> None:
        """Keep the event."""
        self.events.append(event)

    def close(self, timeout: float = 5.0) -> None:
        """Mark closed."""
        self.closed = True
