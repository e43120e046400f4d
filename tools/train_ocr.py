"""Train the plate OCR (CTC, decoded to fixed slots in the graph) and export it to ONNX.

Contract (the fast-plate-ocr one): input ``input`` uint8 NHWC (N, 48, 160, 1) raw 0-255,
plain resize of the grey crop; output float32 softmax probabilities (N, 10, 37) over
``0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_`` with ``_`` padding empty slots.

    python -m tools.train_ocr [--quick] [--out models]
"""

from __future__ import annotations

import argparse
import json
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

from tools.device import add_device_args
from tools.names import OCR
from tools.synth.mix import PLAIN, Mix

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
PAD = ALPHABET.index("_")
SLOTS, H, W, C = 10, 48, 160, 1
CHUNK = 500
BATCH = 128
WIDTHS = {1: (32, 64, 128), 2: (40, 80, 160), 3: (48, 96, 192)}
"""``build_model`` width -> channels of its three stages."""
PRECISION = {False: "float32", True: "bfloat16 autocast"}
"""How a record names the arithmetic that trained it (see :func:`fit`)."""
# More variable-length plates than a gate sees: the reader must not assume 7 characters.
OCR_FORMATS = ("it", "it_moto", "sk", "de", "fr", "es", "generic")
OCR_WEIGHTS = (0.3, 0.1, 0.08, 0.14, 0.08, 0.1, 0.2)
RICH = 0.85
# The mix of stages 3 on (tools/synth/hard.py): a quarter digit-heavy grouped plates.
HARD_FORMATS = (*OCR_FORMATS, "grouped")
HARD_WEIGHTS = (0.2, 0.08, 0.07, 0.1, 0.07, 0.1, 0.13, 0.25)


def preprocess(crop_rgb: np.ndarray) -> np.ndarray:
    """What the runtime does for a C == 1 model: RGB -> grey, plain resize to (W, H)."""
    grey = cv2.cvtColor(crop_rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (W, H), interpolation=cv2.INTER_LINEAR)[..., None]


def encode(label: str) -> np.ndarray:
    """Left-aligned slot targets, ``_`` after the text."""
    out = np.full(SLOTS, PAD, np.int64)
    for i, ch in enumerate(label[:SLOTS]):
        out[i] = ALPHABET.index(ch)
    return out


def decode(probs: np.ndarray) -> str:
    """Slot argmax, padding dropped."""
    return "".join(ALPHABET[i] for i in probs.argmax(-1) if i != PAD)


def sample(rng: np.random.Generator, rich: float = RICH, mix: Mix = PLAIN
           ) -> tuple[np.ndarray, str]:
    """One training crop and its label, drawn from the training mix of formats and
    renderers (``rich``: the share drawn by the varied renderer; ``mix``: the cases of the
    later stages, see tools/synth/mix.py; with ``mix.hard`` the formats of stages 3 on)."""
    from tools.synth.plates import plate_crop
    from tools.synth.rich import rich_crop

    if mix.hard:
        fmt = HARD_FORMATS[rng.choice(len(HARD_FORMATS), p=HARD_WEIGHTS)]
        if fmt == "grouped" or rng.random() < rich:
            return rich_crop(rng, fmt, mix)
        return plate_crop(rng, fmt)
    fmt = OCR_FORMATS[rng.choice(len(OCR_FORMATS), p=OCR_WEIGHTS)]
    return rich_crop(rng, fmt, mix) if rng.random() < rich else plate_crop(rng, fmt)


def _chunk(args: tuple[int, int, int, float, Mix]) -> tuple[np.ndarray, np.ndarray]:
    seed, index, n, rich, mix = args
    # Seeding per chunk keeps the data identical whatever the worker count.
    rng = np.random.default_rng([seed, index])
    xs = np.empty((n, H, W, C), np.uint8)
    ys = np.empty((n, SLOTS), np.int64)
    for i in range(n):
        crop, label = sample(rng, rich, mix)
        xs[i], ys[i] = preprocess(crop), encode(label)
    return xs, ys


