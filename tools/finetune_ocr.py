"""Later OCR training stages: continue a reader's ONNX file on fresh synthetic crops.

    python -m tools.finetune_ocr --base STAGE1.onnx [--stage 2] [--quick] [--out models]
    python -m tools.finetune_ocr --base STAGE2.onnx --stage 3 [--quick] [--out DIR]
    python -m tools.finetune_ocr --base STAGE3.onnx --stage 4 [--quick] [--out DIR]
    python -m tools.finetune_ocr --base STAGE4.onnx --stage 5 [--quick] [--out DIR]
    python -m tools.finetune_ocr --base STAGE5.onnx --stage 6 [--quick] [--out models]

Stage 1 (tools/train_ocr.py) trains from random weights with a one-cycle schedule.
Stage 2 draws a new, disjoint set of crops from the same renderers and trains for
more epochs at a lower, cosine-decaying rate: what more epochs of stage 1 would buy,
without redoing its hours. Stage 3 continues stage 2's file on the hard mix
(tools/synth/hard.py: digit-heavy grouped plates, square plates of every format,
several occluders, IR cast, loose crops), the kinds of plate the first two stages'
data shows too rarely. Stage 4 continues stage 3's file at a lower rate on a fresh,
larger draw of the hard mix in which 30 % of the one-row plates are cut to their
characters, sometimes into the first or last one (``hard.text_cut``): a tight box
around the characters, as many real crops are. Stage 5 continues stage 4's file on a
fresh draw of the same mix in which 40 % of the varied plates carry more and richer
marks beside the number (tools/synth/marks.py: stacked characters, seals, pictograms,
German stickers, the French and Italian right-hand band's digits), which readers
otherwise read as one more character. Stage 6 continues stage 5's file on a smaller
fresh draw of stage 5's mix in which a quarter of the one-row varied plates lose
their second or second-to-last character to an occluder (``occlusion.occlude_lone``):
an end character then stands alone beside a patch, where stage 5 taught the reader to
expect marks; the stage-5 reader drops such characters on real crops (``es_crops``,
whose privacy masks make them), though it reads most synthetic ones. Each stage
starts from the previous stage's *ONNX file*, so a retrain gives the same result
whether the previous stage just ran or its file was kept. The exported graph has every
batch norm folded into its convolution, so the reader is rebuilt in that folded form
(``build_model(folded=True)``), loaded from the graph's initialisers, and checked
against onnxruntime before any training step.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.device import add_device_args
from tools.names import OCR
from tools.synth.mix import PLAIN, Mix
from tools.train_ocr import (
    BATCH,
    PRECISION,
    C,
    H,
    W,
    build_model,
    export,
    fit,
    make_dataset,
    score,
)

CLIP = 5.0
HARD_TEST_SEED = 1100
"""Offset of the hard mix's own test set (stage 1's test set is ``seed + 1000``)."""
CUT_TEST_SEED = 1200
"""Offset of the test set of a stage with cut crops: the hard mix with the stage's ``cut``."""
MARKS_TEST_SEED = 1300
"""Offset of the test set of a stage with marks: the stage's mix with marks on every
varied plate."""
LONE_TEST_SEED = 1400
"""Offset of the test set of a stage with lone end characters: the stage's mix with
``occlude_lone`` on every one-row varied plate."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One continuation stage: its data (seed offset, size and mix) and its schedule."""

    number: int
    data_seed: int
    n_train: int
    epochs: int
    peak_lr: float
    mix: Mix

    @property
    def data(self) -> str:
        """What the stage trains on, in words, for its record and the model card."""
        m = self.mix
        if not m.hard:
            return "stage 1's mix"
        parts = ["the hard mix of tools/synth/hard.py"]
        if m.cut:
            parts.append(f"{round(m.cut * 100)} % of one-row plates cut to their characters")
        if m.marks:
            parts.append(f"{round(m.marks * 100)} % of varied plates with marks beside the "
                         "number (tools/synth/marks.py)")
        if m.lone:
            parts.append(f"{round(m.lone * 100)} % of one-row varied plates with an end "
                         "character alone beside an occluder (occlusion.occlude_lone)")
        return ", ".join(parts)


STAGES = {2: Stage(2, 2000, 200000, 3, 5e-4, PLAIN),
          3: Stage(3, 3000, 120000, 2, 3e-4, Mix(hard=True)),
          4: Stage(4, 4000, 200000, 2, 2e-4, Mix(hard=True, cut=0.3)),
          5: Stage(5, 5000, 200000, 2, 2e-4, Mix(hard=True, cut=0.3, marks=0.4)),
          6: Stage(6, 6000, 120000, 2, 1.5e-4, Mix(hard=True, cut=0.3, marks=0.4, lone=0.25))}


