"""The hard mix of OCR stages 3 on (tools/synth/hard.py): digit-heavy, square, occluded, cut,
lone end characters."""

from __future__ import annotations

import itertools

import numpy as np

from tools.synth.hard import (
    CUT_CHAR,
    grouped_spec,
    ir_cast,
    text_cut,
    two_rows,
)
from tools.synth.mix import Mix
from tools.synth.occlusion import occlude_lone, occlude_many
from tools.synth.plates import random_spec

HARD = Mix(hard=True)


def test_grouped_plates_alternate_letter_and_digit_groups() -> None:
    """Every grouped label is 4-10 characters whose letter/digit runs match its drawn groups."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        spec = grouped_spec(rng)
        assert 4 <= len(spec.label) <= 10 and spec.label.isalnum()
        groups = spec.rows[0].replace("-", " ").split()
        assert "".join(groups) == spec.label
        if len(groups) > 1:
            kinds = [g.isdigit() for g in groups]
            assert all(g.isdigit() or g.isalpha() for g in groups)
            assert all(a != b for a, b in itertools.pairwise(kinds))


def test_grouped_plates_are_at_least_half_digits() -> None:
    """Over many plates, digits make up at least half the characters (the generic format: 28 %)."""
    rng = np.random.default_rng(4)
    labels = "".join(grouped_spec(rng).label for _ in range(500))
    assert sum(c.isdigit() for c in labels) / len(labels) >= 0.5


def test_two_rows_splits_at_a_group_break_and_keeps_the_label() -> None:
    """A one-row plate becomes two rows, top first, with the same label."""
    rng = np.random.default_rng(0)
    spec = random_spec(rng, "es")  # "1234 BCD"
    square = two_rows(rng, spec)
    assert len(square.rows) == 2
    assert square.label == spec.label == "".join(square.rows).replace(" ", "")
    assert square.aspect < 2


def test_two_rows_leaves_a_plate_without_a_break_alone() -> None:
    """Text with no group break stays one row."""
    rng = np.random.default_rng(0)
    spec = random_spec(rng, "es")
    solid = type(spec)([spec.label], spec.label, "es", "E", False, spec.bg, 4.7)
    assert two_rows(rng, solid) is solid


def test_occlude_many_drops_exactly_the_hidden_characters() -> None:
    """The label loses one or two characters, keeps the rest in order, and the patches land."""
    label = "AB123CD"
    spans = [(10.0 + 20 * i, 24.0 + 20 * i) for i in range(len(label))]
    for seed in range(30):
        canvas = np.full((40, 160, 3), 255, np.uint8)
        out = occlude_many(np.random.default_rng(seed), canvas, spans, label)
        assert len(out) in (5, 6)
        it = iter(label)
        assert all(ch in it for ch in out)  # a subsequence of the label
        assert (canvas < 255).any()


def test_occlude_many_spares_short_plates() -> None:
    """Fewer than five characters: nothing is hidden, so a label never shrinks below four."""
    canvas = np.full((40, 100, 3), 255, np.uint8)
    spans = [(10.0 + 20 * i, 24.0 + 20 * i) for i in range(4)]
    assert occlude_many(np.random.default_rng(0), canvas, spans, "AB12") == "AB12"
    assert (canvas == 255).all()


def test_occlude_lone_leaves_an_end_character_alone() -> None:
    """The second or second-to-last character is always hidden, never an end one; the label
    keeps the rest in order and at least four characters."""
    label = "1234BCD"
    spans = [(10.0 + 20 * i, 24.0 + 20 * i) for i in range(len(label))]
    seen = set()
    for seed in range(60):
        canvas = np.full((40, 160, 3), 255, np.uint8)
        out = occlude_lone(np.random.default_rng(seed), canvas, spans, label)
        assert out[0] == "1" and out[-1] == "D" and 4 <= len(out) <= 6
        it = iter(label)
        assert all(ch in it for ch in out)
        assert "2" not in out or "C" not in out
        # The lone end characters' own pixels stay clear of the patches.
        lone = [i for i, hidden in ((0, "2" not in out), (6, "C" not in out)) if hidden]
        for i in lone:
            x0, x1 = spans[i]
            assert (canvas[:, round(x0) + 3 : round(x1) - 3] == 255).all()
        seen.add(out)
    assert {"134BCD", "1234BD", "134BD"} <= seen


def test_occlude_lone_spares_short_plates() -> None:
    """Fewer than five characters: nothing is hidden."""
    canvas = np.full((40, 100, 3), 255, np.uint8)
    spans = [(10.0 + 20 * i, 24.0 + 20 * i) for i in range(4)]
    assert occlude_lone(np.random.default_rng(0), canvas, spans, "AB12") == "AB12"
    assert (canvas == 255).all()


def test_ir_cast_lifts_red_and_blue_over_green() -> None:
    """A grey image turns magenta: red and blue above green."""
    out = ir_cast(np.random.default_rng(0), np.full((4, 4, 3), 120, np.uint8))
    r, g, b = (int(out[..., i].mean()) for i in range(3))
    assert r > g and b > g


def test_hard_crops_are_reproducible_and_labelled(faces: None) -> None:
    """The hard mix gives the same crops for one seed, labels of 1-10 characters A-Z 0-9."""
    from tools.train_ocr import sample

    a, b = np.random.default_rng(9), np.random.default_rng(9)
    for _ in range(12):
        (ca, la), (cb, lb) = sample(a, mix=HARD), sample(b, mix=HARD)
        assert la == lb and np.array_equal(ca, cb)
        assert 1 <= len(la) <= 10 and la.isalnum() and la == la.upper()


def test_text_cut_lies_between_a_character_outside_and_30_percent_into_the_end_ones() -> None:
    """Each side of a cut crop falls within CUT_CHAR of its end character; at most 6 % of
    the height goes at the top and at the bottom."""
    cols = np.tile(np.arange(200, dtype=np.uint8), (50, 1))  # a pixel's value is its column
    flat = np.repeat(cols[..., None], 3, axis=2)
    spans = [(20.0 + 25 * i, 40.0 + 25 * i) for i in range(7)]  # 20 px characters
    (a0, a1), (b0, b1) = spans[0], spans[-1]
    lo, hi = CUT_CHAR
    for seed in range(50):
        out = text_cut(np.random.default_rng(seed), flat, spans)
        left, right = int(out[0, 0, 0]), int(out[0, -1, 0]) + 1
        assert a0 + lo * (a1 - a0) - 1 <= left <= a0 + hi * (a1 - a0) + 1
        assert b1 - hi * (b1 - b0) - 1 <= right <= b1 - lo * (b1 - b0) + 1
        assert out.shape[0] >= 50 - 2 * 3


def test_cut_crops_keep_the_label_of_the_uncut_draw(faces: None) -> None:
    """Cutting happens after the label is fixed: the same seed gives the same label, cut
    or not, and a different crop when cut."""
    from tools.synth.rich import rich_crop

    changed = 0
    for seed in range(12):
        whole, label = rich_crop(np.random.default_rng(seed), "es", HARD)
        cut, cut_label = rich_crop(np.random.default_rng(seed), "es",
                                   Mix(hard=True, cut=1.0))
        assert cut_label == label
        changed += cut.shape != whole.shape
    assert changed >= 9  # two-row plates are never cut


def test_a_lone_share_of_one_shortens_every_one_row_label(faces: None) -> None:
    """With every plate lone, the one-row labels lose a character; two-row plates keep all."""
    from tools.synth.rich import rich_crop

    shorter = 0
    for seed in range(12):
        lone = rich_crop(np.random.default_rng(seed), "es",
                         Mix(hard=True, cut=0.3, marks=0.4, lone=1.0))
        shorter += len(lone[1]) < 7
    assert shorter >= 8
