"""Live cameras through OpenCV: USB/V4L2 devices, RTSP streams, GStreamer pipelines."""

from __future__ import annotations

import os
import time

import cv2

from edge.capture.base import SourceFrame
from edge.errors import CaptureError
from edge.tuning import decode_threads
from edge.types import as_image


def gstreamer_available() -> bool:
    """Whether this OpenCV build was compiled with GStreamer (the Jetson path)."""
    for line in cv2.getBuildInformation().splitlines():
        if line.strip().startswith("GStreamer:"):
            return "YES" in line
    return False


class OpenCVSource:
    """A live source read with ``cv2.VideoCapture``.

    ``kind`` is ``v4l2`` (device path or index), ``rtsp`` (URL, forced over TCP
    with socket timeouts) or ``gstreamer`` (a pipeline ending in ``appsink``,
    e.g. ``nvarguscamerasrc ! nvvidconv ! video/x-raw,format=BGRx ! videoconvert
    ! video/x-raw,format=BGR ! appsink drop=true max-buffers=1``).
    """

    def __init__(self, kind: str, uri: str, width: int | None = None, height: int | None = None,
                 fps: float | None = None, open_timeout_s: float = 10.0,
                 read_timeout_s: float = 5.0) -> None:
        self.kind = kind
        self.uri = uri
        self.width, self.height, self.fps = width, height, fps
        self.open_timeout_ms = int(open_timeout_s * 1000)
        self.read_timeout_ms = int(read_timeout_s * 1000)
        self._cap: cv2.VideoCapture | None = None
        self._t0 = 0.0

    @property
    def live(self) -> bool:
        """Cameras are always live."""
        return True

    def describe(self) -> str:
        """The source without credentials, for logs."""
        if self.kind == "rtsp" and "@" in self.uri:
            scheme, _, rest = self.uri.partition("://")
            return f"{scheme}://***@{rest.split('@', 1)[1]}"
        return self.uri

    def _capture(self) -> cv2.VideoCapture:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self.open_timeout_ms,
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, self.read_timeout_ms,
                  cv2.CAP_PROP_N_THREADS, decode_threads()]
        if self.kind == "gstreamer":
            if not gstreamer_available():
                raise CaptureError("this OpenCV build has no GStreamer support; on Jetson use "
                                   "the system OpenCV (python3-opencv) built with GStreamer")
            return cv2.VideoCapture(self.uri, cv2.CAP_GSTREAMER)
        if self.kind == "rtsp":
            # UDP loses packets through NAT and firewalls at the roadside; TCP is the norm.
            # The socket timeout (microseconds) ends a read from a camera that hung up
            # without closing the connection; the process-wide option is set once.
            os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS",
                                  f"rtsp_transport;tcp|timeout;{self.read_timeout_ms * 1000}")
            return cv2.VideoCapture(self.uri, cv2.CAP_FFMPEG, params)
        device: int | str = int(self.uri) if self.uri.isdigit() else self.uri
        return cv2.VideoCapture(device, cv2.CAP_V4L2, params)

    def open(self) -> None:
        """Connect; CaptureError naming the source when it cannot be reached."""
        cap = self._capture()
        if not cap.isOpened():
            cap.release()
            raise CaptureError(f"cannot open {self.kind} camera {self.describe()}")
        if self.kind == "v4l2":
            if self.width and self.height:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            if self.fps:
                cap.set(cv2.CAP_PROP_FPS, self.fps)
            # One buffered frame: an old frame is worse than a dropped one.
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap
        self._t0 = time.monotonic()

    def read(self) -> SourceFrame | None:
        """Next frame in RGB; CaptureError when the stream broke or timed out."""
        if self._cap is None:
            raise CaptureError("source not open")
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            raise CaptureError(f"{self.kind} camera {self.describe()} stopped delivering frames")
        rgb = as_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        return SourceFrame(rgb, time.monotonic() - self._t0)

    def close(self) -> None:
        """Release the device."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None
