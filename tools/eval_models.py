"""Score the shipped models on the real sets and a held-out synthetic set, next to OpenALPR.

    python -m tools.eval_models [--real ../shared/data/real]

Runs the node's own evaluation (``anpr-edge eval``, one onnxruntime thread) for the
float models and for the int8 OCR the Pi profiles use, writes the figures into
``models/manifest.json`` under ``evaluation`` and re-renders ``models/README.md``.
``ro_frames`` is scored on every frame and on the videos the detector never trained on
(``tools.train_detector.is_holdout``); only the second is a fair figure. The held-out
frames are scored once more with ``UNLABELLED``'s ignore regions: real plates the set
leaves unlabelled, on which a detection is neither a hit nor a false positive.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from edge.ocr import THREE_VIEWS
from tools.names import DET, DET_INT8, OCR, OCR_INT8

OPENALPR = {"es_crops": 0.448, "us_crops": 0.759, "ro_frames": 0.664, "full_image_ms": 43.6}
"""OpenALPR 2.3.0 on the same sets and machine class (issue 3)."""
TARGETS = {"es_crops": 0.90, "us_crops": 0.85, "ro_frames": 0.90, "ro_fp": 0.1,
           "full_image_ms": 15.0}
VARIANTS: dict[str, tuple[str, str, tuple[float, ...] | None]] = {
    "float": (DET, OCR, None), "float, 3 views": (DET, OCR, THREE_VIEWS),
    "int8 OCR": (DET, OCR_INT8, None), "int8 both": (DET_INT8, OCR_INT8, None)}
"""Detector, OCR and the OCR's test-time zooms (``None``: the node default, ``ocr.zooms``)."""
MODELS = Path("models")
UNLABELLED = Path(__file__).parent / "ro_labels" / "unlabelled.jsonl"
"""Ignore regions for ``ro_frames``: plates the set does not label, each checked by eye."""
TEXTS = Path(__file__).parent / "ro_labels" / "texts.jsonl"
"""The text of each ``ro_frames`` plate legible by eye (the set gives boxes only)."""
THRESHOLDS = (0.35, 0.45, 0.55, 0.65)
"""Detector score thresholds swept on the held-out frames: the recall / false-positive trade."""


