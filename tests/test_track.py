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


def test_fast_plate_is_followed_across_skipped_frames() -> None:
    """Constant-velocity prediction keeps one track when frames are skipped (no overlap)."""
    tracker = PlateTracker("cam0", TrackingConfig(max_gap_s=0.5, min_frames=2))
    for i in (0, 1, 3, 4):  # frame 2 was not analysed; the plate moves 60 px a frame
        box = Box(100 + 60 * i, 300, 180 + 60 * i, 320)
        assert tracker.update(_frame(i), [_read("AB123CD", box=box)]) == []
    vehicles = tracker.flush()
    assert [(v.text, v.frames) for v in vehicles] == [("AB123CD", 4)]


def test_close_following_plates_keep_their_own_tracks() -> None:
    """Where two plates overlap both tracks, text similarity decides who is who."""
    tracker = PlateTracker("cam0", TrackingConfig(iou_threshold=0.2, min_frames=2))
    a, b = Box(100, 300, 200, 325), Box(130, 300, 230, 325)
    for i in range(4):
        tracker.update(_frame(i), [_read("AB123CD", box=a), _read("XY987ZW", box=b)])
    # The two plates swap place (overlapping); the text keeps each on its own track.
    tracker.update(_frame(4), [_read("AB123CD", box=b), _read("XY987ZW", box=a)])
    vehicles = sorted(tracker.flush(), key=lambda v: v.text)
    assert [(v.text, v.frames) for v in vehicles] == [("AB123CD", 5), ("XY987ZW", 5)]


def test_long_track_is_emitted_once_after_max_track_s() -> None:
    """A queueing vehicle is emitted at max_track_s and never again when it finally goes."""
    tracker = PlateTracker("cam0", TrackingConfig(max_track_s=1.0, max_gap_s=0.5, min_frames=2))
    out = []
    for i in range(40):  # 4 s standing in view at 10 fps
        out += tracker.update(_frame(i), [_read("AB123CD")])
    assert len(out) == 1
    for i in range(40, 50):
        out += tracker.update(_frame(i), [])
    out += tracker.flush()
    assert len(out) == 1


def test_format_check_runs_on_the_voted_text() -> None:
    """The hook sees the combined reading; its answer is the vehicle's text, "" drops it."""
    seen: list[str] = []

    def check(text: str) -> str:
        seen.append(text)
        return text.replace("8", "B")

    tracker = PlateTracker("cam0", TrackingConfig(min_frames=2), format_check=check)
    for i in range(3):
        tracker.update(_frame(i), [_read("A8123CD")])
    assert [v.text for v in tracker.flush()] == ["AB123CD"]
    assert seen == ["A8123CD"]
    dropping = PlateTracker("cam0", TrackingConfig(min_frames=2), format_check=lambda t: "")
    for i in range(3):
        dropping.update(_frame(i), [_read("AB123CD")])
    assert dropping.flush() == []


def test_best_crop_is_the_sharpest() -> None:
    """The hit carries the sharpest crop of the track, not the last or most confident one."""
    rng = np.random.default_rng(0)
    sharp = rng.integers(0, 255, (20, 80, 3), dtype=np.uint8)
    flat = np.full((20, 80, 3), 128, np.uint8)
    tracker = PlateTracker("cam0", TrackingConfig(min_frames=2))
    plate = PlateRead("AB123CD", 0.9, (0.9,) * 7, (Candidate("AB123CD", 0.9),))
    for i, (crop, conf) in enumerate([(flat, 0.99), (sharp, 0.6), (flat, 0.99)]):
        p = PlateRead(plate.text, conf, (conf,) * 7, plate.candidates)
        tracker.update(_frame(i), [FrameRead(Detection(Box(0, 0, 80, 20), 0.9), p, crop)])
    (vehicle,) = tracker.flush()
    assert np.array_equal(vehicle.best_crop, sharp)
