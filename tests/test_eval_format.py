"""The evaluation manifest reader and scoring rules (no models involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.errors import EvalError
from edge.evaluate import char_accuracy, read_manifest, text_matches


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
