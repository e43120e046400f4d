"""Marks on a plate that sit in line with its number but are not part of it (stage 5).

A reader that has seen few of them reads them as one more character, most often at
the start. The kinds, from what real plates carry:

- **Stacked characters** (US plate-type and county marks, ``4H``, ``DC``, a year): two
  or three small characters one above the other, often in the number's own face and ink.
- **Seals** (veteran, university and state seals; German registration stickers):
  a disc with a ring and something small inside.
- **Pictograms** (the disabled-driver symbol, a cactus, a whale's tail, a figure):
  a solid silhouette as tall as the characters.
- **Band text**: the two digits of a French department under a regional logo, or
  an Italian registration year over a province code, in the right-hand blue band.

Everything takes a ``numpy.random.Generator``; a seed fixes the output exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from tools.synth.plates import DIGITS, LETTERS, pick

Box = tuple[int, int, int, int]  # x, y, w, h on the canvas
Colour = tuple[int, ...]
Paint = Callable[[str, Box, Colour], None]
"""Draws a string into a box in a plate face (the renderer of tools/synth/rich.py)."""


def stacked_text(rng: np.random.Generator) -> list[str]:
    """Two or three rows of one or two characters (letters, digits or a year)."""
    rows = 2 if rng.random() < 0.75 else 3
    chars = LETTERS if rng.random() < 0.7 else DIGITS
    return [pick(rng, chars, 1 if rng.random() < 0.8 else 2) for _ in range(rows)]


def seal(rng: np.random.Generator, canvas: np.ndarray, box: Box, colour: Colour) -> None:
    """A disc with a ring of another colour and a star, a blob or bars inside."""
    x, y, w, h = box
    r = max(2, min(w, h) // 2)
    c = (x + w // 2, y + h // 2)
    ring = tuple(int(v) for v in rng.integers(0, 256, 3))
    cv2.circle(canvas, c, r, ring, -1, cv2.LINE_AA)
    cv2.circle(canvas, c, max(1, round(r * rng.uniform(0.65, 0.85))), colour, -1, cv2.LINE_AA)
    inner = tuple(int(v) for v in rng.integers(0, 256, 3))
    kind = rng.random()
    if kind < 0.4:  # a star
        n = int(rng.integers(5, 9))
        ang = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False) + rng.uniform(0, np.pi)
        rad = np.where(np.arange(2 * n) % 2 == 0, 0.5, 0.22) * r
        pts = np.stack([c[0] + rad * np.cos(ang), c[1] + rad * np.sin(ang)], 1)
        cv2.fillPoly(canvas, [pts.astype(np.int32)], inner, cv2.LINE_AA)
    elif kind < 0.7:  # bars: the lines of tiny text
        for k in range(int(rng.integers(2, 5))):
            yy = round(c[1] - r * 0.4 + k * r * 0.25)
            half = round(r * rng.uniform(0.25, 0.5))
            cv2.line(canvas, (c[0] - half, yy), (c[0] + half, yy), inner, max(1, r // 8))
    else:  # a blob: an animal, a building, a map
        blob(rng, canvas, (c[0] - r // 2, c[1] - r // 2, r, r), inner)


def blob(rng: np.random.Generator, canvas: np.ndarray, box: Box, colour: Colour) -> None:
    """A ragged closed shape filling most of ``box``."""
    x, y, w, h = box
    n = int(rng.integers(6, 14))
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.35, 1.0, n)
    pts = np.stack([x + w / 2 + rad * w / 2 * np.cos(ang), y + h / 2 + rad * h / 2 * np.sin(ang)],
                   1)
    cv2.fillPoly(canvas, [pts.astype(np.int32)], colour, cv2.LINE_AA)


def pictogram(rng: np.random.Generator, canvas: np.ndarray, box: Box, colour: Colour) -> None:
    """A solid silhouette: a wheelchair symbol, a standing figure, a tail or a blob."""
    x, y, w, h = box
    t = max(1, round(min(w, h) * rng.uniform(0.08, 0.14)))
    kind = rng.random()
    if kind < 0.3:  # the disabled-driver symbol: head, back, seat, wheel
        cv2.circle(canvas, (x + w * 2 // 5, y + h // 8), max(1, h // 9), colour, -1, cv2.LINE_AA)
        cv2.line(canvas, (x + w * 2 // 5, y + h // 4), (x + w * 2 // 5, y + h * 3 // 5), colour, t)
        cv2.line(canvas, (x + w * 2 // 5, y + h * 3 // 5), (x + w * 4 // 5, y + h * 3 // 5),
                 colour, t)
        cv2.line(canvas, (x + w * 4 // 5, y + h * 3 // 5), (x + w - 1, y + h - 1), colour, t)
        cv2.ellipse(canvas, (x + w * 2 // 5, y + h * 3 // 4), (w // 3, h // 4), 0, 20, 300,
                    colour, t, cv2.LINE_AA)
    elif kind < 0.55:  # a standing figure
        cv2.circle(canvas, (x + w // 2, y + h // 8), max(1, h // 8), colour, -1, cv2.LINE_AA)
        body = np.array([[x + w // 5, y + h // 4], [x + w * 4 // 5, y + h // 4],
                         [x + w * 3 // 5, y + h - 1], [x + w * 2 // 5, y + h - 1]], np.int32)
        cv2.fillPoly(canvas, [body], colour, cv2.LINE_AA)
    elif kind < 0.75:  # a tail or wings: two leaning ellipses on a stem
        cx = x + w // 2
        for side in (-1, 1):
            cv2.ellipse(canvas, (cx + side * w // 4, y + h // 4), (w // 4, h // 6),
                        side * 30, 0, 360, colour, -1, cv2.LINE_AA)
        cv2.line(canvas, (cx, y + h // 4), (cx, y + h - 1), colour, t * 2)
    else:
        blob(rng, canvas, box, colour)


def stickers(rng: np.random.Generator, canvas: np.ndarray, x0: float, x1: float, y: int,
             th: int) -> None:
    """Two stacked round stickers in the gap from ``x0`` to ``x1`` (a German plate's
    registration and inspection seals), as tall together as the characters."""
    d = round(min(x1 - x0, th * 0.5))
    if d < 4:
        return
    cx = round((x0 + x1) / 2)
    for k in range(2):
        colour = tuple(int(v) for v in rng.integers(40, 256, 3))
        seal(rng, canvas, (cx - d // 2, y + k * (th - d), d, d), colour)


def stacked(rng: np.random.Generator, box: Box, colour: Colour, paint: Paint) -> None:
    """Two or three small rows of characters filling ``box`` top to bottom."""
    x, y, w, h = box
    rows = stacked_text(rng)
    rh = h / len(rows)
    for k, text in enumerate(rows):
        paint(text, (x, round(y + k * rh), w, max(2, round(rh * 0.85))), colour)


def mark(rng: np.random.Generator, canvas: np.ndarray, box: Box, ink: Colour, decor: Colour,
         paint: Paint) -> None:
    """One mark of any kind beside the number, in its ink or another colour."""
    colour = ink if rng.random() < 0.5 else decor
    kind = rng.random()
    if kind < 0.4:
        stacked(rng, box, colour, paint)
    elif kind < 0.65:
        seal(rng, canvas, box, colour)
    else:
        pictogram(rng, canvas, box, colour)


def band_text(rng: np.random.Generator, canvas: np.ndarray, x: int, w: int, h: int,
              country: str, paint: Paint) -> None:
    """What a right-hand blue band carries: a French regional logo over the department
    number, or an Italian registration year over the province code."""
    white = (int(rng.integers(215, 256)),) * 3
    pad = max(1, round(w * 0.12))
    top = (x + pad, round(h * 0.08), w - 2 * pad, round(h * 0.34))
    bottom = (x + pad, round(h * 0.56), w - 2 * pad, round(h * 0.34))
    if country == "fr":
        (seal if rng.random() < 0.5 else blob)(rng, canvas, top, white)
        paint(pick(rng, DIGITS, 2 if rng.random() < 0.9 else 3), bottom, white)
    else:
        paint(pick(rng, DIGITS, 2), top, white)
        if rng.random() < 0.6:
            paint(pick(rng, LETTERS, 2), bottom, (240, 200, 30) if rng.random() < 0.5 else white)
