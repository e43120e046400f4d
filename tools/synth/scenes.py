"""Seeded synthetic street scenes with plates, for detector training and evaluation.

Scenes are drawn at camera resolution (1280x720 by default) so that the runtime's
letterbox downscaling is part of what the detector learns.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from tools.synth.plates import (
    ALPHABET,
    FONT_FILES,
    Box,
    _font,
    _text_image,
    colour,
    degrade,
    overlaps,
    random_spec,
    render_flat,
    soil,
    warp_plate,
)
from tools.synth.signs import add_signs


@dataclass
class ScenePlate:
    """One plate placed in a scene: its label and axis-aligned box [x, y, w, h]."""

    label: str
    box: Box
    country: str


def background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Sky/buildings/road backdrop with clutter: rectangles, stripes, lines, noise."""
    top, bottom = np.array(colour(rng)), np.array(colour(rng, 40, 160))
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (top * (1 - t) + bottom * t).repeat(w, axis=1).astype(np.uint8)
    for _ in range(int(rng.integers(3, 15))):  # buildings, poles, signs
        x, y = int(rng.integers(-100, w)), int(rng.integers(-100, h))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(10, 400)), y + int(rng.integers(10, 400))),
                      colour(rng), -1)
    for _ in range(int(rng.integers(0, 6))):  # lines / road markings
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.line(img, p1, p2, colour(rng), int(rng.integers(1, 10)))
    for _ in range(int(rng.integers(0, 3))):  # grille / fence stripes
        x, y = int(rng.integers(0, w - 50)), int(rng.integers(0, h - 30))
        sw, sh = int(rng.integers(40, 300)), int(rng.integers(20, 120))
        step = int(rng.integers(3, 12))
        c = colour(rng)
        for yy in range(y, min(h, y + sh), step):
            cv2.line(img, (x, yy), (x + sw, yy), c, max(1, step // 3))
    for _ in range(int(rng.integers(0, 4))):  # text badges: the hard negatives
        _text_badge(rng, img)
    noise = rng.standard_normal((h // 4, w // 4, 3), dtype=np.float32) * float(rng.uniform(2, 12))
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def _text_badge(rng: np.random.Generator, img: np.ndarray) -> None:
    """Random text on a rectangle (shop sign, sticker, dealer badge): not a plate."""
    h, w = img.shape[:2]
    n = int(rng.integers(2, 12))
    text = "".join(ALPHABET[i] for i in rng.integers(0, len(ALPHABET), n))
    if rng.random() < 0.5:
        text = text.lower()
    th = int(rng.integers(8, 60))
    mask = _text_image(text, _font(FONT_FILES[int(rng.integers(len(FONT_FILES)))], 64))
    tw = max(4, int(mask.shape[1] * th / mask.shape[0] * rng.uniform(0.7, 1.3)))
    x, y = int(rng.integers(0, max(1, w - tw - 10))), int(rng.integers(0, max(1, h - th - 10)))
    if rng.random() < 0.7:
        pad = int(th * rng.uniform(0.1, 0.8))
        cv2.rectangle(img, (x - pad, y - pad), (x + tw + pad, y + th + pad), colour(rng), -1)
    m = cv2.resize(mask, (tw, th))[..., None]
    roi = img[y : y + th, x : x + tw]
    m = m[: roi.shape[0], : roi.shape[1]]
    img[y : y + th, x : x + tw] = (roi * (1 - m) + np.array(colour(rng)) * m).astype(np.uint8)


def _paste(img: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend ``rgb`` at (x, y), clipping at the image border."""
    h, w = img.shape[:2]
    ph, pw = rgb.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, w), min(y + ph, h)
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (roi * (1 - a) + rgb[y0 - y : y1 - y, x0 - x : x1 - x] * a).astype(
        np.uint8
    )


def place_plate(
    rng: np.random.Generator, img: np.ndarray, cx: float, cy: float, width: float,
    fmt: str | None = None, max_yaw: float = 30,
) -> ScenePlate | None:
    """Render a random plate ``width`` px wide centred at (cx, cy); None when mostly outside."""
    spec = random_spec(rng, fmt)
    if len(spec.rows) == 2:  # a motorcycle plate is narrow: keep its character height realistic
        width *= 0.45
    height = int(np.clip(width / spec.aspect * 1.5, 40, 110))
    flat = soil(rng, render_flat(rng, spec, height))
    rgb, alpha, corners = warp_plate(rng, flat, width, max_yaw=max_yaw)
    x, y = round(cx - rgb.shape[1] / 2), round(cy - rgb.shape[0] / 2)
    _paste(img, rgb, alpha, x, y)
    x0, y0 = corners.min(0) + np.array([x, y])
    x1, y1 = corners.max(0) + np.array([x, y])
    h, w = img.shape[:2]
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    visible = (cx1 - cx0) * (cy1 - cy0) / max((x1 - x0) * (y1 - y0), 1e-6)
    box = (float(cx0), float(cy0), float(cx1 - cx0), float(cy1 - cy0))
    return ScenePlate(spec.label, box, spec.country) if visible > 0.5 else None


def draw_vehicle(
    rng: np.random.Generator, img: np.ndarray, cx: float, bottom: float, plate_w: float,
    with_plate: bool = True, fmt: str | None = None,
) -> ScenePlate | None:
    """A box-like vehicle front/rear (body, window, lights, wheels) with a plate on it."""
    car_w = plate_w * rng.uniform(3.2, 4.2)
    car_h = car_w * rng.uniform(0.55, 0.85)
    x0, x1 = round(cx - car_w / 2), round(cx + car_w / 2)
    y1, y0 = round(bottom), round(bottom - car_h)
    body = colour(rng)
    wheel_r = round(car_w * 0.09)
    for wx in (x0 + wheel_r * 1.5, x1 - wheel_r * 1.5):
        cv2.circle(img, (round(wx), y1), wheel_r, (20, 20, 20), -1)
    cv2.rectangle(img, (x0, round(y0 + car_h * 0.35)), (x1, y1 - wheel_r // 2), body, -1)
    roof = np.array([[x0 + car_w * 0.08, y0 + car_h * 0.38], [x0 + car_w * 0.2, y0],
                     [x1 - car_w * 0.2, y0], [x1 - car_w * 0.08, y0 + car_h * 0.38]], np.int32)
    cv2.fillPoly(img, [roof], body)
    win = (roof * [1, 1] + np.array([[car_w * 0.04, -4], [car_w * 0.03, car_h * 0.05],
                                      [-car_w * 0.03, car_h * 0.05], [-car_w * 0.04, -4]])).astype(
        np.int32)
    cv2.fillPoly(img, [win], colour(rng, 10, 90))
    ly = round(y0 + car_h * rng.uniform(0.45, 0.55))
    lc = colour(rng, 150, 256)
    for lx in (x0 + car_w * 0.13, x1 - car_w * 0.13):
        cv2.ellipse(img, (round(lx), ly), (round(car_w * 0.08), round(car_h * 0.05)), 0, 0, 360,
                    lc, -1)
    if rng.random() < 0.5:  # grille between the lights
        gx0, gx1 = round(x0 + car_w * 0.3), round(x1 - car_w * 0.3)
        for gy in range(ly - round(car_h * 0.06), ly + round(car_h * 0.06), max(2, wheel_r // 5)):
            cv2.line(img, (gx0, gy), (gx1, gy), (30, 30, 30), max(1, wheel_r // 12))
    if not with_plate:
        return None
    py = y0 + car_h * rng.uniform(0.68, 0.8)
    return place_plate(rng, img, cx + rng.uniform(-0.1, 0.1) * car_w, py, plate_w, fmt)


def scene(
    rng: np.random.Generator, width: int = 1280, height: int = 720, degrade_img: bool = True,
    signs: np.random.Generator | None = None,
) -> tuple[np.ndarray, list[ScenePlate]]:
    """A random RGB scene and the plates in it (0-4; about 15 % plate-free).

    With ``signs``, sign-like negatives (tools/synth/signs.py) drawn from that generator
    join the scene, behind the vehicles and in front of them; ``rng`` draws the same
    scene either way.
    """
    img = background(rng, height, width)
    if signs is not None:
        add_signs(signs, img, [], n_max=2)
    plates: list[ScenePlate] = []
    n = 0 if rng.random() < 0.15 else int(rng.integers(1, 5))
    bodies: list[Box] = []
    scale = width / 1280
    # Far (small) vehicles first so nearer ones may occlude their bodies, never their plates.
    widths = sorted(rng.uniform(60, 300, n) * scale * rng.uniform(0.9, 1.1))
    for pw in widths:
        for _ in range(10):
            cx = rng.uniform(0.05, 0.95) * width
            car_w = pw * 4.2
            bottom = rng.uniform(0.35, 1.1) * height
            body = (cx - car_w / 2, bottom - car_w * 0.85, car_w, car_w * 0.85)
            if any(overlaps(body, p.box, 4) for p in plates):
                continue
            if rng.random() < 0.15:  # a bare plate (held, on a wall, on a truck)
                sp = place_plate(rng, img, cx, bottom - pw * 0.2, pw)
            else:
                sp = draw_vehicle(rng, img, cx, bottom, pw)
            bodies.append(body)
            if sp is not None:
                plates.append(sp)
            break
    for _ in range(int(rng.integers(0, 2))):  # plate-free vehicles
        pw = rng.uniform(60, 250) * scale
        cx, bottom = rng.uniform(0, width), rng.uniform(0.4, 1.1) * height
        body = (cx - pw * 2.1, bottom - pw * 3.6, pw * 4.2, pw * 3.6)
        if not any(overlaps(body, p.box, 4) for p in plates):
            draw_vehicle(rng, img, cx, bottom, pw, with_plate=False)
    if signs is not None:
        add_signs(signs, img, [p.box for p in plates], n_max=2)
    if degrade_img:
        img = degrade(rng, img, float(rng.uniform(0.2, 0.8)))
    return img, plates


def letterbox(img: np.ndarray, size: int) -> tuple[np.ndarray, float, int, int]:
    """The runtime's letterbox: fit, centre on a 114-grey square; (img, r, pad_x, pad_y)."""
    h, w = img.shape[:2]
    r = min(size / w, size / h)
    nw, nh = round(w * r), round(h * r)
    out = np.full((size, size, 3), 114, np.uint8)
    px, py = (size - nw) // 2, (size - nh) // 2
    out[py : py + nh, px : px + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return out, r, px, py
