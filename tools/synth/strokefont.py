"""A condensed stroke face of our own, after the shapes of the US highway alphabets.

Many US states (and some European series) print the number in a face drawn narrow by
design: a 0 as a stadium with straight sides at 0.4-0.5 of its height, a D with square
corners on the left, a W whose middle apex stops short. None of the open faces packaged
for Debian is drawn that narrow, and squeezing a wider face thins its vertical strokes
(a W turns into an H), so this module draws such a face itself: every character is a
few polylines and arcs (the skeleton of FHWA Series B/C-like letterforms, written here,
not copied from any font file) stroked with round ends at a random width and
narrowness. No font file is involved, so there is no licence to record.

Everything takes a ``numpy.random.Generator``; a seed fixes the output exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Stroke = list[tuple[float, float]]
"""A polyline in the glyph's unit box: x 0..1 left to right, y 0..1 top to bottom."""


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float,
         n: int = 14) -> Stroke:
    """Points of an elliptic arc from angle ``a0`` to ``a1`` (degrees; 0 right, 90 down)."""
    t = np.radians(np.linspace(a0, a1, n))
    return [(cx + rx * float(np.cos(a)), cy + ry * float(np.sin(a))) for a in t]


def _stadium(e: float, w: float = 1.0) -> list[Stroke]:
    return [_arc(w / 2, e, w / 2, e, 180, 360) + _arc(w / 2, 1 - e, w / 2, e, 0, 180)
            + [(0.0, e)]]


def _flip(strokes: list[Stroke]) -> list[Stroke]:
    """Turned half a turn (6 into 9)."""
    return [[(1 - x, 1 - y) for x, y in s] for s in strokes]


