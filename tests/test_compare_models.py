"""tools/compare_models: both sides scored alike, rates out of tolerance flagged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import real_set
from tools.compare_models import Row, main, outside, render, rows_of
from tools.names import OCR

MODELS = Path(__file__).resolve().parents[1] / "models"


def test_a_rate_beyond_the_tolerance_is_flagged() -> None:
    """A 1.5-point drop is out of a 1-point tolerance; a 0.5-point rise is not."""
    rows = [Row("es_crops exact", 0.875, 0.89), Row("us_crops exact", 0.77, 0.765)]
    assert [r.metric for r in outside(rows, 1.0)] == ["es_crops exact"]


def test_exactly_one_point_is_within_one_point() -> None:
    """0.91 against 0.90 is one point, not one point plus floating-point dust."""
    assert outside([Row("synthetic cut exact", 0.91, 0.90)], 1.0) == []


def test_per_image_counts_are_shown_but_not_judged_as_points() -> None:
    """A false-positive count that moves by 0.2 per image is not a 20-point rate change."""
    rows = rows_of({"ro recall": 0.9, "ro false positives per image": 0.4},
                   {"ro recall": 0.9, "ro false positives per image": 0.2})
    assert rows[1].per_image and rows[1].delta_points == pytest.approx(0.2)
    assert outside(rows, 1.0) == []


def test_a_delta_is_also_given_in_items_of_the_set() -> None:
    """One plate more of 37 is shown as +1 of 37, next to its 2.7 points."""
    rows = rows_of({"ro recall": 35 / 37}, {"ro recall": 34 / 37}, {"ro recall": 37})
    assert rows[0].items == 1
    assert "| +2.70 | +1 of 37 | **no** |" in render(rows, "new", "old", 1.0)


def test_a_file_compared_with_itself_differs_nowhere(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped reader against itself: exit 0 and every row's delta is +0.00."""
    es = real_set("es_crops")
    code = main(["--ocr", str(MODELS / f"{OCR}.onnx"), str(MODELS / f"{OCR}.onnx"),
                 "--real", str(es.parents[1]), "--n-synthetic", "40", "--limit", "10"])
    table = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| ")][1:]
    assert code == 0
    assert {"synthetic standard exact", "synthetic marks exact", "es_crops exact",
            "us_crops exact"} <= {ln.split(" | ")[0][2:] for ln in table}
    assert all(re.search(r"\| \+0\.00 \| (\+0 of \d+)? \| yes \|$", ln) for ln in table)


def test_a_missing_side_is_named() -> None:
    """A folder without a manifest stops the tool with the missing path in the message."""
    with pytest.raises(SystemExit, match=r"nowhere/manifest\.json"):
        main(["nowhere"])
