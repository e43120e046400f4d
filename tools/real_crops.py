"""Real training crops for the reader: the ``ro_frames`` plates read by eye.

``ro_frames`` (MIT licence, the one real set that may be trained on) labels plate
boxes only; ``tools/ro_labels/texts.jsonl`` gives the text of every plate there that
is legible by eye (120 of 131: 86 in the detector's training frames, 34 in its held-out
videos). The reader trains on the first kind only, so the held-out plates stay a real
European test set for both models. Each plate is cut several times, as the synthetic
crops are: the plate's box with -2 % to +10 % margins per side, then grey and resized
like the runtime's input; the training loop's own augmentation adds more on top.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

TEXTS = Path(__file__).parent / "ro_labels" / "texts.jsonl"


class RealCropsError(RuntimeError):
    """The real frames a stage trains on are missing or unreadable."""


def labelled_plates(ro_dir: Path, part: str = "train") -> list[tuple[Path, list[float], str]]:
    """(frame, box [x, y, w, h], text) of each legible plate in ``part`` of ``ro_frames``:
    ``train`` (the detector's training frames) or ``holdout``."""
    from tools.train_detector import is_holdout

    out = []
    for line in TEXTS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if is_holdout(rec["image"]) == (part == "holdout"):
            out.append((ro_dir / rec["image"], [float(v) for v in rec["box"]], rec["plate"]))
    return out


def real_crops(ro_dir: Path, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` crops (uint8 N x H x W x C) and slot targets cut from the training frames'
    legible plates in turn, each cut with fresh random margins (deterministic per seed)."""
    from tools.train_ocr import encode, preprocess

    plates = labelled_plates(ro_dir, "train")
    frames: dict[Path, np.ndarray] = {}
    for path, _, _ in plates:
        if path not in frames:
            bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if bgr is None:
                raise RealCropsError(f"cannot read {path}: the OCR stage trains on ro_frames "
                                     "(pass --real-frames DIR)")
            frames[path] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i in range(n):
        path, (x, y, w, h), text = plates[i % len(plates)]
        img = frames[path]
        left, right = rng.uniform(-0.02, 0.10, 2) * w
        top, bottom = rng.uniform(-0.02, 0.10, 2) * h
        x0, y0 = max(0, round(x - left)), max(0, round(y - top))
        x1 = min(img.shape[1], round(x + w + right))
        y1 = min(img.shape[0], round(y + h + bottom))
        xs.append(preprocess(img[y0:y1, x0:x1]))
        ys.append(encode(text))
    return np.stack(xs), np.stack(ys)