def make_dataset(n: int, seed: int, rich: float = RICH, workers: int = 2, mix: Mix = PLAIN
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic (crop, slots) pairs, deterministic for a given seed.

    ``rich`` is the share drawn by the varied renderer (tools/synth/rich.py); the
    rest are the plain DejaVu European plates of tools/synth/plates.py; ``mix`` adds
    the cases of the later training stages (tools/synth/mix.py, see :func:`sample`).
    """
    jobs = [(seed, i, min(CHUNK, n - i * CHUNK), rich, mix)
            for i in range((n + CHUNK - 1) // CHUNK)]
    with Pool(workers) as pool:
        parts = pool.map(_chunk, jobs)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def build_model(width: int = 1, folded: bool = False):  # -> torch.nn.Module (lazy torch)
    """A small CNN; the whole preprocessing (uint8 NHWC -> normalised NCHW) is in the graph.

    ``width`` 1 is plate-ocr-v1's (32/64/128 channels, one context layer); 2 is v2's
    (40/80/160 channels, three context layers): 1.6 times v1's arithmetic; 3 has
    48/96/192 channels and v2's layers, about 1.4 times v2's arithmetic.
    ``folded`` builds the same network with every batch norm folded into its convolution
    (a biased convolution, as the exported ONNX graph has it): the form that the second
    training stage (tools/finetune_ocr.py) loads from a stage-1 ONNX file.
    """
    import torch
    from torch import nn

    c1, c2, c3 = WIDTHS[width]

    def norm(c: int) -> list[nn.Module]:
        return [] if folded else [nn.BatchNorm2d(c)]

    def block(cin: int, cout: int, k: tuple[int, int] = (3, 3),
              dil: tuple[int, int] = (1, 1)) -> list[nn.Module]:
        pad = (dil[0] * (k[0] // 2), dil[1] * (k[1] // 2))
        return [nn.Conv2d(cin, cout, k, padding=pad, dilation=dil, bias=folded),
                *norm(cout), nn.ReLU(inplace=True)]

    # v2 reads wider context along the row: two dilated 1x3 convolutions see about
    # three characters on each side, so a character is judged with its neighbours.
    context = ([*block(c3, c3, (1, 3))] if width == 1 else
               [*block(c3, c3, (1, 3)), *block(c3, c3, (1, 3), (1, 2)),
                *block(c3, c3, (1, 3), (1, 4)), nn.Dropout(0.1)])

    class PlateOcr(nn.Module):
        """CTC-trained column reader whose graph ends in a greedy decode to fixed slots.

        The last feature map is 2 rows x 20 columns, read row by row as a 40-step
        sequence: one-row plates are emitted on either row, two-row plates top row
        first. Training a per-column classifier with CTC generalises across text
        lengths far better than a flatten + dense slot head on the same data.
        """

        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                # Stride-2 first conv: half the cost of conv + pool at full resolution.
                nn.Conv2d(C, c1, 3, stride=2, padding=1, bias=folded), *norm(c1),
                nn.ReLU(inplace=True),
                *block(c1, c1), nn.MaxPool2d(2),
                *block(c1, c2), *block(c2, c2), nn.MaxPool2d(2),
                *block(c2, c3), *block(c3, c3), nn.MaxPool2d((3, 1)),
                *context,
            )
            self.cls = nn.Conv2d(c3, len(ALPHABET), 1)
            pad = torch.zeros(len(ALPHABET))
            pad[PAD] = 1.0
            self.register_buffer("pad_onehot", pad, persistent=False)
            self.register_buffer("slot_ids", torch.arange(SLOTS).view(1, SLOTS, 1),
                                 persistent=False)

        def logits(self, x: torch.Tensor) -> torch.Tensor:
            """Per-step logits (N, T=40, 37); ``_`` doubles as the CTC blank."""
            x = x.permute(0, 3, 1, 2).float() * (1 / 127.5) - 1.0
            y = self.cls(self.features(x))  # (N, 37, 2, 20)
            return y.permute(0, 2, 3, 1).reshape(y.shape[0], -1, len(ALPHABET))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            probs = torch.softmax(self.logits(x), dim=-1)  # (N, T, 37)
            idx = probs.argmax(-1)
            prev = torch.cat([torch.full_like(idx[:, :1], PAD), idx[:, :-1]], dim=1)
            keep = (idx != PAD) & (idx != prev)  # greedy CTC: new non-blank symbol
            pos = torch.cumsum(keep.long(), dim=1) - 1
            assign = ((pos.unsqueeze(1) == self.slot_ids) & keep.unsqueeze(1)).float()
            slots = assign @ probs  # (N, 10, 37): the step's distribution for each char
            empty = 1.0 - assign.sum(-1, keepdim=True)
            return slots + empty * self.pad_onehot

    return PlateOcr()


def augment(xb, gen):  # (torch.Tensor uint8 NHWC, torch.Generator) -> torch.Tensor uint8
    """Cheap per-batch variety on top of the rendered crops: the box a detector would cut
    (shift, scale, small rotation and shear), contrast, brightness and sensor noise."""
    import torch
    from torch.nn import functional as nnf

    n = xb.shape[0]

    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    sx, sy = u(0.9, 1.12), u(0.88, 1.15)
    rot, shear = u(-0.05, 0.05), u(-0.12, 0.12)
    tx, ty = u(-0.05, 0.05), u(-0.08, 0.08)
    theta = torch.stack([torch.stack([sx * torch.cos(rot), -sx * torch.sin(rot) + shear, tx], 1),
                         torch.stack([sy * torch.sin(rot), sy * torch.cos(rot), ty], 1)], 1)
    x = xb.permute(0, 3, 1, 2).float()
    grid = nnf.affine_grid(theta, list(x.shape), align_corners=False)
    x = nnf.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * u(0.6, 1.3).view(n, 1, 1, 1) + mean + u(-30, 30).view(n, 1, 1, 1)
    x = x + torch.randn(x.shape, generator=gen) * u(0, 6).view(n, 1, 1, 1)
    return x.clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def evaluate(predict, xs: np.ndarray, ys: np.ndarray) -> dict[str, float]:
    """Exact-read rate and per-character accuracy over the non-pad target characters."""
    probs = np.concatenate([predict(xs[i : i + 256]) for i in range(0, len(xs), 256)])
    pred = probs.argmax(-1)
    exact = float((pred == ys).all(1).mean())
    mask = ys != PAD
    char_acc = float(((pred == ys) & mask).sum() / mask.sum())
    return {"synthetic_exact": round(exact, 4), "synthetic_char_acc": round(char_acc, 4)}


def score(model, xs: np.ndarray, ys: np.ndarray) -> dict[str, float]:
    """:func:`evaluate` of ``model`` as it is (mode and device), without gradients."""
    import torch

    dev = next(model.parameters()).device
    with torch.no_grad():
        return evaluate(lambda a: model(torch.from_numpy(a).to(dev)).cpu().numpy(), xs, ys)


def one_cycle(model, steps: int, peak_lr: float = 4e-3):  # -> (AdamW, OneCycleLR)
    """Stage 1's optimiser: AdamW with a one-cycle rate up to ``peak_lr`` over ``steps``."""
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    return opt, torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=peak_lr, total_steps=steps,
                                                    pct_start=0.1)


