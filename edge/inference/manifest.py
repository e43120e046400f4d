"""The model manifest (``models/manifest.json``): which file, which contract, which hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.errors import ModelError

DEFAULT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What the runtime needs to know about one model file."""

    name: str
    path: Path
    sha256: str | None
    task: str
    contract: str
    alphabet: str = DEFAULT_ALPHABET
    pad_char: str = "_"
    score_threshold: float | None = None
    """A detector's own operating point, picked when it was trained; None when unknown."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_file(spec: ModelSpec) -> None:
    """Raise ModelError unless the file exists and matches its recorded hash."""
    if not spec.path.is_file():
        raise ModelError(f"model file missing: {spec.path} (model '{spec.name}')")
    if spec.sha256 is not None:
        actual = sha256_of(spec.path)
        if actual != spec.sha256:
            raise ModelError(
                f"model file {spec.path} has sha256 {actual[:12]}…, manifest says "
                f"{spec.sha256[:12]}…: the file is corrupt or was replaced"
            )


def _threshold(name: str, manifest: Path, raw: Any) -> float | None:
    """A manifest entry's ``score_threshold``: absent, or a number strictly between 0 and 1."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < 1:
        raise ModelError(f"manifest entry '{name}' in {manifest}: score_threshold must be a "
                         f"number between 0 and 1, got {raw!r}")
    return float(raw)


def load_model_spec(manifest: Path, name: str, task: str) -> ModelSpec:
    """Look ``name`` up in the manifest; ModelError when absent or of the wrong task."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model manifest not found: {manifest}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"model manifest {manifest} is not valid JSON: {exc}") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict) or name not in models:
        known = ", ".join(sorted(models)) if isinstance(models, dict) else "none"
        raise ModelError(f"model '{name}' not in manifest {manifest} (known: {known})")
    entry = models[name]
    try:
        if entry["task"] != task:
            raise ModelError(f"model '{name}' is a {entry['task']} model, not a {task} model")
        return ModelSpec(
            name=name,
            path=manifest.parent / entry["file"],
            sha256=entry["sha256"],
            task=entry["task"],
            contract=entry["contract"],
            alphabet=entry.get("alphabet", DEFAULT_ALPHABET),
            pad_char=entry.get("pad_char", "_"),
            score_threshold=_threshold(name, manifest, entry.get("score_threshold")),
            extra=entry,
        )
    except (KeyError, TypeError) as exc:
        raise ModelError(f"manifest entry '{name}' in {manifest} lacks field {exc}") from None
