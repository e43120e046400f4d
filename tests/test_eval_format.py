"""The evaluation manifest reader and scoring rules (no models involved)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.errors import EvalError
from edge.evaluate import ReadGate, char_accuracy, evaluate, read_manifest, text_matches
from edge.types import Box, Candidate, Detection, Image, PlateRead


def _read(text: str, confidence: float) -> PlateRead:
    return PlateRead(text, confidence, (confidence,) * len(text), (Candidate(text, confidence),))


class _TwoBoxes:
    """A detector that finds the plate and one bright patch that is not a plate."""

    def detect(self, image: Image) -> list[Detection]:
        return [Detection(Box(10, 10, 60, 30), 0.9), Detection(Box(100, 60, 130, 90), 0.8)]


class _ByBrightness:
    """Reads a plate on a white crop and two characters (a speed-limit disc) on a grey one."""

    def read(self, crops: Sequence[Image]) -> list[PlateRead]:
        return [_read("AB123CD", 0.9) if float(c.mean()) > 200 else _read("80", 0.9)
                for c in crops]


def test_manifest_with_single_and_multiple_plates(tmp_path: Path) -> None:
    """Both the single 'box' form and the 'plates' list form are read."""
    m = tmp_path / "manifest.jsonl"
    m.write_text(
        '{"image": "a.jpg", "plate": "ab-12", "box": [1, 2, 3, 4], "width": 9, "height": 9}\n'
        '\n'
        '{"image": "b.jpg", "plate": null, "box": null, "plates": [{"plate": null, "box": '
        '[0, 0, 5, 5]}, {"plate": "X1", "box": [5, 5, 5, 5]}]}\n'
        '{"image": "c.jpg", "plate": null, "box": null}\n')
    items = list(read_manifest(m))
    assert [len(i.plates) for i in items] == [1, 2, 0]
    assert items[0].plates[0].text == "AB12"
    assert items[0].plates[0].box.x2 == 4
    assert items[1].plates[0].text is None
    assert items[0].path == tmp_path / "a.jpg"


def test_malformed_line_is_named(tmp_path: Path) -> None:
    """A broken line raises EvalError naming the file and line number."""
    m = tmp_path / "manifest.jsonl"
    m.write_text('{"image": "a.jpg", "box": null}\n{"box": [1,2,3,4]}\n')
    with pytest.raises(EvalError, match=r"manifest\.jsonl:2"):
        list(read_manifest(m))


def test_wildcard_matches_one_character_or_none() -> None:
    """Masked characters ('?') are not scored: read or skipped, the visible ones decide."""
    assert text_matches("597?LK?", "5971LKX", "?")
    assert text_matches("597?LK?", "597LK", "?")
    assert text_matches("597?LK?", "5971LK", "?")
    assert not text_matches("597?LK?", "5981LKX", "?")
    assert not text_matches("597?LK?", "597LKXY", "?")
    assert not text_matches("AB12", "AB123", None)


def test_character_accuracy_is_one_minus_normalised_edit_distance() -> None:
    """One substitution in seven characters scores 6/7; garbage floors at 0."""
    assert char_accuracy("AB123CD", "AB128CD", None) == pytest.approx(6 / 7)
    assert char_accuracy("AB", "XXXXXXXX", None) == 0.0
    assert char_accuracy("A?C", "AZC", "?") == 1.0
    assert char_accuracy("A?C", "AC", "?") == 1.0
    assert char_accuracy("A?C?", "AX", "?") == pytest.approx(1 / 2)


def test_read_gate_applies_both_node_thresholds() -> None:
    """A read passes the gate only with enough confidence and enough characters."""
    gate = ReadGate(min_confidence=0.5, min_chars=4)
    assert gate.passes(_read("AB123CD", 0.5))
    assert not gate.passes(_read("AB123CD", 0.49))
    assert not gate.passes(_read("801", 0.99))


def test_boxes_failing_the_read_gate_are_not_reported(tmp_path: Path) -> None:
    """A box the node would drop for its read counts as a raw false positive only."""
    image = np.full((120, 160, 3), 120, np.uint8)
    image[10:30, 10:60] = 255
    cv2.imwrite(str(tmp_path / "a.png"), image)
    m = tmp_path / "manifest.jsonl"
    m.write_text('{"image": "a.png", "plate": "AB123CD", "box": [10, 10, 50, 20]}\n')
    report = evaluate(m, _TwoBoxes(), _ByBrightness(), margin=0.0,
                      gate=ReadGate(min_confidence=0.5, min_chars=4))
    assert (report.detection_recall, report.false_positives_per_image) == (1.0, 1.0)
    assert (report.reported_recall, report.reported_false_positives_per_image) == (1.0, 0.0)
    assert report.read_gate == "confidence >= 0.5, >= 4 characters"
    ungated = evaluate(m, _TwoBoxes(), _ByBrightness(), margin=0.0)
    assert ungated.reported_false_positives_per_image == 1.0


def test_detection_on_an_ignore_region_is_neither_hit_nor_false_positive(
        tmp_path: Path) -> None:
    """A box on an unlabelled plate's ignore region is set aside; one elsewhere still counts."""
    image = np.full((120, 160, 3), 120, np.uint8)
    image[10:30, 10:60] = 255
    cv2.imwrite(str(tmp_path / "a.png"), image)
    m = tmp_path / "manifest.jsonl"
    m.write_text('{"image": "a.png", "plate": "AB123CD", "box": [10, 10, 50, 20], '
                 '"ignore": [[100, 60, 30, 30]]}\n'
                 '{"image": "a.png", "plate": "AB123CD", "box": [10, 10, 50, 20], '
                 '"ignore": [[0, 80, 30, 30]]}\n')
    report = evaluate(m, _TwoBoxes(), _ByBrightness(), margin=0.0)
    assert report.detection_recall == 1.0
    assert (report.false_positives_per_image, report.ignored_detections) == (0.5, 1)
    assert report.reported_false_positives_per_image == 0.5
