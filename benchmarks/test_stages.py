"""Per-stage cost on one core: detection per 720p frame, OCR per plate, both together.

Run with ``.venv/bin/pytest benchmarks/ --benchmark-only`` (not part of the default run).
"""

from __future__ import annotations

from itertools import cycle

from pytest_benchmark.fixture import BenchmarkFixture

from edge.detect import Detector
from edge.ocr import Recogniser, crop_plate
from edge.types import Image


def test_detect_720p_frame(benchmark: BenchmarkFixture, detector: Detector,
                           demo_frames: list[Image]) -> None:
    """Detector on a 1280x720 frame with plates."""
    frames = cycle(demo_frames)
    benchmark(lambda: detector.detect(next(frames)))


def test_ocr_one_plate(benchmark: BenchmarkFixture, detector: Detector,
                       recogniser: Recogniser, demo_frames: list[Image]) -> None:
    """OCR of one detected plate crop."""
    crops = [crop_plate(f, d.box, 0.06) for f in demo_frames[:40] for d in detector.detect(f)]
    assert crops
    it = cycle(crops)
    benchmark(lambda: recogniser.read([next(it)]))


def test_detect_and_read_720p_frame(benchmark: BenchmarkFixture, detector: Detector,
                                    recogniser: Recogniser, demo_frames: list[Image]) -> None:
    """Full-image cost: detection plus batched OCR of every plate found."""
    frames = cycle(demo_frames)

    def step() -> int:
        f = next(frames)
        dets = detector.detect(f)
        return len(recogniser.read([crop_plate(f, d.box, 0.06) for d in dets]))

    benchmark(step)
