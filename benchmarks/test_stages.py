"""Each stage alone on one core: decode, letterbox, detect, OCR (per plate and batched).

Parametrised over 720p / 1080p / 4K and 0 / 1 / 4 / 16 plates so the growth of
cost with frame size and plate count shows in the table.
"""

from __future__ import annotations

from itertools import cycle
from pathlib import Path

import cv2
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks.scenes import PLATE_COUNTS, SIZES, clip, frame
from edge.detect import Detector, YoloEnd2EndDetector
from edge.ocr import Recogniser, crop_plate
from edge.tuning import decode_threads

ROUNDS = {"rounds": 30, "iterations": 1, "warmup_rounds": 2}


@pytest.mark.parametrize("size", list(SIZES))
def test_decode(benchmark: BenchmarkFixture, size: str, tmp_path: Path) -> None:
    """Decoding one mp4v frame and converting it to RGB (the capture thread's work)."""
    path = clip(size, tmp_path / "clip.mp4")
    cap = cv2.VideoCapture(str(path), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, decode_threads()])

    def step() -> None:
        ok, bgr = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = cap.read()
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    benchmark.pedantic(step, rounds=24, iterations=1, warmup_rounds=1)
    cap.release()


@pytest.mark.parametrize("size", list(SIZES))
def test_letterbox(benchmark: BenchmarkFixture, size: str, detector: Detector) -> None:
    """Resize and preprocessing into the detector's input (one pass)."""
    assert isinstance(detector, YoloEnd2EndDetector)
    img = frame(size, 4)
    benchmark.pedantic(detector._letterbox, args=(img,), **ROUNDS)


@pytest.mark.parametrize("size", list(SIZES))
def test_detect(benchmark: BenchmarkFixture, size: str, detector: Detector) -> None:
    """Detection of a frame with 4 plates, preprocessing and box mapping included."""
    img = frame(size, 4)
    found = benchmark.pedantic(detector.detect, args=(img,), **ROUNDS)
    assert len(found) == 4


def test_detect_model_only(benchmark: BenchmarkFixture, detector: Detector) -> None:
    """The detector's session.run alone, on a prepared input: the floor of test_detect."""
    assert isinstance(detector, YoloEnd2EndDetector)
    blob = detector._letterbox(frame("1080p", 4))[0].copy()
    benchmark.pedantic(detector.session.run, args=(None, {detector.input_name: blob}),
                       **ROUNDS)


def _crops(detector: Detector, n: int) -> list:  # type: ignore[type-arg]
    img = frame("1080p", 16)
    return [crop_plate(img, d.box, 0.06) for d in detector.detect(img)][:n]


def test_ocr_one_plate(benchmark: BenchmarkFixture, detector: Detector,
                       recogniser: Recogniser) -> None:
    """OCR of one plate crop (preparation, model, decoding)."""
    it = cycle(_crops(detector, 16))
    benchmark.pedantic(lambda: recogniser.read([next(it)]), **ROUNDS)


@pytest.mark.parametrize("plates", [p for p in PLATE_COUNTS if p])
def test_ocr_batched(benchmark: BenchmarkFixture, plates: int, detector: Detector,
                     recogniser: Recogniser) -> None:
    """OCR of all plates of a frame in one session run."""
    crops = _crops(detector, plates)
    reads = benchmark.pedantic(recogniser.read, args=(crops,), **ROUNDS)
    assert len(reads) == len(crops)


@pytest.mark.parametrize("plates", [p for p in PLATE_COUNTS if p])
def test_ocr_one_by_one(benchmark: BenchmarkFixture, plates: int, detector: Detector,
                        recogniser: Recogniser) -> None:
    """The same plates read one session run each: what batching saves."""
    crops = _crops(detector, plates)
    benchmark.pedantic(lambda: [recogniser.read([c]) for c in crops], **ROUNDS)
