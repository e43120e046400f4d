"""Privacy masks drawn on the finished crop (tools/synth/redact.py, OCR stage 7)."""

from __future__ import annotations

import numpy as np

from tools.synth.mix import Mix
from tools.synth.plates import frame_crop, frame_crop_mapped
from tools.synth.redact import redact

SPANS = [(20.0 + 25 * i, 40.0 + 25 * i) for i in range(7)]  # 20 px characters, 5 px gaps
IDENTITY = np.eye(3)


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def test_frame_crop_mapped_draws_the_same_crop_as_frame_crop() -> None:
    """The mapped variant makes the same draws and returns the same crop."""
    flat = np.full((100, 400, 3), 230, np.uint8)
    for seed in range(5):
        plain = frame_crop(np.random.default_rng(seed), flat, 120.0, 20.0, (-0.02, 0.1))
        mapped, _ = frame_crop_mapped(np.random.default_rng(seed), flat, 120.0, 20.0,
                                      (-0.02, 0.1))
        assert np.array_equal(plain, mapped)


def test_the_homography_takes_a_flat_plate_mark_to_its_place_in_the_crop() -> None:
    """A black square on a white plate lands, through the returned homography, on dark
    pixels of the crop, and a white point on light ones."""
    import cv2

    flat = np.full((100, 400, 3), 255, np.uint8)
    flat[20:80, 170:230] = 0
    for seed in range(8):
        crop, to_crop = frame_crop_mapped(np.random.default_rng(seed), flat, 240.0, 40.0,
                                          (0.05, 0.1))
        grey = crop.mean(axis=2)
        (dx, dy), (wx, wy) = cv2.perspectiveTransform(
            np.array([[[200, 50], [60, 50]]], np.float32), to_crop)[0]
        dark, light = grey[round(dy), round(dx)], grey[round(wy), round(wx)]
        assert dark < light - 60, (seed, dark, light)


def test_redact_hides_characters_under_flat_grey_boxes() -> None:
    """The hidden characters leave the label and their columns turn flat grey; the
    visible characters' columns keep their pixels."""
    crop = np.full((60, 200, 3), 255, np.uint8)
    for seed in range(20):
        out, label = redact(np.random.default_rng(seed), crop, SPANS, 60, IDENTITY, "1234BCD")
        assert 5 <= len(label) < 7 and _is_subsequence(label, "1234BCD")
        hidden = [i for i in range(7) if "1234BCD"[i] not in label]
        for i, (x0, x1) in enumerate(SPANS):
            centre = out[30, round((x0 + x1) / 2)]
            if i in hidden:
                assert 100 <= int(centre.mean()) <= 190 and np.ptp(centre) <= 6
            elif not any(abs(i - j) == 1 for j in hidden):  # a box may nibble a neighbour
                assert int(centre.min()) >= 240


def test_redact_keeps_four_characters_and_spares_mismatched_labels() -> None:
    """Short plates and labels that no longer match their spans come back untouched."""
    crop = np.full((60, 200, 3), 255, np.uint8)
    rng = np.random.default_rng(0)
    for label, spans in (("AB12", SPANS[:4]), ("1234BC", SPANS)):
        out, same = redact(rng, crop, spans, 60, IDENTITY, label)
        assert same == label and out is crop


def test_a_redact_share_of_one_masks_the_plates_that_keep_their_characters(faces: None) -> None:
    """Over the same draws, masked labels are the plain ones less one or two characters,
    on most of the one-row plates; plates already occluded or cut keep their label."""
    from tools.synth.rich import rich_crop

    stage6 = Mix(hard=True, cut=0.3, marks=0.4, lone=0.25)
    masked = Mix(hard=True, cut=0.3, marks=0.4, lone=0.25, redact=1.0)
    shorter = 0
    for seed in range(16):
        _, plain = rich_crop(np.random.default_rng(seed), "es", stage6)
        _, label = rich_crop(np.random.default_rng(seed), "es", masked)
        assert _is_subsequence(label, plain) and len(plain) - len(label) <= 2
        shorter += len(label) < len(plain)
    assert shorter >= 4
