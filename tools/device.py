"""Where a training run computes: the same scripts train on a CUDA GPU when torch sees one.

Only the arithmetic moves: crops are drawn, augmented and batched on the CPU with the
same seeded generators, so a CPU run is unchanged by this module and a GPU run differs
from it only in the floating-point arithmetic (kernels, order of sums).
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")
"""The ``--device`` choices: ``auto`` takes the first CUDA GPU torch sees, else the CPU."""


NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})
"""CPU flags (x86 ``flags``, aarch64 ``Features`` in /proc/cpuinfo) of bfloat16 arithmetic."""


def cpu_fields(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, str] | None:
    """The first processor's ``key: value`` lines of cpuinfo (``None``: unreadable, not
    Linux); every core of these machines reports the same."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return {k.strip(): v.strip() for k, _, v in
            (ln.partition(":") for ln in text.split("\n\n", 1)[0].splitlines())}


def cpu_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool | None:
    """Whether the CPU has bfloat16 arithmetic (``None``: cpuinfo unreadable, not Linux)."""
    fields = cpu_fields(cpuinfo)
    if fields is None:
        return None
    flags = f"{fields.get('flags', '')} {fields.get('Features', '')}".split()
    return bool(NATIVE_BF16_FLAGS.intersection(flags))


def training_device(name: str = "auto", bf16: bool = False,
                    cpuinfo: Path = Path("/proc/cpuinfo")):  # -> torch.device (lazy torch)
    """The device for ``name`` (one of ``DEVICES``). ``cuda`` without a usable GPU raises,
    and so does ``bf16`` on a device without bfloat16 arithmetic: there autocast emulates
    it, 13x slower than float32 on an AVX2 EPYC (a run of hours would take days)."""
    import torch

    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, not {name!r}")
    cuda = torch.cuda.is_available()
    if name == "cuda" and not cuda:
        raise SystemExit(f"--device cuda: torch {torch.__version__} sees no CUDA GPU "
                         "(a CPU-only build, or no driver)")
    dev = torch.device("cuda" if name == "cuda" or (name == "auto" and cuda) else "cpu")
    if bf16 and dev.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise SystemExit(f"--bf16: {torch.cuda.get_device_name(dev)} has no bfloat16 "
                         "arithmetic; leave --bf16 off")
    if bf16 and dev.type == "cpu" and cpu_bf16(cpuinfo) is False:
        raise SystemExit(f"--bf16: this CPU has no bfloat16 arithmetic (none of "
                         f"{', '.join(sorted(NATIVE_BF16_FLAGS))} in {cpuinfo}), so autocast "
                         "would emulate it, about 13x slower than float32; leave --bf16 off")
    return dev


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
                        help="bfloat16 autocast: 2.3-2.7x faster on CPUs with AVX512-BF16 "
                             "or AMX, not bit-identical, and from random weights it can delay "
                             "learning; refused where the CPU or GPU has no bfloat16 "
                             "arithmetic")
