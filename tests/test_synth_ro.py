"""Romanian plates in the synthetic engine (tools/synth/plates.ro_spec, Mix.ro)."""

from __future__ import annotations

import re

import numpy as np

from tools.synth.mix import Mix
from tools.synth.plates import RO_COUNTIES, ro_spec

STAGE6 = Mix(hard=True, cut=0.3, marks=0.4, lone=0.25)


def test_romanian_labels_follow_the_county_digits_letters_format() -> None:
    """Every label is a county code, 2 digits (Bucharest: 2 or 3) and 3 letters without Q,
    the first of them neither I nor O."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        spec = ro_spec(rng)
        m = re.fullmatch(r"([A-Z]{1,2})(\d{2,3})([A-Z]{3})", spec.label)
        assert m is not None, spec.label
        county, digits, letters = m.groups()
        assert county == "B" or county in RO_COUNTIES
        assert len(digits) == 2 or county == "B"
        assert "Q" not in letters and letters[0] not in "IO"
        assert spec.band_code == "RO" and spec.rows == [f"{county} {digits} {letters}"]


def test_romanian_labels_keep_the_i_of_their_county_codes() -> None:
    """Some labels begin with IF, IL or IS: the I most formats leave out stays."""
    rng = np.random.default_rng(1)
    labels = [ro_spec(rng).label for _ in range(400)]
    assert any(label[:2] in ("IF", "IL", "IS") for label in labels)


def test_a_zero_romanian_share_draws_what_stage_6_drew(faces: None) -> None:
    """Without Romanian plates the mix takes no extra draw: stage 6's labels are unchanged
    (recorded before Mix.ro existed)."""
    from tools.synth.rich import rich_crop

    labels = [rich_crop(np.random.default_rng(seed), None, STAGE6)[1] for seed in range(8)]
    assert labels == ["530CF", "TY01892", "148MJ", "1218XPB", "W999L", "VN69", "MH93634",
                      "KRS81AA"]


def test_a_romanian_share_of_one_draws_only_romanian_plates(faces: None) -> None:
    """With Mix.ro at 1 every label that keeps its characters is a Romanian plate text."""
    from tools.synth.rich import rich_crop

    whole = 0
    for seed in range(12):
        _, label = rich_crop(np.random.default_rng(seed), None,
                             Mix(hard=True, cut=0.3, marks=0.4, lone=0.25, ro=1.0))
        if re.fullmatch(r"[A-Z]{1,2}\d{2,3}[A-Z]{3}", label):
            whole += 1
            assert label[:2] in RO_COUNTIES or label[0] == "B"
    assert whole >= 4  # the rest lost a character to an occluder or a cut
