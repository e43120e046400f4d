"""Write a held-out synthetic evaluation set in the shared ``manifest.jsonl`` format.

    python -m tools.make_synth_eval OUT_DIR --n-scenes 200 --n-crops 1000 --seed 7

Scenes (1280x720 frames with 0-4 plates, boxes) and plate crops (one plate each, the
crop's own box) go to ``OUT_DIR/images/``; one manifest line per image. Use a seed other
than the training seeds (0 and 1000) to keep the set held out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from tools.synth.plates import check_fonts, plate_crop
from tools.synth.scenes import scene


def write(out: Path, n_scenes: int, n_crops: int, seed: int) -> int:
    """Generate the set; returns the number of manifest lines."""
    check_fonts()
    (out / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    rng = np.random.default_rng([seed, 1])
    for i in range(n_scenes):
        img, plates = scene(rng)
        name = f"images/scene_{i:05d}.jpg"
        cv2.imwrite(str(out / name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        boxes = [[round(v) for v in p.box] for p in plates]
        rec: dict = {"image": name, "plate": plates[0].label if plates else None,
                     "box": boxes[0] if plates else None,
                     "country": plates[0].country if plates else "it",
                     "width": img.shape[1], "height": img.shape[0]}
        if len(plates) > 1:
            rec["plates"] = [{"plate": p.label, "box": b} for p, b in zip(plates, boxes,
                                                                          strict=True)]
        lines.append(rec)
    rng = np.random.default_rng([seed, 2])
    for i in range(n_crops):
        crop, label = plate_crop(rng)
        name = f"images/crop_{i:05d}.png"  # PNG: no second JPEG pass on small crops
        cv2.imwrite(str(out / name), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
        h, w = crop.shape[:2]
        lines.append({"image": name, "plate": label, "box": [0, 0, w, h], "country": "xx",
                      "width": w, "height": h})
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as f:
        for rec in lines:
            f.write(json.dumps(rec) + "\n")
    return len(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n-scenes", type=int, default=200)
    ap.add_argument("--n-crops", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    n = write(args.out, args.n_scenes, args.n_crops, args.seed)
    print(f"make_synth_eval: {n} images in {args.out}")


if __name__ == "__main__":
    main()
