"""Motion gate and frame budget: the detector runs only where and when something moves."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from edge.app import build_detector, build_recogniser
from edge.capture.base import FrameQueue
from edge.config import CameraConfig, MotionConfig, Settings
from edge.detect import Detector
from edge.errors import ConfigError
from edge.match.base import DedupWindow
from edge.motion import MotionGate
from edge.pipeline import AnalysisWorker
from edge.types import Detection, Frame, Image
from edge.video_eval import evaluate_clip

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "tests" / "data" / "video"


class CountingDetector:
    """Wraps the real detector and counts its calls."""

    def __init__(self, inner: Detector) -> None:
        self.inner = inner
        self.calls = 0

    def detect(self, image: Image) -> list[Detection]:
        """Count, then detect."""
        self.calls += 1
        return self.inner.detect(image)


def _road(rng: np.random.Generator) -> Image:
    img = np.full((360, 640, 3), 90, np.uint8)
    return np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)


def _with_car(img: Image, x: int) -> Image:
    out = img.copy()
    out[200:300, x:x + 120] = (230, 220, 200)
    return out


def test_static_road_is_not_motion() -> None:
    """Sensor noise alone never opens the gate (after the first, reference frame)."""
    rng = np.random.default_rng(1)
    gate = MotionGate(MotionConfig(hold_s=0.0))
    verdicts = [gate.update(_road(rng), i / 10).moving for i in range(30)]
    assert verdicts[0] and not any(verdicts[1:])


def test_moving_car_opens_the_gate_on_its_region() -> None:
    """A vehicle entering opens the gate; the region covers it and not the whole frame."""
    rng = np.random.default_rng(2)
    gate = MotionGate(MotionConfig(hold_s=0.0, pad=0.05))
    for i in range(5):
        gate.update(_road(rng), i / 10)
    verdict = gate.update(_with_car(_road(rng), 400), 0.5)
    assert verdict.moving and verdict.region is not None
    r = verdict.region
    assert r.x1 <= 400 and r.x2 >= 520 and r.y1 <= 200 and r.y2 >= 300
    assert r.area < 640 * 360


def test_motion_outside_the_roi_is_ignored() -> None:
    """Only the region-of-interest polygons are watched."""
    rng = np.random.default_rng(3)
    left_half = [[(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]]
    gate = MotionGate(MotionConfig(hold_s=0.0, roi=left_half))
    for i in range(5):
        gate.update(_road(rng), i / 10)
    assert not gate.update(_with_car(_road(rng), 450), 0.5).moving
    assert gate.update(_with_car(_road(rng), 100), 0.6).moving


def test_gate_holds_after_motion() -> None:
    """The gate stays open for hold_s after the last motion, then closes."""
    rng = np.random.default_rng(4)
    gate = MotionGate(MotionConfig(hold_s=0.3))
    base = _road(rng)
    for i in range(5):
        gate.update(base, i / 10)
    assert gate.update(_with_car(base, 300), 0.5).moving
    # The car is gone again: the background never learnt it, so reuse the base frame.
    assert gate.update(base, 0.7).moving
    assert not gate.update(base, 0.9).moving


def test_get_latest_drains_to_the_newest_frame() -> None:
    """A slow consumer gets the newest frame; the skipped ones are counted as stale."""
    q = FrameQueue(8)
    img = np.zeros((2, 2, 3), np.uint8)
    for i in range(5):
        q.put(Frame("cam0", i, i / 10, time.monotonic(), time.time(), img))
    frame = q.get_latest(timeout=0.1)
    assert frame is not None and frame.index == 4
    assert q.stale == 4 and q.qsize() == 0


def test_empty_road_calls_the_detector_on_few_frames(detector_counting: CountingDetector,
                                                     ) -> None:
    """On the empty-road clip the detector runs on at most 10 % of frames."""
    clip = VIDEO / "empty.mp4"
    settings = Settings(cameras=[CameraConfig(source="file", uri=str(clip))])
    report = evaluate_clip(clip, VIDEO / "empty.json", settings, detector_counting,
                           build_recogniser(settings.ocr, settings.inference, ROOT))
    assert report.frames == 60
    assert detector_counting.calls <= 0.10 * report.frames
    assert report.emissions == 0


@pytest.fixture
def detector_counting() -> CountingDetector:
    """The shipped detector behind a call counter."""
    s = Settings(cameras=[CameraConfig(source="file", uri="x.mp4")])
    return CountingDetector(build_detector(s.detector, s.inference, ROOT))


class _NoPlates:
    """A detector that finds nothing (counting calls) and a reader never called."""

    calls = 0

    def detect(self, image: Image) -> list[Detection]:
        """Nothing here."""
        self.calls += 1
        return []

    def read(self, crops: object) -> list[object]:
        """Never reached without detections."""
        raise AssertionError("no crops expected")


def _live_worker(det: _NoPlates, frames: FrameQueue) -> AnalysisWorker:
    settings = Settings(cameras=[CameraConfig(source="rtsp", uri="rtsp://x")],
                        motion=MotionConfig(max_frame_age_s=0.5))
    return AnalysisWorker(settings.cameras[0], settings, frames, det, det,  # type: ignore[arg-type]
                          _Never(), DedupWindow(0.0), queue.Queue(), live=True)


class _Never:
    """A matcher that never matches."""

    def match(self, vehicle: object) -> None:
        """No list."""


def test_stale_live_frames_are_skipped_and_reported_as_dropped() -> None:
    """A live frame older than max_frame_age_s is not analysed; the drop shows in rates."""
    det = _NoPlates()
    frames = FrameQueue(4)
    worker = _live_worker(det, frames)
    img = np.zeros((360, 640, 3), np.uint8)
    worker.rates()
    worker.process(Frame("cam0", 0, 0.0, time.monotonic() - 5.0, time.time(), img))
    worker.process(Frame("cam0", 1, 0.1, time.monotonic(), time.time(), img))
    assert worker.stats.stale == 1 and worker.stats.frames == 1 and det.calls == 1
    rates = worker.rates()
    assert rates.dropped_fps > 0 and rates.analysed_fps > 0


def test_mask_file_limits_the_watched_area(tmp_path: Path) -> None:
    """A mask image (non-zero = watched) hides motion in its black part."""
    mask = np.zeros((36, 64), np.uint8)
    mask[:, :32] = 255
    cv2.imwrite(str(tmp_path / "mask.png"), mask)
    rng = np.random.default_rng(5)
    gate = MotionGate(MotionConfig(hold_s=0.0, mask_file=Path("mask.png")), base=tmp_path)
    for i in range(5):
        gate.update(_road(rng), i / 10)
    assert not gate.update(_with_car(_road(rng), 450), 0.5).moving
    assert gate.update(_with_car(_road(rng), 100), 0.6).moving


def test_unreadable_mask_file_is_a_config_error(tmp_path: Path) -> None:
    """A mask path that is not an image stops the node at start, naming the field."""
    with pytest.raises(ConfigError, match=r"motion\.mask_file"):
        MotionGate(MotionConfig(mask_file=tmp_path / "missing.png"))


def test_roi_points_must_be_frame_fractions() -> None:
    """ROI polygons are validated: at least 3 points, coordinates within 0..1."""
    with pytest.raises(ValidationError):
        MotionConfig(roi=[[(0.0, 0.0), (1.0, 0.0)]])
    with pytest.raises(ValidationError):
        MotionConfig(roi=[[(0.0, 0.0), (640.0, 0.0), (640.0, 360.0)]])
