"""The two public model contracts, tested with tiny graphs of known output."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.detect import YoloEnd2EndDetector
from edge.errors import ModelError
from edge.inference import ModelSpec, make_session
from edge.ocr import FixedSlotOcr, decode_slots
from tests.onnx_graphs import end2end_detector, fixed_slot_ocr

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"


def _session(path: Path, task: str) -> object:
    return make_session(ModelSpec(path.stem, path, None, task, "x"))


def _slots(text: str, slots: int = 10, p: float = 0.9) -> np.ndarray:
    out = np.full((slots, len(ALPHABET)), (1 - p) / (len(ALPHABET) - 1), np.float32)
    for i, ch in enumerate(text.ljust(slots, "_")):
        out[i, ALPHABET.index(ch)] = p
    return out


def test_detector_maps_letterboxed_boxes_back_to_frame(tmp_path: Path) -> None:
    """Boxes in letterboxed pixels come back in frame pixels (centred letterbox, grey 114)."""
    rows = np.array([[0, 10, 50, 60, 70, 0, 0.9], [0, 0, 0, 5, 5, 0, 0.1]], np.float32)
    det = YoloEnd2EndDetector(_session(end2end_detector(tmp_path / "d.onnx", 320, rows), "d"))
    found = det.detect(np.zeros((480, 640, 3), np.uint8))
    assert len(found) == 1
    b = found[0].box
    assert (b.x1, b.y1, b.x2, b.y2) == pytest.approx((20, 20, 120, 60))
    assert found[0].score == pytest.approx(0.9)


@pytest.mark.parametrize("shape", [(480, 640, 3), (640, 360, 3)])
def test_detector_input_is_the_contract_letterbox(tmp_path: Path,
                                                  shape: tuple[int, int, int]) -> None:
    """The detector's input is RGB / 255, NCHW, resized and centred on grey 114, every frame."""
    rows = np.array([[0, 10, 50, 60, 70, 0, 0.9]], np.float32)
    det = YoloEnd2EndDetector(_session(end2end_detector(tmp_path / "d.onnx", 320, rows), "d"))
    rng = np.random.default_rng(3)
    for _ in range(2):  # the second frame reuses the first one's buffers
        image = rng.integers(0, 256, shape, np.uint8)
        blob = det._letterbox(image)[0]
        h, w = shape[:2]
        r = min(320 / w, 320 / h)
        nw, nh = round(w * r), round(h * r)
        canvas = np.full((320, 320, 3), 114, np.uint8)
        px, py = (320 - nw) // 2, (320 - nh) // 2
        canvas[py:py + nh, px:px + nw] = cv2.resize(image, (nw, nh),
                                                    interpolation=cv2.INTER_LINEAR)
        want = (canvas.astype(np.float32) / np.float32(255.0)).transpose(2, 0, 1)[None]
        assert blob.shape == (1, 3, 320, 320)
        np.testing.assert_allclose(blob, want, rtol=0, atol=1e-7)


def test_detector_suppresses_duplicate_boxes(tmp_path: Path) -> None:
    """Two near-identical boxes from a model without in-graph NMS become one."""
    rows = np.array([[0, 10, 50, 60, 70, 0, 0.9], [0, 11, 50, 61, 70, 0, 0.8]], np.float32)
    det = YoloEnd2EndDetector(_session(end2end_detector(tmp_path / "d.onnx", 320, rows), "d"))
    assert len(det.detect(np.zeros((320, 320, 3), np.uint8))) == 1


def test_detector_rejects_a_model_of_another_contract(tmp_path: Path) -> None:
    """An OCR-shaped model loaded as a detector fails with a clear ModelError."""
    path = fixed_slot_ocr(tmp_path / "o.onnx", 32, 64, 1, _slots("AB1"))
    with pytest.raises(ModelError, match="detector input"):
        YoloEnd2EndDetector(_session(path, "d"))


@pytest.mark.parametrize("channels", [1, 3])
def test_ocr_reads_text_and_strips_padding(tmp_path: Path, channels: int) -> None:
    """Grey and RGB fixed-slot models give the text without pad slots, batched."""
    path = fixed_slot_ocr(tmp_path / "o.onnx", 32, 96, channels, _slots("AB123CD"))
    ocr = FixedSlotOcr(_session(path, "o"), ALPHABET)
    reads = ocr.read([np.zeros((30, 100, 3), np.uint8), np.zeros((12, 50, 3), np.uint8)])
    assert [r.text for r in reads] == ["AB123CD", "AB123CD"]
    assert len(reads[0].char_confidences) == 7
    assert reads[0].confidence == pytest.approx(0.9, abs=1e-5)


def test_ocr_applies_softmax_to_logits(tmp_path: Path) -> None:
    """A model that outputs logits rather than probabilities is normalised."""
    logits = np.log(_slots("XY9")) * 3.0
    path = fixed_slot_ocr(tmp_path / "o.onnx", 32, 96, 1, logits)
    read = FixedSlotOcr(_session(path, "o"), ALPHABET).read([np.zeros((20, 80), np.uint8)])[0]
    assert read.text == "XY9"
    assert 0.9 < read.confidence <= 1.0


def test_top_candidates_follow_the_runner_up_characters() -> None:
    """The second candidate swaps in the most likely alternative character."""
    probs = _slots("AB123CD", p=0.9)
    probs[2, ALPHABET.index("1")] = 0.6
    probs[2, ALPHABET.index("7")] = 0.35
    read = decode_slots(probs, ALPHABET, "_")
    assert read.text == "AB123CD"
    assert [c.text for c in read.candidates][:2] == ["AB123CD", "AB723CD"]
    assert len(read.candidates) == 3
