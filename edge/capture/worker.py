"""The capture thread: reads a source, stamps frames, feeds the queue, reconnects."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from edge.capture.base import FrameQueue, FrameSource
from edge.errors import CaptureError
from edge.logs import get_logger
from edge.types import Frame

log = get_logger("capture")


@dataclass(slots=True)
class CaptureStats:
    """Counters of one camera, read by the metrics reporter."""

    frames: int = 0
    reconnects: int = 0
    up: bool = False
    last_error: str | None = None


class CaptureWorker(threading.Thread):
    """Runs one source until stopped or, for a recording, until its end.

    A source that fails to open or breaks is closed and reopened with
    exponential back-off; the thread never dies on a camera error.
    """

    def __init__(self, camera_id: str, source: FrameSource, queue: FrameQueue,
                 backoff_initial_s: float = 1.0, backoff_max_s: float = 30.0) -> None:
        super().__init__(name=f"capture-{camera_id}", daemon=True)
        self.camera_id = camera_id
        self.source = source
        self.queue = queue
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.stats = CaptureStats()
        self.first_frame = threading.Event()
        self._halt = threading.Event()

    def stop(self) -> None:
        """Ask the thread to finish after the current frame."""
        self._halt.set()

    def run(self) -> None:
        """Thread body."""
        backoff = self.backoff_initial_s
        index = 0
        try:
            while not self._halt.is_set():
                try:
                    self.source.open()
                except CaptureError as exc:
                    self._down(str(exc))
                    self._halt.wait(backoff)
                    backoff = min(backoff * 2, self.backoff_max_s)
                    continue
                self._up()
                try:
                    ended = self._pump(index)
                    backoff = self.backoff_initial_s
                    if ended is None:
                        return
                    index = ended
                except CaptureError as exc:
                    index = self.stats.frames
                    self._down(str(exc))
                    self.stats.reconnects += 1
                    self._halt.wait(backoff)
                    backoff = min(backoff * 2, self.backoff_max_s)
                finally:
                    self.source.close()
        finally:
            self.stats.up = False
            self.queue.put(None, block=True, timeout=5.0)

    def _pump(self, index: int) -> int | None:
        """Move frames until stop (returns the next index) or end of stream (None)."""
        while not self._halt.is_set():
            sf = self.source.read()
            if sf is None:
                return None
            frame = Frame(self.camera_id, index, sf.pts, time.monotonic(), time.time(), sf.image)
            index += 1
            self.stats.frames = index
            if self.source.live:
                self.queue.put(frame)
            else:
                while not self.queue.put(frame, block=True, timeout=0.5):
                    if self._halt.is_set():
                        return index
            self.first_frame.set()
        return index

    def _up(self) -> None:
        if not self.stats.up:
            self.stats.up = True
            self.stats.last_error = None
            log.info("camera_up", camera=self.camera_id)

    def _down(self, reason: str) -> None:
        # Log each outage once, not each retry, to keep journald quiet on a dead camera.
        if self.stats.up or self.stats.last_error != reason:
            log.warning("camera_down", camera=self.camera_id, reason=reason)
        self.stats.up = False
        self.stats.last_error = reason
