"""The Raspberry Pi camera through picamera2 (libcamera).

picamera2 exists only on Raspberry Pi OS; it is imported when the source
opens, so the rest of the node runs anywhere.
"""

from __future__ import annotations

from typing import Any

from edge.capture.base import SourceFrame
from edge.errors import CaptureError


class PiCameraSource:
    """A CSI camera module. ``uri`` is the camera number (``"0"``)."""

    def __init__(self, uri: str, width: int | None = None, height: int | None = None,
                 fps: float | None = None) -> None:
        self.camera_num = int(uri) if uri.isdigit() else 0
        self.size = (width or 1280, height or 720)
        self.fps = fps or 15.0
        self._cam: Any = None
        self._ts0: int | None = None

    @property
    def live(self) -> bool:
        """A camera is always live."""
        return True

    def open(self) -> None:
        """Configure and start the camera; CaptureError if picamera2 or the camera is absent."""
        try:
            from picamera2 import Picamera2  # noqa: PLC0415 - only present on Raspberry Pi OS
        except ImportError as exc:
            raise CaptureError(
                "picamera2 is not installed: on Raspberry Pi OS run "
                "'sudo apt install python3-picamera2' and create the venv with "
                "--system-site-packages"
            ) from exc
        try:
            cam = Picamera2(self.camera_num)
            # "RGB888" in libcamera terms is B,G,R in memory: the OpenCV order.
            config = cam.create_video_configuration(
                main={"size": self.size, "format": "RGB888"},
                controls={"FrameRate": self.fps},
                buffer_count=4,
            )
            cam.configure(config)
            cam.start()
        except (RuntimeError, IndexError, OSError) as exc:
            raise CaptureError(f"cannot start Pi camera {self.camera_num}: {exc}") from exc
        self._cam = cam
        self._ts0 = None

    def read(self) -> SourceFrame | None:
        """Next frame in RGB, timed by the sensor timestamp."""
        if self._cam is None:
            raise CaptureError("source not open")
        try:
            request = self._cam.capture_request()
            try:
                bgr = request.make_array("main")
                ts = int(request.get_metadata().get("SensorTimestamp", 0))
            finally:
                request.release()
        except RuntimeError as exc:
            raise CaptureError(f"Pi camera {self.camera_num} stopped: {exc}") from exc
        if self._ts0 is None:
            self._ts0 = ts
        return SourceFrame(bgr[:, :, ::-1].copy(), (ts - self._ts0) / 1e9)

    def close(self) -> None:
        """Stop and release the camera."""
        if self._cam is not None:
            try:
                self._cam.stop()
                self._cam.close()
            finally:
                self._cam = None