def read_overlay(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines label file (``tools/ro_labels``)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def holdout_manifest(ro_dir: Path, out: Path, ignore: Path | None = None,
                     texts: Path | None = None) -> Path:
    """A manifest of the ro_frames hold-out videos (absolute image paths).

    ``ignore``: an overlay file whose lines (``image``, ``ignore``) add ignore regions to
    their frames. ``texts``: one whose lines (``image``, ``box``, ``plate``) give the text
    of the plate with exactly that box; the set labels boxes only.
    """
    from edge.evaluate import manifest_plates
    from tools.train_detector import is_holdout

    extra: dict[str, list[list[float]]] = {}
    for rec in read_overlay(ignore) if ignore is not None else ():
        extra.setdefault(rec["image"], []).extend(rec["ignore"])
    text = {(r["image"], tuple(r["box"])): r["plate"]
            for r in (read_overlay(texts) if texts is not None else ())}
    lines = []
    for line in (ro_dir / "manifest.jsonl").read_text().splitlines():
        if line.strip() and is_holdout(json.loads(line)["image"]):
            rec = json.loads(line)
            if rec["image"] in extra:
                rec["ignore"] = rec.get("ignore", []) + extra[rec["image"]]
            if text:
                rec["plates"] = [{**p, "plate": text.get((rec["image"], tuple(p["box"])))}
                                 for p in manifest_plates(rec)]
            rec["image"] = str((ro_dir / rec["image"]).resolve())
            lines.append(json.dumps(rec))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def run_variant(det_name: str, ocr_name: str, sets: dict[str, Path],
                score_threshold: float | None = None,
                zooms: tuple[float, ...] | None = None) -> dict[str, Any]:
    """Every set's report for one detector/OCR pair (threshold and zooms: node defaults)."""
    from edge.app import build_detector, build_recogniser
    from edge.config import DetectorConfig, InferenceConfig, OcrConfig
    from edge.evaluate import ReadGate, evaluate, report_dict

    inf = InferenceConfig(intra_op_threads=1)
    ocr_cfg = OcrConfig(name=ocr_name)
    if zooms is not None:
        ocr_cfg = ocr_cfg.model_copy(update={"zooms": list(zooms)})
    det_cfg = DetectorConfig(name=det_name)
    if score_threshold is not None:
        det_cfg = det_cfg.model_copy(update={"score_threshold": score_threshold})
    det = build_detector(det_cfg, inf, Path.cwd())
    ocr = build_recogniser(ocr_cfg, inf, Path.cwd())
    out: dict[str, Any] = {}
    for name, manifest in sets.items():
        rep = report_dict(evaluate(manifest, det, ocr, ocr_cfg.crop_margin, threads=1,
                                   gate=ReadGate(ocr_cfg.min_confidence, ocr_cfg.min_chars),
                                   score_threshold=det.score_threshold))
        keep = ("images", "plates", "detection_recall", "false_positives_per_image",
                "ignored_detections", "plates_with_text",
                "reported_recall", "reported_false_positives_per_image", "read_gate",
                "score_threshold",
                "exact_read_rate", "char_accuracy", "end_to_end_read_rate",
                "detect_ms_median", "ocr_ms_per_plate_median", "full_image_ms_median")
        out[name] = {k: rep[k] for k in keep}
        print(f"eval_models: {det_name} + {ocr_name} on {name}: {out[name]}", flush=True)
    return out


def threshold_sweep(det_name: str, ocr_name: str, manifest: Path) -> list[dict[str, float]]:
    """Held-out recall and false positives per frame at each of ``THRESHOLDS``."""
    rows = []
    for th in THRESHOLDS:
        rep = run_variant(det_name, ocr_name, {f"holdout at {th}": manifest}, th)
        r = rep[f"holdout at {th}"]
        rows.append({"score_threshold": th, **{k: r[k] for k in (
            "detection_recall", "false_positives_per_image", "reported_recall",
            "reported_false_positives_per_image")}})
    return rows


def views(zooms: tuple[float, ...] | None) -> str:
    """How a variant's OCR reads each crop, in words."""
    from edge.config import OcrConfig

    z = list(zooms) if zooms is not None else OcrConfig().zooms
    if len(z) == 1:
        return "one view"
    return f"{len(z)} views (zooms {', '.join(f'{v:g}' for v in z)})"


def cpu_summary() -> str:
    """The CPU model, its family and model numbers, and whether it has VNNI, which decides
    how well int8 kernels add up."""
    import platform

    from tools.device import cpu_fields

    fields = cpu_fields() or {}
    model = fields.get("model name") or platform.processor() or platform.machine()
    # Virtual machines often say only "AMD EPYC": family and model tell the generations
    # apart, and the same models ran twice as slowly on one such "AMD EPYC" as on another.
    if "cpu family" in fields and "model" in fields:
        model += f" (family {fields['cpu family']}, model {fields['model']})"
    vnni = any(f in fields.get("flags", "").split() for f in ("avx512_vnni", "avx_vnni"))
    return f"{model}, {'with' if vnni else 'without'} VNNI" if fields else model


def main() -> None:
    """Score, store in the manifest, re-render the README."""
    from tools.make_synth_eval import write as write_synth
    from tools.train_all import render_readme

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=Path("../shared/data/real"))
    args = ap.parse_args()
    missing = [s for s in ("es_crops", "us_crops", "ro_frames")
               if not (args.real / s / "manifest.jsonl").exists()]
    if missing:
        raise SystemExit(f"eval_models: {args.real} lacks {', '.join(missing)}")
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        scenes, crops = Path(tmp) / "scenes", Path(tmp) / "crops"
        write_synth(scenes, n_scenes=100, n_crops=0, seed=7)
        write_synth(crops, n_scenes=0, n_crops=1000, seed=7)
        sets = {"es_crops": args.real / "es_crops/manifest.jsonl",
                "us_crops": args.real / "us_crops/manifest.jsonl",
                "ro_frames": args.real / "ro_frames/manifest.jsonl",
                "ro_frames_holdout": holdout_manifest(args.real / "ro_frames",
                                                      Path(tmp) / "holdout.jsonl",
                                                      texts=TEXTS),
                "ro_frames_holdout_unlabelled_aside": holdout_manifest(
                    args.real / "ro_frames", Path(tmp) / "holdout_ignore.jsonl", UNLABELLED),
                "synthetic_scenes": scenes / "manifest.jsonl",
                "synthetic_crops": crops / "manifest.jsonl"}
        results = {v: run_variant(d, o, sets, zooms=z) for v, (d, o, z) in VARIANTS.items()}
        sweep = threshold_sweep(DET, OCR, sets["ro_frames_holdout"])
    man_path = MODELS / "manifest.json"
    manifest = json.loads(man_path.read_text())
    manifest["evaluation"] = {"command": "python -m tools.eval_models", "threads": 1,
                              "cpu": cpu_summary(),
                              "variants": {v: [d, o, views(z)]
                                           for v, (d, o, z) in VARIANTS.items()},
                              "openalpr": OPENALPR, "targets": TARGETS, "results": results,
                              "holdout_thresholds": sweep}
    man_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    render_readme(manifest, MODELS / "README.md")
    print(f"eval_models: done in {time.time() - t0:.0f}s; wrote {man_path} and the README")


if __name__ == "__main__":
    main()
