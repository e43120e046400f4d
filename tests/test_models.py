"""The shipped models: manifest integrity, and accuracy floors on demo and real images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from edge.app import build_detector, build_recogniser
from edge.config import DetectorConfig, InferenceConfig, OcrConfig
from edge.detect import Detector
from edge.inference.manifest import load_model_spec, sha256_of
from edge.ocr import Recogniser, crop_plate
from edge.types import Box, Image

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "models" / "manifest.json"
INF = InferenceConfig(intra_op_threads=2)


@pytest.fixture(scope="module")
def detector() -> Detector:
    """The shipped detector."""
    return build_detector(DetectorConfig(), INF, ROOT)


@pytest.fixture(scope="module")
def recogniser() -> Recogniser:
    """The shipped OCR."""
    return build_recogniser(OcrConfig(), INF, ROOT)


@pytest.fixture(scope="module")
def demo_samples(demo_truth: dict[str, Any]) -> list[tuple[Image, Box, str]]:
    """(frame, box, plate) for every 3rd frame where a plate is fully in view."""
    by_frame: dict[int, list[tuple[Box, str]]] = {}
    for v in demo_truth["vehicles"]:
        for k, (box, inside) in enumerate(zip(v["boxes"], v["inside"], strict=True)):
            if inside:
                by_frame.setdefault(v["first_frame"] + k, []).append(
                    (Box.from_xywh(*box), v["plate"]))
    cap = cv2.VideoCapture(str(ROOT / "demo" / "clip.mp4"))
    out: list[tuple[Image, Box, str]] = []
    i = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i % 3 == 0:
            rgb = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.uint8)
            out += [(rgb, b, p) for b, p in by_frame.get(i, [])]
        i += 1
    return out


def test_manifest_hashes_match_the_files() -> None:
    """Every model in the manifest exists and has the recorded sha256."""
    data = json.loads(MANIFEST.read_text())
    assert set(data["models"]) >= {"plate-det-v4", "plate-ocr-v7"}
    for entry in data["models"].values():
        assert sha256_of(MANIFEST.parent / entry["file"]) == entry["sha256"]
        assert entry["licence"] and entry["training"]["command"]


def test_manifest_names_the_task() -> None:
    """Asking for the OCR as a detector is refused by the manifest."""
    from edge.errors import ModelError

    with pytest.raises(ModelError, match="not a detector"):
        load_model_spec(MANIFEST, "plate-ocr-v7", "detector")


def test_detector_finds_the_demo_plates(detector: Detector,
                                        demo_samples: list[tuple[Image, Box, str]]) -> None:
    """At least 90 % of fully visible demo plates are found at IoU >= 0.4."""
    found = sum(any(d.box.iou(b) >= 0.4 for d in detector.detect(img))
                for img, b, _ in demo_samples)
    assert found / len(demo_samples) >= 0.9


def test_ocr_reads_the_demo_plates(recogniser: Recogniser,
                                   demo_samples: list[tuple[Image, Box, str]]) -> None:
    """At least 85 % of fully visible demo plates are read exactly from their boxes."""
    reads = recogniser.read([crop_plate(img, b, 0.06) for img, b, _ in demo_samples])
    exact = sum(r.text == p for r, (_, _, p) in zip(reads, demo_samples, strict=True))
    assert exact / len(demo_samples) >= 0.85
