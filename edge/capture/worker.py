"""The capture thread: reads a source, stamps frames, feeds the queue, reconnects.

A watchdog restarts a source that delivered no frame for ``watchdog_s``:
the capture thread checks it after every read (sources bound each read with
a timeout), and a small monitor marks the camera down meanwhile so health
reports the outage even while a read is stuck in the driver.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from edge.capture.base import FrameQueue, FrameSource
from edge.errors import CaptureError
from edge.logs import get_logger
from edge.types import CameraHealth, Frame

log = get_logger("capture")
FPS_WINDOW_S = 5.0


@dataclass(slots=True)
class CaptureStats:
    """Counters of one camera, read by the metrics reporter."""

    frames: int = 0
    reconnects: int = 0
    up: bool = False
    last_error: str | None = None
    downs: int = 0
    watchdog_restarts: int = 0
    last_frame_t: float | None = None
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=1024))



class CaptureWorker(threading.Thread):
    """Runs one source until stopped or, for a recording, until its end.

    A source that fails to open, breaks, or stalls past the watchdog is
    closed and reopened with exponential back-off; the thread never dies on a
    camera error, so a dead camera never stops the others.
    """

    def __init__(self, camera_id: str, source: FrameSource, queue: FrameQueue,
                 backoff_initial_s: float = 1.0, backoff_max_s: float = 30.0,
                 watchdog_s: float = 20.0) -> None:
        super().__init__(name=f"capture-{camera_id}", daemon=True)
        self.camera_id = camera_id
        self.source = source
        self.queue = queue
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.watchdog_s = watchdog_s
        self.stats = CaptureStats()
        self.first_frame = threading.Event()
        self._halt = threading.Event()
        self._opened_t = time.monotonic()
        self._monitor = threading.Thread(target=self._watch, name=f"watchdog-{camera_id}",
                                         daemon=True)

    def stop(self) -> None:
        """Ask the thread to finish after the current frame."""
        self._halt.set()

    def fps(self, window_s: float = FPS_WINDOW_S) -> float:
        """Frames per second over the last ``window_s`` (0 for a camera that stopped)."""
        now = time.monotonic()
        stamps = [t for t in tuple(self.stats.recent) if now - t <= window_s]
        if len(stamps) < 2:
            return 0.0
        return (len(stamps) - 1) / max(now - stamps[0], 1e-6)

    def health(self) -> CameraHealth:
        """A snapshot for health reporting."""
        s = self.stats
        age = None if s.last_frame_t is None else round(time.monotonic() - s.last_frame_t, 3)
        return CameraHealth(self.camera_id, s.up, round(self.fps(), 2), self.queue.dropped,
                            s.reconnects, age, self.queue.qsize())

    def _stalled(self) -> bool:
        last = self.stats.last_frame_t
        since = max(last if last is not None else 0.0, self._opened_t)
        return time.monotonic() - since > self.watchdog_s

    def _watch(self) -> None:
        while not self._halt.wait(1.0):
            if self.stats.up and self.source.live and self._stalled():
                self._down(f"no frame for {self.watchdog_s:g} s")

    def run(self) -> None:
        """Thread body."""
        self._monitor.start()
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
                self._opened_t = time.monotonic()
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
            now = time.monotonic()
            if self.source.live and self._stalled():
                # The read came back, but far too late: treat the link as broken.
                self.stats.watchdog_restarts += 1
                raise CaptureError(f"no frame for {self.watchdog_s:g} s (watchdog)")
            if not self.stats.up:
                self._up()
            frame = Frame(self.camera_id, index, sf.pts, now, time.time(), sf.image)
            index += 1
            self._tick(now)
            self.stats.frames = index
            if self.source.live:
                self.queue.put(frame)
            else:
                while not self.queue.put(frame, block=True, timeout=0.5):
                    if self._halt.is_set():
                        return index
            self.first_frame.set()
        return index

    def _tick(self, now: float) -> None:
        self.stats.recent.append(now)
        self.stats.last_frame_t = now

    def _up(self) -> None:
        if not self.stats.up:
            self.stats.up = True
            self.stats.last_error = None
            log.info("camera_up", camera=self.camera_id, reconnects=self.stats.reconnects)

    def _down(self, reason: str) -> None:
        # Log each outage once, not each retry, to keep journald quiet on a dead camera.
        if self.stats.up or self.stats.last_error != reason:
            log.warning("camera_down", camera=self.camera_id, reason=reason)
        if self.stats.up:
            self.stats.downs += 1
        self.stats.up = False
        self.stats.last_error = reason
