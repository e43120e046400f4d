"""Cost of analysing one frame versus frame size and number of plates, for the bench report.

Frames come from the synthetic scene renderer of the source tree
(``benchmarks/scenes.py`` on ``tools/synth``); where the node runs from an
installed package without them, the sweep is left out and the report says so.
"""

from __future__ import annotations

import importlib
import statistics
import time
from typing import Any

from edge.detect import Detector
from edge.ocr import Recogniser, crop_plate

SIZES = ("720p", "1080p", "4K")
PLATES = (0, 1, 4, 16)


def sweep(detector: Detector, recogniser: Recogniser, margin: float,
          rounds: int = 8) -> list[dict[str, Any]] | None:
    """Median ms of detect + crop + batched OCR per size and plate count; None if unavailable."""
    try:
        scenes = importlib.import_module("benchmarks.scenes")
    except ImportError:
        return None
    rows: list[dict[str, Any]] = []
    for size in SIZES:
        for plates in PLATES:
            img = scenes.frame(size, plates)
            times: list[float] = []
            found = 0
            for _ in range(rounds + 1):
                t0 = time.perf_counter()
                dets = detector.detect(img)
                recogniser.read([crop_plate(img, d.box, margin) for d in dets])
                times.append(time.perf_counter() - t0)
                found = len(dets)
            rows.append({"size": size, "plates": plates, "found": found,
                         "ms": round(1000 * statistics.median(times[1:]), 3)})
    return rows
