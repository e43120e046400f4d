"""The shipped models against each other in one run: float and int8, and the issue's
full-image figure (detect + OCR of the plates found) on real ``ro_frames`` photographs.

    PYTHONPATH=$PWD .venv/bin/pytest benchmarks/test_models.py -p no:cacheprovider

One onnxruntime thread, as ``anpr-edge eval`` measures; compare rows of one run only.
"""

from __future__ import annotations

import json
from itertools import cycle

import cv2
import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.conftest import ONE_THREAD, ROOT
from benchmarks.scenes import frame
from edge.app import build_detector, build_recogniser
from edge.config import DetectorConfig, OcrConfig
from edge.detect import Detector
from edge.ocr import THREE_VIEWS, Recogniser, crop_plate
from edge.types import Image
from tools.names import DET, DET_INT8, OCR, OCR_INT8

ROUNDS = {"rounds": 60, "iterations": 1, "warmup_rounds": 3}
RO_FRAMES = ROOT.parent / "shared" / "data" / "real" / "ro_frames"


@pytest.fixture(scope="module")
def plate_crops(detector: Detector) -> list[Image]:
    """Sixteen plate crops cut by the detector from a generated 1080p street."""
    img = frame("1080p", 16)
    return [crop_plate(img, d.box, 0.06) for d in detector.detect(img)]


VIEWS = {"one-view": [1.0], "3-views": list(THREE_VIEWS)}
"""Each crop read once (the node default), and in the three test-time views."""


@pytest.mark.parametrize("views", list(VIEWS))
@pytest.mark.parametrize("name", [OCR, OCR_INT8])
def test_ocr_model(benchmark: BenchmarkFixture, name: str, views: str,
                   plate_crops: list[Image]) -> None:
    """One plate read by the float and by the int8 OCR, once and in three views."""
    ocr = build_recogniser(OcrConfig(name=name, zooms=VIEWS[views]), ONE_THREAD, ROOT)
    it = cycle(plate_crops)
    benchmark.pedantic(lambda: ocr.read([next(it)]), **ROUNDS)


@pytest.mark.parametrize("name", [DET, DET_INT8])
def test_detector_model(benchmark: BenchmarkFixture, name: str) -> None:
    """One 720p frame through the float and the int8 detector (letterbox included)."""
    det = build_detector(DetectorConfig(name=name), ONE_THREAD, ROOT)
    img = frame("720p", 4)
    found = benchmark.pedantic(det.detect, args=(img,), **ROUNDS)
    assert len(found) >= 3


@pytest.fixture(scope="module")
def ro_images() -> list[Image]:
    """The ro_frames photographs (RGB), or a skip naming the missing folder."""
    manifest = RO_FRAMES / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip(f"shared real data not present at {manifest}")
    out = []
    for line in manifest.read_text().splitlines():
        if line.strip():
            bgr = cv2.imread(str(RO_FRAMES / json.loads(line)["image"]))
            out.append(np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.uint8))
    return out


@pytest.mark.parametrize("views", list(VIEWS))
@pytest.mark.parametrize("ocr_name", [OCR, OCR_INT8])
def test_full_image_ro_frames(benchmark: BenchmarkFixture, ocr_name: str, views: str,
                              detector: Detector, ro_images: list[Image]) -> None:
    """Issue 3's full-image time: detect, then read every plate found, on real frames."""
    ocr: Recogniser = build_recogniser(OcrConfig(name=ocr_name, zooms=VIEWS[views]),
                                       ONE_THREAD, ROOT)
    it = cycle(ro_images)

    def step() -> None:
        img = next(it)
        ocr.read([crop_plate(img, d.box, 0.06) for d in detector.detect(img)])

    benchmark.pedantic(step, rounds=len(ro_images), iterations=1, warmup_rounds=3)
