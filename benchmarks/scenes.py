"""Generated frames for the benchmarks: 720p, 1080p and 4K with 0, 1, 4 or 16 plates.

Plates are drawn with the synthetic renderer of ``tools/synth`` on a grid, at a
width proportional to the frame, so the growth of cost with frame size and with
the number of plates is visible. Seeded: every run sees the same pictures.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from edge.types import Image, as_image
from tools.synth.scenes import background, place_plate

SIZES: dict[str, tuple[int, int]] = {"720p": (1280, 720), "1080p": (1920, 1080),
                                     "4K": (3840, 2160)}
PLATE_COUNTS = (0, 1, 4, 16)


@lru_cache(maxsize=16)
def frame(size: str, plates: int, seed: int = 1) -> Image:
    """An RGB frame of ``size`` with ``plates`` plates on a 4x4 grid (read-only)."""
    w, h = SIZES[size]
    rng = np.random.default_rng(seed)
    img = background(rng, h, w)
    pw = 180 * w / 1280
    for i in range(plates):
        col, row = i % 4, i // 4
        cx = (col + 0.5) * w / 4
        cy = (row + 0.5) * h / 4
        place_plate(rng, img, cx, cy, pw * 0.6 if plates > 4 else pw, fmt="it", max_yaw=10)
    out = as_image(img)
    out.setflags(write=False)
    return out


def clip(size: str, path: Path, frames: int = 8, plates: int = 4) -> Path:
    """A short mp4v clip of one frame repeated with a little noise, for decode timing."""
    w, h = SIZES[size]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 25.0, (w, h))
    base = cv2.cvtColor(frame(size, plates), cv2.COLOR_RGB2BGR)
    rng = np.random.default_rng(0)
    for _ in range(frames):
        noise = rng.integers(0, 6, base.shape, dtype=np.uint8)
        writer.write(cv2.add(base, noise))
    writer.release()
    return path
