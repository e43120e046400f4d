"""Vehicle-level accuracy on generated clips through `anpr-edge eval CLIP --truth FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.cli import main

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "tests" / "data" / "video"


@pytest.mark.parametrize("clip", ["day", "night"])
def test_vehicle_level_beats_single_frame_without_duplicates(clip: str, tmp_path: Path) -> None:
    """Tracking and voting read >= 5 points more vehicles than single frames, each once."""
    out = tmp_path / "report.json"
    rc = main(["eval", str(VIDEO / f"{clip}.mp4"), "--truth", str(VIDEO / f"{clip}.json"),
               "--out", str(out)])
    assert rc == 0
    r = json.loads(out.read_text())
    assert r["vehicles"] >= 4
    assert r["vehicle_read_rate"] >= r["single_frame_read_rate"] + 0.05
    assert r["duplicates"] == 0
    assert r["missed"] == 0


def test_eval_refuses_an_unusable_truth_file(tmp_path: Path) -> None:
    """A truth file without vehicles is an eval error (exit code 7), not a crash."""
    bad = tmp_path / "truth.json"
    bad.write_text("{}")
    assert main(["eval", str(VIDEO / "day.mp4"), "--truth", str(bad),
                 "--out", str(tmp_path / "r.json")]) == 7
