"""Combining the reads of one vehicle across frames.

Plates are associated frame to frame by box overlap with each track's box
moved by its constant-velocity prediction (frames may be skipped by the
motion gate or the CPU budget, so velocity is per second of media time);
text similarity breaks ties between plates of close-following vehicles. A
finished track's reads are clustered by length, then voted character by
character, weighted by confidence. Cheap enough for a Pi: no extra model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import cv2
import numpy as np

from edge.config import TrackingConfig
from edge.types import Box, Candidate, Frame, FrameRead, Image, VehicleRead

FormatCheck = Callable[[str], str]
"""Maps a voted plate text to the text to use (possibly corrected); "" drops the vehicle."""

# Weight of text similarity next to overlap when ranking track/read pairs.
TEXT_WEIGHT = 0.25
# Without overlap, a read still joins a track when its text is this similar and its
# centre is within NEAR box widths of the prediction: a fast vehicle's second frame,
# before the track has a velocity.
SAME_TEXT = 0.7
NEAR = 1.5


def sharpness(crop: Image) -> float:
    """Variance of the Laplacian of the grey crop: higher means sharper."""
    if crop.size == 0:
        return 0.0
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def crop_quality(fr: FrameRead) -> float:
    """Score of a read's crop as a hit's evidence: sharpness times box area."""
    return sharpness(fr.crop) * fr.detection.box.area


def text_similarity(a: str, b: str) -> float:
    """Similarity of two plate readings, 0..1."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


def _near(a: Box, b: Box) -> bool:
    """Centres within NEAR widths of ``a`` (and sizes alike): plausibly the same plate."""
    dx = (a.x1 + a.x2 - b.x1 - b.x2) / 2
    dy = (a.y1 + a.y2 - b.y1 - b.y2) / 2
    size = max(a.width, 1.0)
    alike = 0.5 <= max(b.width, 1.0) / size <= 2.0
    return alike and (dx * dx + dy * dy) ** 0.5 <= NEAR * size


@dataclass(slots=True)
class _Track:
    track_id: int
    box: Box
    first_pts: float
    last_pts: float
    wall_time: float
    t_capture: float
    vx: float = 0.0
    vy: float = 0.0
    emitted: bool = False
    reads: list[FrameRead] = field(default_factory=list)

    def predicted(self, pts: float) -> Box:
        dt = pts - self.last_pts
        b = self.box
        dx, dy = self.vx * dt, self.vy * dt
        return Box(b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy)

    def last_text(self) -> str:
        return self.reads[-1].read.text if self.reads else ""

    def add(self, fr: FrameRead, pts: float) -> None:
        b = fr.detection.box
        dt = pts - self.last_pts
        if dt > 0:
            vx = ((b.x1 + b.x2) - (self.box.x1 + self.box.x2)) / 2 / dt
            vy = ((b.y1 + b.y2) - (self.box.y1 + self.box.y2)) / 2 / dt
            # Light smoothing: detector boxes jitter by a few pixels frame to frame.
            first = len(self.reads) == 1
            self.vx = vx if first else 0.6 * vx + 0.4 * self.vx
            self.vy = vy if first else 0.6 * vy + 0.4 * self.vy
        self.box = b
        self.last_pts = pts
        self.reads.append(fr)


def vote(reads: list[FrameRead], min_chars: int = 1) -> tuple[str, float, tuple[Candidate, ...]]:
    """Confidence-weighted character vote over reads of the most supported length.

    Returns the text, its confidence (mean over positions of the winning
    share of weight times the winners' mean confidence) and up to three
    candidates, the voted text first.
    """
    by_len: dict[int, list[FrameRead]] = defaultdict(list)
    weight_by_len: dict[int, float] = defaultdict(float)
    for fr in reads:
        n = len(fr.read.text)
        if n >= min_chars:
            by_len[n].append(fr)
            weight_by_len[n] += fr.read.confidence
    if not by_len:
        return "", 0.0, ()
    length = max(weight_by_len, key=lambda n: weight_by_len[n])
    group = by_len[length]
    chars: list[str] = []
    score = 0.0
    for pos in range(length):
        tally: dict[str, float] = defaultdict(float)
        for fr in group:
            tally[fr.read.text[pos]] += fr.read.char_confidences[pos]
        ch, w = max(tally.items(), key=lambda kv: kv[1])
        total = sum(tally.values())
        support = sum(1 for fr in group if fr.read.text[pos] == ch)
        chars.append(ch)
        score += (w / total) * (w / support) if total > 0 else 0.0
    text = "".join(chars)
    confidence = score / length
    others: dict[str, float] = defaultdict(float)
    for fr in reads:
        for cand in fr.read.candidates:
            if cand.text and cand.text != text:
                others[cand.text] += cand.confidence
    ranked = sorted(others.items(), key=lambda kv: -kv[1])[:2]
    total_w = sum(weight_by_len.values()) or 1.0
    cands = (Candidate(text, confidence),
             *(Candidate(t, min(1.0, w / total_w)) for t, w in ranked))
    return text, confidence, cands


