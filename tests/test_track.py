"""Tracking plates across frames and voting one reading per vehicle."""

from __future__ import annotations

import time

import numpy as np

from edge.config import TrackingConfig
from edge.track import PlateTracker, vote
from edge.types import Box, Candidate, Detection, Frame, FrameRead, PlateRead

CROP = np.zeros((10, 40, 3), np.uint8)


def _read(text: str, conf: float = 0.9, box: Box | None = None) -> FrameRead:
    plate = PlateRead(text, conf, tuple([conf] * len(text)), (Candidate(text, conf),))
    return FrameRead(Detection(box or Box(0, 0, 100, 25), 0.9), plate, CROP)


def _frame(i: int, fps: float = 10.0) -> Frame:
    return Frame("cam0", i, i / fps, time.monotonic(), time.time(), CROP)


def test_vote_takes_the_weighted_majority_per_character() -> None:
    """Single-frame errors are outvoted position by position."""
    reads = [_read("AB123CD"), _read("AB128CD"), _read("A8123CD"), _read("AB123CD", 0.6)]
    text, conf, cands = vote(reads)
    assert text == "AB123CD"
    assert 0 < conf <= 1
    assert cands[0].text == "AB123CD"


def test_vote_uses_the_best_supported_length() -> None:
    """A read with a dropped character does not corrupt the vote."""
    text, _, _ = vote([_read("AB123CD"), _read("AB12CD"), _read("AB123CD")])
    assert text == "AB123CD"


def test_moving_plate_is_one_vehicle() -> None:
    """A plate moving across 10 frames gives exactly one vehicle read once it is gone."""
    tracker = PlateTracker("cam0", TrackingConfig(max_gap_s=0.5, min_frames=2))
    out = []
    for i in range(10):
        box = Box(100 + 15 * i, 300, 200 + 15 * i, 325)
        out += tracker.update(_frame(i), [_read("AB123CD", box=box)])
    assert out == []
    for i in range(10, 20):
        out += tracker.update(_frame(i), [])
    assert len(out) == 1
    assert out[0].text == "AB123CD"
    assert out[0].frames == 10


def test_two_plates_side_by_side_are_two_vehicles() -> None:
    """Non-overlapping plates in the same frames are tracked apart."""
    tracker = PlateTracker("cam0", TrackingConfig(min_frames=2))
    for i in range(5):
        tracker.update(_frame(i), [_read("AB123CD", box=Box(100, 300, 200, 325)),
                                   _read("EF456GH", box=Box(800, 300, 900, 325))])
    texts = sorted(v.text for v in tracker.flush())
    assert texts == ["AB123CD", "EF456GH"]


def test_single_frame_glimpse_is_not_a_vehicle() -> None:
    """A track shorter than min_frames is discarded."""
    tracker = PlateTracker("cam0", TrackingConfig(min_frames=3))
    tracker.update(_frame(0), [_read("AB123CD")])
    assert tracker.flush() == []