def fit(model, opt, sched, xtr: np.ndarray, ytr: np.ndarray, xte: np.ndarray,
        yte: np.ndarray, gen, epochs: int, plain_first: bool, clip: float | None = None,
        tag: str = "ocr", bf16: bool = False) -> None:
    """CTC training epochs over ``xtr`` (augmented, except the first epoch when
    ``plain_first``), printing the synthetic test metrics after each.

    ``bf16`` runs the forward pass under bfloat16 autocast (weights, optimiser and loss
    stay float32): about 2.7 times faster on CPUs with AMX, slower on CPUs without native
    bfloat16, and not bit-identical to a float32 run. The batches go to the device that
    holds ``model`` (tools/device.py).
    """
    import torch

    loss_fn = torch.nn.CTCLoss(blank=PAD, zero_infinity=True)
    dev = next(model.parameters()).device
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    bs, n_train = BATCH, len(xtr)
    t1 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n_train, generator=gen)
        total = 0.0
        for b in range(n_train // bs):
            idx = perm[b * bs : (b + 1) * bs]
            xb = xt[idx] if epoch == 0 and plain_first else augment(xt[idx], gen)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                logits = model.logits(xb.to(dev))
            logp = torch.log_softmax(logits.float(), dim=-1).transpose(0, 1)
            tgt = yt[idx].to(dev)
            lengths = (tgt != PAD).sum(1)
            loss = loss_fn(logp, tgt, torch.full_like(lengths, logp.shape[0]), lengths)
            opt.zero_grad()
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            sched.step()
            total += float(loss.detach())
        model.eval()
        m = score(model, xte[:1000], yte[:1000])
        print(f"{tag}: epoch {epoch + 1}/{epochs} loss {total / (n_train // bs):.4f} {m} "
              f"{time.time() - t1:.0f}s", flush=True)


def export(model, path: Path, xte: np.ndarray, yte: np.ndarray) -> dict[str, float]:
    """Export to ONNX, check onnxruntime against torch, and measure the exported file
    on the synthetic test set (accuracy and single-crop time on one core)."""
    import onnxruntime as ort
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    model.cpu().eval()  # exported and checked against onnxruntime's CPU provider
    torch.onnx.export(model, (torch.from_numpy(xte[:2]),), str(path), input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      opset_version=17, dynamo=False)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref = model(torch.from_numpy(xte[:64])).numpy()
    got = sess.run(None, {"input": xte[:64]})[0]
    diff = float(np.abs(ref - got).max())
    assert got.shape == (64, SLOTS, len(ALPHABET)) and got.dtype == np.float32
    assert diff < 1e-4, f"onnxruntime and torch disagree by {diff}"
    metrics = evaluate(lambda a: sess.run(None, {"input": a})[0], xte, yte)
    for _ in range(5):
        sess.run(None, {"input": xte[:1]})
    t = time.perf_counter()
    for i in range(200):
        sess.run(None, {"input": xte[i : i + 1]})
    metrics["ms_per_crop_1core"] = round((time.perf_counter() - t) / 200 * 1000, 2)
    print(f"ocr: onnx max|diff| {diff:.2e}, {metrics}", flush=True)
    return metrics


def train(out_dir: Path, quick: bool = False, seed: int = 0, n_train: int = 200000,
          epochs: int = 5, width: int = 2, name: str = OCR, device: str = "auto",
          bf16: bool = False) -> dict:
    """Train, export ``<name>.onnx``, verify it with onnxruntime; return its entry.
    ``device`` and ``bf16``: see tools/device.py and :func:`fit`."""
    import torch

    from tools.device import hardware, training_device
    from tools.synth.fonts import check_faces, licence_summary
    from tools.synth.plates import check_fonts

    check_fonts()
    check_faces()
    dev = training_device(device, bf16)  # before minutes of data: it may refuse
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    n_test = 4000
    if quick:
        n_train, n_test, epochs = 6000, 1000, 2
    t0 = time.time()
    xtr, ytr = make_dataset(n_train, seed)
    xte, yte = make_dataset(n_test, seed + 1000)  # disjoint seed: held-out test set
    t_data = time.time() - t0
    print(f"ocr: data {n_train}+{n_test} crops in {t_data:.0f}s", flush=True)

    model = build_model(width).to(dev)
    opt, sched = one_cycle(model, epochs * (n_train // BATCH))
    gen = torch.Generator().manual_seed(seed)
    t1 = time.time()
    # The first epoch sees the crops as rendered; later ones a fresh variation.
    fit(model, opt, sched, xtr, ytr, xte, yte, gen, epochs, plain_first=True, bf16=bf16)
    t_train = time.time() - t1
    path = out_dir / f"{name}.onnx"
    metrics = export(model, path, xte, yte)
    return {
        "file": path.name, "task": "ocr", "contract": "fixed-slot", "replaces": "plate-ocr-v1",
        "input": {"name": "input", "shape": [-1, H, W, C], "dtype": "uint8", "layout": "NHWC",
                  "color": "GRAY", "resize": "plain"},
        "output": {"shape": [-1, SLOTS, len(ALPHABET)]},
        "alphabet": ALPHABET, "pad_char": "_", "slots": SLOTS, "licence": "Apache-2.0",
        "training": {"command": "python -m tools.train_all" + (" --quick" if quick else ""),
                     "seed": seed, "data": f"synthetic plate crops: {RICH:.0%} from the varied "
                     "renderer (tools/synth/rich.py: many open typefaces, EU, US-like and plain "
                     "layouts, clutter text, occluders), the rest plain DejaVu European plates "
                     "(tools/synth/plates.py); IT car/moto, SK, DE, FR, ES, generic Latin",
                     "fonts": licence_summary(),
                     "train_crops": n_train, "test_crops": n_test, "epochs": epochs,
                     "batch": BATCH, "width": width,
                     "parameters": sum(p.numel() for p in model.parameters()),
                     "data_time_s": round(t_data),
                     "time_s": round(t_train), "hardware": hardware(dev),
                     "precision": PRECISION[bf16]},
        "metrics": metrics,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny run to check the pipeline")
    ap.add_argument("--out", type=Path, default=Path("models"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=200000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--width", type=int, default=2, choices=sorted(WIDTHS))
    ap.add_argument("--name", default=OCR)
    add_device_args(ap)
    args = ap.parse_args()
    entry = train(args.out, args.quick, args.seed, args.n_train, args.epochs, args.width,
                  args.name, args.device, args.bf16)
    print(json.dumps(entry, indent=1))


if __name__ == "__main__":
    main()