class PlateTracker:
    """Tracks plates of one camera and emits one VehicleRead per track.

    A track is emitted once: when it has not been seen for ``max_gap_s``, or
    earlier when it has lasted ``max_track_s`` (a parked or queueing vehicle);
    in that case it stays open, silent, until it goes, so it is never
    emitted twice. ``format_check`` runs on the voted text.
    """

    def __init__(self, camera_id: str, config: TrackingConfig, min_chars: int = 4,
                 format_check: FormatCheck | None = None) -> None:
        self.camera_id = camera_id
        self.config = config
        self.min_chars = min_chars
        self.format_check = format_check
        self._tracks: list[_Track] = []
        self._next_id = 1

    @property
    def active(self) -> int:
        """Tracks open now."""
        return len(self._tracks)

    def update(self, frame: Frame, reads: list[FrameRead]) -> list[VehicleRead]:
        """Feed one analysed frame; return vehicles whose tracks just ended."""
        pairs: list[tuple[float, int, int]] = []
        for ti, t in enumerate(self._tracks):
            pred = t.predicted(frame.pts)
            for ri, fr in enumerate(reads):
                iou = max(pred.iou(fr.detection.box), t.box.iou(fr.detection.box))
                sim = text_similarity(t.last_text(), fr.read.text)
                if iou < self.config.iou_threshold and not (
                        sim >= SAME_TEXT and _near(pred, fr.detection.box)):
                    continue
                pairs.append((iou + TEXT_WEIGHT * sim, ti, ri))
        pairs.sort(reverse=True)
        used_t: set[int] = set()
        used_r: set[int] = set()
        for _, ti, ri in pairs:
            if ti in used_t or ri in used_r:
                continue
            used_t.add(ti)
            used_r.add(ri)
            self._tracks[ti].add(reads[ri], frame.pts)
        for ri, fr in enumerate(reads):
            if ri not in used_r:
                track = _Track(self._next_id, fr.detection.box, frame.pts, frame.pts,
                               frame.wall_time, frame.t_capture)
                track.reads.append(fr)
                self._tracks.append(track)
                self._next_id += 1
        return self._expire(frame.pts)

    def _expire(self, now_pts: float) -> list[VehicleRead]:
        out: list[VehicleRead] = []
        keep: list[_Track] = []
        for t in self._tracks:
            gone = now_pts - t.last_pts > self.config.max_gap_s
            too_long = t.last_pts - t.first_pts > self.config.max_track_s
            if (gone or too_long) and not t.emitted:
                vehicle = self._finish(t)
                if vehicle is not None:
                    t.emitted = True
                    out.append(vehicle)
            if not gone:
                keep.append(t)
        self._tracks = keep
        return out

    def flush(self) -> list[VehicleRead]:
        """End every open track (end of stream or shutdown)."""
        done, self._tracks = self._tracks, []
        return [v for v in (self._finish(t) for t in done if not t.emitted) if v is not None]

    def _finish(self, t: _Track) -> VehicleRead | None:
        if len(t.reads) < self.config.min_frames:
            return None
        text, confidence, cands = vote(t.reads, self.min_chars)
        if text and self.format_check is not None:
            checked = self.format_check(text)
            if checked != text:
                cands = (Candidate(checked, confidence), *cands) if checked else cands
            text = checked
        if not text:
            return None
        support = [fr for fr in t.reads if len(fr.read.text) == len(text)] or t.reads
        best = max(support, key=crop_quality)
        crop: Image = np.ascontiguousarray(best.crop)
        return VehicleRead(self.camera_id, t.track_id, text, confidence, cands, len(support),
                           t.first_pts, t.last_pts, t.wall_time, t.t_capture, crop)
