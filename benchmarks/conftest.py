"""Fixtures for the benchmarks: the shipped models on one thread, generated frames.

Run with ``PYTHONPATH=$PWD .venv/bin/pytest benchmarks/ -p no:cacheprovider`` (not part of
the default test run; a few minutes on 2 cores).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.app import build_detector, build_recogniser
from edge.config import DetectorConfig, InferenceConfig, OcrConfig
from edge.detect import Detector
from edge.ocr import Recogniser
from edge.tuning import apply_opencv_threads

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
