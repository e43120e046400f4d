"""Plate reading: the Recogniser interface and the fixed-slot OCR adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.errors import ModelError
from edge.inference.session import dummy_input
from edge.types import Box, Candidate, Image, PlateRead, as_image

TOP_K = 3
MAX_ZOOM = 1.5
THREE_VIEWS = (1.0, 1.04, 1.12)
"""The three-view set picked on synthetic data only (``ocr.zooms``; the node default is one)."""


@runtime_checkable
class Recogniser(Protocol):
    """Reads plate crops."""

    def read(self, crops: Sequence[Image]) -> list[PlateRead]:
        """One reading per crop, in order."""
        ...


def crop_plate(image: Image, box: Box, margin: float) -> Image:
    """Cut a plate out of a frame with a relative margin, clipped to the frame."""
    h, w = image.shape[:2]
    mx, my = box.width * margin, box.height * margin
    x1, y1 = max(0, int(box.x1 - mx)), max(0, int(box.y1 - my))
    x2, y2 = min(w, int(np.ceil(box.x2 + mx))), min(h, int(np.ceil(box.y2 + my)))
    # A copy, not a view: a view would keep the whole frame alive for as long as
    # the tracker holds the crop (megabytes per track instead of kilobytes).
    return image[y1:y2, x1:x2].copy()


def _softmax(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return np.asarray(e / e.sum(axis=-1, keepdims=True), np.float32)


def zoom_views(batch: npt.NDArray[np.uint8], zooms: Sequence[float]) -> npt.NDArray[np.uint8]:
    """Each zoom of a prepared (N, H, W, C) batch about the crop centre, view-major.

    A zoom above 1 reads the crop as a tighter box would cut it; edges are replicated
    where a zoom below 1 reaches outside. The result is (len(zooms) * N, H, W, C).
    """
    if tuple(zooms) == (1.0,):
        return batch  # the default single read: no copy on the hot path
    n, h, w, c = batch.shape
    views = []
    for z in zooms:
        if z == 1.0:
            views.append(batch)
            continue
        m = np.array([[z, 0.0, (1.0 - z) * w / 2], [0.0, z, (1.0 - z) * h / 2]], np.float32)
        out = np.empty_like(batch)
        for i in range(n):
            warped = cv2.warpAffine(batch[i], m, (w, h), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)
            out[i] = warped.reshape(h, w, c)
        views.append(out)
    return np.concatenate(views)


def top_chars(probs: npt.NDArray[np.float32],
              k: int = TOP_K) -> tuple[list[list[list[int]]], list[list[list[float]]]]:
    """Indices and probabilities of the ``k`` best characters of every slot, best first.

    ``probs`` is (N, slots, alphabet); one numpy pass for the whole batch, ties
    going to the lower index as ``argmax`` does.
    """
    k = min(k, probs.shape[-1])
    idx = np.argsort(-probs, axis=-1, kind="stable")[..., :k]
    return idx.tolist(), np.take_along_axis(probs, idx, axis=-1).tolist()


def decode_top(top_i: list[list[int]], top_v: list[list[float]], alphabet: str, pad: str,
               top_k: int = TOP_K) -> PlateRead:
    """One plate's reading from its per-slot best characters (see :func:`top_chars`)."""
    chars = [(alphabet[ti[0]], tv[0]) for ti, tv in zip(top_i, top_v, strict=True)
             if alphabet[ti[0]] != pad]
    text = "".join(c for c, _ in chars)
    confs = tuple(p for _, p in chars)
    confidence = sum(confs) / len(confs) if confs else 0.0
    # Beam search is exact here: slots are independent, so the k best strings
    # extend the k best prefixes, and only a slot's k best characters can matter.
    beams: list[tuple[str, float]] = [("", 1.0)]
    for ti, tv in zip(top_i, top_v, strict=True):
        grown = [(s + alphabet[i], p * v) for s, p in beams for i, v in zip(ti, tv, strict=True)]
        grown.sort(key=lambda b: -b[1])
        beams = grown[:top_k * 2]
    merged: dict[str, float] = {}
    for s, p in beams:
        t = s.replace(pad, "")
        merged[t] = merged.get(t, 0.0) + p
    ranked = sorted(merged.items(), key=lambda kv: -kv[1])
    cands = [Candidate(text, confidence)]
    cands += [Candidate(t, p) for t, p in ranked if t != text and t][: top_k - 1]
    return PlateRead(text, confidence, confs, tuple(cands))


