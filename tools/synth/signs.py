"""Plate-like things that are not plates: the detector's sign-like hard negatives.

Every gate sees them: speed-limit discs in a row on a truck's rear, town-name boards,
shop signs lit at night, a row of lamps. Several ``ro_frames`` false positives of
plate-det-v3 were of these kinds (a van's row of speed discs, a backlit shop sign).

They draw from their own generator, so a scene drawn with them is the scene drawn without
them plus the signs: the plates, vehicles and clutter stay where they were.
"""

from __future__ import annotations

import cv2
import numpy as np

from tools.synth.plates import FONT_FILES, Box, _font, _text_image, colour, overlaps

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SPEEDS = ("30", "40", "50", "60", "70", "80", "90", "100", "110", "130")


def _word(rng: np.random.Generator) -> str:
    """A town or shop name: capitalised, lower case or upper case, sometimes two words."""
    words = []
    for _ in range(1 if rng.random() < 0.7 else 2):
        w = "".join(LETTERS[i] for i in rng.integers(0, len(LETTERS), int(rng.integers(3, 10))))
        style = rng.random()
        words.append(w if style < 0.4 else w.capitalize() if style < 0.8 else w.lower())
    return " ".join(words)


def _ink(rng: np.random.Generator, img: np.ndarray, text: str, x: int, y: int, h: int,
         ink: tuple[int, int, int], max_w: int | None = None) -> int:
    """Draw ``text`` with its ink ``h`` px tall at (x, y); returns the width drawn."""
    mask = _text_image(text, _font(FONT_FILES[int(rng.integers(len(FONT_FILES)))], 64))
    w = max(2, round(mask.shape[1] * h / mask.shape[0]))
    if max_w is not None:
        w = max(2, min(w, max_w))
    ih, iw = img.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, iw), min(y + h, ih)
    if x1 <= x0 or y1 <= y0:
        return w
    m = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)[y0 - y : y1 - y, x0 - x : x1 - x]
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (roi * (1 - m[..., None]) + np.array(ink) * m[..., None]).astype(
        np.uint8)
    return w


