"""Varied plate faces for OCR training: many typefaces, EU and US-like layouts, clutter.

``plates.render_flat`` draws one clean European layout in DejaVu; a reader trained on
that alone learns DejaVu. Here every plate draws its characters one by one in a face
from ``fonts.PLATE_FACES`` with random spacing, stroke weight and width, on one of
three layouts: European (blue band, white or yellow), US-like (two-to-one, coloured
and printed backgrounds, a state-like header, a slogan, stickers) and plain. Small
clutter text, embossing shadows and occluders (a tow bar, a sticker, a blanked-out
character) teach the reader what is not part of the plate number: a character hidden
completely is dropped from the label, because no reader can know it.

Everything takes a ``numpy.random.Generator``; a seed fixes the output exactly.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tools.synth.fonts import DECOR_FACES, PLATE_FACES, Face, check_faces, face_path
from tools.synth.hard import (
    CUT_MARGINS,
    grouped_spec,
    ir_cast,
    text_cut,
    two_rows,
)
from tools.synth.hard import margins as hard_margins
from tools.synth.marks import Box, Colour, Paint, band_text, mark, stickers
from tools.synth.mix import PLAIN, Mix
from tools.synth.occlusion import occlude, occlude_lone, occlude_many
from tools.synth.plates import (
    EU_BLUE,
    EU_YELLOW,
    LETTERS,
    PlateSpec,
    frame_crop,
    random_spec,
    soil,
)

_PLATE_P = np.array([f.weight for f in PLATE_FACES]) / sum(f.weight for f in PLATE_FACES)
_INKS = ((12, 12, 12), (20, 30, 110), (120, 20, 25), (15, 80, 35), (200, 25, 25),
         (40, 40, 60), (0, 60, 140))
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@functools.lru_cache(maxsize=128)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass
class Glyphs:
    """Rendered text: an ink mask (float 0..1) and the x extent of each label character."""

    mask: np.ndarray
    spans: list[tuple[float, float]] = field(default_factory=list)


def draw_text(rng: np.random.Generator, text: str, face: Face, size: int = 72,
              tracking: float = 0.0, stroke: int = 0, seps: str = " ") -> Glyphs:
    """Draw ``text`` one character at a time, cropped to its ink box.

    ``tracking`` is extra space between characters (fraction of ``size``); spaces
    become gaps, or one of ``seps`` drawn as a separator; ``stroke`` thickens strokes.
    """
    font = _font(face_path(face), size)
    placed: list[tuple[str, float]] = []
    x = float(size) * 0.3
    for ch in text:
        if ch == " ":
            sep = seps[int(rng.integers(len(seps)))]
            gap = size * float(rng.uniform(0.15, 0.5))
            if sep != " ":
                placed.append((sep, x + gap * 0.5))
                x += font.getlength(sep) + gap
            else:
                x += gap
            continue
        placed.append((ch, x))
        x += font.getlength(ch) + tracking * size
    img = Image.new("L", (int(x + size), int(size * 1.8)), 0)
    draw = ImageDraw.Draw(img)
    base = int(size * 1.35)
    spans: list[tuple[float, float]] = []
    for ch, cx in placed:
        draw.text((cx, base), ch, font=font, fill=255, anchor="ls", stroke_width=stroke,
                  stroke_fill=255)
        if ch.isalnum():
            x0, _, x1, _ = draw.textbbox((cx, base), ch, font=font, anchor="ls",
                                         stroke_width=stroke)
            spans.append((float(x0), float(x1)))
    arr = np.asarray(img, dtype=np.float32) / 255.0
    ys, xs = np.nonzero(arr > 0.1)
    if len(xs) == 0:
        return Glyphs(np.zeros((2, 2), np.float32))
    x0, x1 = int(xs.min()), int(xs.max()) + 1
    out = arr[ys.min() : ys.max() + 1, x0:x1]
    # textbbox includes side bearings: clip the spans to the ink actually drawn.
    return Glyphs(out, [(max(a - x0, 0.0), min(b - x0, x1 - x0)) for a, b in spans])


def _place(canvas: np.ndarray, g: Glyphs, box: tuple[int, int, int, int],
           colour: tuple[int, ...], squeeze: float = 1.0,
           shadow: tuple[int, int] | None = None) -> list[tuple[float, float]]:
    """Paint ``g`` into ``box`` (x, y, w, h), full height, centred; returns spans on canvas."""
    x, y, w, h = box
    mh, mw = g.mask.shape
    if h < 2 or w < 2:
        return []
    new_w = max(1, min(w, round(mw * h / mh * squeeze)))
    m = cv2.resize(g.mask, (new_w, h), interpolation=cv2.INTER_AREA)
    x += (w - new_w) // 2
    ch, cw = canvas.shape[:2]
    if shadow is not None:  # embossed characters: a darker copy offset down-right
        sx, sy = x + shadow[0], y + shadow[1]
        _blend(canvas, m, sx, sy, tuple(int(c * 0.35) for c in colour), ch, cw)
    _blend(canvas, m, x, y, colour, ch, cw)
    f = new_w / mw
    return [(x + a * f, x + b * f) for a, b in g.spans]


def _blend(canvas: np.ndarray, m: np.ndarray, x: int, y: int, colour: tuple[int, ...],
           ch: int, cw: int) -> None:
    h, w = m.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, cw), min(y + h, ch)
    if x1 <= x0 or y1 <= y0:
        return
    a = m[y0 - y : y1 - y, x0 - x : x1 - x, None]
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (region * (1 - a) + np.array(colour, np.float32) * a).astype(np.uint8)


def _light(rng: np.random.Generator, lo: int = 200) -> tuple[int, int, int]:
    c = rng.integers(lo, 256, 3)
    return int(c[0]), int(c[1]), int(c[2])


def _word(rng: np.random.Generator, lo: int, hi: int) -> str:
    n = int(rng.integers(lo, hi + 1))
    w = "".join(LETTERS[i] for i in rng.integers(0, 26, n))
    r = rng.random()
    return w if r < 0.5 else (w.capitalize() if r < 0.85 else w.lower())


def _main_text(rng: np.random.Generator, spec: PlateSpec, row: int, us: bool) -> Glyphs:
    """The plate number in a random face, spacing and weight."""
    face = PLATE_FACES[int(rng.choice(len(PLATE_FACES), p=_PLATE_P))]
    size = 72
    stroke = int(rng.choice([0, 0, 0, 1, 2, 3])) if rng.random() < 0.4 else 0
    g = draw_text(rng, spec.rows[row], face, size, tracking=float(rng.uniform(-0.03, 0.3)),
                  stroke=stroke, seps=" -\u00b7" if us else " ")
    if rng.random() < 0.15:  # thinner strokes than the face has
        g.mask = cv2.erode(g.mask, np.ones((2, 2), np.uint8))
    return g


def _decor_text(rng: np.random.Generator, text: str) -> Glyphs:
    face = DECOR_FACES[int(rng.integers(len(DECOR_FACES)))]
    return draw_text(rng, text, face, 40, tracking=float(rng.uniform(0.0, 0.15)))


def _painter(rng: np.random.Generator, canvas: np.ndarray) -> Paint:
    """Draws small text for ``tools.synth.marks`` in a plate face, on ``canvas``."""
    def paint(text: str, box: Box, colour: Colour) -> None:
        face = PLATE_FACES[int(rng.choice(len(PLATE_FACES), p=_PLATE_P))]
        _place(canvas, draw_text(rng, text, face), box, colour)
    return paint


def _eu_plate(rng: np.random.Generator, spec: PlateSpec, h: int) -> tuple[np.ndarray, list]:
    """European layout: band(s), dark characters filling most of the height."""
    w = round(h * spec.aspect)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = spec.bg if rng.random() < 0.7 else _light(rng, 185)
    band_w = round(h * rng.uniform(0.34, 0.46)) if len(spec.rows) == 1 else round(w * 0.2)
    ink = (int(rng.integers(0, 60)),) * 3
    spans: list[tuple[float, float]] = []
    if len(spec.rows) == 1:
        left = band_w if spec.band_code else round(h * 0.08)
        right = w - (band_w if spec.right_band else round(h * 0.08))
        if spec.band_code:
            _band(rng, canvas, 0, band_w, h, spec.band_code)
        if spec.right_band:
            _band(rng, canvas, w - band_w, band_w, h, None)
        th = round(h * rng.uniform(0.55, 0.78))
        margin = round(h * rng.uniform(0.03, 0.1))
        y = (h - th) // 2 + int(rng.integers(-h // 20, h // 20 + 1))
        box = (left + margin, y, right - left - 2 * margin, th)
        spans = _place(canvas, _main_text(rng, spec, 0, False), box, ink,
                       float(rng.uniform(0.75, 1.2)))
        if spec.marks:
            _eu_marks(rng, canvas, spec, spans, (w - band_w, band_w), (y, th))
        if rng.random() < 0.15:  # dealer or town name under the characters
            g = _decor_text(rng, _word(rng, 4, 12))
            fh = max(2, round(h * 0.1))
            _place(canvas, g, (left, h - fh - 1, right - left, fh), ink)
    else:  # two-row motorcycle plate: band beside the top row only
        top_h = round(h * 0.45)
        if spec.band_code:
            _band(rng, canvas, 0, band_w, top_h, spec.band_code)
        margin = round(h * 0.05)
        th = round(top_h * rng.uniform(0.7, 0.85))
        box = (band_w + margin, (top_h - th) // 2 + margin // 2, w - band_w - 3 * margin, th)
        spans = _place(canvas, _main_text(rng, spec, 0, False), box, ink)
        bh = round((h - top_h) * rng.uniform(0.7, 0.85))
        box = (margin, top_h + (h - top_h - bh) // 2, w - 2 * margin, bh)
        spans += _place(canvas, _main_text(rng, spec, 1, False), box, ink)
    if rng.random() < 0.6:
        cv2.rectangle(canvas, (1, 1), (w - 2, h - 2), (20, 20, 20), max(1, h // 40))
    return canvas, spans


def _eu_marks(rng: np.random.Generator, canvas: np.ndarray, spec: PlateSpec,
              spans: list[tuple[float, float]], band: tuple[int, int],
              line: tuple[int, int]) -> None:
    """A German plate's stickers after its first group; text in a right-hand band."""
    first = len(spec.rows[0].split()[0])
    if spec.country == "de" and 0 < first < len(spans):
        stickers(rng, canvas, spans[first - 1][1], spans[first][0], *line)
    if spec.right_band:
        x, w = band
        canvas[:, x : x + w] = EU_BLUE
        band_text(rng, canvas, x, w, canvas.shape[0], spec.country, _painter(rng, canvas))


