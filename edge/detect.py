"""Plate detection: the Detector interface and the YOLO end2end adapter."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.config import DEFAULT_SCORE_THRESHOLD
from edge.errors import ModelError
from edge.inference.session import dummy_input
from edge.types import Box, Detection, Image, as_image

LETTERBOX_FILL = 114


@dataclass(frozen=True, slots=True)
class _Buffers:
    """One thread's detector input for one frame size."""

    geometry: tuple[int, int]
    blob: npt.NDArray[np.float32]
    small: Image
    planes: tuple[npt.NDArray[np.uint8], ...]


@runtime_checkable
class Detector(Protocol):
    """Finds plates in an RGB frame."""

    def detect(self, image: Image) -> list[Detection]:
        """Plates in ``image``, best first, boxes in frame pixels."""
        ...


class YoloEnd2EndDetector:
    """Adapter for the public "YOLO end2end" contract (NMS inside the graph).

    Input: float32 NCHW 1x3xSxS, RGB / 255, letterboxed (centred) with grey 114.
    Output rows ``[batch, x1, y1, x2, y2, class, score]`` in letterboxed pixels,
    as (K, 7) or (1, K, 7). The project's own detector ships with this contract
    too, so public models such as open-image-models' plate detectors drop in.
    """

    def __init__(self, session: ort.InferenceSession,
                 score_threshold: float = DEFAULT_SCORE_THRESHOLD,
                 nms_iou: float = 0.5, min_width: int = 16, warmup_runs: int = 1) -> None:
        inp = session.get_inputs()[0]
        shape = inp.shape
        if len(shape) != 4 or not isinstance(shape[2], int) or not isinstance(shape[3], int):
            raise ModelError(f"detector input must be NCHW with a fixed size, got {shape}")
        if shape[1] != 3 or "float" not in inp.type:
            raise ModelError(f"detector input must be float32 with 3 channels, got {inp.type} "
                             f"{shape}")
        self.session = session
        self.input_name = inp.name
        self.size_h, self.size_w = int(shape[2]), int(shape[3])
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        self.min_width = min_width
        # Preallocated input, one per analysis thread (cameras share the detector): the
        # grey border is written once per frame size and each frame converts only its
        # resized pixels in place (one pass, no new blob).
        self._local = threading.local()
        for _ in range(warmup_runs):
            session.run(None, dummy_input(session))

    def _letterbox(self, image: Image) -> tuple[npt.NDArray[np.float32], float, int, int]:
        h, w = image.shape[:2]
        r = min(self.size_w / w, self.size_h / h)
        nw, nh = round(w * r), round(h * r)
        px, py = (self.size_w - nw) // 2, (self.size_h - nh) // 2
        buf: _Buffers | None = getattr(self._local, "buf", None)
        if buf is None or buf.geometry != (h, w):
            buf = _Buffers((h, w), np.full((1, 3, self.size_h, self.size_w),
                                           LETTERBOX_FILL / 255.0, np.float32),
                           np.empty((nh, nw, 3), np.uint8),
                           tuple(np.empty((nh, nw), np.uint8) for _ in range(3)))
            self._local.buf = buf
        cv2.resize(image, (nw, nh), dst=buf.small, interpolation=cv2.INTER_LINEAR)
        # Splitting into contiguous planes first, then scaling each plane, reads memory in
        # order; scaling the transposed view in one pass strides across it (about 2x slower).
        planes = cv2.split(buf.small, buf.planes)
        scale = np.float32(1.0 / 255.0)
        for plane, out in zip(planes, buf.blob[0, :, py:py + nh, px:px + nw], strict=True):
            np.multiply(plane, scale, out=out)
        return buf.blob, r, px, py

    def detect(self, image: Image) -> list[Detection]:
        """Run the model and map boxes back to frame pixels."""
        if image.ndim == 2:
            image = as_image(cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
        blob, r, px, py = self._letterbox(image)
        out = np.asarray(self.session.run(None, {self.input_name: blob})[0], np.float32)
        rows = out.reshape(-1, out.shape[-1])
        if rows.shape[1] != 7:
            raise ModelError(f"detector output rows must have 7 columns, got {out.shape}")
        rows = rows[rows[:, 6] >= self.score_threshold]
        if rows.size == 0:
            return []
        h, w = image.shape[:2]
        # All boxes mapped back in one pass; then plain Python on the few survivors.
        xyxy = (rows[:, 1:5] - np.array([px, py, px, py], np.float32)) / np.float32(r)
        np.clip(xyxy, 0, np.array([w, h, w, h], np.float32), out=xyxy)
        keep = (xyxy[:, 2] - xyxy[:, 0]) >= self.min_width
        boxes = xyxy[keep].tolist()
        scores = rows[keep, 6].tolist()
        if not scores:
            return []
        xywh = [[x1, y1, x2 - x1, y2 - y1] for x1, y1, x2, y2 in boxes]
        # Public models may ship without in-graph NMS despite the name; a second pass is cheap.
        idx = cv2.dnn.NMSBoxes(xywh, scores, self.score_threshold, self.nms_iou)
        order = sorted((int(i) for i in np.asarray(idx).reshape(-1)), key=lambda i: -scores[i])
        return [Detection(Box(*boxes[i]), scores[i]) for i in order]
