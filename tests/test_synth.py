"""The synthetic OCR data engine (tools/synth): seeded, labelled honestly, clear when fonts lack."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tools.synth import fonts
from tools.synth.fonts import FontsMissingError, check_faces


def test_rich_crops_are_reproducible_from_the_seed(faces: None) -> None:
    """Two generators with one seed give byte-identical crops and labels."""
    from tools.synth.rich import rich_crop

    a, b = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(6):
        (ca, la), (cb, lb) = rich_crop(a), rich_crop(b)
        assert la == lb
        assert np.array_equal(ca, cb)


def test_rich_crop_labels_are_plate_texts(faces: None) -> None:
    """Every label is 1-10 characters of A-Z 0-9 and every crop is an RGB image."""
    from tools.synth.rich import rich_crop

    rng = np.random.default_rng(1)
    for _ in range(20):
        crop, label = rich_crop(rng)
        assert crop.ndim == 3 and crop.shape[2] == 3 and crop.dtype == np.uint8
        assert 1 <= len(label) <= 10 and label.isalnum() and label == label.upper()


def test_draw_text_gives_one_span_per_character_in_order(faces: None) -> None:
    """Separators and spaces get no span; spans run left to right inside the mask."""
    from tools.synth.rich import draw_text

    g = draw_text(np.random.default_rng(0), "AB 123-CD", fonts.PLATE_FACES[0], seps="-")
    assert len(g.spans) == 7
    starts = [a for a, _ in g.spans]
    assert starts == sorted(starts)
    assert all(0 <= a < b <= g.mask.shape[1] + 1 for a, b in g.spans)


def test_a_hidden_character_is_dropped_from_the_label(faces: None) -> None:
    """When a patch covers a character's whole column, the label loses that character."""
    from tools.synth.occlusion import occlude

    label = "AB123CD"
    spans = [(10.0 + 20 * i, 24.0 + 20 * i) for i in range(len(label))]
    dropped = 0
    for seed in range(40):
        canvas = np.full((60, 160, 3), 255, np.uint8)
        out = occlude(np.random.default_rng(seed), canvas, spans, label)
        if out == label:
            continue
        dropped += 1
        k = len(label) - len(out)
        assert k in (1, 2)
        i = next(j for j in range(len(out) + 1) if label[:j] + label[j + k:] == out)
        col = canvas[10:50, round((spans[i][0] + spans[i][1]) / 2)]
        assert (col == col[0]).all() and (col[0] != 255).any()
    assert dropped > 5


def test_missing_fonts_name_the_packages(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With no typefaces installed, the error says which Debian packages to install."""
    monkeypatch.setattr(fonts, "FONT_ROOT", tmp_path)
    check_faces.cache_clear()
    try:
        with pytest.raises(FontsMissingError, match=r"apt-get install .*fonts-opendin"):
            check_faces()
    finally:
        check_faces.cache_clear()


def test_detector_photometric_jitter_is_seeded_and_varied() -> None:
    """The detector's light/haze/colour jitter repeats per seed and spans a range of looks."""
    from tools.train_detector import photometric

    crop = np.random.default_rng(0).integers(40, 200, (64, 96, 3), dtype=np.uint8)
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    outs = [photometric(a, crop) for _ in range(30)]
    assert all(np.array_equal(o, photometric(b, crop)) for o in outs)
    assert all(o.shape == crop.shape and o.dtype == np.uint8 for o in outs)
    means = [float(o.mean()) for o in outs]
    assert max(means) - min(means) > 40  # darker and brighter versions, not one look


def test_a_mix_share_outside_zero_to_one_is_refused() -> None:
    """Mix names the field whose share is not between 0 and 1."""
    from tools.synth.mix import Mix

    with pytest.raises(ValueError, match=r"Mix\.lone"):
        Mix(hard=True, lone=1.5)
    with pytest.raises(ValueError, match=r"Mix\.cut"):
        Mix(cut=-0.1)
