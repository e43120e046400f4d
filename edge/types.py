"""Typed values passed between pipeline stages.

Every value crossing a thread boundary is a frozen, slotted dataclass so that
stages cannot mutate each other's data and the hand-off stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
"""An 8-bit image, HxWx3 RGB (or HxW grey)."""


def as_image(array: object) -> Image:
    """View an OpenCV result as an 8-bit image (no copy when it already is one)."""
    return np.asarray(array, dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box in pixels of the frame: top-left corner, bottom-right corner."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        """Width in pixels."""
        return max(0.0, self.x2 - self.x1)

    @property
    def height(self) -> float:
        """Height in pixels."""
        return max(0.0, self.y2 - self.y1)

    @property
    def area(self) -> float:
        """Area in square pixels."""
        return self.width * self.height

    def iou(self, other: Box) -> float:
        """Intersection over union with ``other`` (0 when disjoint)."""
        ix = max(0.0, min(self.x2, other.x2) - max(self.x1, other.x1))
        iy = max(0.0, min(self.y2, other.y2) - max(self.y1, other.y1))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float) -> Box:
        """Build from top-left corner plus width and height."""
        return cls(x, y, x + w, y + h)


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured frame.

    ``t_capture`` is ``time.monotonic()`` at capture and serves every duration;
    ``wall_time`` is UTC epoch seconds and is only ever event data. ``pts`` is
    the media time in seconds (from the stream for files, from the monotonic
    clock for live sources), so replays behave the same at any speed.
    """

    camera_id: str
    index: int
    pts: float
    t_capture: float
    wall_time: float
    image: Image = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Detection:
    """A plate found in a frame."""

    box: Box
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """One alternative reading of a plate with its confidence."""

    text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class PlateRead:
    """The OCR result for one plate crop.

    ``char_confidences`` has one entry per character of ``text``;
    ``candidates`` are the top readings, best first, the first equal to ``text``.
    """

    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class FrameRead:
    """A detection together with what the OCR read in it."""

    detection: Detection
    read: PlateRead
    crop: Image = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class VehicleRead:
    """The combined reading of one plate tracked over several frames."""

    camera_id: str
    track_id: int
    text: str
    confidence: float
    candidates: tuple[Candidate, ...]
    frames: int
    first_pts: float
    last_pts: float
    wall_time: float
    t_capture: float
    best_crop: Image = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Match:
    """A vehicle read that matched a blacklist entry."""

    list_id: str
    list_version: int
    entry_ref: str
    purpose: str
    match_type: str
    matched_text: str
    candidate_index: int = 0
    """Which candidate matched: index among the read's distinct canonical texts, the
    voted text first (the order of ``VehicleRead.candidates``, which starts with it)."""
    listed_text: str | None = None
    """The text found on the list (differs from ``matched_text`` for ocr_equivalent)."""
    priority: int = 0
    """The entry's priority on its list (0-255; signed lists only)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A match ready to become an event: the only thing that leaves memory."""

    vehicle: VehicleRead
    match: Match


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """One camera's state for health reports (no frame data)."""

    camera_id: str
    up: bool
    fps: float
    drops: int
    reconnects: int
    last_frame_age_s: float | None
    queue_depth: int = 0


@dataclass(frozen=True, slots=True)
class ListStatus:
    """Health view of one list: identity, size and age, never its entries.

    ``version`` is None while nothing is installed yet.
    """

    list_id: str
    purpose: str
    version: int | None
    entries: int
    installed_at: float | None
    expires_at: float | None
    age_s: float | None
    stale: bool
