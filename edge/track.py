"""Combining the reads of one vehicle across frames.

Plates are associated frame to frame by box overlap (after shifting each
track's last box by its last motion), and a finished track's reads are voted
character by character, weighted by confidence, after keeping only the most
supported plate length. Cheap enough for a Pi: no extra model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from edge.config import TrackingConfig
from edge.types import Box, Candidate, Frame, FrameRead, Image, VehicleRead


@dataclass(slots=True)
class _Track:
    track_id: int
    box: Box
    first_pts: float
    last_pts: float
    wall_time: float
    t_capture: float
    dx: float = 0.0
    dy: float = 0.0
    reads: list[FrameRead] = field(default_factory=list)

    def predicted(self) -> Box:
        b = self.box
        return Box(b.x1 + self.dx, b.y1 + self.dy, b.x2 + self.dx, b.y2 + self.dy)

    def add(self, fr: FrameRead, pts: float) -> None:
        b = fr.detection.box
        self.dx = ((b.x1 + b.x2) - (self.box.x1 + self.box.x2)) / 2
        self.dy = ((b.y1 + b.y2) - (self.box.y1 + self.box.y2)) / 2
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
    """Tracks plates of one camera and emits one VehicleRead per finished track."""

    def __init__(self, camera_id: str, config: TrackingConfig, min_chars: int = 4) -> None:
        self.camera_id = camera_id
        self.config = config
        self.min_chars = min_chars
        self._tracks: list[_Track] = []
        self._next_id = 1

    @property
    def active(self) -> int:
        """Tracks open now."""
        return len(self._tracks)

    def update(self, frame: Frame, reads: list[FrameRead]) -> list[VehicleRead]:
        """Feed one analysed frame; return vehicles whose tracks just ended."""
        pairs = sorted(
            ((t.predicted().iou(fr.detection.box), ti, ri)
             for ti, t in enumerate(self._tracks) for ri, fr in enumerate(reads)),
            reverse=True,
        )
        used_t: set[int] = set()
        used_r: set[int] = set()
        for iou, ti, ri in pairs:
            if iou < self.config.iou_threshold:
                break
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
        done: list[_Track] = []
        keep: list[_Track] = []
        for t in self._tracks:
            gone = now_pts - t.last_pts > self.config.max_gap_s
            too_long = t.last_pts - t.first_pts > self.config.max_track_s
            (done if gone or too_long else keep).append(t)
        self._tracks = keep
        return [v for v in (self._finish(t) for t in done) if v is not None]

    def flush(self) -> list[VehicleRead]:
        """End every open track (end of stream or shutdown)."""
        done, self._tracks = self._tracks, []
        return [v for v in (self._finish(t) for t in done) if v is not None]

    def _finish(self, t: _Track) -> VehicleRead | None:
        if len(t.reads) < self.config.min_frames:
            return None
        text, confidence, cands = vote(t.reads, self.min_chars)
        if not text:
            return None
        best = max(t.reads, key=lambda fr: fr.read.confidence * fr.detection.box.area)
        crop: Image = best.crop
        return VehicleRead(self.camera_id, t.track_id, text, confidence, cands, len(t.reads),
                           t.first_pts, t.last_pts, t.wall_time, t.t_capture, crop)
