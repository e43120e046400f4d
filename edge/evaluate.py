"""Accuracy and speed of the models on a labelled image set (``manifest.jsonl``).

The format is the one of ``shared/data/real``: one JSON object a line with
``image``, ``plate``, ``box`` ([x, y, w, h]) and optionally ``plates`` (several
per image), ``wildcard`` (a character that matches anything, for masked ground
truth) and ``ignore`` (boxes [x, y, w, h] of real plates left unlabelled, too far
or too cut to read: a detection there that matches no labelled plate is neither a
hit nor a false positive, as in KITTI's DontCare regions). Reading is scored on
the ground-truth box (the OCR alone) and on the detector's own boxes (end to end).
Detection is scored twice: on every box the detector returns, and on the boxes the
node acts on, whose read passes its per-read gate (:class:`ReadGate`); a box that
fails it never reaches the tracker, so it can neither find a plate nor raise a
false alarm.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.detect import Detector
from edge.errors import EvalError
from edge.match.canonical import canonical_plate
from edge.ocr import Recogniser, crop_plate
from edge.types import Box, Image, PlateRead


@dataclass(frozen=True, slots=True)
class LabelledPlate:
    """One ground-truth plate."""

    box: Box
    text: str | None


@dataclass(frozen=True, slots=True)
class LabelledImage:
    """One manifest line."""

    path: Path
    plates: tuple[LabelledPlate, ...]
    wildcard: str | None
    ignore: tuple[Box, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadGate:
    """The node's per-read thresholds, ``ocr.min_confidence`` and ``ocr.min_chars``."""

    min_confidence: float
    min_chars: int

    def passes(self, read: PlateRead) -> bool:
        """Whether the pipeline keeps this read (the same tests as ``Pipeline.analyse``
        and the tracker's vote)."""
        return read.confidence >= self.min_confidence and len(read.text) >= self.min_chars

    def describe(self) -> str:
        """The gate in words, for the report."""
        return f"confidence >= {self.min_confidence:g}, >= {self.min_chars} characters"


@dataclass(frozen=True, slots=True)
class EvalReport:
    """What ``anpr-edge eval`` prints and writes."""

    manifest: str
    images: int
    plates: int
    plates_with_text: int
    detection_recall: float
    false_positives_per_image: float
    ignored_detections: int
    reported_recall: float
    reported_false_positives_per_image: float
    read_gate: str
    exact_read_rate: float
    char_accuracy: float
    end_to_end_read_rate: float
    images_per_second: float
    detect_ms_median: float
    ocr_ms_per_plate_median: float
    full_image_ms_median: float
    iou_threshold: float
    threads: int
    score_threshold: float | None = None


def _plate_text(raw: Any, wildcard: str | None) -> str | None:
    if raw is None:
        return None
    text = str(raw).upper()
    keep = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") | ({wildcard} if wildcard else set())
    return "".join(c for c in text if c in keep)


