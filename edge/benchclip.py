"""Inputs of ``anpr-edge bench``: a 1080p clip at 25 fps and a large plate list.

The clip is the bundled demo recording (eight vehicles, four of them listed)
scaled to the target size and re-timed, so every board replays the same
pictures and the hits are known. The list holds the demo's listed plates plus
seeded random Italian-format plates up to the requested size.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from edge.errors import BenchError

LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
DIGITS = "0123456789"


def make_clip(src: Path, dst: Path, width: int = 1920, height: int = 1080,
              fps: float = 25.0) -> int:
    """Scale ``src`` to ``width`` x ``height`` at ``fps``; return the frame count written."""
    cap = cv2.VideoCapture(str(src))
    if not cap.isOpened():
        raise BenchError(f"cannot read the source clip {src}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        cap.release()
        raise BenchError(f"cannot write the bench clip {dst}")
    n = 0
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            writer.write(cv2.resize(bgr, (width, height), interpolation=cv2.INTER_LINEAR))
            n += 1
    finally:
        cap.release()
        writer.release()
    if n == 0:
        raise BenchError(f"the source clip {src} has no frames")
    return n


def random_plates(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct seeded Italian-format plates (AA123AA)."""
    rng = np.random.default_rng(seed)
    out: set[str] = set()
    while len(out) < n:
        k = n - len(out)
        let = rng.integers(0, len(LETTERS), (k, 4))
        dig = rng.integers(0, 10, (k, 3))
        for a, d in zip(let, dig, strict=True):
            out.add(LETTERS[a[0]] + LETTERS[a[1]] + DIGITS[d[0]] + DIGITS[d[1]] + DIGITS[d[2]]
                    + LETTERS[a[2]] + LETTERS[a[3]])
    return sorted(out)[:n]


def make_list(dst: Path, size: int, listed: Path | None = None) -> int:
    """Write a ``plate,reference`` CSV of ``size`` entries (``listed`` rows first)."""
    rows: dict[str, str] = {}
    if listed is not None and listed.is_file():
        with listed.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows[row["plate"]] = row["reference"]
    for i, plate in enumerate(random_plates(max(0, size - len(rows)))):
        rows.setdefault(plate, f"BENCH-{i:07d}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["plate", "reference"])
        w.writerows(rows.items())
    return len(rows)
