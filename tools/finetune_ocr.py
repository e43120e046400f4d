"""Second OCR training stage: continue a stage-1 reader on fresh synthetic crops.

    python -m tools.finetune_ocr --base STAGE1.onnx [--quick] [--out models]

Stage 1 (tools/train_ocr.py) trains from random weights with a one-cycle schedule.
This stage draws a new, disjoint set of crops from the same renderers and trains
for more epochs at a lower, cosine-decaying rate: what more epochs of stage 1 would
buy, without redoing its hours. It starts from the stage-1 *ONNX file*, so a
retrain gives the same result whether stage 1 just ran or its file was kept. The
exported graph has every batch norm folded into its convolution, so the reader is
rebuilt in that folded form (``build_model(folded=True)``), loaded from the graph's
initialisers, and checked against onnxruntime before any training step.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tools.names import OCR
from tools.train_ocr import BATCH, C, H, W, build_model, export, fit, make_dataset

DATA_SEED = 2000
"""Offset of this stage's data seed (stage 1 trains on ``seed``, tests on ``seed + 1000``)."""
PEAK_LR = 5e-4
CLIP = 5.0


def load_folded(base: Path, width: int = 2):  # -> torch.nn.Module
    """The folded reader with the weights of a stage-1 ONNX file, checked against it."""
    import onnx
    import onnxruntime as ort
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(base)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    # Graph order is module order: the ONNX exporter emits the convolutions as forward runs them.
    tensors = [init[name] for node in graph.node if node.op_type == "Conv"
               for name in node.input[1:]]
    model = build_model(width, folded=True)
    params = [p for m in model.modules() if isinstance(m, torch.nn.Conv2d)
              for p in (m.weight, m.bias)]
    if len(params) != len(tensors) or any(tuple(p.shape) != t.shape
                                          for p, t in zip(params, tensors, strict=False)):
        raise ValueError(f"{base} is not a width-{width} plate OCR graph: "
                         f"{[t.shape for t in tensors]}")
    with torch.no_grad():
        for p, t in zip(params, tensors, strict=True):
            p.copy_(torch.from_numpy(t.copy()))
    model.eval()
    probe = np.random.default_rng(0).integers(0, 256, (8, H, W, C), np.uint8)
    sess = ort.InferenceSession(str(base), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        diff = float(np.abs(model(torch.from_numpy(probe)).numpy()
                            - sess.run(None, {"input": probe})[0]).max())
    if diff > 1e-4:
        raise ValueError(f"rebuilt reader differs from {base} by {diff}")
    return model


def finetune(base: Path, out_dir: Path, quick: bool = False, seed: int = 0,
             n_train: int = 200000, epochs: int = 3, width: int = 2,
             name: str = OCR) -> dict:
    """Train stage 2 from ``base``, export ``<name>.onnx``; return the stage's record."""
    import torch

    torch.manual_seed(seed + DATA_SEED)
    torch.set_num_threads(2)
    n_test = 4000
    if quick:
        n_train, n_test, epochs = 3000, 1000, 1
    t0 = time.time()
    xtr, ytr = make_dataset(n_train, seed + DATA_SEED)
    xte, yte = make_dataset(n_test, seed + 1000)  # stage 1's test set: the figures compare
    t_data = time.time() - t0
    print(f"ocr stage 2: data {n_train}+{n_test} crops in {t_data:.0f}s", flush=True)
    model = load_folded(base, width)
    steps = epochs * (n_train // BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=PEAK_LR, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=PEAK_LR, total_steps=steps,
                                                pct_start=0.05, anneal_strategy="cos")
    gen = torch.Generator().manual_seed(seed + DATA_SEED)
    t1 = time.time()
    fit(model, opt, sched, xtr, ytr, xte, yte, gen, epochs, plain_first=False, clip=CLIP,
        tag="ocr stage 2")
    t_train = time.time() - t1
    path = out_dir / f"{name}.onnx"
    metrics = export(model, path, xte, yte)  # also checks the output shape
    return {"file": path.name, "base": base.name, "data_seed": seed + DATA_SEED,
            "train_crops": n_train, "test_crops": n_test, "epochs": epochs, "batch": BATCH,
            "peak_lr": PEAK_LR, "schedule": "5 % warm-up, cosine to zero; AdamW; grad-norm "
            f"clip {CLIP}; batch norm folded (frozen)", "data_time_s": round(t_data),
            "time_s": round(t_train), "metrics": metrics}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the stage-1 ONNX file")
    ap.add_argument("--quick", action="store_true", help="tiny run to check the pipeline")
    ap.add_argument("--out", type=Path, default=Path("models"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--name", default=OCR)
    args = ap.parse_args()
    record = finetune(args.base, args.out, args.quick, args.seed, epochs=args.epochs,
                      name=args.name)
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