def decode_slots(probs: npt.NDArray[np.float32], alphabet: str, pad: str,
                 top_k: int = TOP_K) -> PlateRead:
    """Turn (slots, alphabet) probabilities into text, per-char confidences and top-k."""
    top_i, top_v = top_chars(probs[None], top_k)
    return decode_top(top_i[0], top_v[0], alphabet, pad, top_k)


class FixedSlotOcr:
    """Adapter for the public fixed-slot OCR contract (the fast-plate-ocr family).

    Input ``uint8`` NHWC (grey or RGB, raw 0-255, plain resize); output
    probabilities (N, slots, alphabet) with a pad character for empty slots.
    The project's own OCR uses the same contract.

    ``zooms`` are test-time views: each crop is read once per zoom (1.0 is the crop as
    given, 1.12 a box 12 % tighter about its centre) in the same batch, and the
    per-slot probabilities of the views are averaged before decoding, so the
    confidences and candidates keep their meaning.
    """

    def __init__(self, session: ort.InferenceSession, alphabet: str, pad: str = "_",
                 warmup_runs: int = 1, zooms: Sequence[float] = (1.0,)) -> None:
        if not zooms or not all(0 < z <= MAX_ZOOM for z in zooms):
            raise ValueError(f"zooms must be one or more factors in (0, {MAX_ZOOM}], "
                             f"got {list(zooms)}")
        inp = session.get_inputs()[0]
        shape = inp.shape
        if len(shape) != 4 or "uint8" not in inp.type:
            raise ModelError(f"OCR input must be uint8 NHWC, got {inp.type} {shape}")
        h, w, c = shape[1], shape[2], shape[3]
        if not all(isinstance(v, int) for v in (h, w, c)) or c not in (1, 3):
            raise ModelError(f"OCR input must have fixed H, W and 1 or 3 channels, got {shape}")
        self.session = session
        self.input_name = inp.name
        self.height, self.width, self.channels = int(h), int(w), int(c)
        self.batch_fixed = shape[0] if isinstance(shape[0], int) else None
        self.alphabet = alphabet
        self.pad = pad
        self.zooms = tuple(float(z) for z in zooms)
        self._output_index = self._find_output(len(alphabet))
        self._needs_softmax: bool | None = None  # learnt from the first real batch
        for _ in range(warmup_runs):
            session.run(None, dummy_input(session))

    def _find_output(self, n_chars: int) -> int:
        for i, out in enumerate(self.session.get_outputs()):
            if len(out.shape) == 3 and out.shape[-1] == n_chars:
                return i
        shapes = [o.shape for o in self.session.get_outputs()]
        raise ModelError(f"no OCR output shaped (N, slots, {n_chars}) among {shapes}")

    def _prepare(self, crop: Image) -> Image:
        if self.channels == 1:
            grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
            out = cv2.resize(grey, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
            return as_image(out)[:, :, None]
        rgb = cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB) if crop.ndim == 2 else crop
        return as_image(cv2.resize(rgb, (self.width, self.height),
                                   interpolation=cv2.INTER_LINEAR))

    def read(self, crops: Sequence[Image]) -> list[PlateRead]:
        """Read all crops of a frame in one batch (or one by one for fixed-batch models)."""
        if not crops:
            return []
        batch = zoom_views(np.stack([self._prepare(c) for c in crops]), self.zooms)
        if self.batch_fixed is None:
            probs = np.asarray(self.session.run(None, {self.input_name: batch})[self._output_index])
        else:
            probs = np.concatenate([
                np.asarray(self.session.run(None, {self.input_name: batch[i:i + 1]})
                           [self._output_index]) for i in range(len(batch))])
        probs = probs.astype(np.float32, copy=False)
        if self._needs_softmax is None:
            self._needs_softmax = not np.allclose(probs.sum(axis=-1), 1.0, atol=1e-2)
        if self._needs_softmax:
            probs = _softmax(probs)
        if len(self.zooms) > 1:
            probs = probs.reshape(len(self.zooms), len(crops), *probs.shape[1:]).mean(axis=0)
        top_i, top_v = top_chars(probs)
        return [decode_top(ti, tv, self.alphabet, self.pad)
                for ti, tv in zip(top_i, top_v, strict=True)]
