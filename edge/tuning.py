"""Thread counts chosen for the board, so capture and analysis do not fight for cores.

On a 2-core board the video decoder's own thread pool and OpenCV's parallel
loops would otherwise take both cores while a frame is being inferred (measured:
detector time x2.5 on 2 x86 cores). One decoding thread and serial OpenCV
calls leave one core to analysis; bigger boards get proportionally more.
"""

from __future__ import annotations

import os

import cv2


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def decode_threads(n_cores: int | None = None) -> int:
    """Threads for one camera's video decoder."""
    n = cores() if n_cores is None else n_cores
    return 1 if n <= 4 else 2


def opencv_threads(n_cores: int | None = None) -> int:
    """Threads for OpenCV's parallel loops (resize, colour conversion)."""
    n = cores() if n_cores is None else n_cores
    return 1 if n <= 4 else n // 4


def apply_opencv_threads() -> None:
    """Set OpenCV's global thread count for this board (once, at node start)."""
    cv2.setNumThreads(opencv_threads())
