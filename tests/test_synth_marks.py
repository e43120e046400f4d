"""Marks beside the plate number (tools/synth/marks.py, OCR stage 5): never part of the label."""

from __future__ import annotations

import numpy as np

from tools.synth.marks import Box, Colour, band_text, mark, stickers
from tools.synth.mix import Mix
from tools.synth.plates import random_spec


def _record(boxes: list[Box]):  # -> Paint
    def paint(text: str, box: Box, colour: Colour) -> None:
        boxes.append(box)
    return paint


def test_band_text_stays_in_the_band() -> None:
    """A French or Italian band's logo, number, year and code are drawn inside the band."""
    for country in ("fr", "it"):
        for seed in range(20):
            canvas = np.zeros((110, 500, 3), np.uint8)
            boxes: list[Box] = []
            band_text(np.random.default_rng(seed), canvas, 440, 60, 110, country,
                      _record(boxes))
            assert boxes and all(x >= 440 and x + w <= 500 and y >= 0 and y + h <= 110
                                 for x, y, w, h in boxes)
            assert not canvas[:, :440].any()


def test_stickers_fill_the_gap_and_nothing_else() -> None:
    """German stickers lie between the two groups; a gap too narrow for them stays empty."""
    canvas = np.zeros((100, 300, 3), np.uint8)
    stickers(np.random.default_rng(1), canvas, 100.0, 140.0, 20, 60)
    cols = np.nonzero(canvas.any(axis=(0, 2)))[0]
    assert len(cols) and cols.min() >= 100 and cols.max() <= 140
    narrow = np.zeros((100, 300, 3), np.uint8)
    stickers(np.random.default_rng(1), narrow, 100.0, 102.0, 20, 60)
    assert not narrow.any()


def test_a_mark_stays_in_its_box() -> None:
    """Seals and pictograms paint only their box (give or take 2 px of anti-aliased edge
    and stroke); stacked characters are painted into it."""
    for seed in range(40):
        canvas = np.zeros((110, 240, 3), np.uint8)
        boxes: list[Box] = []
        mark(np.random.default_rng(seed), canvas, (20, 30, 30, 50), (10, 10, 10), (200, 0, 0),
             _record(boxes))
        ys, xs = np.nonzero(canvas.any(axis=2))
        assert (len(xs) == 0 or (xs.min() >= 18 and xs.max() <= 52 and ys.min() >= 28
                                 and ys.max() <= 82))
        assert all(x >= 20 and x + w <= 50 and y >= 30 and y + h <= 80 for x, y, w, h in boxes)
        assert boxes or len(xs)


def test_marked_layouts_have_one_span_per_label_character(faces: None) -> None:
    """Marks add no character spans: occluders and cuts still find the label's characters."""
    from tools.synth.rich import _eu_plate, _plain_plate, _us_plate, _with_marks, respell

    rng = np.random.default_rng(2)
    for fmt in ("de", "fr", "it", "es", "generic"):
        for _ in range(6):
            spec = _with_marks(respell(rng, random_spec(rng, fmt)))
            for draw in (lambda s: _eu_plate(rng, s, 110), lambda s: _us_plate(rng, s),
                         lambda s: _plain_plate(rng, s)):
                _, spans = draw(spec)
                assert len(spans) == len(spec.label), (fmt, spec.rows)


def test_german_marks_widen_the_first_gap_only(faces: None) -> None:
    """A marked German plate keeps its label; its first gap doubles to hold the stickers."""
    from tools.synth.rich import _with_marks

    spec = random_spec(np.random.default_rng(5), "de")
    marked = _with_marks(spec)
    assert marked.marks and marked.label == spec.label
    assert marked.rows[0] == spec.rows[0].replace(" ", "  ", 1)


def test_marked_crops_are_reproducible(faces: None) -> None:
    """The same seed gives the same marked crop and label."""
    from tools.synth.rich import rich_crop

    for seed in range(8):
        a = rich_crop(np.random.default_rng(seed), "fr", Mix(hard=True, marks=1.0))
        b = rich_crop(np.random.default_rng(seed), "fr", Mix(hard=True, marks=1.0))
        assert a[1] == b[1] and np.array_equal(a[0], b[0])
