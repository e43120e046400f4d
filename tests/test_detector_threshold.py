"""Each detector file's own score threshold: carried in the manifest, used unless config says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge.app import build_detector
from edge.config import DEFAULT_SCORE_THRESHOLD, DetectorConfig, InferenceConfig
from edge.detect import YoloEnd2EndDetector
from edge.errors import ModelError
from edge.inference.manifest import load_model_spec
from tools.names import DET
from tools.pick_threshold import Point, pick

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "models" / "manifest.json"
INF = InferenceConfig(warmup_runs=0)


def _manifest_with(tmp_path: Path, value: Any) -> Path:
    """A copy of the shipped detector's entry whose ``score_threshold`` is ``value``."""
    entry = dict(json.loads(MANIFEST.read_text())["models"][DET])
    entry["file"] = str(MANIFEST.parent / entry["file"])
    entry["score_threshold"] = value
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"schema": 1, "models": {DET: entry}}))
    return path


def _threshold(cfg: DetectorConfig) -> float:
    det = build_detector(cfg, INF, ROOT)
    assert isinstance(det, YoloEnd2EndDetector)
    return det.score_threshold


def test_an_unset_threshold_is_the_models_own(tmp_path: Path) -> None:
    """With detector.score_threshold unset, the node uses the manifest entry's value."""
    assert _threshold(DetectorConfig(manifest=_manifest_with(tmp_path, 0.62))) == 0.62


def test_a_configured_threshold_wins_over_the_models(tmp_path: Path) -> None:
    """An installer's detector.score_threshold overrides the manifest's."""
    cfg = DetectorConfig(manifest=_manifest_with(tmp_path, 0.62), score_threshold=0.3)
    assert _threshold(cfg) == 0.3


def test_a_file_given_by_path_falls_back_to_the_default() -> None:
    """A public detector file (no manifest entry) runs at DEFAULT_SCORE_THRESHOLD."""
    cfg = DetectorConfig(name=None, file=MANIFEST.parent / f"{DET}.onnx")
    assert _threshold(cfg) == DEFAULT_SCORE_THRESHOLD


@pytest.mark.parametrize("bad", [1.5, 0, "high", True])
def test_a_bad_manifest_threshold_is_refused_by_name(tmp_path: Path, bad: Any) -> None:
    """A manifest threshold outside (0, 1) or not a number stops loading, naming the field."""
    with pytest.raises(ModelError, match=f"'{DET}'.*score_threshold"):
        load_model_spec(_manifest_with(tmp_path, bad), DET, "detector")


@pytest.mark.parametrize("name", [DET, f"{DET}-int8"])
def test_shipped_detectors_carry_the_pick_of_their_own_sweep(name: str) -> None:
    """Each shipped detector's threshold is the best-F1 pick of the sweep stored beside it."""
    entry = json.loads(MANIFEST.read_text())["models"][name]
    points = [Point(**p) for p in entry["threshold_pick"]["points"]]
    assert entry["score_threshold"] == pick(points)
    assert load_model_spec(MANIFEST, name, "detector").score_threshold == pick(points)
