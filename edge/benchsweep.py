"""Cost of analysing one frame versus frame size and number of plates, for the bench report.

Frames come from the synthetic scene renderer of the source tree
(``benchmarks/scenes.py`` on ``tools/synth``); where the node runs from an
installed package without them, the sweep is left out and the report says so.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import structlog

from edge.detect import Detector
from edge.ocr import Recogniser, crop_plate

_log = structlog.get_logger(__name__)
SIZES = ("720p", "1080p", "4K")
PLATES = (0, 1, 4, 16)


def _scenes() -> ModuleType | None:
    """``benchmarks.scenes``, also when the node runs from a checkout through its console
    script (whose ``sys.path`` starts in the venv's ``bin``, not in the checkout)."""
    root = Path(__file__).resolve().parent.parent
    if (root / "benchmarks" / "scenes.py").is_file() and str(root) not in sys.path:
        sys.path.append(str(root))
    try:
        return importlib.import_module("benchmarks.scenes")
    except ModuleNotFoundError as e:
        # Without the source tree the report says so; with it, name what the renderer lacks
        # (pillow and the fonts come with the dev extra, not with a node's own install).
        if e.name not in ("benchmarks", "benchmarks.scenes", "tools", "tools.synth"):
            _log.warning("bench_sweep_unavailable", missing_module=e.name)
        return None


def sweep(detector: Detector, recogniser: Recogniser, margin: float,
          rounds: int = 8) -> list[dict[str, Any]] | None:
    """Median ms of detect + crop + batched OCR per size and plate count; None if unavailable."""
    scenes = _scenes()
    if scenes is None:
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
