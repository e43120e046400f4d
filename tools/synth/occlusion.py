"""Occluders over a plate's characters: what a reader must not read, and must read beside.

A character hidden completely is dropped from the label, because no reader can know
it; a partly hidden one stays. ``occlude`` is the varied renderer's single occluder
(all stages); ``occlude_many`` hides up to two separate characters (the hard mix,
stages 3 on); ``occlude_lone`` hides the second or second-to-last character so that an
end one stands alone beside the patch (stage 6 on).

Everything takes a ``numpy.random.Generator``; a seed fixes the output exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def occlude(rng: np.random.Generator, canvas: np.ndarray, spans: list[tuple[float, float]],
            label: str) -> str:
    """Hide one or two characters under a flat patch; returns the label without them.

    Partial occluders (a bar over the lower or upper part) keep the label: the
    character can still be read.
    """
    n = len(spans)
    if n < 3 or n != len(label):
        return label
    h = canvas.shape[0]
    i = int(rng.integers(n))
    k = 2 if rng.random() < 0.3 and i + 1 < n else 1
    x0, x1 = spans[i][0], spans[i + k - 1][1]
    pad = (x1 - x0) * float(rng.uniform(0.0, 0.15))
    grey = int(rng.integers(70, 210))
    colour = (grey,) * 3 if rng.random() < 0.7 else tuple(int(c) for c in rng.integers(0, 256, 3))
    if rng.random() < 0.75:  # full-height patch: the characters are gone
        y0, y1 = round(h * rng.uniform(0.0, 0.15)), round(h * rng.uniform(0.85, 1.0))
        cv2.rectangle(canvas, (round(x0 - pad), y0), (round(x1 + pad), y1), colour, -1)
        return label[:i] + label[i + k :]
    frac = float(rng.uniform(0.15, 0.35))
    y0, y1 = (0, round(h * frac)) if rng.random() < 0.5 else (round(h * (1 - frac)), h)
    cv2.rectangle(canvas, (round(x0 - pad), y0), (round(x1 + pad), y1), colour, -1)
    return label


def _patch_out(rng: np.random.Generator, canvas: np.ndarray, spans: list[tuple[float, float]],
               label: str, hidden: list[int],
               reach: Callable[[int], tuple[float, float]]) -> str:
    """Cover each ``hidden`` character with a flat, nearly full-height patch of one colour
    that reaches past its left and right side by up to ``reach(i)`` of its width; returns
    the label without the hidden characters."""
    h = canvas.shape[0]
    grey = int(rng.integers(80, 210))
    colour = (grey,) * 3 if rng.random() < 0.8 else tuple(int(c) for c in rng.integers(0, 256, 3))
    for i in hidden:
        x0, x1 = spans[i]
        w = x1 - x0
        out_l, out_r = reach(i)
        pad_l, pad_r = w * rng.uniform(-0.05, out_l), w * rng.uniform(-0.05, out_r)
        y0, y1 = round(h * rng.uniform(0.0, 0.18)), round(h * rng.uniform(0.82, 1.0))
        cv2.rectangle(canvas, (round(x0 - pad_l), y0), (round(x1 + pad_r), y1), colour, -1)
    return "".join(ch for j, ch in enumerate(label) if j not in hidden)


def occlude_many(rng: np.random.Generator, canvas: np.ndarray,
                 spans: list[tuple[float, float]], label: str) -> str:
    """Hide one or two separate characters (or an adjacent pair) under flat patches that
    may cover a little of their neighbours; returns the label without the hidden ones."""
    n = len(spans)
    if n < 5 or n != len(label):
        return label
    k = 1 if n < 6 or rng.random() < 0.35 else 2  # keep at least four characters readable
    hidden = sorted(int(i) for i in rng.choice(n, size=k, replace=False))
    return _patch_out(rng, canvas, spans, label, hidden, lambda i: (0.3, 0.3))


def occlude_lone(rng: np.random.Generator, canvas: np.ndarray,
                 spans: list[tuple[float, float]], label: str) -> str:
    """Hide the second or the second-to-last character (a third of the time both; a third
    of the time, on plates of seven or more, one more inner one) under flat patches, so
    that an end character stands alone beside a patch; returns the label without the
    hidden ones."""
    n = len(spans)
    if n < 5 or n != len(label):
        return label
    r = rng.random()
    hidden = {1, n - 2} if r < 1 / 3 else {1 if rng.random() < 0.5 else n - 2}
    if r >= 2 / 3 and n >= 7:  # keep at least four characters readable
        hidden.add(int(rng.integers(2, n - 2)))

    def reach(i: int) -> tuple[float, float]:
        # A patch may nibble at its inner neighbour but hardly at the lone end one.
        return (0.15, 0.3) if i == 1 else (0.3, 0.15) if i == n - 2 else (0.3, 0.3)

    return _patch_out(rng, canvas, spans, label, sorted(hidden), reach)
