"""Sign-like negatives for the detector (tools/synth/signs.py): seeded, and never on a plate."""

from __future__ import annotations

import numpy as np


def test_signs_leave_the_scene_s_plates_where_they_were(faces: None) -> None:
    """A scene drawn with signs has the same plates, labels and boxes as without them."""
    from tools.synth.scenes import scene

    for i in range(4):
        _, plain = scene(np.random.default_rng([3, i]))
        _, signed = scene(np.random.default_rng([3, i]), signs=np.random.default_rng([3, i, 1]))
        assert [(p.label, p.box) for p in plain] == [(p.label, p.box) for p in signed]


def test_signs_never_paint_over_a_plate(faces: None) -> None:
    """Every pixel inside a plate's box is untouched, halos included."""
    from tools.synth.signs import add_signs

    plates = [(100.0, 300.0, 200.0, 50.0), (700.0, 500.0, 120.0, 30.0), (900.0, 100.0, 80.0, 20.0)]
    drew = 0
    for seed in range(40):
        img = np.random.default_rng(seed).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
        before = img.copy()
        drew += len(add_signs(np.random.default_rng([seed, 1]), img, plates, n_max=4))
        for x, y, w, h in plates:
            sl = np.s_[int(y) : int(y + h), int(x) : int(x + w)]
            assert np.array_equal(img[sl], before[sl])
    assert drew > 40  # the signs were drawn, not skipped


def test_signs_are_reproducible_from_the_seed(faces: None) -> None:
    """One seed gives byte-identical signs."""
    from tools.synth.signs import add_signs

    drew = False
    for seed in range(5):
        out = []
        for _ in range(2):
            img = np.full((720, 1280, 3), 90, np.uint8)
            add_signs(np.random.default_rng(seed), img, [], n_max=4)
            out.append(img)
        assert np.array_equal(out[0], out[1])
        drew = drew or bool((out[0] != 90).any())
    assert drew
