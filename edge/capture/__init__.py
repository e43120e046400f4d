"""Frame sources, chosen from config through an explicit registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edge.capture.base import FrameQueue, FrameSource, SourceFrame
from edge.capture.opencv import OpenCVSource
from edge.capture.picamera import PiCameraSource
from edge.capture.replay import ImageFolderSource, VideoFileSource
from edge.config import CameraConfig, SourceKind, resolve_path

SourceFactory = Callable[[CameraConfig, Path], FrameSource]


def _file(c: CameraConfig, base: Path) -> FrameSource:
    return VideoFileSource(resolve_path(base, Path(c.uri)), realtime=c.realtime, loop=c.loop)


def _folder(c: CameraConfig, base: Path) -> FrameSource:
    return ImageFolderSource(resolve_path(base, Path(c.uri)), fps=c.fps or 10.0,
                             realtime=c.realtime, loop=c.loop)


def _opencv(kind: str) -> SourceFactory:
    def make(c: CameraConfig, base: Path) -> FrameSource:
        return OpenCVSource(kind, c.uri, c.width, c.height, c.fps,
                            c.open_timeout_s, c.read_timeout_s)
    return make


def _picamera(c: CameraConfig, base: Path) -> FrameSource:
    return PiCameraSource(c.uri, c.width, c.height, c.fps)


SOURCES: dict[SourceKind, SourceFactory] = {
    "file": _file,
    "folder": _folder,
    "v4l2": _opencv("v4l2"),
    "rtsp": _opencv("rtsp"),
    "gstreamer": _opencv("gstreamer"),
    "picamera2": _picamera,
}


def make_source(config: CameraConfig, base: Path) -> FrameSource:
    """Build the source named by ``config.source``; relative paths hang off ``base``."""
    return SOURCES[config.source](config, base)


__all__ = ["SOURCES", "FrameQueue", "FrameSource", "SourceFrame", "make_source"]
