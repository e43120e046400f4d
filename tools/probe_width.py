"""Capacity probe: would a wider reader learn the hard synthetic plates better?

Trains readers of the given widths (``train_ocr.build_model``) from random weights on
the same crops, drawn from the last stage's mix, with stage 1's one-cycle schedule, and
scores each on stage 1's test set and the last stage's synthetic test sets. Synthetic
sets only: the real sets are for evaluation, not for choosing an architecture. A width
that wins on every set here is worth a full staged retrain; one that does not is not.

    python -m tools.probe_width [--n-train 160000] [--epochs 3] [--widths 2 3] [--bf16]
                                [--peak-lr 4e-3] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tools.device import add_device_args
from tools.finetune_ocr import STAGES, stage_test_sets
from tools.train_ocr import BATCH, WIDTHS, build_model, fit, make_dataset, one_cycle, score


def probe(widths: list[int], n_train: int, epochs: int, n_test: int, seed: int,
          bf16: bool, peak_lr: float = 4e-3, device: str = "auto") -> dict:
    """Train each width on one shared draw; return the exact-read rates per width and set."""
    import torch

    from tools.device import training_device

    torch.set_num_threads(2)
    st = STAGES[max(STAGES)]
    dev = training_device(device, bf16)
    t0 = time.time()
    xtr, ytr = make_dataset(n_train, seed + 7000, mix=st.mix)  # a draw no stage trains on
    sets = {"standard": make_dataset(n_test, seed + 1000), **stage_test_sets(st, n_test, seed)}
    print(f"probe: data {n_train} + {len(sets)}x{n_test} crops in {time.time() - t0:.0f}s",
          flush=True)
    results: dict = {"mix": st.data, "train_crops": n_train, "epochs": epochs,
                     "peak_lr": peak_lr, "test_crops": n_test, "bf16": bf16, "widths": {}}
    for width in widths:
        torch.manual_seed(seed)
        model = build_model(width).to(dev)
        opt, sched = one_cycle(model, epochs * (n_train // BATCH), peak_lr)
        gen = torch.Generator().manual_seed(seed)
        t1 = time.time()
        fit(model, opt, sched, xtr, ytr, *sets["standard"], gen, epochs, plain_first=True,
            tag=f"probe width {width}", bf16=bf16)
        model.eval()
        exact = {k: score(model, *xy)["synthetic_exact"] for k, xy in sets.items()}
        results["widths"][str(width)] = {
            "parameters": sum(p.numel() for p in model.parameters()),
            "time_s": round(time.time() - t1), "exact": exact}
        print(f"probe width {width}: {exact}", flush=True)
    return results


def main() -> None:
    """CLI: run the probe, print and write its results as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", choices=sorted(WIDTHS), default=[2, 3])
    ap.add_argument("--n-train", type=int, default=160000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--n-test", type=int, default=4000)
    ap.add_argument("--peak-lr", type=float, default=4e-3, help="stage 1's is 4e-3")
    ap.add_argument("--seed", type=int, default=0)
    add_device_args(ap)
    ap.add_argument("--out", type=Path, default=Path("out/probe_width.json"))
    args = ap.parse_args()
    res = probe(args.widths, args.n_train, args.epochs, args.n_test, args.seed, args.bf16,
                args.peak_lr, args.device)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
