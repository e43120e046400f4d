"""Render test clips with per-vehicle ground truth for vehicle-level evaluation.

    python -m tools.make_video [--out tests/data/video]

Vehicles with Italian plates cross a gate camera's view: several speeds, two
lanes, a day and a night-infrared look, some motion-blurred frames and
close-following vehicles. Writes ``<name>.mp4`` (1280x720, 10 fps, mp4v) and
``<name>.json`` per clip, plus ``empty.mp4`` (the road with nobody on it, for
the motion gate). Seeded: the same command always writes the same clips.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from tools.make_demo import FPS, H, Vehicle, W, _it_plate, background, draw_vehicle
from tools.synth.plates import check_fonts, random_spec, render_flat


@dataclass(frozen=True)
class Pass:
    """One vehicle's pass: lane (0 left, 1 right), first frame, frames to cross."""

    lane: int
    start: int
    duration: int


@dataclass(frozen=True)
class ClipSpec:
    """A clip: its look, its vehicles, its length and which frames are blurred."""

    name: str
    night: bool
    passes: tuple[Pass, ...]
    frames: int
    blur_every: int  # every n-th frame gets a strong motion blur (0 = none)
    seed: int


CLIPS = (
    # Day: slow, medium and fast vehicles in both lanes, one car close behind another.
    ClipSpec("day", False, (Pass(0, 2, 26), Pass(1, 6, 16), Pass(0, 14, 26), Pass(1, 30, 11),
                            Pass(0, 40, 18)), 66, 4, 601),
    # Night infrared: grey, hard contrast, noisy; fast and slow, two lanes at once.
    ClipSpec("night", True, (Pass(1, 2, 20), Pass(0, 4, 13), Pass(1, 22, 24), Pass(0, 28, 16)),
             54, 5, 602),
)
EMPTY_FRAMES = 60


def _ir_look(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Night infrared: grey, dark surroundings, bright retro-reflective plates, sensor noise."""
    g = img.astype(np.float32).mean(axis=2, keepdims=True)
    g = np.clip((g - 110) * 1.6 + 70, 0, 255)
    g += rng.normal(0, 2.0, g.shape).astype(np.float32)
    return np.repeat(np.clip(g, 0, 255), 3, axis=2).astype(np.uint8)


def _motion_blur(img: np.ndarray, k: int) -> np.ndarray:
    kern = np.zeros((k, k), np.float32)
    kern[:, k // 2] = 1.0 / k  # vertical: vehicles move down the frame towards the camera
    return np.asarray(cv2.filter2D(img, -1, kern))


def _write(path: Path, frames: list[np.ndarray]) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
    if not writer.isOpened():
        raise RuntimeError("cv2.VideoWriter cannot open an mp4v writer")
    for img in frames:
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()


def render(spec: ClipSpec, out: Path) -> dict[str, Any]:
    """Render one clip and its truth file into ``out``; returns the truth record."""
    rng = np.random.default_rng(spec.seed)
    bg = background(rng)
    plates: list[str] = []
    while len(plates) < len(spec.passes):
        p = _it_plate(rng)
        if p not in plates:
            plates.append(p)
    vehicles: list[tuple[Vehicle, Pass]] = []
    for i, ps in enumerate(spec.passes):
        pspec = random_spec(rng, "it")
        pspec.rows, pspec.label = [f"{plates[i][:2]} {plates[i][2:5]} {plates[i][5:]}"], plates[i]
        pspec.bg = (240, 240, 240)
        flat = render_flat(rng, pspec, 110)
        colour = (int(rng.integers(30, 230)), int(rng.integers(30, 230)),
                  int(rng.integers(30, 230)))
        vehicles.append((Vehicle(plates[i], flat, colour, ps.lane, ps.start, spec.seed * 10 + i),
                         ps))
    noise_rng = np.random.default_rng(spec.seed + 1)
    frames: list[np.ndarray] = []
    blurred: list[int] = []
    for f in range(spec.frames):
        img = bg.copy()
        active = [(1.3 * (f - ps.start) / ps.duration, v) for v, ps in vehicles
                  if 0 <= f - ps.start <= ps.duration]
        for t, v in sorted(active, key=lambda a: a[0]):  # far first: near cars cover them
            draw_vehicle(img, v, t, f)
        img = cv2.GaussianBlur(img, (0, 0), 0.7)
        if spec.blur_every and f % spec.blur_every == spec.blur_every - 1:
            img = _motion_blur(img, 11)
            blurred.append(f)
        if spec.night:
            img = _ir_look(img, noise_rng)
        else:
            img = np.clip(img + noise_rng.normal(0, 2.0, img.shape), 0, 255).astype(np.uint8)
        frames.append(img)
    _write(out / f"{spec.name}.mp4", frames)
    truth = {
        "clip": f"{spec.name}.mp4", "width": W, "height": H, "fps": FPS,
        "frames": spec.frames, "look": "night-ir" if spec.night else "day",
        "blurred_frames": blurred,
        "box_format": "[x, y, w, h] in frame pixels, clipped; boxes[k] is frame first_frame + k",
        "vehicles": [
            {"plate": v.plate, "lane": v.lane, "crossing_frames": ps.duration,
             "first_frame": min(v.boxes), "last_frame": max(v.boxes),
             "boxes": [v.boxes[k] for k in sorted(v.boxes)],
             "inside": [v.inside[k] for k in sorted(v.boxes)]}
            for v, ps in vehicles if v.boxes
        ],
    }
    (out / f"{spec.name}.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def render_empty(out: Path, seed: int = 609) -> dict[str, Any]:
    """The empty road: sensor noise and a slow exposure drift, no vehicle."""
    rng = np.random.default_rng(seed)
    bg = background(rng).astype(np.float32)
    frames = []
    for f in range(EMPTY_FRAMES):
        gain = 1.0 + 0.04 * np.sin(f / EMPTY_FRAMES * 2 * np.pi)  # auto-exposure wander
        img = bg * gain + rng.normal(0, 1.5, bg.shape)
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    _write(out / "empty.mp4", frames)
    truth = {"clip": "empty.mp4", "width": W, "height": H, "fps": FPS, "frames": EMPTY_FRAMES,
             "look": "day", "blurred_frames": [], "vehicles": []}
    (out / "empty.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("tests/data/video"))
    out: Path = ap.parse_args().out
    check_fonts()
    out.mkdir(parents=True, exist_ok=True)
    for spec in CLIPS:
        truth = render(spec, out)
        size = (out / truth["clip"]).stat().st_size
        print(f"make_video: {truth['clip']} {spec.frames} frames, {len(truth['vehicles'])} "
              f"vehicles, {size / 1e6:.2f} MB")
    render_empty(out)
    print(f"make_video: empty.mp4 {EMPTY_FRAMES} frames")


if __name__ == "__main__":
    main()
