"""Retrain every shipped model from scratch, export, verify, and write the manifest and cards.

    python -m tools.train_all            # the shipped models and the int8 OCR, into models/
    python -m tools.train_all --quick    # minutes-long pipeline check, into out/quick-models/
    python -m tools.train_all --readme-only   # re-render models/README.md from the manifest
    python -m tools.eval_models          # then: the accuracy table on the real sets
    python -m tools.compare_models DIR   # a retrain in DIR against models/, metric by metric

The detector trains on synthetic scenes and on part of ``ro_frames`` (MIT), so
``--real`` must point at it; the OCR on synthetic crops only, in stages
(tools/train_ocr.py from scratch, then tools/finetune_ocr.py once for each of its
``STAGES``: stage 2 from stage 1's file, the later ones on fresh draws of the hard mix,
each from the previous stage's file; the intermediate files stay in ``out/ocr-stages/``).

Seeds are fixed, so a rerun on the same library versions gives the same data and
comparable models (bit-identical weights are not promised across CPUs/thread counts).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from edge.inference.manifest import sha256_of
from tools.device import add_device_args
from tools.names import DET, OCR, OCR_REPLACES, ocr_stage


def register(manifest: dict, name: str, entry: dict, out: Path) -> None:
    """Put a trained model's entry, with its file's sha256, into the manifest; drop the
    model it replaces (and that one's int8 variant) so no profile can still name it."""
    entry = dict(entry)
    file = entry.pop("file")
    # Keys in a stable order so diffs of the manifest stay readable.
    manifest["models"][name] = {"file": file, "sha256": sha256_of(out / file), **entry}
    old = entry.get("replaces")
    for gone in (old, f"{old}-int8") if old else ():
        manifest["models"].pop(gone, None)


def ocr_entry(stage1: dict, *later: dict) -> dict:
    """The shipped OCR's manifest entry: stage 1's contract and record, the last stage's
    file and figures, each later stage's record (``training.stage2``, ``training.stage3``;
    the intermediate ones with their own figures) and the time of all stages."""
    last = later[-1]
    entry = {**stage1, "file": last["file"], "replaces": OCR_REPLACES,
             "metrics": last["metrics"]}
    t = dict(stage1["training"])
    t["stage1_metrics"] = stage1["metrics"]
    for number, record in enumerate(later, start=2):
        drop = ("file", "metrics") if record is last else ("file",)
        t[f"stage{number}"] = {k: v for k, v in record.items() if k not in drop}
    t["data_time_s"] = stage1["training"]["data_time_s"] + sum(r["data_time_s"] for r in later)
    t["time_s"] = stage1["training"]["time_s"] + sum(r["time_s"] for r in later)
    entry["training"] = t
    return entry


def stage_bf16(stage: int, bf16: bool) -> bool:
    """Whether an OCR stage trains under bfloat16 when ``--bf16`` is ``bf16``: never the
    first. From random weights bfloat16 kept the width-2 reader on the CTC plateau where
    float32 left it (`probe_width`, 80 000 crops, 2 epochs, one Zen 4: 9.1 against 56.2 %
    of the standard set), while the fine-tuning stages land within 0.2 points of float32."""
    return bf16 and stage > 1


def train_ocr_stages(out: Path, quick: bool, seed: int, device: str = "auto",
                     bf16: bool = False) -> dict:
    """Every OCR stage (tools/train_ocr.py, then each of ``finetune_ocr.STAGES`` from the
    previous stage's file); the intermediate files stay in ``out/ocr-stages/`` (they are
    not shipped), the last stage's is ``OCR`` in ``out``."""
    from tools.finetune_ocr import STAGES, finetune
    from tools.train_ocr import train

    work = Path("out") / ("ocr-stages-quick" if quick else "ocr-stages")
    records = [train(work, quick, seed, name=ocr_stage(1), device=device,
                     bf16=stage_bf16(1, bf16))]
    last = max(STAGES)
    for number in sorted(STAGES):
        final = number == last
        records.append(finetune(work / records[-1]["file"], out if final else work, quick,
                                seed, stage=number, name=OCR if final else ocr_stage(number),
                                device=device, bf16=stage_bf16(number, bf16)))
    return ocr_entry(*records)


def render_readme(manifest: dict, out: Path, demo: Path = Path("demo")) -> None:
    """Write the model cards (``README.md``); include the demo-clip check when it can run."""
    from tools.model_cards import render

    result = None
    models = set(manifest["models"])
    if (demo / "truth.json").exists() and {DET, OCR} <= models:
        from tools.check_models import run

        result = run(out.parent, demo)
    out.write_text(render(manifest, result), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny data and few steps")
    ap.add_argument("--out", type=Path, default=None, help="default models/ (quick: out/...)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--real", type=Path, default=Path("../shared/data/real/ro_frames"),
                    help="ro_frames (MIT): the detector trains on part of it and reports "
                    "recall on the held-out videos")
    ap.add_argument("--only", choices=["det", "ocr"], default=None, help="train one model")
    ap.add_argument("--readme-only", action="store_true")
    add_device_args(ap)
    args = ap.parse_args()
    out: Path = args.out or (Path("out/quick-models") if args.quick else Path("models"))
    out.mkdir(parents=True, exist_ok=True)
    man_path = out / "manifest.json"
    manifest = (json.loads(man_path.read_text()) if man_path.exists()
                else {"schema": 1, "models": {}})
    if args.readme_only:
        render_readme(manifest, out / "README.md")
        return

    from tools.synth.plates import check_fonts
    from tools.train_detector import train as train_det

    check_fonts()  # fail before minutes of work when fonts-dejavu-core is missing
    t0 = time.time()
    env = {"python": platform.python_version(), "machine": platform.machine()}
    try:
        import onnxruntime
        import torch

        env |= {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    except ImportError as exc:
        raise SystemExit(f"training needs the 'train' extra (torch, pillow, onnx): {exc}") from exc
    from tools.device import training_device

    training_device(args.device, args.bf16 and args.only != "det")  # refuse now, not in an hour
    jobs = {OCR: lambda: train_ocr_stages(out, args.quick, args.seed, args.device, args.bf16),
            DET: lambda: train_det(out, args.quick, args.seed, args.real, device=args.device)}
    for name, job in jobs.items():
        if args.only and not name.startswith(f"plate-{args.only}"):
            continue
        entry = job()
        entry["training"]["environment"] = env
        if args.only:
            entry["training"]["command"] += f" --only {args.only}"
        if args.bf16 and name == OCR:
            entry["training"]["command"] += " --bf16"
        register(manifest, name, entry, out)
        man_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    from tools.quantize_models import main as quantize

    quantize(["--models", str(out)] + (["--only", args.only] if args.only else [])
             + (["--images", "20"] if args.quick else []))
    manifest = json.loads(man_path.read_text())
    render_readme(manifest, out / "README.md")
    print(f"train_all: done in {time.time() - t0:.0f}s; wrote {man_path} and {out / 'README.md'}")


if __name__ == "__main__":
    main()
