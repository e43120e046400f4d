"""The misread alignment and counts of tools/ocr_errors.py (no models involved)."""

from __future__ import annotations

import numpy as np

from edge.evaluate import _distance
from tools.ocr_errors import Edit, ErrorCount, align, report


def test_wrong_last_character() -> None:
    """A W read as N at the end is one wrong character at the last place."""
    assert align("1234BCW", "1234BCN") == [Edit("wrong", "W", "N", "last")]


def test_dropped_first_character() -> None:
    """A read missing its first character is one drop at the first place."""
    assert align("AB123CD", "B123CD") == [Edit("dropped", "A", "", "first")]


def test_extra_character_inside() -> None:
    """A character read twice inside the plate is one extra at an inner place."""
    assert align("AB123", "AB1123") == [Edit("extra", "", "1", "inner")]


def test_masked_characters_cost_nothing() -> None:
    """A wildcard matched by any character or by none is not an edit."""
    assert align("12?4BC?", "124BC", "?") == []
    assert align("12?4BC?", "1294BCX", "?") == []


def test_edit_count_is_the_evaluation_distance() -> None:
    """On random strings the edits number exactly the evaluation's edit distance."""
    rng = np.random.default_rng(5)
    chars = "AB01?"
    for _ in range(400):
        truth = "".join(rng.choice(list(chars), int(rng.integers(0, 8))))
        read = "".join(rng.choice(list(chars[:-1]), int(rng.integers(0, 8))))
        assert len(align(truth, read, "?")) == _distance(truth, read, "?"), (truth, read)


def test_counts_and_report() -> None:
    """Counts split misreads by kind and place and list the confused pairs."""
    count = ErrorCount()
    count.add(align("1234BCW", "1234BCN"))
    count.add(align("1234BCW", "1234BCW"))
    count.add(align("AB123CD", "B123CO"))
    assert (count.plates, count.misreads, count.single_edit) == (3, 2, 1)
    assert count.by_kind["wrong", "last"] == 2
    assert count.dropped["A"] == 1
    text = report(count)
    assert "misreads 2" in text and "W->N: 1" in text and "D->O: 1" in text