def _band(rng: np.random.Generator, canvas: np.ndarray, x: int, w: int, h: int,
          code: str | None) -> None:
    canvas[:h, x : x + w] = EU_BLUE if rng.random() < 0.85 else _light(rng, 0)
    cx, cy, r = x + w / 2, h * 0.3, w * 0.3
    for k in range(12):
        a = 2 * np.pi * k / 12
        pt = (round(cx + r * np.cos(a)), round(cy + r * np.sin(a)))
        cv2.circle(canvas, pt, max(1, round(w * 0.05)), EU_YELLOW, -1, cv2.LINE_AA)
    if code:
        g = _decor_text(rng, code)
        th = round(h * 0.28)
        _place(canvas, g, (x + 2, round(h * 0.62), w - 4, th), (255, 255, 255))


def emblem(rng: np.random.Generator, canvas: np.ndarray, box: tuple[int, int, int, int],
           colour: tuple[int, ...]) -> None:
    """Something beside the plate number that is not part of it: a logo shape, a star,
    or two or three small letters stacked (a plate-type mark, a county code)."""
    x, y, w, h = box
    kind = rng.random()
    if kind < 0.4:
        _place(canvas, _decor_text(rng, _word(rng, 1, 2).upper()), (x, y, w, h // 2), colour)
        _place(canvas, _decor_text(rng, _word(rng, 1, 2).upper()), (x, y + h // 2, w, h // 2),
               colour)
    elif kind < 0.7:  # a star or a blob
        n = int(rng.integers(5, 11))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        rad = rng.uniform(0.3, 1.0, n) * min(w, h) / 2
        pts = np.stack([x + w / 2 + rad * np.cos(ang), y + h / 2 + rad * np.sin(ang)], 1)
        cv2.fillPoly(canvas, [pts.astype(np.int32)], colour, cv2.LINE_AA)
    else:  # a tall thin shape: a cactus, a tower, a tree
        cw = max(2, w // 4)
        cv2.rectangle(canvas, (x + w // 2 - cw // 2, y), (x + w // 2 + cw // 2, y + h), colour,
                      -1)
        arm = int(rng.integers(h // 5, h // 2 + 1))
        cv2.rectangle(canvas, (x, y + arm), (x + w, y + arm + cw), colour, -1)


def _printed_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A US-style printed plate: light gradient, hills, sun, stripes or a big faint emblem."""
    a, b = np.array(_light(rng, 170), np.float32), np.array(_light(rng, 170), np.float32)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (a * (1 - t) + b * t).repeat(w, axis=1)
    for _ in range(int(rng.integers(0, 4))):
        kind = rng.random()
        col = tuple(float(c) for c in rng.integers(60, 256, 3))
        if kind < 0.4:  # hills / skyline along the bottom
            xs = np.linspace(0, w, int(rng.integers(3, 9)))
            ys = h * rng.uniform(0.55, 0.95, len(xs))
            pts = np.array([[0, h], *zip(xs, ys, strict=True), [w, h]], np.int32)
            cv2.fillPoly(img, [pts], col)
        elif kind < 0.7:  # sun, emblem
            c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.circle(img, c, int(rng.integers(h // 8, h // 2)), col, -1, cv2.LINE_AA)
        else:  # a stripe or band
            y = int(rng.integers(0, h))
            cv2.rectangle(img, (0, y), (w, y + int(rng.integers(2, h // 6 + 3))), col, -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def _us_plate(rng: np.random.Generator, spec: PlateSpec) -> tuple[np.ndarray, list]:
    """US-like layout: header word, slogan, stickers, coloured characters on a print."""
    h = 110
    w = round(h * rng.uniform(1.8, 2.4))
    canvas = _printed_background(rng, h, w)
    ink = _INKS[int(rng.integers(len(_INKS)))]
    decor = _INKS[int(rng.integers(len(_INKS)))]
    if rng.random() < 0.8:
        g = _decor_text(rng, _word(rng, 4, 12))
        th = round(h * rng.uniform(0.12, 0.22))
        _place(canvas, g, (round(w * 0.15), round(h * 0.04), round(w * 0.7), th), decor)
    if rng.random() < 0.7:
        words = " ".join(_word(rng, 2, 8) for _ in range(int(rng.integers(1, 4))))
        th = round(h * rng.uniform(0.07, 0.13))
        _place(canvas, _decor_text(rng, words), (round(w * 0.1), h - th - round(h * 0.05),
                                                 round(w * 0.8), th), decor)
    for corner in (0, 1):
        if rng.random() < 0.45:  # registration sticker with a month or a year
            sw, sh = round(w * rng.uniform(0.08, 0.14)), round(h * rng.uniform(0.1, 0.18))
            sx = round(w * 0.03) if corner == 0 else w - sw - round(w * 0.03)
            sy = round(h * rng.uniform(0.03, 0.1))
            cv2.rectangle(canvas, (sx, sy), (sx + sw, sy + sh), _light(rng, 0), -1)
            txt = (_MONTHS[int(rng.integers(12))] if rng.random() < 0.5
                   else str(int(rng.integers(0, 100))).zfill(2))
            _place(canvas, _decor_text(rng, txt), (sx + 1, sy + 1, sw - 2, sh - 2),
                   (10, 10, 10))
    th = round(h * rng.uniform(0.38, 0.56))
    y = round(h * 0.5 - th / 2 + h * rng.uniform(-0.05, 0.05))
    m = round(w * rng.uniform(0.04, 0.1))
    left, right = m, w - m
    if rng.random() < (0.75 if spec.marks else 0.35):  # a logo or stacked letters beside it
        ew = round(w * rng.uniform(0.08, 0.16))
        at_left = rng.random() < 0.5
        ebox = (left, y, ew, th) if at_left else (right - ew, y, ew, th)
        if spec.marks:
            mark(rng, canvas, ebox, ink, decor, _painter(rng, canvas))
        else:
            emblem(rng, canvas, ebox, decor)
        if at_left:
            left += ew + round(w * 0.02)
        else:
            right -= ew + round(w * 0.02)
    shadow = (max(1, h // 50), max(1, h // 50)) if rng.random() < 0.3 else None
    spans = _place(canvas, _main_text(rng, spec, 0, True), (left, y, right - left, th), ink,
                   float(rng.uniform(0.8, 1.2)), shadow)
    if rng.random() < 0.5:
        cv2.rectangle(canvas, (1, 1), (w - 2, h - 2), decor, max(1, h // 30))
    return canvas, spans


def _plain_plate(rng: np.random.Generator, spec: PlateSpec) -> tuple[np.ndarray, list]:
    """No band or print: a flat colour, sometimes light characters on a dark plate."""
    h = 100
    w = round(h * rng.uniform(2.4, 5.0))
    dark = rng.random() < 0.35
    bg = tuple(int(c) for c in rng.integers(0, 90, 3)) if dark else _light(rng, 150)
    ink = _light(rng, 190) if dark else _INKS[int(rng.integers(len(_INKS)))]
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = bg
    th = round(h * rng.uniform(0.5, 0.8))
    m = round(max(h * 0.1, w * 0.05))
    left, right = m, w - m
    if spec.marks and rng.random() < 0.5:
        ew = round(h * rng.uniform(0.4, 0.7))
        at_left = rng.random() < 0.5
        x = left if at_left else right - ew
        mark(rng, canvas, (x, (h - th) // 2, ew, th), ink, ink, _painter(rng, canvas))
        left, right = (left + ew + m // 2, right) if at_left else (left, right - ew - m // 2)
    spans = _place(canvas, _main_text(rng, spec, 0, True),
                   (left, (h - th) // 2, right - left, th), ink, float(rng.uniform(0.8, 1.2)))
    if rng.random() < 0.5:
        cv2.rectangle(canvas, (2, 2), (w - 3, h - 3), ink, max(1, h // 30))
    return canvas, spans


def tone(rng: np.random.Generator, img: np.ndarray) -> np.ndarray:
    """Washed-out contrast, colour casts and gamma of cheap cameras and dirty film."""
    out = img.astype(np.float32)
    if rng.random() < 0.5:
        mean = out.mean()
        out = mean + (out - mean) * float(rng.uniform(0.3, 1.0))
    if rng.random() < 0.4:
        out *= rng.uniform(0.7, 1.2, 3).astype(np.float32)
    if rng.random() < 0.3:
        out = 255.0 * (np.clip(out, 0, 255) / 255.0) ** float(rng.uniform(0.6, 1.6))
    return np.clip(out, 0, 255).astype(np.uint8)


# Letters most plate systems never issue because they pass for digits (I, O, Q) or V (U):
# Italy, Spain and France leave them out, and a reader that has seen them as often as
# the others guesses O for a worn 0. Where a format allows them they stay, rarer.
_RARE = "IOQU"
_COMMON = "".join(c for c in LETTERS if c not in _RARE)
_RARE_KEEP = {"fr": 0.0, "es": 0.0}


def respell(rng: np.random.Generator, spec: PlateSpec) -> PlateSpec:
    """Replace most I, O, Q, U letters by common ones, in the label and the drawn rows."""
    keep = _RARE_KEEP.get(spec.country, 0.25)
    new = [c if c not in _RARE or rng.random() < keep
           else _COMMON[int(rng.integers(len(_COMMON)))] for c in spec.label]
    it = iter(new)
    rows = ["".join(next(it) if ch.isalnum() else ch for ch in row) for row in spec.rows]
    return PlateSpec(rows, "".join(new), spec.country, spec.band_code, spec.right_band,
                     spec.bg, spec.aspect)


def _with_marks(spec: PlateSpec) -> PlateSpec:
    """``spec`` with marks on; a German plate's first gap widened for its stickers."""
    rows = spec.rows
    if spec.country == "de" and len(rows) == 1:
        rows = [rows[0].replace(" ", "  ", 1)]
    return dataclasses.replace(spec, rows=rows, marks=True)


def _occlusion(rng: np.random.Generator, canvas: np.ndarray, spans: list[tuple[float, float]],
               label: str, hard: bool) -> str:
    """A fifth of one-row plates lose a character to an occluder; in the hard mix a
    quarter lose up to two separate ones and a tenth more lose one."""
    r = rng.random()
    if hard and r < 0.25:
        return occlude_many(rng, canvas, spans, label)
    if r < (0.35 if hard else 0.2):
        return occlude(rng, canvas, spans, label)
    return label


def rich_crop(rng: np.random.Generator, fmt: str | None = None,
              mix: Mix = PLAIN) -> tuple[np.ndarray, str]:
    """An OCR training sample from the varied renderer: (RGB uint8 crop, label).

    ``mix`` says which cases of the later training stages to add (``PLAIN``: exactly
    the draws of the first two stages).
    """
    check_faces()
    spec = respell(rng, grouped_spec(rng) if fmt == "grouped" else random_spec(rng, fmt))
    layout = rng.random()
    if mix.hard and len(spec.rows) == 1 and layout < 0.55 and rng.random() < 0.2:
        spec = two_rows(rng, spec)
    if mix.marks > 0 and rng.random() < mix.marks:
        spec = _with_marks(spec)
    if len(spec.rows) > 1 or layout < 0.55:
        flat, spans = _eu_plate(rng, spec, 110)
    elif layout < 0.85:
        flat, spans = _us_plate(rng, spec)
    else:
        flat, spans = _plain_plate(rng, spec)
    label = spec.label
    if len(spec.rows) == 1:
        if mix.lone > 0 and rng.random() < mix.lone:
            label = occlude_lone(rng, flat, spans, label)
        else:
            label = _occlusion(rng, flat, spans, label, mix.hard)
    flat = soil(rng, flat)
    cut_now = mix.cut > 0 and len(spec.rows) == 1 and rng.random() < mix.cut
    if cut_now:
        flat = text_cut(rng, flat, spans)
    char_h = float(rng.uniform(12, 50))
    text_frac = 0.35 if len(spec.rows) > 1 else 0.55
    width = char_h / text_frac * flat.shape[1] / flat.shape[0]
    tight, loose = (-0.02, 0.1), (0.0, 0.25)
    box_margins = hard_margins(rng) if mix.hard else tight if rng.random() < 0.8 else loose
    if cut_now:
        box_margins = CUT_MARGINS
    toned = tone(rng, flat)
    if mix.hard and rng.random() < 0.12:
        toned = ir_cast(rng, toned)
    crop = frame_crop(rng, toned, width, char_h, box_margins)
    return crop, label
