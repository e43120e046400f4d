"""Widen a trained reader without changing what it computes (Net2WiderNet).

A stage that trains a wider reader from random weights starts over: from random
weights width 3 saturated below width 2 on stage 1's recipe (``probe_width``). Widening
the trained width-2 reader instead gives width 3 the width-2 reader's function as its
starting point and adds room that the later stages can fill (Chen, Goodfellow and
Shlens, "Net2Net: accelerating learning via knowledge transfer", ICLR 2016).

Each convolution of the folded reader (``train_ocr.build_model(folded=True)``) gets its
new output channels as copies of existing ones (weights and bias); the next
convolution's input weights for a channel and its copies are split so that they sum to
the original. ReLU and max pooling act per channel, so the wider reader computes the
same function. The split is uneven (random shares), so that a channel and its copy
receive different gradients and grow apart in training instead of staying twins.
"""

from __future__ import annotations

import numpy as np

from tools.train_ocr import C, H, W, build_model


def _mapping(rng: np.random.Generator, old: int, new: int) -> tuple[np.ndarray, np.ndarray]:
    """Which old channel each new channel copies, and each new channel's share of the
    old channel's outgoing weights (the shares of one old channel sum to 1)."""
    if new < old:
        raise ValueError(f"cannot widen {old} channels to {new}")
    source = np.concatenate([np.arange(old), rng.choice(old, new - old, replace=False)])
    share = np.ones(new)
    for j in np.unique(source[old:]):
        copies = np.flatnonzero(source == j)
        w = rng.uniform(0.3, 1.0, len(copies))
        share[copies] = w / w.sum()
    return source, share


def widen(small, width: int, seed: int = 0):  # (torch.nn.Module, int, int) -> torch.nn.Module
    """A folded reader of ``width`` that computes what the folded reader ``small`` does."""
    import torch

    big = build_model(width, folded=True)
    convs_s = [m for m in small.modules() if isinstance(m, torch.nn.Conv2d)]
    convs_b = [m for m in big.modules() if isinstance(m, torch.nn.Conv2d)]
    if len(convs_s) != len(convs_b):
        raise ValueError("the two readers do not have the same layers")
    rng = np.random.default_rng(seed)
    # The input image and the 37 classes keep their channels: only hidden layers widen.
    source_in, share_in = np.arange(C), np.ones(C)
    with torch.no_grad():
        for i, (s, b) in enumerate(zip(convs_s, convs_b, strict=True)):
            last = i == len(convs_s) - 1
            old, new = s.out_channels, b.out_channels
            source_out, share_out = ((np.arange(old), np.ones(old)) if last
                                     else _mapping(rng, old, new))
            w = s.weight.detach().numpy()[source_out][:, source_in]
            w = w * share_in[None, :, None, None]
            b.weight.copy_(torch.from_numpy(w.astype(np.float32)))
            b.bias.copy_(torch.from_numpy(s.bias.detach().numpy()[source_out].copy()))
            source_in, share_in = source_out, share_out
    big.eval()
    small.eval()
    probe = torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (8, H, W, C),
                                                                   np.uint8))
    with torch.no_grad():
        diff = float((small.logits(probe) - big.logits(probe)).abs().max())
    if diff > 1e-3:
        raise ValueError(f"the widened reader's logits differ by {diff}")
    return big
