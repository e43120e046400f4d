"""onnxruntime session creation: provider choice with fallback, threads, warm-up."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnxruntime as ort

from edge.config import Provider
from edge.errors import ModelError
from edge.inference.manifest import ModelSpec, verify_file
from edge.logs import get_logger

log = get_logger("inference")

PROVIDER_NAMES: dict[Provider, str] = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
}
# The plate reader sees a new batch size on almost every frame; cuDNN's default
# exhaustive algorithm search runs again for each new input shape, which on an
# H100 made OCR 10x slower than its steady state. The heuristic choice is instant.
PROVIDER_OPTIONS: dict[str, dict[str, str]] = {
    "CUDAExecutionProvider": {"cudnn_conv_algo_search": "HEURISTIC"},
}


def resolve_providers(wanted: Sequence[Provider]) -> list[str]:
    """Map config names to onnxruntime providers present here; CPU always ends the list."""
    available = set(ort.get_available_providers())
    chosen: list[str] = []
    for name in wanted:
        ort_name = PROVIDER_NAMES[name]
        if ort_name in available:
            chosen.append(ort_name)
        else:
            log.warning("provider_unavailable", provider=name, fallback="cpu",
                        available=sorted(available))
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")
    return chosen


def make_session(spec: ModelSpec, providers: Sequence[Provider] = ("cpu",),
                 intra_op_threads: int = 1) -> ort.InferenceSession:
    """Verify the file against the manifest and open an inference session."""
    verify_file(spec)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = intra_op_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        chosen = resolve_providers(providers)
        session = ort.InferenceSession(
            str(spec.path), sess_options=opts, providers=chosen,
            provider_options=[PROVIDER_OPTIONS.get(name, {}) for name in chosen])
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad graphs
        raise ModelError(f"cannot load model {spec.path}: {exc}") from exc
    log.info("model_loaded", model=spec.name, providers=session.get_providers(),
             threads=intra_op_threads)
    return session


def dummy_input(session: ort.InferenceSession) -> dict[str, np.ndarray]:
    """Zeros shaped like the first input (dynamic axes as 1), for warm-up."""
    inp = session.get_inputs()[0]
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
    dtype = np.uint8 if "uint8" in inp.type else np.float32
    return {inp.name: np.zeros(shape, dtype=dtype)}
