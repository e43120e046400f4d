"""Pick a detector's default score threshold on its own held-out synthetic scenes.

    python -m tools.pick_threshold [models/plate-det-v4.onnx] [--n 300] [--seed 0]
    python -m tools.pick_threshold --write plate-det-v4 [--models models]

Scores the detector on the held-out scenes of its training command (``n`` plain and
``n`` with sign-like negatives, from ``seed``) once, then pools true and false
positives at IoU 0.4 for each threshold of ``GRID`` and prints precision, recall and
F1. The pick is the threshold of best F1, the lower one on a tie: the rule that set
plate-det-v4's threshold. No real image is used, so the evaluation sets stay out of the
choice. ``--write NAME`` stores the pick and the sweep in that manifest entry
(``score_threshold``, read by the node when its config leaves the threshold unset, and
``threshold_pick``); ``tools.train_detector`` and ``tools.quantize_models`` do the same for
every detector they write.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tools.names import DET

GRID = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)


@dataclass(frozen=True, slots=True)
class Point:
    """Pooled detection counts at one threshold."""

    threshold: float
    true_positives: int
    false_positives: int
    plates: int
    images: int

    @property
    def precision(self) -> float:
        """Share of detections that are plates."""
        return self.true_positives / max(self.true_positives + self.false_positives, 1)

    @property
    def recall(self) -> float:
        """Share of plates found."""
        return self.true_positives / max(self.plates, 1)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


Scenes = tuple[list[np.ndarray], list[np.ndarray]]


def sweep(onnx: Path, n: int = 300, seed: int = 0, grid: tuple[float, ...] = GRID
          ) -> list[Point]:
    """Counts at every threshold of ``grid`` over the plain and the sign scenes."""
    import onnxruntime as ort

    from tools.train_detector import scene_set, sign_test_set

    sess = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    return sweep_sets(sess, [scene_set(n, np.random.default_rng([seed + 1000])),
                             sign_test_set(n, seed)], grid)


def sweep_sets(sess: object, sets: list[Scenes], grid: tuple[float, ...] = GRID
               ) -> list[Point]:
    """Counts at every threshold of ``grid`` over already drawn scene sets."""
    from tools.train_detector import match, predict

    counts = {t: [0, 0, 0] for t in grid}
    images = 0
    for imgs, gts in sets:
        for img, gt in zip(imgs, gts, strict=True):
            boxes, scores = predict(sess, img)
            for t in grid:
                tp, fp = match(boxes[scores >= t], gt)
                counts[t][0] += tp
                counts[t][1] += fp
                counts[t][2] += len(gt)
            images += 1
    return [Point(t, tp, fp, n_gt, images) for t, (tp, fp, n_gt) in counts.items()]


def pick(points: list[Point]) -> float:
    """The threshold of best F1; the lower one on a tie."""
    best = max(points, key=lambda p: (round(p.f1, 6), -p.threshold))
    return best.threshold


RULE = "best F1 at IoU 0.4 over the held-out synthetic scenes, the lower threshold on a tie"


def record(points: list[Point], n: int, seed: int) -> dict:
    """The manifest keys for a detector: its pick and the sweep behind it."""
    return {"score_threshold": pick(points),
            "threshold_pick": {"rule": RULE, "command": "python -m tools.pick_threshold",
                               "plain_scenes": n, "sign_scenes": n, "seed": seed,
                               "points": [asdict(p) for p in points]}}


def write(models: Path, name: str, n: int = 300, seed: int = 0) -> dict:
    """Sweep the manifest's ``name`` and store the result in its entry."""
    man_path = models / "manifest.json"
    manifest = json.loads(man_path.read_text(encoding="utf-8"))
    entry = manifest["models"][name]
    if entry.get("task") != "detector":
        raise SystemExit(f"{name} is not a detector in {man_path}")
    rec = record(sweep(models / entry["file"], n, seed), n, seed)
    entry.update(rec)
    man_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("onnx", type=Path, nargs="?", default=Path("models") / f"{DET}.onnx")
    ap.add_argument("--n", type=int, default=300, help="scenes of each kind")
    ap.add_argument("--seed", type=int, default=0, help="the training command's seed")
    ap.add_argument("--write", metavar="NAME", default=None,
                    help="sweep this manifest entry's file and store the pick in the entry")
    ap.add_argument("--models", type=Path, default=Path("models"),
                    help="folder with manifest.json (with --write)")
    args = ap.parse_args()
    if args.write:
        rec = write(args.models, args.write, args.n, args.seed)
        points = [Point(**p) for p in rec["threshold_pick"]["points"]]
    else:
        points = sweep(args.onnx, args.n, args.seed)
    print("| threshold | precision | recall | F1 | false positives per scene |")
    print("|---|---|---|---|---|")
    for p in points:
        print(f"| {p.threshold:.2f} | {p.precision:.4f} | {p.recall:.4f} | {p.f1:.4f} | "
              f"{p.false_positives / p.images:.3f} |")
    print(json.dumps({"pick": pick(points), "points": [asdict(p) for p in points]}))


if __name__ == "__main__":
    main()
