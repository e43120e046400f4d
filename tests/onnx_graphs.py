"""Tiny ONNX graphs shaped like the public model contracts, to test the adapters alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def end2end_detector(path: Path, size: int, rows: np.ndarray) -> Path:
    """A 'YOLO end2end' detector that always outputs ``rows`` (K x 7)."""
    const = numpy_helper.from_array(rows.astype(np.float32), "rows")
    graph = helper.make_graph(
        [helper.make_node("ReduceMax", ["images"], ["m"], keepdims=0),
         helper.make_node("Mul", ["m", "zero"], ["z"]),
         helper.make_node("Add", ["rows", "z"], ["output0"])],
        "det",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(rows.shape))],
        initializer=[const, numpy_helper.from_array(np.zeros((), np.float32), "zero")],
    )
    return _save(graph, path)


def fixed_slot_ocr(path: Path, h: int, w: int, c: int, slot_scores: np.ndarray) -> Path:
    """A fixed-slot OCR returning ``slot_scores`` (slots x alphabet) for every crop."""
    slots, n = slot_scores.shape
    const = numpy_helper.from_array(slot_scores.astype(np.float32)[None], "scores")
    graph = helper.make_graph(
        [helper.make_node("Shape", ["input"], ["shape"], end=1),
         helper.make_node("Concat", ["shape", "tail"], ["target"], axis=0),
         helper.make_node("Expand", ["scores", "target"], ["probs"])],
        "ocr",
        [helper.make_tensor_value_info("input", TensorProto.UINT8, ["N", h, w, c])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", slots, n])],
        initializer=[const, numpy_helper.from_array(np.array([slots, n], np.int64), "tail")],
    )
    return _save(graph, path)
