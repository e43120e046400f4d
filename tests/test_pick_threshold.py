"""tools.pick_threshold: the detector's default threshold from its own synthetic scenes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from edge.inference.manifest import load_model_spec
from tools.names import DET
from tools.pick_threshold import GRID, Point, pick, sweep, write

MODEL = Path(__file__).resolve().parent.parent / "models" / f"{DET}.onnx"


def test_a_higher_threshold_never_finds_more(faces: None) -> None:
    """On the shipped detector's scenes, found plates and false positives fall as it rises."""
    points = sweep(MODEL, n=4, seed=0)
    assert [p.threshold for p in points] == list(GRID)
    assert points[0].plates > 0 and points[0].images == 8
    for lo, hi in itertools.pairwise(points):
        assert hi.true_positives <= lo.true_positives
        assert hi.false_positives <= lo.false_positives
    assert pick(points) in GRID


def test_the_pick_is_best_f1_and_the_lower_threshold_on_a_tie() -> None:
    """Best F1 wins; two equal F1s give the lower threshold."""
    pts = [Point(0.3, 90, 30, 100, 10), Point(0.4, 88, 8, 100, 10), Point(0.5, 88, 8, 100, 10),
           Point(0.6, 60, 0, 100, 10)]
    assert pick(pts) == 0.4
    assert pick(pts[2:]) == 0.5


def test_write_stores_the_pick_where_the_node_reads_it(faces: None, tmp_path: Path) -> None:
    """--write puts the pick and its sweep in the entry, and the node's loader reads it."""
    entry = json.loads((MODEL.parent / "manifest.json").read_text())["models"][DET]
    entry = {**entry, "file": str(MODEL)}
    entry.pop("score_threshold", None)
    (tmp_path / "manifest.json").write_text(json.dumps({"schema": 1, "models": {DET: entry}}))
    rec = write(tmp_path, DET, n=3, seed=5)
    stored = json.loads((tmp_path / "manifest.json").read_text())["models"][DET]
    assert stored["score_threshold"] == rec["score_threshold"] in GRID
    assert stored["threshold_pick"]["plain_scenes"] == 3 and stored["threshold_pick"]["seed"] == 5
    points = [Point(**p) for p in stored["threshold_pick"]["points"]]
    assert pick(points) == stored["score_threshold"]
    assert load_model_spec(tmp_path / "manifest.json", DET, "detector").score_threshold == (
        stored["score_threshold"])
