"""Seeded synthetic licence-plate renderer for OCR and detector training.

Everything takes a ``numpy.random.Generator`` so a seed fixes the output exactly.
Fonts are the DejaVu TTFs (Debian package ``fonts-dejavu-core``, Bitstream Vera licence).
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Bold, mostly condensed faces look closest to plate typefaces.
FONT_FILES = (
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansCondensed.ttf",
)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
IT_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOQU")
DIGITS = string.digits
LETTERS = string.ascii_uppercase
EU_BLUE = (0, 51, 153)
EU_YELLOW = (255, 204, 0)
FORMATS = ("it", "it", "it", "it", "it_moto", "sk", "de", "fr", "es", "generic")


class FontsMissingError(RuntimeError):
    """The DejaVu fonts are not installed."""


Box = tuple[float, float, float, float]
"""x, y, w, h in pixels of a scene."""


def colour(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    """A random RGB colour with each channel in [lo, hi)."""
    c = rng.integers(lo, hi, 3)
    return int(c[0]), int(c[1]), int(c[2])


def overlaps(a: Box, b: Box, grow: float = 0.0) -> bool:
    """True when boxes ``a`` and ``b`` overlap once grown by ``grow`` px."""
    return not (a[0] + a[2] + grow < b[0] or b[0] + b[2] + grow < a[0]
                or a[1] + a[3] + grow < b[1] or b[1] + b[3] + grow < a[1])


@functools.lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / name
    if not path.exists():
        raise FontsMissingError(
            f"font {path} not found: install the Debian package 'fonts-dejavu-core' "
            "(apt-get install fonts-dejavu-core)"
        )
    return ImageFont.truetype(str(path), size)


def check_fonts() -> None:
    """Fail early, with the package name, when the fonts are absent."""
    for name in set(FONT_FILES):
        _font(name, 40)


def pick(rng: np.random.Generator, chars: str, n: int) -> str:
    """``n`` characters drawn uniformly from ``chars``."""
    return "".join(chars[i] for i in rng.integers(0, len(chars), n))


@dataclass
class PlateSpec:
    """What to draw: text groups per row, the label, and the plate style."""

    rows: list[str]  # displayed text per row (may contain spaces and dashes)
    label: str  # alphanumerics only, top row first
    country: str
    band_code: str | None  # EU band country code, None = no band
    right_band: bool
    bg: tuple[int, int, int]
    aspect: float  # width / height
    marks: bool = False  # more marks beside the number (tools/synth/marks.py, stage 5)


def random_spec(rng: np.random.Generator, fmt: str | None = None) -> PlateSpec:
    """Draw a random plate text and style for ``fmt`` (random format when None)."""
    fmt = fmt or FORMATS[int(rng.integers(len(FORMATS)))]
    white = (int(rng.integers(225, 256)),) * 3
    if fmt == "it":
        a, d, b = pick(rng, IT_LETTERS, 2), pick(rng, DIGITS, 3), pick(rng, IT_LETTERS, 2)
        return PlateSpec([f"{a} {d} {b}"], a + d + b, "it", "I", rng.random() < 0.6, white, 4.7)
    if fmt == "it_moto":
        a, d = pick(rng, IT_LETTERS, 2), pick(rng, DIGITS, 5)
        return PlateSpec([a, d], a + d, "it", "I", False, white, 1.15)
    if fmt == "sk":
        a, d, b = pick(rng, LETTERS, 2), pick(rng, DIGITS, 3), pick(rng, LETTERS, 2)
        sep = "-" if rng.random() < 0.5 else " "
        return PlateSpec([f"{a}{sep}{d}{b}"], a + d + b, "sk", "SK", False, white, 4.7)
    if fmt == "de":
        a = pick(rng, LETTERS, int(rng.integers(1, 4)))
        b = pick(rng, LETTERS, int(rng.integers(1, 3)))
        d = pick(rng, "123456789", 1) + pick(rng, DIGITS, int(rng.integers(0, 4)))
        return PlateSpec([f"{a} {b} {d}"], a + b + d, "de", "D", False, white, 4.7)
    if fmt == "fr":
        a, d, b = pick(rng, LETTERS, 2), pick(rng, DIGITS, 3), pick(rng, LETTERS, 2)
        return PlateSpec([f"{a}-{d}-{b}"], a + d + b, "fr", "F", True, white, 4.7)
    if fmt == "es":
        d, b = pick(rng, DIGITS, 4), pick(rng, "BCDFGHJKLMNPRSTVWXYZ", 3)
        return PlateSpec([f"{d} {b}"], d + b, "es", "E", False, white, 4.7)
    n = int(rng.integers(4, 11))
    text = pick(rng, ALPHABET, n)
    shown = text
    if n >= 5 and rng.random() < 0.5:
        k = int(rng.integers(1, n - 1))
        shown = text[:k] + (" " if rng.random() < 0.7 else "-") + text[k:]
    yellow = rng.random() < 0.25
    bg = (int(rng.integers(230, 256)), int(rng.integers(190, 225)), 0) if yellow else white
    band = None if rng.random() < 0.5 else pick(rng, LETTERS, int(rng.integers(1, 3)))
    return PlateSpec([shown], text, "xx", band, False, bg, float(rng.uniform(3.6, 5.2)))


def _text_image(text: str, font: ImageFont.FreeTypeFont) -> np.ndarray:
    """Ink mask (float 0..1) of ``text`` cropped to its ink bounding box."""
    x0, y0, x1, y1 = font.getbbox(text)
    img = Image.new("L", (x1 - x0 + 4, y1 - y0 + 4), 0)
    ImageDraw.Draw(img).text((2 - x0, 2 - y0), text, font=font, fill=255)
    arr = np.asarray(img, dtype=np.float32) / 255.0
    ys, xs = np.nonzero(arr > 0.1)
    return arr[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _put_text(
    canvas: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int], color: tuple[int, ...]
) -> None:
    """Fit ``mask`` into ``box`` (x, y, w, h): full height, squeezed only when too wide."""
    x, y, w, h = box
    mh, mw = mask.shape
    new_w = min(w, round(mw * h / mh))
    m = cv2.resize(mask, (max(new_w, 1), h), interpolation=cv2.INTER_AREA)[..., None]
    x += (w - new_w) // 2
    region = canvas[y : y + h, x : x + new_w].astype(np.float32)
    canvas[y : y + h, x : x + new_w] = (region * (1 - m) + np.array(color) * m).astype(np.uint8)


def _draw_band(canvas: np.ndarray, x: int, w: int, h: int, code: str | None, font: str) -> None:
    canvas[:h, x : x + w] = EU_BLUE
    cx, cy, r = x + w / 2, h * 0.3, w * 0.3
    for k in range(12):  # EU stars as a ring of dots
        a = 2 * np.pi * k / 12
        pt = (round(cx + r * np.cos(a)), round(cy + r * np.sin(a)))
        cv2.circle(canvas, pt, max(1, round(w * 0.05)), EU_YELLOW, -1, cv2.LINE_AA)
    if code:
        mask = _text_image(code, _font(font, 64))
        th = round(h * 0.28)
        _put_text(canvas, mask, (x + 2, round(h * 0.62), w - 4, th), (255, 255, 255))


def render_flat(rng: np.random.Generator, spec: PlateSpec, height: int = 110) -> np.ndarray:
    """Render the plate face-on (RGB uint8), band(s), border and text, no degradation."""
    font = FONT_FILES[int(rng.integers(len(FONT_FILES)))]
    h, w = height, round(height * spec.aspect)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = spec.bg
    band_w = round(h * 0.42) if len(spec.rows) == 1 else round(w * 0.2)
    left = band_w if spec.band_code else round(h * 0.08)
    right = w - (band_w if spec.right_band else round(h * 0.08))
    if len(spec.rows) == 1:
        if spec.band_code:
            _draw_band(canvas, 0, band_w, h, spec.band_code, font)
        if spec.right_band:
            _draw_band(canvas, w - band_w, band_w, h, None, font)
        th = round(h * rng.uniform(0.62, 0.76))
        margin = round(h * 0.06)
        box = (left + margin, (h - th) // 2, right - left - 2 * margin, th)
        _put_text(canvas, _text_image(spec.rows[0], _font(font, 96)), box, (10, 10, 10))
    else:  # two-row motorcycle plate: band beside the top row only
        top_h = round(h * 0.45)
        if spec.band_code:
            _draw_band(canvas, 0, band_w, top_h, spec.band_code, font)
        th = round(top_h * 0.78)
        margin = round(h * 0.05)
        box = (band_w + margin, (top_h - th) // 2 + margin // 2, w - band_w - 3 * margin, th)
        _put_text(canvas, _text_image(spec.rows[0], _font(font, 96)), box, (10, 10, 10))
        bh = round((h - top_h) * 0.78)
        box = (margin, top_h + (h - top_h - bh) // 2, w - 2 * margin, bh)
        _put_text(canvas, _text_image(spec.rows[1], _font(font, 96)), box, (10, 10, 10))
    if rng.random() < 0.6:
        cv2.rectangle(canvas, (1, 1), (w - 2, h - 2), (20, 20, 20), max(1, h // 40))
    return canvas


def soil(rng: np.random.Generator, plate: np.ndarray) -> np.ndarray:
    """Dirt blotches, bolts and uneven lighting on the flat plate."""
    out = plate.astype(np.float32)
    h, w = plate.shape[:2]
    if rng.random() < 0.4:  # bolts near the top corners
        for x in (w * rng.uniform(0.15, 0.3), w * rng.uniform(0.7, 0.85)):
            c = tuple(float(v) for v in rng.integers(60, 200, 3))
            cv2.circle(out, (round(x), round(h * rng.uniform(0.08, 0.2))), max(2, h // 18), c, -1)
    if rng.random() < 0.5:  # dirt: low-frequency darkening blotches
        n = rng.random((max(2, h // 16), max(2, w // 16))).astype(np.float32)
        n = cv2.resize(n, (w, h), interpolation=cv2.INTER_CUBIC)
        out *= 1 - rng.uniform(0.1, 0.45) * np.clip(n, 0, 1)[..., None] ** 2
    if rng.random() < 0.3:  # shadow edge across the plate
        x0 = rng.uniform(0, w)
        mask = np.zeros((h, w), np.float32)
        pts = np.array([[x0, 0], [x0 + rng.uniform(-w / 2, w / 2), h], [w * 2, h], [w * 2, 0]])
        cv2.fillPoly(mask, [pts.astype(np.int32)], 1.0)
        soft = cv2.GaussianBlur(mask, (0, 0), h * 0.05 + 0.5)[..., None]
        out *= 1 - rng.uniform(0.2, 0.55) * soft
    if rng.random() < 0.3:  # horizontal gradient lighting
        ramp = np.linspace(rng.uniform(0.6, 1), rng.uniform(0.6, 1), w, dtype=np.float32)
        out *= ramp[None, :, None]
    return np.clip(out, 0, 255).astype(np.uint8)


def perspective(
    rng: np.random.Generator, w: int, h: int, max_yaw: float = 30, max_pitch: float = 20,
    max_roll: float = 6,
) -> np.ndarray:
    """Corners (4x2, TL TR BR BL) of a ``w``x``h`` plate seen under a random 3-D rotation."""
    yaw, pitch, roll = np.radians(
        [rng.uniform(-max_yaw, max_yaw), rng.uniform(-max_pitch, max_pitch),
         rng.uniform(-max_roll, max_roll)]
    )
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    rot = (np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
           @ np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
           @ np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]]))
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    f = w * rng.uniform(1.5, 4.0)
    p = pts @ rot.T + np.array([0, 0, f])
    proj = f * p[:, :2] / p[:, 2:3]
    return (proj - proj.min(0)).astype(np.float32)


def warp_plate(
    rng: np.random.Generator, plate: np.ndarray, width: float, **angles: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Warp ``plate`` so its face is ``width`` px wide; returns (rgb, alpha 0..1, corners)."""
    h, w = plate.shape[:2]
    corners = perspective(rng, w, h, **angles)
    corners *= width / max(np.ptp(corners[:, 0]), 1.0)
    corners += 1.0
    out_w = int(np.ceil(corners[:, 0].max())) + 2
    out_h = int(np.ceil(corners[:, 1].max())) + 2
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    mat = cv2.getPerspectiveTransform(src, corners)
    interp = cv2.INTER_AREA if width < w else cv2.INTER_LINEAR
    # Downscale first so perspective warping does not alias thin strokes.
    if width < w * 0.7:
        f = width / w * 1.4
        small = cv2.resize(plate, (max(1, round(w * f)), max(1, round(h * f))),
                           interpolation=interp)
        src_s = np.array([[0, 0], [small.shape[1], 0], [small.shape[1], small.shape[0]],
                          [0, small.shape[0]]], np.float32)
        mat = cv2.getPerspectiveTransform(src_s, corners)
        plate = small
    rgb = cv2.warpPerspective(plate, mat, (out_w, out_h), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(
        np.ones(plate.shape[:2], np.float32), mat, (out_w, out_h), flags=cv2.INTER_LINEAR
    )
    return rgb, alpha, corners


def degrade(rng: np.random.Generator, img: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Camera effects on an RGB image: blur, noise, exposure, IR look, JPEG."""
    out = img.astype(np.float32)
    if rng.random() < 0.3 * strength:  # night IR: greyscale, hard contrast
        g = out.mean(axis=2, keepdims=True)
        gain = rng.uniform(1.0, 1.8)
        out = np.repeat(np.clip((g - 128) * gain + 128 + rng.uniform(-40, 20), 0, 255), 3, 2)
    else:
        out = out * rng.uniform(0.55, 1.25) * rng.uniform(0.9, 1.1, 3) + rng.uniform(-35, 35)
    out = np.clip(out, 0, 255)
    r = rng.random()
    if r < 0.35 * strength:
        k = int(rng.integers(3, 4 + int(6 * strength)))
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(-30, 30), 1.0)
        kern = cv2.warpAffine(kern, rot, (k, k))
        out = cv2.filter2D(out, -1, kern / max(kern.sum(), 1e-6))
    elif r < 0.75:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.4 + 1.0 * strength))
    if rng.random() < 0.7:
        sigma = rng.uniform(1, 4 + 8 * strength)
        out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(sigma)
    out8 = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        q = int(rng.integers(max(15, int(80 - 60 * strength)), 96))
        ok, buf = cv2.imencode(".jpg", out8, [cv2.IMWRITE_JPEG_QUALITY, q])
        if ok:
            out8 = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return out8


def random_backdrop(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Car-body-like patch around a plate: flat colour, gradient, noise."""
    base = rng.integers(0, 256, 3).astype(np.float32)
    grad = np.linspace(rng.uniform(0.6, 1.2), rng.uniform(0.6, 1.2), h, dtype=np.float32)
    noise = rng.standard_normal((max(2, h // 3), max(2, w // 3)), dtype=np.float32) * 8
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_NEAREST)[..., None]
    img = base[None, None, :] * grad[:, None, None] + noise
    if rng.random() < 0.3:  # grille stripes above/below
        for y in range(0, h, int(rng.integers(4, 12))):
            img[y : y + 2] *= 0.4
    return np.clip(img, 0, 255).astype(np.float32)


def plate_crop(
    rng: np.random.Generator, fmt: str | None = None, jitter: float = 0.08
) -> tuple[np.ndarray, str]:
    """An OCR training sample: (RGB uint8 crop as a detector box would cut it, label).

    The crop is the warped plate's axis-aligned box plus a random margin of -3 %
    (tight, slightly cut) up to ``jitter`` of its size on each side.
    """
    spec = random_spec(rng, fmt)
    # Final character height in camera pixels; installers aim for >= 15 px.
    char_h = rng.uniform(13, 48)
    # Render only as large as needed: big renders cost time and get downscaled anyway.
    flat = soil(rng, render_flat(rng, spec, int(np.clip(char_h * 3, 48, 110))))
    width = char_h / 0.7 * spec.aspect if len(spec.rows) == 1 else char_h / 0.35 * spec.aspect
    return frame_crop(rng, flat, width, char_h, (-0.03, jitter)), spec.label


def frame_crop(
    rng: np.random.Generator, flat: np.ndarray, width: float, char_h: float,
    margins: tuple[float, float],
) -> np.ndarray:
    """Warp a flat plate onto a car-like backdrop and cut it as a detector box would.

    The cut is the warped plate's axis-aligned box plus a random margin drawn from
    ``margins`` (relative to its size) on each side, then camera degradation.
    """
    rgb, alpha, corners = warp_plate(rng, flat, width)
    pad = round(rgb.shape[0] * 0.2 + rgb.shape[1] * 0.1) + 4
    bh, bw = rgb.shape[0] + 2 * pad, rgb.shape[1] + 2 * pad
    scene = random_backdrop(rng, bh, bw)
    a = alpha[..., None]
    scene[pad : pad + rgb.shape[0], pad : pad + rgb.shape[1]] = (
        scene[pad : pad + rgb.shape[0], pad : pad + rgb.shape[1]] * (1 - a) + rgb * a
    )
    x0, y0 = corners.min(0) + pad
    x1, y1 = corners.max(0) + pad
    bw_, bh_ = x1 - x0, y1 - y0
    m = rng.uniform(margins[0], margins[1], 4)
    cx0 = int(np.clip(x0 - m[0] * bw_, 0, bw - 2))
    cy0 = int(np.clip(y0 - m[1] * bh_, 0, bh - 2))
    cx1 = int(np.clip(x1 + m[2] * bw_, cx0 + 2, bw))
    cy1 = int(np.clip(y1 + m[3] * bh_, cy0 + 2, bh))
    crop = scene[cy0:cy1, cx0:cx1]
    crop = np.clip(crop, 0, 255).astype(np.uint8)
    # Small plates get milder blur: a 9 px smear on 13 px characters is unreadable to anyone.
    strength = float(rng.uniform(0.3, 1.0)) * min(1.0, char_h / 24)
    return degrade(rng, crop, strength)
