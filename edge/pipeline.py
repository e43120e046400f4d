"""The analysis stages: detect -> crop -> OCR -> track -> match, and the publisher.

Each camera has one analysis thread fed by its bounded frame queue; hits go
through a bounded event queue to one publisher thread. Non-matching vehicle
reads end here: they are dropped from memory and only counted.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

from edge.capture.base import FrameQueue
from edge.config import CameraConfig, Settings
from edge.detect import Detector
from edge.logs import get_logger
from edge.match.base import DedupWindow, Matcher
from edge.ocr import Recogniser, crop_plate
from edge.publish.base import EventSink
from edge.publish.events import build_hit_event, clock_synced
from edge.track import PlateTracker
from edge.types import Frame, FrameRead, Hit, VehicleRead

log = get_logger("pipeline")


@dataclass(slots=True)
class StageStats:
    """Counters and cumulative stage times of one analysis thread (seconds)."""

    frames: int = 0
    detections: int = 0
    reads: int = 0
    vehicles: int = 0
    hits: int = 0
    duplicates: int = 0
    detect_s: float = 0.0
    ocr_s: float = 0.0
    latency_s: list[float] = field(default_factory=list)


class AnalysisWorker(threading.Thread):
    """Consumes one camera's frames until the end-of-stream marker."""

    def __init__(self, camera: CameraConfig, settings: Settings, frames: FrameQueue,
                 detector: Detector, recogniser: Recogniser, matcher: Matcher,
                 dedup: DedupWindow, events: queue.Queue[Hit | None]) -> None:
        super().__init__(name=f"analyse-{camera.id}", daemon=True)
        self.camera = camera
        self.settings = settings
        self.frames = frames
        self.detector = detector
        self.recogniser = recogniser
        self.matcher = matcher
        self.dedup = dedup
        self.events = events
        self.tracker = PlateTracker(camera.id, settings.tracking, settings.ocr.min_chars)
        self.stats = StageStats()
        self._halt = threading.Event()

    def stop(self) -> None:
        """Finish now, without waiting for the end-of-stream marker."""
        self._halt.set()

    def run(self) -> None:
        """Thread body."""
        try:
            while not self._halt.is_set():
                try:
                    frame = self.frames.get(timeout=0.5)
                except TimeoutError:
                    continue
                if frame is None:
                    break
                self.process(frame)
        finally:
            for vehicle in self.tracker.flush():
                self._decide(vehicle)

    def analyse(self, frame: Frame) -> list[FrameRead]:
        """Detect and read the plates of one frame (no tracking, no matching)."""
        t0 = time.perf_counter()
        detections = self.detector.detect(frame.image)
        t1 = time.perf_counter()
        crops = [crop_plate(frame.image, d.box, self.settings.ocr.crop_margin)
                 for d in detections]
        reads = self.recogniser.read(crops) if crops else []
        t2 = time.perf_counter()
        self.stats.detect_s += t1 - t0
        self.stats.ocr_s += t2 - t1
        self.stats.detections += len(detections)
        floor = self.settings.ocr.min_confidence
        return [FrameRead(d, r, c) for d, r, c in zip(detections, reads, crops, strict=True)
                if r.confidence >= floor]

    def process(self, frame: Frame) -> None:
        """Analyse one frame and hand finished vehicles to matching."""
        reads = self.analyse(frame)
        self.stats.frames += 1
        self.stats.reads += len(reads)
        lat = self.stats.latency_s
        lat.append(time.monotonic() - frame.t_capture)
        if len(lat) > 2048:
            del lat[:1024]
        for vehicle in self.tracker.update(frame, reads):
            self._decide(vehicle)

    def _decide(self, vehicle: VehicleRead) -> None:
        self.stats.vehicles += 1
        match = self.matcher.match(vehicle)
        if match is None:
            return
        if not self.dedup.admit(vehicle.camera_id, match):
            self.stats.duplicates += 1
            return
        self.stats.hits += 1
        # Blocking put: a hit must never be dropped, and hits are rare.
        self.events.put(Hit(vehicle, match))


class Publisher(threading.Thread):
    """Turns hits into events and hands them to the sink, in order."""

    def __init__(self, settings: Settings, sink: EventSink,
                 events: queue.Queue[Hit | None]) -> None:
        super().__init__(name="publisher", daemon=True)
        self.settings = settings
        self.sink = sink
        self.events = events
        self.published = 0
        self.errors = 0
        self._cameras = {c.id: c for c in settings.cameras}

    def run(self) -> None:
        """Thread body; ends at the None marker."""
        privacy = self.settings.privacy
        while True:
            hit = self.events.get()
            if hit is None:
                return
            cam = self._cameras.get(hit.vehicle.camera_id)
            event = build_hit_event(
                hit, self.settings.node.id, cam.lane if cam else None,
                cam.direction if cam else None, clock_synced(),
                privacy.crop_max_bytes if privacy.include_crop else None)
            try:
                self.sink.publish(event)
                self.published += 1
            except Exception as exc:  # a sink fault must not kill the node
                self.errors += 1
                log.error("publish_failed", error=str(exc), list_id=event.list_id)