def manifest_plates(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """A manifest line's plates as a list, whether given as ``plates`` or as one
    ``plate`` and ``box``."""
    listed: list[dict[str, Any]] = obj.get("plates") or (
        [{"plate": obj.get("plate"), "box": obj["box"]}] if obj.get("box") else [])
    return listed


def read_manifest(path: Path) -> Iterator[LabelledImage]:
    """Parse a manifest lazily; EvalError naming the line for a bad one."""
    if not path.is_file():
        raise EvalError(f"manifest not found: {path}")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                wildcard = obj.get("wildcard")
                raw = manifest_plates(obj)
                plates = tuple(
                    LabelledPlate(Box.from_xywh(*(float(v) for v in p["box"])),
                                  _plate_text(p.get("plate"), wildcard))
                    for p in raw)
                ignore = tuple(Box.from_xywh(*(float(v) for v in b))
                               for b in obj.get("ignore") or ())
                yield LabelledImage(path.parent / obj["image"], plates, wildcard, ignore)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise EvalError(f"{path}:{lineno}: malformed entry ({exc!r})") from None


def _distance(truth: str, read: str, wildcard: str | None) -> int:
    """Edit distance where a wildcard in the truth costs nothing to match or to drop.

    A masked character is hidden in the image (a grey box), so a correct read
    may have either some character there or none: only visible ones count.
    """
    prev = list(range(len(read) + 1))
    for t in truth:
        masked = wildcard is not None and t == wildcard
        cur = [prev[0] + (0 if masked else 1)] + [0] * len(read)
        for j, r in enumerate(read, start=1):
            cur[j] = min(prev[j] + (0 if masked else 1), cur[j - 1] + 1,
                         prev[j - 1] + (0 if masked or t == r else 1))
        prev = cur
    return prev[-1]


def text_matches(truth: str, read: str, wildcard: str | None) -> bool:
    """Exact read of every visible character (a wildcard matches one character or none)."""
    return _distance(truth, read, wildcard) == 0


def char_accuracy(truth: str, read: str, wildcard: str | None) -> float:
    """1 - edit distance / number of visible characters, floored at 0."""
    visible = sum(1 for t in truth if wildcard is None or t != wildcard)
    return max(0.0, 1.0 - _distance(truth, read, wildcard) / max(1, visible))


def load_rgb(path: Path) -> Image:
    """An image file as RGB uint8, or an :class:`EvalError` naming the file."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise EvalError(f"cannot read image {path}")
    return np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.uint8)


def _match(plates: tuple[LabelledPlate, ...], boxes: list[Box], iou_threshold: float) -> list[int]:
    """For each plate in turn, the unused box of highest IoU at or above the threshold (-1:
    none)."""
    used: set[int] = set()
    found = []
    for plate in plates:
        best, best_iou = -1, iou_threshold
        for i, box in enumerate(boxes):
            iou = box.iou(plate.box)
            if i not in used and iou >= best_iou:
                best, best_iou = i, iou
        if best >= 0:
            used.add(best)
        found.append(best)
    return found


def _unmatched(boxes: list[Box], found: list[int], ignore: tuple[Box, ...],
               iou_threshold: float) -> tuple[int, int]:
    """(false positives, ignored): boxes that match no plate, split by whether they match
    an ignore region at the IoU threshold."""
    hits = set(found)
    rest = [b for i, b in enumerate(boxes) if i not in hits]
    ignored = sum(any(b.iou(g) >= iou_threshold for g in ignore) for b in rest)
    return len(rest) - ignored, ignored


def evaluate(manifest: Path, detector: Detector, recogniser: Recogniser, margin: float,
             iou_threshold: float = 0.4, limit: int | None = None,
             threads: int = 1, gate: ReadGate | None = None,
             score_threshold: float | None = None) -> EvalReport:
    """Run the models over every image of the manifest and score them.

    ``gate``: the node's per-read thresholds for the ``reported_*`` figures; ``None``
    keeps every box, so they equal the detector's own. ``score_threshold``: the
    detector's threshold in force, recorded in the report (the detector applies it).
    """
    n_img = n_plates = n_text = tp = fp = exact = e2e = rtp = rfp = n_ignored = 0
    char_acc: list[float] = []
    det_ms: list[float] = []
    ocr_ms: list[float] = []
    full_ms: list[float] = []
    t_start = time.perf_counter()
    for item in read_manifest(manifest):
        if limit is not None and n_img >= limit:
            break
        image = load_rgb(item.path)
        n_img += 1
        t0 = time.perf_counter()
        dets = detector.detect(image)
        t1 = time.perf_counter()
        det_reads = recogniser.read([crop_plate(image, d.box, margin) for d in dets])
        t2 = time.perf_counter()
        det_ms.append(1000 * (t1 - t0))
        full_ms.append(1000 * (t2 - t0))
        boxes = [d.box for d in dets]
        found = _match(item.plates, boxes, iou_threshold)
        kept = [d.box for d, r in zip(dets, det_reads, strict=True)
                if gate is None or gate.passes(r)]
        found_kept = _match(item.plates, kept, iou_threshold)
        n_found = sum(i >= 0 for i in found)
        n_reported = sum(i >= 0 for i in found_kept)
        n_fp, n_ign = _unmatched(boxes, found, item.ignore, iou_threshold)
        n_plates += len(item.plates)
        tp, fp, n_ignored = tp + n_found, fp + n_fp, n_ignored + n_ign
        rtp, rfp = (rtp + n_reported,
                    rfp + _unmatched(kept, found_kept, item.ignore, iou_threshold)[0])
        for plate, best in zip(item.plates, found, strict=True):
            if plate.text is None:
                continue
            n_text += 1
            t3 = time.perf_counter()
            read = canonical_plate(recogniser.read([crop_plate(image, plate.box, margin)])[0].text)
            ocr_ms.append(1000 * (time.perf_counter() - t3))
            exact += text_matches(plate.text, read, item.wildcard)
            char_acc.append(char_accuracy(plate.text, read, item.wildcard))
            if best >= 0:
                e2e += text_matches(plate.text, canonical_plate(det_reads[best].text),
                                    item.wildcard)
    elapsed = time.perf_counter() - t_start
    if n_img == 0:
        raise EvalError(f"manifest {manifest} lists no images")

    def med(xs: list[float]) -> float:
        return round(float(np.median(xs)), 3) if xs else 0.0

    return EvalReport(
        manifest=str(manifest), images=n_img, plates=n_plates, plates_with_text=n_text,
        detection_recall=round(tp / n_plates, 4) if n_plates else 0.0,
        false_positives_per_image=round(fp / n_img, 4), ignored_detections=n_ignored,
        reported_recall=round(rtp / n_plates, 4) if n_plates else 0.0,
        reported_false_positives_per_image=round(rfp / n_img, 4),
        read_gate=gate.describe() if gate is not None else "none",
        exact_read_rate=round(exact / n_text, 4) if n_text else 0.0,
        char_accuracy=round(float(np.mean(char_acc)), 4) if char_acc else 0.0,
        end_to_end_read_rate=round(e2e / n_text, 4) if n_text else 0.0,
        images_per_second=round(n_img / elapsed, 2),
        detect_ms_median=med(det_ms), ocr_ms_per_plate_median=med(ocr_ms),
        full_image_ms_median=med(full_ms), iou_threshold=iou_threshold, threads=threads,
        score_threshold=score_threshold)


def report_dict(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON data."""
    return asdict(report)


def format_report(r: EvalReport) -> str:
    """A short human summary."""
    return "\n".join([
        f"manifest              {r.manifest}",
        f"images / plates       {r.images} / {r.plates} ({r.plates_with_text} with text)",
        f"detection recall@{r.iou_threshold:.1f}  {100 * r.detection_recall:.1f} %"
        + (f"  (score threshold {r.score_threshold})" if r.score_threshold is not None else ""),
        f"false positives/img   {r.false_positives_per_image:.3f}"
        + (f"  ({r.ignored_detections} boxes on ignore regions not counted)"
           if r.ignored_detections else ""),
        f"as the node reports   recall {100 * r.reported_recall:.1f} %, false positives/img "
        f"{r.reported_false_positives_per_image:.3f}  (boxes whose read passes: {r.read_gate})",
        f"exact read (top-1)    {100 * r.exact_read_rate:.1f} %  (OCR on ground-truth box)",
        f"character accuracy    {100 * r.char_accuracy:.1f} %",
        f"end-to-end read       {100 * r.end_to_end_read_rate:.1f} %  (detector box + OCR)",
        f"images per second     {r.images_per_second:.1f}  ({r.threads} thread(s))",
        f"detect ms (median)    {r.detect_ms_median:.2f}",
        f"OCR ms/plate (median) {r.ocr_ms_per_plate_median:.2f}",
        f"full image ms (med.)  {r.full_image_ms_median:.2f}",
    ])
