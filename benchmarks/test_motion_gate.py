"""Cost of the motion gate against the detector, per 720p frame.

Run with ``.venv/bin/pytest benchmarks/test_motion_gate.py --benchmark-only``; the
gate's cost should be a small fraction of the detector's (compare the means).
"""

from __future__ import annotations

from itertools import count, cycle

from pytest_benchmark.fixture import BenchmarkFixture

from edge.config import MotionConfig
from edge.detect import Detector
from edge.motion import MotionGate
from edge.types import Image


def test_motion_gate_720p_frame(benchmark: BenchmarkFixture, demo_frames: list[Image]) -> None:
    """Motion gate (downscale, difference, mask, region) on a 1280x720 frame."""
    gate = MotionGate(MotionConfig())
    frames = cycle(demo_frames)
    ticks = count()
    benchmark(lambda: gate.update(next(frames), next(ticks) / 10))


def test_detector_720p_frame_for_gate_ratio(benchmark: BenchmarkFixture, detector: Detector,
                                            demo_frames: list[Image]) -> None:
    """The detector on the same frames: the gate's reference cost."""
    frames = cycle(demo_frames)
    benchmark(lambda: detector.detect(next(frames)))