# e: the radius of a round end in the unit box's y units (a circle in pixels).
_GLYPHS: dict[str, Callable[[float], list[Stroke]]] = {
    "0": _stadium,
    "O": _stadium,
    "Q": lambda e: [*_stadium(e), [(0.6, 0.72), (1.0, 1.0)]],
    "D": lambda e: [[(0.0, 0.0), (0.5, 0.0), *_arc(0.5, e, 0.5, e, 270, 360),
                     *_arc(0.5, 1 - e, 0.5, e, 0, 90), (0.0, 1.0), (0.0, 0.0)]],
    "C": lambda e: [_arc(0.5, e, 0.5, e, 340, 180) + _arc(0.5, 1 - e, 0.5, e, 180, 20)],
    "G": lambda e: [_arc(0.5, e, 0.5, e, 340, 180) + _arc(0.5, 1 - e, 0.5, e, 180, 0)
                    + [(1.0, 0.55), (0.55, 0.55)]],
    "U": lambda e: [[(0.0, 0.0), *_arc(0.5, 1 - e, 0.5, e, 180, 0), (1.0, 0.0)]],
    "J": lambda e: [[(1.0, 0.0), *_arc(0.5, 1 - e, 0.5, e, 0, 180), (0.0, 0.72)]],
    "1": lambda e: [[(0.3, 0.18), (0.65, 0.0), (0.65, 1.0)]],
    "I": lambda e: [[(0.5, 0.0), (0.5, 1.0)]],
    "2": lambda e: [[*_arc(0.5, e, 0.5, e, 190, 360), (1.0, e + 0.08), (0.0, 1.0), (1.0, 1.0)]],
    "3": lambda e: [_arc(0.5, 0.25, 0.48, 0.25, 200, 450) + _arc(0.5, 0.74, 0.5, 0.26, 270, 520)],
    "4": lambda e: [[(0.78, 1.0), (0.78, 0.0), (0.0, 0.7), (1.0, 0.7)]],
    "5": lambda e: [[(0.95, 0.0), (0.05, 0.0), (0.03, 0.45)],
                    _arc(0.5, 0.69, 0.5, 0.31, 240, 520)],
    "6": lambda e: [[*_arc(0.5, e, 0.5, e, 330, 180), (0.0, 0.69)],
                    _arc(0.5, 0.69, 0.5, 0.31, 0, 360)],
    "7": lambda e: [[(0.0, 0.0), (1.0, 0.0), (0.32, 1.0)]],
    "8": lambda e: [_arc(0.5, 0.24, 0.44, 0.24, 0, 360), _arc(0.5, 0.73, 0.5, 0.27, 0, 360)],
    "A": lambda e: [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.18, 0.66), (0.82, 0.66)]],
    "B": lambda e: [[(0.0, 0.48), (0.55, 0.48), *_arc(0.55, 0.24, 0.42, 0.24, 90, -90),
                     (0.0, 0.0), (0.0, 1.0), (0.58, 1.0), *_arc(0.58, 0.74, 0.42, 0.26, 90, -90),
                     (0.0, 0.48)]],
    "E": lambda e: [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)], [(0.0, 0.5), (0.8, 0.5)]],
    "F": lambda e: [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.8, 0.5)]],
    "H": lambda e: [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (1.0, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "K": lambda e: [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (0.0, 0.62)], [(0.3, 0.44), (1.0, 1.0)]],
    "L": lambda e: [[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]],
    "M": lambda e: [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.62), (1.0, 0.0), (1.0, 1.0)]],
    "N": lambda e: [[(0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0)]],
    "P": lambda e: [[(0.0, 1.0), (0.0, 0.0), (0.55, 0.0), *_arc(0.55, 0.27, 0.45, 0.27, -90, 90),
                     (0.0, 0.54)]],
    "R": lambda e: [[(0.0, 1.0), (0.0, 0.0), (0.55, 0.0), *_arc(0.55, 0.27, 0.45, 0.27, -90, 90),
                     (0.0, 0.54)], [(0.45, 0.54), (1.0, 1.0)]],
    "S": lambda e: [_arc(0.5, 0.26, 0.5, 0.26, -25, -270) + _arc(0.5, 0.74, 0.5, 0.26, -90, 155)],
    "T": lambda e: [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]],
    "V": lambda e: [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
    "W": lambda e: [[(0.0, 0.0), (0.22, 1.0), (0.5, 0.32), (0.78, 1.0), (1.0, 0.0)]],
    "X": lambda e: [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "Y": lambda e: [[(0.0, 0.0), (0.5, 0.52), (1.0, 0.0)], [(0.5, 0.52), (0.5, 1.0)]],
    "Z": lambda e: [[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]],
}
_GLYPHS["9"] = lambda e: _flip(_GLYPHS["6"](e))
CHARS = frozenset(_GLYPHS)
"""Every character the face draws (A-Z, 0-9)."""

_WIDTH = {"1": 0.55, "I": 0.0, "M": 1.15, "W": 1.2, "O": 1.08, "Q": 1.08}
"""Width of a character's box relative to the face's width (I is a bare stroke)."""


def draw(rng: np.random.Generator, text: str, height: int = 72, seps: str = " "
         ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """``text`` in the stroke face: (ink mask float 0..1 cropped to the ink, x span of each
    character). Spaces become gaps or one of ``seps`` (``-`` a dash, ``\\u00b7`` a dot); any
    other character outside A-Z 0-9 is drawn as a dash."""
    narrow = float(rng.uniform(0.36, 0.56))  # box width over height
    stroke = height * float(rng.uniform(0.09, 0.15))
    gap = height * float(rng.uniform(0.06, 0.22))
    pad = stroke
    inner_h = height - stroke
    width = round(len(text) * height * 1.3 + 2 * pad)
    mask = np.zeros((height + round(2 * pad), width), np.uint8)
    thick = max(1, round(stroke))
    x = pad
    spans: list[tuple[float, float]] = []
    for ch in text:
        if not ch.isalnum():  # a space becomes a gap or a separator; a dash stays a dash
            sep = seps[int(rng.integers(len(seps)))] if ch == " " else "-"
            space = height * float(rng.uniform(0.25, 0.45))
            mid = pad + height / 2
            if sep == "-":
                cv2.line(mask, (round(x + space * 0.25), round(mid)),
                         (round(x + space * 0.75), round(mid)), 255, thick, cv2.LINE_AA)
            elif sep != " ":
                cv2.circle(mask, (round(x + space / 2), round(mid)), max(1, thick // 2 + 1), 255,
                           -1, cv2.LINE_AA)
            x += space
            continue
        box_w = height * narrow * _WIDTH.get(ch, 1.0)
        inner_w = max(box_w - stroke, 1e-3)
        e = 0.5 * inner_w / inner_h
        for s in _GLYPHS[ch](e):
            pts = np.array([[x + stroke / 2 + u * inner_w, pad + stroke / 2 + v * inner_h]
                            for u, v in s], np.float64)
            cv2.polylines(mask, [np.round(pts * 16).astype(np.int32)], False, 255, thick,
                          cv2.LINE_AA, shift=4)
        spans.append((x, x + max(box_w, stroke)))
        x += max(box_w, stroke) + gap
    arr = mask.astype(np.float32) / 255.0
    ys, xs = np.nonzero(arr > 0.1)
    x0, x1 = int(xs.min()), int(xs.max()) + 1
    out = arr[ys.min() : ys.max() + 1, x0:x1]
    return out, [(max(a - x0, 0.0), min(b - x0, float(x1 - x0))) for a, b in spans]
