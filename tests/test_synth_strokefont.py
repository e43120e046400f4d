"""The condensed stroke face (tools/synth/strokefont.py): every character, its spans, its seed."""

from __future__ import annotations

import itertools
import string

import numpy as np

from tools.synth import strokefont


def test_every_plate_character_has_a_glyph() -> None:
    """The face draws all of A-Z and 0-9, the OCR's alphabet."""
    assert set(string.ascii_uppercase + string.digits) == strokefont.CHARS


def test_each_character_gets_one_span_over_its_own_ink() -> None:
    """One span per character, left to right, and ink inside every span."""
    text = "0D8B 6G-4A WM1I"
    mask, spans = strokefont.draw(np.random.default_rng(1), text, 72, seps=" -\u00b7")
    assert len(spans) == sum(c.isalnum() for c in text)
    assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(spans))
    for a, b in spans:
        assert mask[:, int(a) : max(int(a) + 1, int(b))].max() > 0.5


def test_zero_is_narrower_than_tall_and_d_differs_from_it() -> None:
    """A 0 is drawn condensed (at most 0.62 of its height wide), and a D is not a 0."""
    rng = np.random.default_rng(7)
    for _ in range(10):
        zero, _ = strokefont.draw(rng, "0", 72)
        assert zero.shape[1] <= 0.62 * zero.shape[0]
    for seed in range(5):  # the 0's top-left is round, the D's a square corner
        zero, _ = strokefont.draw(np.random.default_rng(seed), "0", 72)
        dee, _ = strokefont.draw(np.random.default_rng(seed), "D", 72)
        assert zero[:4, :4].max() < 0.5 < dee[:4, :4].max()


def test_one_seed_draws_the_same_text() -> None:
    """The same seed gives the same mask and spans, another seed another drawing."""
    a = strokefont.draw(np.random.default_rng(5), "AB 123", 72)
    b = strokefont.draw(np.random.default_rng(5), "AB 123", 72)
    c = strokefont.draw(np.random.default_rng(6), "AB 123", 72)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]
    assert a[0].shape != c[0].shape or not np.array_equal(a[0], c[0])
