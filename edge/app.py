"""The composition root: builds every component from the settings and runs them in order.

Start order: sink (so hits have somewhere to go), models (warm), matcher,
then analysis and capture threads. Stop order is the reverse, draining each
queue so nothing is half-written.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import numpy as np

from edge import __version__
from edge.audit import AuditLog
from edge.capture import FrameQueue, make_source
from edge.capture.worker import CaptureWorker
from edge.config import (
    DetectorConfig,
    InferenceConfig,
    ModelSection,
    OcrConfig,
    Settings,
    resolve_path,
)
from edge.detect import YoloEnd2EndDetector
from edge.errors import BlacklistError, ConfigError
from edge.health import HealthReporter, entry_count, node_health_inputs
from edge.inference import ModelSpec, load_model_spec, make_session
from edge.logs import get_logger
from edge.match import DedupWindow, Matcher, PlainListMatcher
from edge.match.hotlist import CompositeMatcher, HotlistManager, build_hotlists
from edge.notify import Notifier
from edge.ocr import FixedSlotOcr, Recogniser
from edge.pipeline import AnalysisWorker, Publisher
from edge.plates import format_check
from edge.publish import EventSink, make_sink
from edge.publish.inbound import wire_delivery
from edge.tuning import apply_opencv_threads
from edge.types import CameraHealth, Hit

log = get_logger("node")


def model_spec(section: ModelSection, task: str, contract: str, base: Path) -> ModelSpec:
    """The spec of a configured model: from the manifest by name, or a public file."""
    if section.name is not None:
        return load_model_spec(resolve_path(base, section.manifest), section.name, task)
    assert section.file is not None  # the config validator guarantees one of the two
    return ModelSpec(name=section.file.name, path=resolve_path(base, section.file),
                     sha256=section.sha256, task=task, contract=contract)


def build_detector(cfg: DetectorConfig, inference: InferenceConfig, base: Path
                   ) -> YoloEnd2EndDetector:
    """Load and warm the plate detector (its ``score_threshold`` is the one in force)."""
    spec = model_spec(cfg, "detector", "yolo-end2end", base)
    session = make_session(spec, inference.providers, inference.intra_op_threads)
    threshold = cfg.threshold_for(spec.score_threshold)
    log.info("detector_threshold", model=spec.name, score_threshold=threshold,
             source="config" if cfg.score_threshold is not None
             else "manifest" if spec.score_threshold is not None else "default")
    return YoloEnd2EndDetector(session, threshold, cfg.nms_iou, cfg.min_plate_width,
                               inference.warmup_runs)


def build_recogniser(cfg: OcrConfig, inference: InferenceConfig, base: Path) -> Recogniser:
    """Load and warm the plate reader."""
    spec = model_spec(cfg, "ocr", "fixed-slot", base)
    session = make_session(spec, inference.providers, inference.intra_op_threads)
    return FixedSlotOcr(session, cfg.alphabet or spec.alphabet, spec.pad_char,
                        inference.warmup_runs, cfg.zooms)


def build_matcher(settings: Settings, base: Path,
                  hotlists: HotlistManager | None = None) -> Matcher:
    """The plain list from config (refused when its purpose is not enabled), plus hotlists."""
    bl = settings.blacklist
    if hotlists is not None and bl.file is None and not bl.entries:
        return hotlists.matcher
    if bl.purpose not in settings.privacy.enabled_purposes:
        raise ConfigError([f"blacklist.purpose: '{bl.purpose}' is not in "
                           f"privacy.enabled_purposes {settings.privacy.enabled_purposes}"])
    matcher = PlainListMatcher.from_config(bl, base)
    if len(matcher) == 0:
        raise BlacklistError("the plate list is empty: set blacklist.file or blacklist.entries")
    log.info("list_loaded", list_id=bl.list_id, version=bl.version, entries=len(matcher))
    return matcher if hotlists is None else CompositeMatcher((matcher, hotlists.matcher))


class Node:
    """One gate node: every component, wired once."""

    def __init__(self, settings: Settings, base: Path | None = None,
                 sink: EventSink | None = None, notifier: Notifier | None = None) -> None:
        self.settings = settings
        self.notifier = notifier or Notifier({})
        apply_opencv_threads()
        self.base = base or Path.cwd()
        self.audit = AuditLog(resolve_path(self.base, settings.node.state_dir) / "audit.jsonl")
        self.detector = build_detector(settings.detector, settings.inference, self.base)
        self.recogniser = build_recogniser(settings.ocr, settings.inference, self.base)
        self.hotlists = build_hotlists(settings, self.base, self.audit)
        self.matcher = build_matcher(settings, self.base, self.hotlists)
        self.sink = sink or make_sink(settings, self.base)
        if self.hotlists is not None:
            self.hotlists.attach(self.sink)
        self.events: queue.Queue[Hit | None] = queue.Queue(maxsize=256)
        self.dedup = DedupWindow(settings.blacklist.dedup_window_s)
        self.captures: list[CaptureWorker] = []
        self.analysers: list[AnalysisWorker] = []
        for cam in settings.cameras:
            frames = FrameQueue(cam.queue_size)
            source = make_source(cam, self.base)
            self.captures.append(CaptureWorker(cam.id, source, frames, cam.reconnect_initial_s,
                                               cam.reconnect_max_s, cam.watchdog_s))
            self.analysers.append(AnalysisWorker(cam, settings, frames, self.detector,
                                                 self.recogniser, self.matcher, self.dedup,
                                                 self.events, live=source.live,
                                                 format_check=format_check, base=self.base))
        self.publisher = Publisher(settings, self.sink, self.events)
        self.inbound = wire_delivery(self.sink, self.audit, settings.delivery)
        self.health = HealthReporter(settings, node_health_inputs(self), self.sink, self.audit,
                                     self.base)
        self._stop = threading.Event()
        self._metrics = threading.Thread(target=self._report_loop, name="metrics", daemon=True)

    def start(self) -> None:
        """Start the sink, then analysis, then capture."""
        self.sink.start()
        self.publisher.start()
        for a in self.analysers:
            a.start()
        for c in self.captures:
            c.start()
        self._metrics.start()
        self.audit.record("node_started", node=self.settings.node.id, version=__version__)
        bl = self.settings.blacklist
        if bl.file is not None or bl.entries:  # signed lists audit their own installs
            self.audit.record("list_installed", list_id=bl.list_id, version=bl.version,
                              purpose=bl.purpose, entries=entry_count(self.matcher))
        self.health.start()
        log.info("node_started", node=self.settings.node.id,
                 cameras=[c.id for c in self.settings.cameras])

    def wait(self, stop: threading.Event) -> None:
        """Block until ``stop`` is set or every camera (recordings) has ended.

        Meanwhile tell systemd: READY=1 once every camera delivered a frame and
        the sink is connected; WATCHDOG=1 only while frames are being analysed.
        """
        ready = False
        seen = -1
        while not stop.is_set():
            if not any(a.is_alive() for a in self.analysers):
                return
            analysed = sum(a.stats.frames for a in self.analysers)
            if not ready:
                waiting = [c.camera_id for c in self.captures if not c.first_frame.is_set()]
                if not waiting and self.sink.is_ready():
                    ready = True
                    self.notifier.ready("analysing")
                else:
                    why = f"waiting for cameras {waiting}" if waiting else "waiting for broker"
                    self.notifier.status(why)
            elif analysed != seen:
                self.notifier.watchdog()
            else:
                # No WATCHDOG=1 here: systemd restarts the node if this lasts WatchdogSec.
                why = "; ".join(f"{c.camera_id} {c.stats.last_error or 'stalled'}"
                                for c in self.captures)
                self.notifier.status(f"no frames analysed: {why}")
            seen = analysed
            stop.wait(1.0)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop capture, drain analysis and publishing, close the sink."""
        self.notifier.stopping()
        for c in self.captures:
            c.stop()
        for c in self.captures:
            c.join(timeout)
        for a in self.analysers:
            a.join(timeout)
            if a.is_alive():
                a.stop()
                a.join(timeout)
        self.events.put(None)
        self.publisher.join(timeout)
        self._stop.set()
        self.health.stop()
        self.audit.record("node_stopped", node=self.settings.node.id)
        self.sink.close(timeout)
        if self.hotlists is not None:
            self.hotlists.close(timeout)
        self.report()
        log.info("node_stopped", node=self.settings.node.id)

    def camera_health(self) -> tuple[CameraHealth, ...]:
        """Each camera's up/down state, frame rate, drops and reconnects, for health."""
        return tuple(c.health() for c in self.captures)

    def _report_loop(self) -> None:
        while not self._stop.wait(self.settings.logging.metrics_interval_s):
            self.report()

    def report(self) -> None:
        """Log one metrics line per camera: counters and stage times, never plate text."""
        for cap, ana in zip(self.captures, self.analysers, strict=True):
            s = ana.stats
            n = max(1, s.frames)
            lat = np.percentile(s.latency_s, [50, 95]) if s.latency_s else [0.0, 0.0]
            rates = ana.rates()
            log.info("stage_metrics", camera=cap.camera_id, up=cap.stats.up,
                     captured=cap.stats.frames, dropped=cap.queue.dropped,
                     queue=cap.queue.qsize(), analysed=s.frames, detections=s.detections,
                     reads=s.reads, vehicles=s.vehicles, hits=s.hits,
                     duplicates=s.duplicates,
                     detect_ms=round(1000 * s.detect_s / max(1, s.detector_calls), 2),
                     detector_calls=s.detector_calls, gated=s.gated, stale=s.stale,
                     analysed_fps=rates.analysed_fps, dropped_fps=rates.dropped_fps,
                     ocr_ms=round(1000 * s.ocr_s / n, 2),
                     latency_p50_ms=round(1000 * float(lat[0]), 1),
                     latency_p95_ms=round(1000 * float(lat[1]), 1),
                     reconnects=cap.stats.reconnects, camera_downs=cap.stats.downs,
                     published=self.publisher.published,
                     ts=round(time.time(), 3))
        for st in self.hotlists.status() if self.hotlists is not None else ():
            log.info("list_status", list_id=st.list_id, version=st.version, entries=st.entries,
                     age_s=None if st.age_s is None else round(st.age_s), stale=st.stale)