def stage_test_sets(st: Stage, n: int, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The synthetic test sets a stage reports besides stage 1's: the hard mix always, and
    the cut, marks and lone sets where the stage trains on them (``n`` crops each); each
    is the mix up to that case with the case on every plate it can be."""
    m = st.mix
    sets = {"hard": make_dataset(n, seed + HARD_TEST_SEED, mix=Mix(hard=True))}
    if m.cut:
        sets["cut"] = make_dataset(n, seed + CUT_TEST_SEED, mix=Mix(hard=True, cut=m.cut))
    if m.marks:
        sets["marks"] = make_dataset(n, seed + MARKS_TEST_SEED,
                                     mix=Mix(hard=True, cut=m.cut, marks=1.0))
    if m.lone:
        sets["lone"] = make_dataset(n, seed + LONE_TEST_SEED,
                                    mix=Mix(hard=True, cut=m.cut, marks=m.marks, lone=1.0))
    return sets


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
             stage: int = 2, width: int = 2, name: str = OCR, device: str = "auto",
             bf16: bool = False) -> dict:
    """Train ``stage`` (see ``STAGES``) from ``base``, export ``<name>.onnx``; return the
    stage's record. ``device`` and ``bf16``: see tools/device.py and ``train_ocr.fit``."""
    import torch

    from tools.device import hardware, training_device

    st = STAGES[stage]
    dev = training_device(device, bf16)  # before minutes of data: it may refuse
    torch.manual_seed(seed + st.data_seed)
    torch.set_num_threads(2)
    n_train, n_test, n_hard, epochs = st.n_train, 4000, 2000, st.epochs
    if quick:
        n_train, n_test, n_hard, epochs = 3000, 1000, 500, 1
    tag = f"ocr stage {stage}"
    t0 = time.time()
    xtr, ytr = make_dataset(n_train, seed + st.data_seed, mix=st.mix)
    xte, yte = make_dataset(n_test, seed + 1000)  # stage 1's test set: the figures compare
    tests = stage_test_sets(st, n_hard, seed)
    t_data = time.time() - t0
    print(f"{tag}: data {n_train}+{n_test}+{len(tests)}x{n_hard} crops in {t_data:.0f}s",
          flush=True)
    model = load_folded(base, width).to(dev)
    before = {k: score(model, *xy)["synthetic_exact"] for k, xy in tests.items()}
    steps = epochs * (n_train // BATCH)
    opt = torch.optim.AdamW(model.parameters(), lr=st.peak_lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=st.peak_lr, total_steps=steps,
                                                pct_start=0.05, anneal_strategy="cos")
    gen = torch.Generator().manual_seed(seed + st.data_seed)
    t1 = time.time()
    fit(model, opt, sched, xtr, ytr, xte, yte, gen, epochs, plain_first=False, clip=CLIP,
        tag=tag, bf16=bf16)
    t_train = time.time() - t1
    path = out_dir / f"{name}.onnx"
    metrics = export(model, path, xte, yte)  # also checks the output shape
    for k, xy in tests.items():
        metrics[f"synthetic_{k}_exact"] = score(model, *xy)["synthetic_exact"]
        print(f"{tag}: {k} test set exact {before[k]} -> {metrics[f'synthetic_{k}_exact']}",
              flush=True)
    return {"file": path.name, "base": base.name, "data_seed": seed + st.data_seed,
            "data": st.data,
            "train_crops": n_train, "test_crops": n_test, "hard_test_crops": n_hard,
            "epochs": epochs, "batch": BATCH, "peak_lr": st.peak_lr,
            "schedule": "5 % warm-up, cosine to zero; AdamW; grad-norm "
            f"clip {CLIP}; batch norm folded (frozen)", "data_time_s": round(t_data),
            "time_s": round(t_train), "hardware": hardware(dev), "precision": PRECISION[bf16],
            **{f"base_{k}_exact": v for k, v in before.items()},
            "metrics": metrics}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the previous stage's ONNX file")
    ap.add_argument("--stage", type=int, choices=sorted(STAGES), default=2)
    ap.add_argument("--quick", action="store_true", help="tiny run to check the pipeline")
    ap.add_argument("--out", type=Path, default=Path("models"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default=OCR)
    add_device_args(ap)
    args = ap.parse_args()
    record = finetune(args.base, args.out, args.quick, args.seed, args.stage, name=args.name,
                      device=args.device, bf16=args.bf16)
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