def speed_discs(rng: np.random.Generator, img: np.ndarray, x: int, y: int, d: int) -> Box:
    """A row of 2-5 speed-limit discs (red ring, white face, black number); returns its box."""
    n = int(rng.integers(2, 6))
    gap = int(d * rng.uniform(0.05, 0.4))
    face = colour(rng, 200, 256)
    for i in range(n):
        cx, cy, r = x + i * (d + gap) + d // 2, y + d // 2, d // 2
        cv2.circle(img, (cx, cy), r, (200, 30, 30), -1, cv2.LINE_AA)
        cv2.circle(img, (cx, cy), max(1, round(r * 0.78)), face, -1, cv2.LINE_AA)
        th = max(3, round(d * 0.42))
        text = SPEEDS[int(rng.integers(len(SPEEDS)))]
        tw = round(d * (0.5 if len(text) == 2 else 0.62))
        _ink(rng, img, text, cx - tw // 2, cy - th // 2, th, (15, 15, 15), max_w=tw)
    return float(x), float(y), float(n * d + (n - 1) * gap), float(d)


def town_board(rng: np.random.Generator, img: np.ndarray, x: int, y: int, h: int) -> Box:
    """A town-name or direction board: a light or coloured panel, a border, 1-2 lines."""
    lines = 1 if rng.random() < 0.6 else 2
    face, ink = ((245, 245, 240), (20, 20, 20)) if rng.random() < 0.5 else (
        (30, 80, 170), (245, 245, 245)) if rng.random() < 0.5 else ((120, 70, 40), (240, 240, 230))
    th = max(4, round(h / (lines * 1.6 + 0.4)))
    # The panel is sized from names drawn apart from the ones written on it, so a board
    # is often wider than its text, as many real ones are. (Drawing the words once would
    # change the training data plate-det-v4 was trained on.)
    widths = [len(_word(rng)) for _ in range(lines)]
    w = round(th * 0.7 * max(widths)) + th
    cv2.rectangle(img, (x, y), (x + w, y + h), face, -1)
    if rng.random() < 0.7:
        border = (190, 30, 30) if face[0] > 200 and rng.random() < 0.5 else ink
        cv2.rectangle(img, (x + 1, y + 1), (x + w - 1, y + h - 1), border,
                      max(1, h // 14))
    for k in range(lines):
        ty = y + round(th * 0.5 + k * th * 1.6)
        _ink(rng, img, _word(rng), x + th // 2, ty, th, ink, max_w=w - th)
    return float(x), float(y), float(w), float(h)


def _glow(img: np.ndarray, layer: np.ndarray, sigma: float, gain: float) -> None:
    """Add a blurred copy of ``layer`` (the halo of a light at night) to ``img``."""
    halo = cv2.GaussianBlur(layer, (0, 0), sigma) * gain
    img[:] = np.clip(img.astype(np.float32) + halo, 0, 255).astype(np.uint8)


def lit_sign(rng: np.random.Generator, img: np.ndarray, x: int, y: int, h: int) -> Box:
    """A backlit shop sign at night: a dark surround, a bright panel with text, a halo."""
    text = _word(rng)
    th = max(4, round(h * rng.uniform(0.45, 0.75)))
    layer = np.zeros(img.shape, np.float32)
    w_text = _ink(rng, layer, text, x + h // 3, y + (h - th) // 2, th, (255, 255, 255),
                  max_w=9 * h)  # so panel and surround stay inside the box add_signs cleared
    w = w_text + 2 * (h // 3)
    x1, y1 = min(x + w, img.shape[1]), min(y + h, img.shape[0])
    dark = img[max(y - h, 0) : y1 + h, max(x - h, 0) : x1 + h]
    dark[:] = (dark * rng.uniform(0.15, 0.5)).astype(np.uint8)
    if rng.random() < 0.5:  # a lit panel with dark letters
        cv2.rectangle(img, (x, y), (x + w, y + h), colour(rng, 180, 256), -1)
        mask = layer[..., :1] / 255.0
        roi = img.astype(np.float32)
        img[:] = (roi * (1 - mask) + np.array(colour(rng, 0, 90)) * mask).astype(np.uint8)
        layer[:] = 0
        cv2.rectangle(layer, (x, y), (x + w, y + h), (255, 255, 255), -1)
    else:  # lit letters on a dark panel
        tint = np.array(colour(rng, 120, 256), np.float32) / 255.0
        img[:] = np.maximum(img, (layer * tint).astype(np.uint8))
    _glow(img, layer, max(1.0, h * rng.uniform(0.1, 0.4)), float(rng.uniform(0.3, 0.9)))
    return float(x), float(y), float(w), float(h)


def light_row(rng: np.random.Generator, img: np.ndarray, x: int, y: int, d: int) -> Box:
    """A row of 3-10 lamps (street lights, a truck's marker lights) with their halo."""
    n = int(rng.integers(3, 11))
    step = round(d * rng.uniform(1.3, 3.0))
    tint = (255, 255, 255) if rng.random() < 0.4 else colour(rng, 150, 256)
    layer = np.zeros(img.shape, np.float32)
    for i in range(n):
        cv2.ellipse(layer, (x + i * step, y), (max(1, d // 2), max(1, round(d * 0.35))), 0, 0,
                    360, tint, -1, cv2.LINE_AA)
    img[:] = np.maximum(img, layer.astype(np.uint8))
    _glow(img, layer, max(1.0, d * rng.uniform(0.5, 1.5)), float(rng.uniform(0.4, 1.0)))
    return float(x - d), float(y - d), float((n - 1) * step + 2 * d), float(2 * d)


def _clear(box: Box, avoid: list[Box], img: np.ndarray) -> bool:
    """True when ``box`` lies in the image and clear of every box in ``avoid`` (grown 4 px)."""
    x, y, w, h = box
    if x < 0 or y < 0 or x + w > img.shape[1] or y + h > img.shape[0]:
        return False
    return not any(overlaps(box, b, 4) for b in avoid)


def _spot(rng: np.random.Generator, img: np.ndarray, plates: list[Box]
          ) -> tuple[str, int, int, int, Box]:
    """Pick a kind, its size and place; the box bounds whatever the kind may draw."""
    scale = img.shape[1] / 1280
    x, y = int(rng.integers(0, img.shape[1])), int(rng.integers(0, img.shape[0]))
    kind = rng.random()
    if kind < 0.35:  # speed discs, the size of a plate's height
        d = max(6, round(rng.uniform(10, 60) * scale))
        if plates and rng.random() < 0.5:  # under a plate, as on a van's or truck's rear
            p = plates[int(rng.integers(len(plates)))]
            d = max(6, round(p[3] * rng.uniform(0.6, 1.3)))
            x = round(p[0] + rng.uniform(-0.3, 0.6) * p[2])
            y = round(p[1] + p[3] * rng.uniform(1.3, 2.5))
        return "discs", x, y, d, (float(x), float(y), d * 7.0, float(d))
    if kind < 0.6:
        h = max(8, round(rng.uniform(15, 90) * scale))
        return "board", x, y, h, (float(x), float(y), h * 8.0, float(h))
    if kind < 0.85:
        h = max(8, round(rng.uniform(12, 70) * scale))
        return "lit", x, y, h, (float(x - 2 * h), float(y - 2 * h), h * 13.0, h * 5.0)
    d = max(3, round(rng.uniform(4, 20) * scale))
    return "lamps", x, y, d, (float(x - 4 * d), float(y - 4 * d), d * 38.0, d * 8.0)


DRAW = {"discs": speed_discs, "board": town_board, "lit": lit_sign, "lamps": light_row}


def add_signs(rng: np.random.Generator, img: np.ndarray, plates: list[Box],
              n_max: int = 3) -> list[Box]:
    """Draw 0..``n_max`` sign-like negatives clear of ``plates``; returns the boxes they
    stay inside.

    Half the disc rows go just below a plate; the rest of the signs stand anywhere.
    Sizes span the plates' (60-300 px wide at 1280 px of frame width).
    """
    drawn: list[Box] = []
    for _ in range(int(rng.integers(0, n_max + 1))):
        for _try in range(5):
            kind, x, y, size, box = _spot(rng, img, plates)
            if _clear(box, plates + drawn, img):
                before = img.copy()
                DRAW[kind](rng, img, x, y, size)
                # A halo's faint tail may reach past the box: cut it, so no sign ever
                # touches a plate's pixels.
                keep = np.ones(img.shape[:2], bool)
                bx, by, bw, bh = (round(v) for v in box)
                keep[by : by + bh, bx : bx + bw] = False
                img[keep] = before[keep]
                drawn.append(box)
                break
    return drawn
