"""The frame-source interface and the bounded, dropping frame queue."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from edge.types import Frame, Image


@dataclass(frozen=True, slots=True)
class SourceFrame:
    """What a source hands over: pixels (RGB) and media time in seconds."""

    image: Image = field(repr=False)
    pts: float


@runtime_checkable
class FrameSource(Protocol):
    """A camera or a recording. Implementations raise CaptureError naming the cause."""

    @property
    def live(self) -> bool:
        """True for cameras: frames are lost if not taken, so capture must never block."""
        ...

    def open(self) -> None:
        """Open the device or file; raise CaptureError when it cannot be reached."""
        ...

    def read(self) -> SourceFrame | None:
        """Next frame; None at the end of a recording; CaptureError when the link breaks."""
        ...

    def close(self) -> None:
        """Release the device; safe to call twice."""
        ...


class FrameQueue:
    """A bounded queue between capture and analysis.

    ``put(block=False)`` never waits: when full it drops the oldest frame (the
    freshest picture of the road is the useful one) and counts the drop.
    ``put(block=True)`` is for recordings replayed as fast as possible, where
    nothing is lost by waiting.
    """

    def __init__(self, maxsize: int) -> None:
        self._items: deque[Frame | None] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self.dropped = 0
        self.stale = 0
        self.put_count = 0

    def put(self, item: Frame | None, block: bool = False, timeout: float | None = None) -> bool:
        """Enqueue a frame (None marks end of stream). Returns False if it timed out."""
        with self._cond:
            if item is not None and len(self._items) >= self._maxsize:
                if block:
                    if not self._cond.wait_for(
                        lambda: len(self._items) < self._maxsize, timeout=timeout
                    ):
                        return False
                else:
                    self._items.popleft()
                    self.dropped += 1
            self._items.append(item)
            if item is not None:
                self.put_count += 1
            self._cond.notify_all()
            return True

    def get(self, timeout: float | None = None) -> Frame | None:
        """Next frame; None for end of stream. Raises TimeoutError when nothing came."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) > 0, timeout=timeout):
                raise TimeoutError
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def get_latest(self, timeout: float | None = None) -> Frame | None:
        """The newest frame, dropping older ones (counted in ``stale``).

        For live sources: when analysis is slower than capture, it works on
        the freshest picture instead of falling further behind. The end-of-
        stream marker is never skipped.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) > 0, timeout=timeout):
                raise TimeoutError
            while len(self._items) > 1 and self._items[0] is not None:
                self._items.popleft()
                self.stale += 1
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def qsize(self) -> int:
        """Frames waiting now."""
        with self._cond:
            return len(self._items)
