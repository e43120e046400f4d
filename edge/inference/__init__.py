"""onnxruntime sessions and the model manifest."""

from edge.inference.manifest import ModelSpec, load_model_spec, verify_file
from edge.inference.session import make_session

__all__ = ["ModelSpec", "load_model_spec", "make_session", "verify_file"]
