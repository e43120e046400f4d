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
from pathlib import Path

from edge.capture.base import FrameQueue
from edge.config import CameraConfig, Settings
from edge.detect import Detector
from edge.logs import get_logger
from edge.match.base import DedupWindow, Matcher
from edge.motion import MotionGate
from edge.ocr import Recogniser, crop_plate
from edge.publish.base import EventSink
from edge.publish.events import build_hit_event, clock_synced
from edge.track import FormatCheck, PlateTracker
from edge.types import Box, Detection, Frame, FrameRead, Hit, VehicleRead

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
    detector_calls: int = 0
    gated: int = 0
    stale: int = 0
    detect_s: float = 0.0
    ocr_s: float = 0.0
    gate_s: float = 0.0
    latency_s: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FrameRates:
    """Analysed and dropped frames per second since the previous sample."""

    analysed_fps: float
    dropped_fps: float


class _RateMeter:
    def __init__(self) -> None:
        self._t = time.monotonic()
        self._analysed = 0
        self._dropped = 0

    def sample(self, analysed: int, dropped: int) -> FrameRates:
        now = time.monotonic()
        dt = max(1e-6, now - self._t)
        rates = FrameRates(round((analysed - self._analysed) / dt, 2),
                           round((dropped - self._dropped) / dt, 2))
        self._t, self._analysed, self._dropped = now, analysed, dropped
        return rates


class AnalysisWorker(threading.Thread):
    """Consumes one camera's frames until the end-of-stream marker.

    With ``live`` set (cameras), it always takes the newest queued frame and
    skips frames older than ``motion.max_frame_age_s``: when the CPU cannot
    keep up, fewer frames are analysed and latency stays bounded. The motion
    gate decides whether, and on which region, the detector runs.
    """

    def __init__(self, camera: CameraConfig, settings: Settings, frames: FrameQueue,
                 detector: Detector, recogniser: Recogniser, matcher: Matcher,
                 dedup: DedupWindow, events: queue.Queue[Hit | None], live: bool = False,
                 format_check: FormatCheck | None = None, base: Path | None = None) -> None:
        super().__init__(name=f"analyse-{camera.id}", daemon=True)
        self.camera = camera
        self.settings = settings
        self.frames = frames
        self.detector = detector
        self.recogniser = recogniser
        self.matcher = matcher
        self.dedup = dedup
        self.events = events
        self.tracker = PlateTracker(camera.id, settings.tracking, settings.ocr.min_chars,
                                    format_check)
        self.live = live
        self.gate = MotionGate(settings.motion, base) if settings.motion.enabled else None
        self.stats = StageStats()
        self._rates = _RateMeter()
        self._halt = threading.Event()

    def stop(self) -> None:
        """Finish now, without waiting for the end-of-stream marker."""
        self._halt.set()

    def run(self) -> None:
        """Thread body."""
        try:
            while not self._halt.is_set():
                try:
                    frame = (self.frames.get_latest(timeout=0.5) if self.live
                             else self.frames.get(timeout=0.5))
                except TimeoutError:
                    continue
                if frame is None:
                    break
                self.process(frame)
        finally:
            for vehicle in self.tracker.flush():
                self._decide(vehicle)

    def rates(self) -> FrameRates:
        """Analysed and dropped (queue overflow, stale, skipped) frame rates since last call."""
        dropped = self.frames.dropped + self.frames.stale + self.stats.stale
        return self._rates.sample(self.stats.frames, dropped)

    def analyse(self, frame: Frame, region: Box | None = None) -> list[FrameRead]:
        """Detect (in ``region`` only, if given) and read the plates of one frame."""
        t0 = time.perf_counter()
        self.stats.detector_calls += 1
        if region is None:
            detections = self.detector.detect(frame.image)
        else:
            x0, y0 = int(region.x1), int(region.y1)
            sub = frame.image[y0:int(region.y2), x0:int(region.x2)]
            detections = [Detection(Box(d.box.x1 + x0, d.box.y1 + y0, d.box.x2 + x0,
                                        d.box.y2 + y0), d.score)
                          for d in self.detector.detect(sub)]
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
        """Gate, analyse one frame and hand finished vehicles to matching."""
        if self.live and time.monotonic() - frame.t_capture > self.settings.motion.max_frame_age_s:
            self.stats.stale += 1
            return
        if self.gate is not None:
            t0 = time.perf_counter()
            verdict = self.gate.update(frame.image, frame.pts)
            self.stats.gate_s += time.perf_counter() - t0
            if verdict.moving:
                reads = self.analyse(frame, verdict.region)
            else:
                self.stats.gated += 1
                reads = []
        else:
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
