"""Render the demo clip: 8 vehicles with Italian plates pass a gate camera, two lanes.

    python -m tools.make_demo [--out demo]

Writes ``clip.mp4`` (1280x720, 10 fps, mp4v), ``plates.csv`` (a demo hotlist: 4 plates of
the clip plus 3 that never appear) and ``truth.json`` (per-vehicle frames and boxes).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from tools.synth.plates import IT_LETTERS, check_fonts, random_spec, render_flat, warp_plate

W, H, FPS = 1280, 720, 10
N_VEHICLES, STAGGER, DURATION = 8, 16, 30
N_FRAMES = STAGGER * (N_VEHICLES - 1) + DURATION + 6
HORIZON = 250
LISTED = (0, 2, 3, 6)  # vehicles whose plates go into the demo hotlist
SEED = 20240501


@dataclass
class Vehicle:
    """One vehicle's fixed look and its path through the frame."""

    plate: str
    flat: np.ndarray
    colour: tuple[int, int, int]
    lane: int
    start: int
    seed: int
    boxes: dict[int, list[int]] = field(default_factory=dict)
    inside: dict[int, bool] = field(default_factory=dict)


def _it_plate(rng: np.random.Generator) -> str:
    pick = lambda s, n: "".join(s[i] for i in rng.integers(0, len(s), n))  # noqa: E731
    return pick(IT_LETTERS, 2) + pick("0123456789", 3) + pick(IT_LETTERS, 2)


