"""Recordings: a video file or a folder of images, replayed as a camera would be."""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from edge.capture.base import SourceFrame
from edge.errors import CaptureError
from edge.tuning import decode_threads
from edge.types import as_image

_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


class _Pacer:
    """Sleeps so that media time advances no faster than the monotonic clock."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._t0: float | None = None
        self._pts0 = 0.0

    def wait(self, pts: float) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self._t0 is None or pts < self._pts0:
            self._t0, self._pts0 = now, pts
            return
        delay = (pts - self._pts0) - (now - self._t0)
        if delay > 0:
            time.sleep(delay)


class VideoFileSource:
    """A video file decoded with OpenCV (FFmpeg backend)."""

    def __init__(self, path: Path, realtime: bool = False, loop: bool = False) -> None:
        self.path = path
        self.realtime = realtime
        self.loop = loop
        self._cap: cv2.VideoCapture | None = None
        self._fps = 0.0
        self._index = 0
        self._pts_offset = 0.0
        self._pacer = _Pacer(realtime)

    @property
    def live(self) -> bool:
        """Paced replay stands in for a camera; unpaced replay waits for the consumer."""
        return self.realtime

    def open(self) -> None:
        """Open the file; CaptureError if missing or undecodable."""
        if not self.path.is_file():
            raise CaptureError(f"video file not found: {self.path}")
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_ANY,
                               [cv2.CAP_PROP_N_THREADS, decode_threads()])
        if not cap.isOpened():
            raise CaptureError(f"cannot decode video file: {self.path}")
        self._cap = cap
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        self._fps = fps if fps > 0 else 25.0

    def read(self) -> SourceFrame | None:
        """Next frame in RGB, or None at the end (unless looping)."""
        if self._cap is None:
            raise CaptureError("source not open")
        ok, bgr = self._cap.read()
        if not ok:
            if not self.loop or self._index == 0:
                return None
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            self._pts_offset += self._index / self._fps
            self._index = 0
            ok, bgr = self._cap.read()
            if not ok:
                return None
        pts = self._pts_offset + self._index / self._fps
        self._index += 1
        self._pacer.wait(pts)
        return SourceFrame(as_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)), pts)

    def close(self) -> None:
        """Release the decoder."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageFolderSource:
    """A folder of still images in name order, at a nominal frame rate."""

    def __init__(self, path: Path, fps: float = 10.0, realtime: bool = False,
                 loop: bool = False) -> None:
        self.path = path
        self.fps = fps
        self.loop = loop
        self.realtime = realtime
        self._files: list[Path] = []
        self._i = 0
        self._pacer = _Pacer(realtime)

    @property
    def live(self) -> bool:
        """Paced replay stands in for a camera."""
        return self.realtime

    def open(self) -> None:
        """List the images; CaptureError if the folder is missing or holds none."""
        if not self.path.is_dir():
            raise CaptureError(f"image folder not found: {self.path}")
        self._files = sorted(p for p in self.path.iterdir()
                             if p.suffix.lower() in _IMAGE_SUFFIXES)
        if not self._files:
            raise CaptureError(f"no images (.jpg/.png/.bmp) in folder: {self.path}")
        self._i = 0

    def read(self) -> SourceFrame | None:
        """Next image in RGB, or None after the last (unless looping)."""
        n = len(self._files)
        if n == 0 or (self._i >= n and not self.loop):
            return None
        path = self._files[self._i % n]
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise CaptureError(f"cannot decode image: {path}")
        pts = self._i / self.fps
        self._i += 1
        self._pacer.wait(pts)
        return SourceFrame(as_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)), pts)

    def close(self) -> None:
        """Nothing to release."""
        self._files = []
