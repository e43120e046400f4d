"""End to end per frame: detect, crop, batched OCR, tracking and matching, on one core.

The analysis thread's whole work for one frame (``AnalysisWorker.process``), on
720p / 1080p / 4K frames with 0 / 1 / 4 / 16 plates, against a 100k-entry list.
"""

from __future__ import annotations

import itertools
import queue
import time

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.scenes import PLATE_COUNTS, SIZES, frame
from edge.benchclip import random_plates
from edge.capture import FrameQueue
from edge.config import CameraConfig, MotionConfig, Settings
from edge.detect import Detector
from edge.match import DedupWindow, PlainListMatcher
from edge.ocr import Recogniser
from edge.pipeline import AnalysisWorker
from edge.types import Frame, Hit


@pytest.fixture(scope="module")
def big_list() -> PlainListMatcher:
    """100,000 seeded plates."""
    return PlainListMatcher("bench", 1, "stolen",
                            {p: f"R{i}" for i, p in enumerate(random_plates(100_000))})


@pytest.mark.parametrize("plates", PLATE_COUNTS)
@pytest.mark.parametrize("size", list(SIZES))
def test_analyse_frame(benchmark: BenchmarkFixture, size: str, plates: int,
                       detector: Detector, recogniser: Recogniser,
                       big_list: PlainListMatcher) -> None:
    """One frame through the analysis stages (the plates stay put: tracks grow)."""
    cam = CameraConfig(id="bench", source="file", uri="none")
    # A still frame would be gated after the first: measure the analysis itself.
    settings = Settings(cameras=[cam], motion=MotionConfig(enabled=False))
    events: queue.Queue[Hit | None] = queue.Queue()
    worker = AnalysisWorker(cam, settings, FrameQueue(4), detector, recogniser, big_list,
                            DedupWindow(300.0), events)
    img = frame(size, plates)
    counter = itertools.count()

    def step() -> None:
        i = next(counter)
        worker.process(Frame("bench", i, i / 25, time.monotonic(), time.time(), img))

    benchmark.pedantic(step, rounds=20, iterations=1, warmup_rounds=2)
    assert worker.stats.frames == 22
