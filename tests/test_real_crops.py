"""The real training crops of the reader: which plates, and how they are cut."""

from __future__ import annotations

import numpy as np

from tests.conftest import real_set
from tools.real_crops import labelled_plates, real_crops
from tools.train_detector import is_holdout


def test_reader_trains_only_on_plates_of_the_detectors_training_frames() -> None:
    """Training plates come from the training frames; the held-out videos' plates stay out."""
    ro = real_set("ro_frames").parent
    train, held = labelled_plates(ro, "train"), labelled_plates(ro, "holdout")
    assert (len(train), len(held)) == (86, 34)
    assert not any(is_holdout(str(path)) for path, _, _ in train)
    assert all(is_holdout(str(path)) for path, _, _ in held)


def test_real_crops_are_the_same_for_the_same_seed_and_differ_across_seeds() -> None:
    """Cuts are deterministic per seed, with fresh margins for another seed."""
    ro = real_set("ro_frames").parent
    x1, y1 = real_crops(ro, 90, seed=1)
    x2, y2 = real_crops(ro, 90, seed=1)
    x3, _ = real_crops(ro, 90, seed=2)
    assert x1.shape == (90, 48, 160, 1) and x1.dtype == np.uint8
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    assert np.array_equal(y1[:4], y1[86:90])  # the plates are cut in turn
