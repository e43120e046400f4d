"""Vehicle-level accuracy on a clip with per-vehicle ground truth.

The clip goes through the node's own analysis path (motion gate, detector,
OCR, tracker, vote) frame by frame, unpaced. Scored per vehicle: read when one
of the emissions assigned to it has the exact plate text; duplicates are extra
emissions for one vehicle; missed vehicles got none. For comparison the
single-frame read rate is scored on the same run: the share of (vehicle,
frame) pairs, with the plate wholly in view, where that frame alone read it.
Truth format: the JSON written by ``tools/make_video.py``. Reports carry
counts and rates, never plate text.
"""

from __future__ import annotations

import json
import queue
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edge.capture.base import FrameQueue
from edge.capture.replay import VideoFileSource
from edge.config import CameraConfig, Settings
from edge.detect import Detector
from edge.errors import CaptureError, EvalError
from edge.match.base import DedupWindow
from edge.match.canonical import canonical_plate
from edge.ocr import Recogniser
from edge.pipeline import AnalysisWorker
from edge.track import FormatCheck, text_similarity
from edge.types import Box, Frame, FrameRead, Hit, Match, VehicleRead


@dataclass(frozen=True, slots=True)
class TruthVehicle:
    """One vehicle of the clip: plate, frames in view, and frames with the plate wholly in."""

    plate: str
    first_frame: int
    last_frame: int
    inside_frames: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VideoReport:
    """What ``anpr-edge eval CLIP --truth FILE`` prints and writes."""

    clip: str
    frames: int
    vehicles: int
    vehicle_read_rate: float
    single_frame_read_rate: float
    emissions: int
    duplicates: int
    missed: int
    wrong: int
    false_emissions: int
    detector_calls: int
    detector_call_rate: float
    frames_per_second: float


def load_truth(path: Path) -> tuple[float, list[TruthVehicle]]:
    """The clip's frame rate and vehicles; EvalError when the file is unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fps = float(data["fps"])
        vehicles = [TruthVehicle(canonical_plate(v["plate"]), int(v["first_frame"]),
                                 int(v["last_frame"]),
                                 tuple(int(v["first_frame"]) + k
                                       for k, inside in enumerate(v["inside"]) if inside))
                    for v in data["vehicles"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvalError(f"cannot use truth file {path}: {exc}") from None
    return fps, vehicles


class _Collect:
    """A matcher that keeps every vehicle read and never matches."""

    def __init__(self) -> None:
        self.vehicles: list[VehicleRead] = []

    def match(self, vehicle: VehicleRead) -> Match | None:
        self.vehicles.append(vehicle)
        return None


class _RecordingWorker(AnalysisWorker):
    """The node's analysis worker, also keeping each frame's own reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frame_reads: dict[int, list[str]] = {}
        self._current = -1

    def process(self, frame: Frame) -> None:
        self._current = frame.index
        super().process(frame)

    def analyse(self, frame: Frame, region: Box | None = None) -> list[FrameRead]:
        reads = super().analyse(frame, region)
        self.frame_reads[self._current] = [canonical_plate(r.read.text) for r in reads]
        return reads


def _assign(emissions: list[VehicleRead], truth: list[TruthVehicle],
            fps: float) -> tuple[dict[int, list[str]], int]:
    """Emission texts per truth vehicle (by time overlap, then text); and unassigned count."""
    per: dict[int, list[str]] = {i: [] for i in range(len(truth))}
    unassigned = 0
    for e in emissions:
        f0, f1 = e.first_pts * fps - 2, e.last_pts * fps + 2
        cands = [i for i, v in enumerate(truth) if v.first_frame <= f1 and v.last_frame >= f0]
        if not cands:
            unassigned += 1
            continue
        text = canonical_plate(e.text)
        best = max(cands, key=lambda i: (text_similarity(truth[i].plate, text),
                                         min(truth[i].last_frame, f1)
                                         - max(truth[i].first_frame, f0)))
        per[best].append(text)
    return per, unassigned


def evaluate_clip(clip: Path, truth_path: Path, settings: Settings, detector: Detector,
                  recogniser: Recogniser, format_check: FormatCheck | None = None) -> VideoReport:
    """Run ``clip`` through the analysis path and score it against ``truth_path``."""
    fps, truth = load_truth(truth_path)
    camera = CameraConfig(id="eval", source="file", uri=str(clip))
    source = VideoFileSource(clip)
    try:
        source.open()
    except CaptureError as exc:
        raise EvalError(str(exc)) from None
    collect = _Collect()
    worker = _RecordingWorker(camera, settings, FrameQueue(1), detector, recogniser, collect,
                              DedupWindow(0.0), queue.Queue[Hit | None](), live=False,
                              format_check=format_check)
    frames = 0
    t0 = time.perf_counter()
    try:
        while (sf := source.read()) is not None:
            worker.process(Frame("eval", frames, sf.pts, time.monotonic(), time.time(), sf.image))
            frames += 1
    finally:
        source.close()
    for vehicle in worker.tracker.flush():
        collect.match(vehicle)
    elapsed = time.perf_counter() - t0
    per, unassigned = _assign(collect.vehicles, truth, fps)
    read = sum(1 for i, v in enumerate(truth) if v.plate in per[i])
    wrong = sum(1 for i, v in enumerate(truth) if per[i] and v.plate not in per[i])
    pairs = [(v.plate, f) for v in truth for f in v.inside_frames]
    single = sum(1 for plate, f in pairs if plate in worker.frame_reads.get(f, []))
    n = len(truth)
    return VideoReport(
        clip=clip.name, frames=frames, vehicles=n,
        vehicle_read_rate=read / n if n else 0.0,
        single_frame_read_rate=single / len(pairs) if pairs else 0.0,
        emissions=len(collect.vehicles),
        duplicates=sum(max(0, len(t) - 1) for t in per.values()),
        missed=sum(1 for t in per.values() if not t), wrong=wrong,
        false_emissions=unassigned, detector_calls=worker.stats.detector_calls,
        detector_call_rate=worker.stats.detector_calls / frames if frames else 0.0,
        frames_per_second=frames / elapsed if elapsed > 0 else 0.0)


def report_dict(report: VideoReport) -> dict[str, Any]:
    """The report as plain JSON data."""
    return asdict(report)


def format_report(r: VideoReport) -> str:
    """A short human summary."""
    return "\n".join([
        f"clip                  {r.clip} ({r.frames} frames, {r.vehicles} vehicles)",
        f"vehicle-level read    {100 * r.vehicle_read_rate:.1f} %",
        f"single-frame read     {100 * r.single_frame_read_rate:.1f} %  (same run)",
        f"emissions             {r.emissions}",
        f"duplicate emissions   {r.duplicates}",
        f"missed vehicles       {r.missed}",
        f"wrong reads           {r.wrong}",
        f"false emissions       {r.false_emissions}",
        f"detector calls        {r.detector_calls} ({100 * r.detector_call_rate:.1f} % of "
        f"frames)",
        f"frames per second     {r.frames_per_second:.1f}",
    ])
