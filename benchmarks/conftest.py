"""Fixtures for the benchmarks: the shipped models on one thread, generated frames.

Run with ``PYTHONPATH=$PWD .venv/bin/pytest benchmarks/ -p no:cacheprovider`` (not part of
the default test run; a few minutes on 2 cores).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.app import build_detector, build_recogniser
from edge.config import DetectorConfig, InferenceConfig, OcrConfig
from edge.detect import Detector
from edge.ocr import Recogniser
from edge.tuning import apply_opencv_threads
from edge.types import Image

ROOT = Path(__file__).resolve().parent.parent
ONE_THREAD = InferenceConfig(intra_op_threads=1)


@pytest.fixture(scope="session", autouse=True)
def board_threads() -> None:
    """The node's thread plan (OpenCV serial on small boards), as in production."""
    apply_opencv_threads()


@pytest.fixture(scope="session")
def detector() -> Detector:
    """The shipped detector, single-threaded."""
    return build_detector(DetectorConfig(), ONE_THREAD, ROOT)


@pytest.fixture(scope="session")
def recogniser() -> Recogniser:
    """The shipped OCR, single-threaded."""
    return build_recogniser(OcrConfig(), ONE_THREAD, ROOT)


@pytest.fixture(scope="session")
def demo_frames() -> list[Image]:
    """Frames of the demo clip in which the ground truth has at least one plate (RGB)."""
    truth = json.loads((ROOT / "demo" / "truth.json").read_text())
    busy = {f for v in truth["vehicles"] for f in range(v["first_frame"], v["last_frame"] + 1)}
    cap = cv2.VideoCapture(str(ROOT / "demo" / "clip.mp4"))
    frames: list[Image] = []
    i = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i in busy:
            frames.append(np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.uint8))
        i += 1
    cap.release()
    return frames
