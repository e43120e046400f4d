"""Node health every ``delivery.health_interval_s`` on ``.../evt/health``, plus audit of changes.

Inputs are narrow callables returning small frozen records, so the camera
supervisor and the hotlist manager plug in without this module knowing them.
Once a second the reporter also notices cameras going up or down and the
clock losing or regaining sync, and writes those to the audit log. Optional
aggregate counters (reads per camera per interval, no identifiers) are off
by default. Nothing here ever sees a plate.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edge.audit import AuditLog
from edge.config import Settings, resolve_path
from edge.logs import get_logger
from edge.publish.events import clock_synced
from edge.publish.messages import (
    CameraCountOut,
    CameraHealthOut,
    CountersMessage,
    HealthMessage,
    ListHealthOut,
)
from edge.publish.mqtt import MqttSink
from edge.types import CameraHealth, ListStatus

if TYPE_CHECKING:
    from edge.app import Node

log = get_logger("health")
THERMAL = Path("/sys/class/thermal")




@dataclass(frozen=True, slots=True)
class HealthInputs:
    """Where the numbers come from; each callable is cheap and thread-safe."""

    cameras: Callable[[], Sequence[CameraHealth]]
    lists: Callable[[], Sequence[ListStatus]]
    event_queue_depth: Callable[[], int]
    reads: Callable[[], Mapping[str, int]]
    clock_synced: Callable[[], bool] = clock_synced


def read_temperature(root: Path = THERMAL) -> float | None:
    """The hottest thermal zone in °C, or None where the board reports none."""
    temps = []
    for zone in root.glob("thermal_zone*/temp"):
        try:
            temps.append(int(zone.read_text().strip()) / 1000.0)
        except (OSError, ValueError):
            continue
    return max(temps) if temps else None


def disk_free(path: Path) -> int | None:
    """Free bytes on the file system holding ``path``."""
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def entry_count(matcher: object) -> int:
    """Entries of a list matcher that can tell (0 when it cannot)."""
    return len(matcher) if isinstance(matcher, Sized) else 0


def node_health_inputs(node: Node) -> HealthInputs:
    """Inputs from the Node: ``camera_health()``, the plain list and the hotlist manager."""
    started = time.time()
    bl = node.settings.blacklist
    stale_after = node.settings.delivery.list_stale_after_s
    plain = bl.file is not None or bool(bl.entries)
    plain_entries = entry_count(node.matcher) if plain and node.hotlists is None else None

    def cameras() -> list[CameraHealth]:
        return list(node.camera_health())

    def lists() -> list[ListStatus]:
        out = []
        if plain:
            age = time.time() - started
            out.append(ListStatus(bl.list_id, bl.purpose, bl.version, plain_entries or 0,
                                  started, None, age, age > stale_after))
        if node.hotlists is not None:
            out += node.hotlists.status()
        return out

    def reads() -> dict[str, int]:
        return {a.camera.id: a.stats.reads for a in node.analysers}

    return HealthInputs(cameras=cameras, lists=lists, event_queue_depth=node.events.qsize,
                        reads=reads)


class HealthReporter:
    """A thread that publishes health (and optional counters) and audits state changes."""

    def __init__(self, settings: Settings, inputs: HealthInputs, sink: object,
                 audit: AuditLog, base: Path) -> None:
        self.settings = settings
        self.inputs = inputs
        self.sink = sink if isinstance(sink, MqttSink) else None
        self.audit = audit
        self.state_dir = resolve_path(base, settings.node.state_dir)
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="health", daemon=True)
        self._cam_up: dict[str, bool] = {}
        self._synced: bool | None = None
        self._reads_base: dict[str, int] = {}
        self._interval_start = time.time()
        self.sent = 0

    def start(self) -> None:
        """Start the reporting thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (the caller closes the sink afterwards)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)

    def _loop(self) -> None:
        d = self.settings.delivery
        next_health = time.monotonic() + d.health_interval_s
        next_counters = time.monotonic() + d.counters_interval_s
        while not self._stop.wait(1.0):
            try:
                self.watch_changes()
                now = time.monotonic()
                if now >= next_health:
                    next_health = now + d.health_interval_s
                    self.report()
                if d.counters_enabled and now >= next_counters:
                    next_counters = now + d.counters_interval_s
                    self.report_counters()
            except Exception as exc:  # health must never take the node down
                log.error("health_failed", error=type(exc).__name__, detail=str(exc))

    def watch_changes(self) -> None:
        """Audit cameras going up/down and the clock losing/regaining sync."""
        for cam in self.inputs.cameras():
            before = self._cam_up.get(cam.camera_id)
            if before is not None and before != cam.up:
                self.audit.record("camera_up" if cam.up else "camera_down", camera=cam.camera_id)
            elif before is None and cam.up:
                self.audit.record("camera_up", camera=cam.camera_id)
            self._cam_up[cam.camera_id] = cam.up
        synced = self.inputs.clock_synced()
        if self._synced is not None and synced != self._synced:
            self.audit.record("clock_sync_regained" if synced else "clock_sync_lost")
        self._synced = synced

    def build(self) -> HealthMessage:
        """One health message from the current inputs."""
        outbox = self.sink.outbox if self.sink is not None else None
        return HealthMessage(
            node=self.settings.node.id,
            ts=round(time.time(), 3),
            uptime_s=round(time.monotonic() - self._started, 1),
            cameras=[CameraHealthOut(camera=c.camera_id, up=c.up, fps=c.fps, drops=c.drops,
                                     reconnects=c.reconnects, queue_depth=c.queue_depth,
                                     last_frame_age_s=c.last_frame_age_s)
                     for c in self.inputs.cameras()],
            event_queue_depth=self.inputs.event_queue_depth(),
            outbox_pending=outbox.count("pending") if outbox else 0,
            outbox_unacked=outbox.count("sent") if outbox else 0,
            outbox_bytes=outbox.size_bytes() if outbox else 0,
            oldest_pending_age_s=outbox.oldest_pending_age() if outbox else None,
            disk_free_bytes=disk_free(self.state_dir),
            temperature_c=read_temperature(),
            lists=[ListHealthOut(list_id=s.list_id, purpose=s.purpose, version=s.version,
                                 entries=s.entries, age_s=s.age_s, stale=s.stale)
                   for s in self.inputs.lists()],
            clock_synced=self.inputs.clock_synced(),
        )

    def report(self) -> HealthMessage:
        """Build, log (counts only) and queue one health message."""
        msg = self.build()
        log.info("health", cameras_up=sum(c.up for c in msg.cameras),
                 outbox_pending=msg.outbox_pending, outbox_unacked=msg.outbox_unacked,
                 oldest_pending_age_s=msg.oldest_pending_age_s, clock_synced=msg.clock_synced)
        if self.sink is not None:
            self.sink.publish_message("health", "evt/health", msg,
                                      ttl_s=self.settings.delivery.health_ttl_s)
            self.sent += 1
        return msg

    def report_counters(self) -> CountersMessage:
        """Queue the reads per camera since the last call (aggregate, no identifiers)."""
        now = time.time()
        reads = dict(self.inputs.reads())
        msg = CountersMessage(
            node=self.settings.node.id, interval_start=round(self._interval_start, 3),
            interval_s=round(max(1e-3, now - self._interval_start), 3),
            cameras=[CameraCountOut(camera=cam, reads=max(0, n - self._reads_base.get(cam, 0)))
                     for cam, n in sorted(reads.items())])
        self._reads_base, self._interval_start = reads, now
        if self.sink is not None:
            self.sink.publish_message("counters", "evt/counters", msg,
                                      ttl_s=self.settings.delivery.health_ttl_s)
        return msg
