"""The hard cases the later OCR training stages (3 on) add to the varied renderer.

What the readers of stage 1 and 2 got wrong on real plates falls into a few kinds,
each of which the first two stages' data shows too rarely:

- **Digit-heavy text.** Most of the world's plates are groups of letters and
  digits (``AB 123 CD``, ``5ABC123``, ``WA 12345``, ``12-ABC-3``); the generic format
  of ``plates.random_spec`` draws every character from 36, so about 7 in 10 are
  letters, and the reader learns to guess a letter (D, O, I, B, G) for a worn digit.
  ``grouped_spec`` draws alternating letter and digit groups instead.
- **Square plates.** Two-row plates of every format, not only Italian motorcycles.
- **Several occluders.** Up to two separate characters hidden (bolts, tow bars,
  stickers, blanked-out characters in published photographs), the patches sometimes
  nibbling at the neighbours, which stay in the label: the reader must keep reading
  next to a patch instead of dropping what is beside it.
- **Infrared without a filter.** Day cameras whose IR-cut filter has failed show a
  magenta cast.
- **Loose crops.** A detector box with a wide margin of car body around the plate.
- **Cut crops** (stage 4). A box drawn around the characters rather than the plate,
  which may cut into the first or last one; the cut character stays in the label,
  so the reader learns to read a W missing its last stroke as a W, not an N.
- **Marks beside the number** (stage 5): see tools/synth/marks.py.
- **A lone end character** (stage 6). An occluder over the second or the
  second-to-last character leaves the end one standing alone between the patch and
  the plate's edge, where the marks of stage 5 sit; on real crops the reader that has
  learnt to skip marks often skips such a character too. ``occlude_lone`` hides the
  characters that make one or both ends lone (tools/synth/occlusion.py, with the
  other occluders).

Everything takes a ``numpy.random.Generator``; a seed fixes the output exactly.
"""

from __future__ import annotations

import numpy as np

from tools.synth.plates import DIGITS, LETTERS, PlateSpec, pick

MARGINS = ((-0.02, 0.1), (0.0, 0.25), (0.05, 0.45))
"""Detector-box margins (relative to the plate) of the hard mix: tight, loose, very loose."""
MARGIN_P = (0.65, 0.2, 0.15)
CUT_CHAR = (-0.8, 0.3)
"""How far a cut crop's side lies inside the end character, in that character's widths
(negative: outside it, showing some plate)."""
CUT_MARGINS = (0.0, 0.06)
"""The detector-box margins of a cut crop: about the characters, not the plate."""


def grouped_spec(rng: np.random.Generator) -> PlateSpec:
    """Alternating letter and digit groups, 4 to 9 characters, digits at least as common."""
    n_groups = int(rng.integers(2, 4))
    digit = bool(rng.random() < 0.5)
    groups: list[str] = []
    for _ in range(n_groups):
        n = int(rng.integers(1, 5)) if digit else int(rng.integers(1, 4))
        groups.append(pick(rng, DIGITS if digit else LETTERS, n))
        digit = not digit
    while sum(map(len, groups)) < 4:  # too short for a plate: lengthen a digit group
        i = next((k for k, g in enumerate(groups) if g.isdigit()), 0)
        groups[i] += pick(rng, DIGITS if groups[i].isdigit() else LETTERS, 1)
    sep = (" ", "-", "")[int(rng.choice(3, p=(0.5, 0.2, 0.3)))]
    label = "".join(groups)
    yellow = rng.random() < 0.2
    bg = ((int(rng.integers(230, 256)), int(rng.integers(190, 225)), 0) if yellow
          else (int(rng.integers(225, 256)),) * 3)
    band = None if rng.random() < 0.5 else pick(rng, LETTERS, int(rng.integers(1, 3)))
    return PlateSpec([sep.join(groups) if sep else label], label, "xx", band, False, bg,
                     float(rng.uniform(3.6, 5.2)))


def two_rows(rng: np.random.Generator, spec: PlateSpec) -> PlateSpec:
    """The same plate as a square two-row plate, split at the group break nearest the middle
    (unchanged when the text has no break)."""
    text = spec.rows[0]
    breaks = [i for i, ch in enumerate(text) if not ch.isalnum()]
    if len(spec.rows) != 1 or not breaks:
        return spec
    mid = len(text) / 2
    cut = min(breaks, key=lambda i: abs(i - mid))
    top, bottom = text[:cut].strip(" -"), text[cut + 1 :].strip(" -")
    if not top or not bottom:
        return spec
    return PlateSpec([top, bottom], spec.label, spec.country, spec.band_code, False, spec.bg,
                     float(rng.uniform(1.1, 1.6)))


def ir_cast(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """A magenta cast (red and blue up, green down): a day camera without its IR-cut filter."""
    gain = np.array([rng.uniform(1.05, 1.35), rng.uniform(0.6, 0.9), rng.uniform(1.05, 1.35)],
                    np.float32)
    return np.clip(img.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def margins(rng: np.random.Generator) -> tuple[float, float]:
    """A detector-box margin range for one crop of the hard mix (see ``MARGINS``)."""
    return MARGINS[int(rng.choice(len(MARGINS), p=MARGIN_P))]


def text_cut(rng: np.random.Generator, flat: np.ndarray,
             spans: list[tuple[float, float]]) -> np.ndarray:
    """The flat plate cut to its characters: each side from a character width outside the
    end character to 30 % into it (``CUT_CHAR``), top and bottom trimmed by up to 6 %
    (the smallest gap the layouts leave above and below their characters)."""
    h, w = flat.shape[:2]
    (a0, a1), (b0, b1) = spans[0], spans[-1]
    u = rng.uniform(*CUT_CHAR, 2)
    x0 = int(np.clip(round(a0 + u[0] * (a1 - a0)), 0, w - 2))
    x1 = int(np.clip(round(b1 - u[1] * (b1 - b0)), x0 + 2, w))
    top, bottom = (h * rng.uniform(0.0, 0.06, 2)).round().astype(int).tolist()
    return np.ascontiguousarray(flat[top : h - bottom, x0:x1])