def background(rng: np.random.Generator) -> np.ndarray:
    """A static street: sky, buildings, a pharmacy cross, road with lane markings."""
    img = np.zeros((H, W, 3), np.uint8)
    t = np.linspace(0, 1, HORIZON, dtype=np.float32)[:, None, None]
    img[:HORIZON] = (np.array([120, 170, 225]) * (1 - t) + np.array([200, 215, 230]) * t)
    x = 0
    while x < W:  # buildings along the horizon
        bw, bh = int(rng.integers(80, 200)), int(rng.integers(60, 200))
        c = tuple(int(v) for v in rng.integers(120, 220, 3))
        cv2.rectangle(img, (x, HORIZON - bh), (x + bw, HORIZON + 40), c, -1)
        # Ribbon windows: a row of separate dark squares above a car roof looks like
        # plate characters to plate-det-v2 (see models/README.md, known limits).
        for wy in range(HORIZON - bh + 12, HORIZON + 20, 28):
            cv2.rectangle(img, (x + 8, wy), (x + bw - 8, wy + 14), (70, 80, 95), -1)
        x += bw + int(rng.integers(0, 20))
    # Pharmacy cross without lettering: a text sign ("FARMACIA") next to the cars was
    # detected as a plate by plate-det-v2 (see models/README.md, known limits).
    cv2.rectangle(img, (120, 140), (140, 200), (30, 160, 60), -1)
    cv2.rectangle(img, (100, 160), (160, 180), (30, 160, 60), -1)
    road = np.array([[560, HORIZON], [720, HORIZON], [W + 500, H], [-500, H]], np.int32)
    cv2.fillPoly(img, [np.array([[0, HORIZON + 40], [W, HORIZON + 40], [W, H], [0, H]])],
                 (150, 150, 140))  # pavement
    cv2.fillPoly(img, [road], (85, 85, 90))
    for k in range(12):  # dashed centre line in perspective
        y0 = HORIZON + (H - HORIZON) * (k / 12) ** 1.6
        y1 = HORIZON + (H - HORIZON) * ((k + 0.5) / 12) ** 1.6
        w0, w1 = 1 + 8 * (y0 - HORIZON) / (H - HORIZON), 1 + 8 * (y1 - HORIZON) / (H - HORIZON)
        cv2.fillPoly(img, [np.array([[640 - w0, y0], [640 + w0, y0], [640 + w1, y1],
                                     [640 - w1, y1]], np.int32)], (235, 235, 235))
    noise = rng.normal(0, 3, (H, W, 1))
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def draw_vehicle(img: np.ndarray, v: Vehicle, t: float, frame: int) -> None:
    """The rear of a car at path position ``t`` (0 = far, ~1.3 = leaving at the bottom)."""
    pw = 150 + 130 * t  # plate width: Italian characters are ~0.145 of it, so >= 21 px
    py = 300 + 330 * t
    side = -1 if v.lane == 0 else 1
    cx = 640 + side * (150 + 250 * t)
    car_w, car_h = 2.9 * pw, 2.0 * pw
    x0, x1 = round(cx - car_w / 2), round(cx + car_w / 2)
    y0, y1 = round(py - 0.78 * car_h), round(py + 0.22 * car_h)
    wr = round(car_w * 0.08)
    for wx in (x0 + wr * 1.4, x1 - wr * 1.4):
        cv2.rectangle(img, (round(wx - wr), y1 - wr), (round(wx + wr), y1 + wr // 3), (25, 25, 25),
                      -1)
    cv2.rectangle(img, (x0, round(y0 + car_h * 0.4)), (x1, y1), v.colour, -1)
    roof = np.array([[x0 + car_w * 0.06, y0 + car_h * 0.42], [x0 + car_w * 0.18, y0],
                     [x1 - car_w * 0.18, y0], [x1 - car_w * 0.06, y0 + car_h * 0.42]], np.int32)
    cv2.fillPoly(img, [roof], v.colour)
    win = roof + np.array([[car_w * 0.05, -car_h * 0.04], [car_w * 0.03, car_h * 0.05],
                           [-car_w * 0.03, car_h * 0.05], [-car_w * 0.05, -car_h * 0.04]])
    cv2.fillPoly(img, [win.astype(np.int32)], (40, 45, 55))
    ly = round(y0 + car_h * 0.55)
    for lx in (x0 + car_w * 0.1, x1 - car_w * 0.1):
        cv2.rectangle(img, (round(lx - car_w * 0.07), ly), (round(lx + car_w * 0.07),
                      ly + round(car_h * 0.07)), (200, 40, 40), -1)
    cv2.rectangle(img, (x0, y1 - round(car_h * 0.1)), (x1, y1), (30, 30, 30), -1)  # bumper
    # Same seed every frame: the plate keeps its (mild) viewing angle while it grows.
    rgb, alpha, corners = warp_plate(np.random.default_rng(v.seed), v.flat, pw, max_yaw=10,
                                     max_pitch=8, max_roll=2)
    px, py0 = round(cx - rgb.shape[1] / 2), round(py - rgb.shape[0] / 2)
    bx0, by0 = corners.min(0) + np.array([px, py0])
    bx1, by1 = corners.max(0) + np.array([px, py0])
    cx0, cy0, cx1, cy1 = max(px, 0), max(py0, 0), min(px + rgb.shape[1], W), min(
        py0 + rgb.shape[0], H)
    if cx1 > cx0 and cy1 > cy0:
        a = alpha[cy0 - py0 : cy1 - py0, cx0 - px : cx1 - px, None]
        roi = img[cy0:cy1, cx0:cx1].astype(np.float32)
        src = rgb[cy0 - py0 : cy1 - py0, cx0 - px : cx1 - px]
        img[cy0:cy1, cx0:cx1] = (roi * (1 - a) + src * a).astype(np.uint8)
    vx0, vy0, vx1, vy1 = max(bx0, 0), max(by0, 0), min(bx1, W), min(by1, H)
    if vx1 > vx0 and vy1 > vy0:
        v.boxes[frame] = [round(vx0), round(vy0), round(vx1 - vx0), round(vy1 - vy0)]
        v.inside[frame] = bool(bx0 >= 0 and by0 >= 0 and bx1 <= W and by1 <= H)


def make(out: Path) -> dict:
    """Render the clip and its side files into ``out``; returns the truth record."""
    check_fonts()
    rng = np.random.default_rng(SEED)
    bg = background(rng)
    plates = []
    while len(plates) < N_VEHICLES + 3:
        p = _it_plate(rng)
        if p not in plates:
            plates.append(p)
    vehicles = []
    for i in range(N_VEHICLES):
        spec = random_spec(rng, "it")
        spec.rows, spec.label = [f"{plates[i][:2]} {plates[i][2:5]} {plates[i][5:]}"], plates[i]
        spec.bg = (240, 240, 240)
        flat = render_flat(rng, spec, 110)
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        vehicles.append(Vehicle(plates[i], flat, colour, i % 2, 3 + STAGGER * i, SEED + i))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
    if not writer.isOpened():
        raise RuntimeError("cv2.VideoWriter cannot open an mp4v writer")
    noise_rng = np.random.default_rng(SEED + 100)
    for f in range(N_FRAMES):
        img = bg.copy()
        active = [(1.3 * (f - v.start) / DURATION, v) for v in vehicles
                  if 0 <= f - v.start <= DURATION]
        for t, v in sorted(active, key=lambda a: a[0]):  # far first: near cars cover them
            draw_vehicle(img, v, t, f)
        img = cv2.GaussianBlur(img, (0, 0), 0.7)  # mild optics blur
        img = np.clip(img + noise_rng.normal(0, 2.0, img.shape), 0, 255).astype(np.uint8)
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()
    cap = cv2.VideoCapture(str(path))
    decoded = 0
    while cap.read()[0]:
        decoded += 1
    cap.release()
    if decoded != N_FRAMES:
        raise RuntimeError(f"{path} decodes to {decoded} frames, wrote {N_FRAMES}")
    listed = [plates[i] for i in LISTED] + plates[N_VEHICLES:]
    rows = ["plate,reference"] + [f"{p},DEMO-{k + 1:04d}" for k, p in enumerate(listed)]
    (out / "plates.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    truth = {
        "clip": "clip.mp4", "width": W, "height": H, "fps": FPS, "frames": N_FRAMES,
        "box_format": "[x, y, w, h] in frame pixels, clipped to the frame; boxes[k] is frame "
                      "first_frame + k; inside[k] says the plate is wholly in the frame",
        "not_in_clip": plates[N_VEHICLES:],
        "vehicles": [
            {"plate": v.plate, "listed": i in LISTED, "lane": v.lane,
             "first_frame": min(v.boxes), "last_frame": max(v.boxes),
             "boxes": [v.boxes[k] for k in sorted(v.boxes)],
             "inside": [v.inside[k] for k in sorted(v.boxes)]}
            for i, v in enumerate(vehicles)
        ],
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    size = path.stat().st_size
    print(f"make_demo: {path} {N_FRAMES} frames, {size / 1e6:.2f} MB; plates {plates[:8]}")
    return truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("demo"))
    make(ap.parse_args().out)


if __name__ == "__main__":
    main()
