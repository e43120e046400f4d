"""Static int8 (QDQ) versions of the shipped models, calibrated on synthetic images.

    python -m tools.quantize_models [--images 200] [--only ocr|det]

Writes ``models/<name>-int8.onnx`` next to the float models (which stay as
they are) and adds ``<name>-int8`` entries with their sha256 to
``models/manifest.json``. Calibration uses the same seeded synthetic renderer
as training (tools/synth), never the real evaluation sets, so the accuracy
cost measured with ``anpr-edge eval`` on those sets is an honest one.

Both models are quantized and ship, with their accuracy cost measured by
``tools.eval_models`` (``models/README.md`` has the figures). No profile picks
them yet: how fast they run depends on the CPU's int8 instructions (on a VNNI
x86 the int8 OCR ran in less than half the float time, the int8 detector was
slower than float), and nobody has measured them on a Pi.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from edge.inference.manifest import sha256_of
from tools import pick_threshold
from tools.names import DET, OCR
from tools.synth.scenes import letterbox, scene

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
# Only the arithmetic-heavy operators: the detector's in-graph NMS and the
# OCR's softmax stay in float, where int8 buys nothing and costs accuracy.
OPS = ["Conv", "MatMul", "Gemm"]


class _Reader(CalibrationDataReader):
    """Feeds calibration inputs one at a time."""

    def __init__(self, name: str, batches: Iterator[np.ndarray]) -> None:
        self.name = name
        self.batches = batches

    def get_next(self) -> dict[str, np.ndarray] | None:
        b = next(self.batches, None)
        return None if b is None else {self.name: b}


def detector_inputs(n: int, size: int, seed: int = 11) -> Iterator[np.ndarray]:
    """Letterboxed synthetic street scenes as the runtime feeds them."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        w, h = (1280, 720) if rng.random() < 0.7 else (1920, 1080)
        img, _ = scene(rng, w, h)
        boxed, *_ = letterbox(img, size)
        yield cv2.dnn.blobFromImage(boxed, scalefactor=1.0 / 255.0).astype(np.float32)


def ocr_inputs(n: int, height: int, width: int, seed: int = 12) -> Iterator[np.ndarray]:
    """Synthetic plate crops from the training mix, grey and resized as the runtime does."""
    from tools.train_ocr import sample

    rng = np.random.default_rng(seed)
    for _ in range(n):
        crop, _ = sample(rng)
        grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        yield cv2.resize(grey, (width, height), interpolation=cv2.INTER_LINEAR)[None, :, :, None]


def quantize(src: Path, dst: Path, reader: CalibrationDataReader) -> None:
    """Shape-infer, then quantize ``src`` to QDQ int8 at ``dst``.

    Weights use 7 of their 8 bits (``reduce_range``): x86 CPUs without VNNI multiply
    uint8 by int8 in pairs into saturating 16-bit sums, and full-range weights overflow
    them. The same full-range int8 OCR read 75.6 % of es_crops on such a CPU and 82.7 %
    on one with AVX512-VNNI (float: 82.5 %); 7-bit weights cost nothing measurable there.
    """
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(dst), reader, quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        per_channel=True, reduce_range=True, op_types_to_quantize=OPS,
                        calibrate_method=CalibrationMethod.MinMax)


def main(argv: list[str] | None = None) -> int:
    """Quantize the detector and/or the OCR and register them in the manifest."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=200, help="calibration images per model")
    ap.add_argument("--only", choices=["det", "ocr"], default=None,
                    help="quantize one model (default: both)")
    ap.add_argument("--models", type=Path, default=MODELS, help="folder with manifest.json")
    args = ap.parse_args(argv)
    models: Path = args.models
    manifest_path = models / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    jobs = [(DET, "det"), (OCR, "ocr")]
    for name, kind in jobs:
        if args.only and kind != args.only:
            continue
        entry = manifest["models"][name]
        src = models / entry["file"]
        dst = models / f"{name}-int8.onnx"
        inp = ort.InferenceSession(str(src), providers=["CPUExecutionProvider"]).get_inputs()[0]
        if kind == "det":
            batches = detector_inputs(args.images, int(inp.shape[2]))
        else:
            batches = ocr_inputs(args.images, int(inp.shape[1]), int(inp.shape[2]))
        t0 = time.monotonic()
        quantize(src, dst, _Reader(inp.name, batches))
        new = copy.deepcopy(entry)
        new.pop("metrics", None)
        new.update({"file": dst.name, "sha256": sha256_of(dst),
                    "quantization": {"from": name, "format": "QDQ",
                                     "weights": "int8 per-channel, 7-bit range",
                                     "activations": "uint8", "ops": OPS,
                                     "calibration": f"{args.images} synthetic images "
                                                    f"(tools/synth), MinMax",
                                     "command": "python -m tools.quantize_models"}})
        if kind == "det":
            # Quantisation moves the scores: the int8 file gets its own operating point.
            # Same scenes as the float file's pick (the quick run draws fewer).
            ref = entry.get("threshold_pick", {})
            n_pick, seed = ref.get("plain_scenes", 300), ref.get("seed", 0)
            new.update(pick_threshold.record(pick_threshold.sweep(dst, n_pick, seed),
                                             n_pick, seed))
        manifest["models"][f"{name}-int8"] = new
        print(f"{dst.name}: {dst.stat().st_size / 1e6:.2f} MB in {time.monotonic() - t0:.0f} s")
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
