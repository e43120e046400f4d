"""Camera watchdog: stalled sources are restarted, a dead camera never stops the others."""

from __future__ import annotations

import threading
import time

import numpy as np

from edge.capture.base import FrameQueue, SourceFrame
from edge.capture.worker import CameraHealth, CaptureWorker
from edge.errors import CaptureError

IMG = np.zeros((4, 4, 3), np.uint8)


class StallingSource:
    """A live source: a few frames, then one read hangs for ``hang_s``, then frames again."""

    def __init__(self, frames_before_hang: int, hang_s: float) -> None:
        self.frames_before_hang = frames_before_hang
        self.hang_s = hang_s
        self.opens = 0
        self.reads = 0
        self.hanging = threading.Event()
        self.release = threading.Event()

    @property
    def live(self) -> bool:
        """A camera."""
        return True

    def open(self) -> None:
        """Always succeeds."""
        self.opens += 1

    def read(self) -> SourceFrame | None:
        """Frames at ~50 fps; one long hang on the first connection."""
        self.reads += 1
        if self.opens == 1 and self.reads == self.frames_before_hang:
            self.hanging.set()
            self.release.wait(self.hang_s)
        time.sleep(0.02)
        return SourceFrame(IMG, time.monotonic())

    def close(self) -> None:
        """Nothing to release."""


class DeadSource:
    """A camera that never answers."""

    opens = 0

    @property
    def live(self) -> bool:
        """A camera."""
        return True

    def open(self) -> None:
        """Always refused."""
        self.opens += 1
        raise CaptureError("connection refused")

    def read(self) -> SourceFrame | None:
        """Never reached."""
        raise CaptureError("not open")

    def close(self) -> None:
        """Nothing to release."""


def _wait(cond: object, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if callable(cond) and cond():
            return True
        time.sleep(0.02)
    return False


def test_stalled_source_is_reported_down_and_restarted() -> None:
    """No frame for watchdog_s: health says down, then the source is reopened."""
    source = StallingSource(frames_before_hang=5, hang_s=2.5)
    worker = CaptureWorker("cam0", source, FrameQueue(4), backoff_initial_s=0.05,
                           backoff_max_s=0.1, watchdog_s=1.0)
    worker.start()
    try:
        assert source.hanging.wait(5)
        assert _wait(lambda: not worker.health().up, 5)
        assert _wait(lambda: source.opens >= 2 and worker.health().up, 10)
        assert worker.stats.watchdog_restarts == 1
        assert worker.health().reconnects == 1
    finally:
        source.release.set()
        worker.stop()
        worker.join(5)


def test_dead_camera_does_not_stop_the_others() -> None:
    """One camera refusing every connection leaves the other delivering frames."""
    dead, alive = DeadSource(), StallingSource(frames_before_hang=10**9, hang_s=0)
    workers = [CaptureWorker("dead", dead, FrameQueue(4), 0.05, 0.1, watchdog_s=1.0),
               CaptureWorker("alive", alive, FrameQueue(4), 0.05, 0.1, watchdog_s=1.0)]
    for w in workers:
        w.start()
    try:
        assert _wait(lambda: workers[1].stats.frames >= 30 and dead.opens >= 3)
        health = {w.camera_id: w.health() for w in workers}
        assert isinstance(health["dead"], CameraHealth)
        assert not health["dead"].up and health["dead"].last_frame_age_s is None
        assert health["alive"].up and health["alive"].fps > 0
    finally:
        for w in workers:
            w.stop()
        for w in workers:
            w.join(5)
