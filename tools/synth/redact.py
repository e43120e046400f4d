"""Privacy masks drawn on a finished photograph, as an anonymiser draws them.

Published plate sets hide some characters of every plate under flat grey boxes
(``es_crops``: two of seven). The box is drawn on the finished picture: it is
axis-aligned whatever the plate's tilt, sharp-edged, noise-free and untouched by the
camera's blur, unlike the occluders of tools/synth/occlusion.py, which sit on the
plate and pass through the camera with it. A reader that drops the characters beside
such a box has learnt that a flat patch ends the number.

Everything takes a ``numpy.random.Generator``; a seed fixes the output exactly.
"""

from __future__ import annotations

import cv2
import numpy as np


def char_quads(spans: list[tuple[float, float]], height: int, rng: np.random.Generator
               ) -> list[np.ndarray]:
    """A box (4x2, flat-plate pixels) around each character's column, covering the
    central 60-84 % of the plate's height, where one-row plates draw their characters."""
    half = float(rng.uniform(0.3, 0.42)) * height
    cy = height / 2
    return [np.array([[x0, cy - half], [x1, cy - half], [x1, cy + half], [x0, cy + half]],
                     np.float32) for x0, x1 in spans]


def _clip(v: float, size: int) -> int:
    return int(np.clip(round(v), 0, size - 1))


def redact(rng: np.random.Generator, crop: np.ndarray, spans: list[tuple[float, float]],
           height: int, to_crop: np.ndarray, label: str) -> tuple[np.ndarray, str]:
    """Hide one or two characters (two most often) of a finished crop under flat grey
    boxes; returns the crop and the label without them.

    ``spans`` are the characters' x extents on the flat plate of ``height`` pixels and
    ``to_crop`` the 3x3 homography from flat-plate to crop pixels. At least four
    characters stay visible; the box is the axis-aligned hull of the character's box as
    the camera saw it, a little larger or smaller, and the crop is saved as JPEG again
    most of the time, as the published sets were.
    """
    n = len(spans)
    if n < 5 or n != len(label):
        return crop, label
    k = 2 if n >= 6 and rng.random() < 0.8 else 1
    hidden = sorted(int(i) for i in rng.choice(n, size=k, replace=False))
    quads = char_quads(spans, height, rng)
    out = crop.copy()
    ch, cw = out.shape[:2]
    grey = int(rng.integers(110, 180))
    for i in hidden:
        pts = cv2.perspectiveTransform(quads[i][None], to_crop)[0]
        (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
        gx, gy = (x1 - x0) * rng.uniform(-0.05, 0.25, 2), (y1 - y0) * rng.uniform(-0.1, 0.1, 2)
        p0 = (_clip(x0 - gx[0], cw), _clip(y0 - gy[0], ch))
        p1 = (_clip(x1 + gx[1], cw), _clip(y1 + gy[1], ch))
        shade = grey + int(rng.integers(-6, 7))
        cv2.rectangle(out, p0, p1, (shade, shade, shade), -1)
    if rng.random() < 0.7:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 96))])
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out, "".join(ch_ for j, ch_ in enumerate(label) if j not in hidden)
