"""Where a training run computes: the same scripts train on a CUDA GPU when torch sees one.

Only the arithmetic moves: crops are drawn, augmented and batched on the CPU with the
same seeded generators, so a CPU run is unchanged by this module and a GPU run differs
from it only in the floating-point arithmetic (kernels, order of sums).
"""

from __future__ import annotations

import argparse

DEVICES = ("auto", "cpu", "cuda")
"""The ``--device`` choices: ``auto`` takes the first CUDA GPU torch sees, else the CPU."""


def training_device(name: str = "auto"):  # -> torch.device (lazy torch)
    """The device for ``name`` (one of ``DEVICES``); ``cuda`` without a usable GPU raises."""
    import torch

    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, not {name!r}")
    cuda = torch.cuda.is_available()
    if name == "cuda" and not cuda:
        raise SystemExit(f"--device cuda: torch {torch.__version__} sees no CUDA GPU "
                         "(a CPU-only build, or no driver)")
    return torch.device("cuda" if name == "cuda" or (name == "auto" and cuda) else "cpu")


def hardware(device) -> str:  # (torch.device) -> str
    """What trained, for the model card: the GPU's name, or the CPU thread count."""
    import torch

    if device.type == "cuda":
        return f"CUDA GPU: {torch.cuda.get_device_name(device)}"
    return f"{torch.get_num_threads()} CPU threads, no GPU"


def add_device_args(ap: argparse.ArgumentParser, bf16: bool = True) -> None:
    """The ``--device`` option of every training command, and ``--bf16`` where ``bf16``
    (the OCR's: ``train_ocr.fit``)."""
    ap.add_argument("--device", choices=DEVICES, default="auto",
                    help="where to compute (default: a CUDA GPU when torch sees one)")
    if bf16:
        ap.add_argument("--bf16", action="store_true",
                        help="bfloat16 autocast: ~2.7x faster on CPUs with AMX, not bit-identical")
