"""Frame sources and the capture thread: replay, drops, reconnects, absent hardware."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.capture import FrameQueue, make_source
from edge.capture.opencv import OpenCVSource, gstreamer_available
from edge.capture.picamera import PiCameraSource
from edge.capture.replay import ImageFolderSource, VideoFileSource
from edge.capture.worker import CaptureWorker
from edge.config import CameraConfig
from edge.errors import CaptureError
from edge.types import Frame
from tests.mosquitto import free_port


def _frame(i: int) -> Frame:
    return Frame("cam0", i, i / 10, time.monotonic(), time.time(), np.zeros((2, 2, 3), np.uint8))


def _video(path: Path, n: int = 12, fps: float = 10.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(n):
        img = np.full((48, 64, 3), i * 20 % 255, np.uint8)
        writer.write(img)
    writer.release()
    return path


def test_full_queue_drops_oldest_and_counts() -> None:
    """A live put into a full queue drops the oldest frame, never blocks, and counts it."""
    q = FrameQueue(2)
    for i in range(5):
        q.put(_frame(i))
    assert q.dropped == 3
    first, second = q.get(0.1), q.get(0.1)
    assert first is not None and second is not None
    assert [first.index, second.index] == [3, 4]


def test_blocking_put_waits_for_room() -> None:
    """A recording's put waits (and times out) rather than dropping."""
    q = FrameQueue(1)
    q.put(_frame(0), block=True)
    t0 = time.monotonic()
    assert q.put(_frame(1), block=True, timeout=0.2) is False
    assert time.monotonic() - t0 >= 0.19
    assert q.dropped == 0


def test_video_file_replays_frames_with_media_time(tmp_path: Path) -> None:
    """A video file yields every frame in RGB with pts = index / fps, then None."""
    src = VideoFileSource(_video(tmp_path / "v.mp4"))
    src.open()
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    src.close()
    assert len(frames) == 12
    assert frames[3].pts == pytest.approx(0.3)
    assert frames[0].image.shape == (48, 64, 3)


def test_realtime_replay_is_paced(tmp_path: Path) -> None:
    """With realtime pacing, 6 frames at 10 fps take about half a second."""
    src = VideoFileSource(_video(tmp_path / "v.mp4", n=6), realtime=True)
    src.open()
    t0 = time.monotonic()
    while src.read() is not None:
        pass
    src.close()
    assert time.monotonic() - t0 >= 0.45


def test_image_folder_reads_in_name_order(tmp_path: Path) -> None:
    """An image folder replays its images sorted by name at the configured rate."""
    for i in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), np.full((8, 8, 3), i * 50, np.uint8))
    src = ImageFolderSource(tmp_path, fps=5)
    src.open()
    got = []
    while (f := src.read()) is not None:
        got.append((int(f.image[0, 0, 0]), f.pts))
    assert got == [(0, 0.0), (50, 0.2), (100, 0.4)]


def test_missing_video_names_the_path(tmp_path: Path) -> None:
    """Opening a missing file raises CaptureError naming it."""
    with pytest.raises(CaptureError, match=r"video file not found: .*nope\.mp4"):
        VideoFileSource(tmp_path / "nope.mp4").open()


def test_unreachable_rtsp_camera_fails_with_its_address() -> None:
    """An RTSP camera nobody serves gives a CaptureError naming it, without credentials."""
    url = f"rtsp://user:secret@127.0.0.1:{free_port()}/stream"
    src = OpenCVSource("rtsp", url, open_timeout_s=2, read_timeout_s=2)
    with pytest.raises(CaptureError) as err:
        src.open()
    assert "127.0.0.1" in str(err.value)
    assert "secret" not in str(err.value)


def test_worker_keeps_retrying_until_the_camera_appears(tmp_path: Path) -> None:
    """A source that cannot open is retried with back-off; frames flow once it can."""
    path = tmp_path / "late.mp4"
    q = FrameQueue(64)
    worker = CaptureWorker("cam0", VideoFileSource(path), q, backoff_initial_s=0.1,
                           backoff_max_s=0.2)
    worker.start()
    time.sleep(0.4)
    assert not worker.stats.up
    assert "video file not found" in (worker.stats.last_error or "")
    _video(tmp_path / "tmp.mp4").rename(path)
    assert worker.first_frame.wait(5)
    worker.join(5)
    frames = []
    while (f := q.get(1)) is not None:
        frames.append(f)
    assert len(frames) == 12
    assert [f.index for f in frames] == list(range(12))


def test_registry_builds_the_configured_source(tmp_path: Path) -> None:
    """Each config source kind maps to its implementation."""
    def cam(kind: str, uri: str) -> CameraConfig:
        return CameraConfig(source=kind, uri=uri)  # type: ignore[arg-type]

    assert isinstance(make_source(cam("file", "a.mp4"), tmp_path), VideoFileSource)
    assert isinstance(make_source(cam("folder", "imgs"), tmp_path), ImageFolderSource)
    assert isinstance(make_source(cam("rtsp", "rtsp://h/x"), tmp_path), OpenCVSource)
    assert isinstance(make_source(cam("picamera2", "0"), tmp_path), PiCameraSource)


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is not None,
                    reason="picamera2 is installed: this checks the message where it is not")
def test_picamera_absent_says_how_to_install() -> None:
    """Without picamera2 the Pi source explains what to install."""
    with pytest.raises(CaptureError, match="python3-picamera2"):
        PiCameraSource("0").open()


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is None,
                    reason="picamera2 is only available on Raspberry Pi OS with a camera")
def test_picamera_delivers_rgb_frames() -> None:
    """On a Pi with a camera module, frames arrive in RGB at the configured size."""
    src = PiCameraSource("0", 640, 480, 10)
    src.open()
    try:
        f = src.read()
    finally:
        src.close()
    assert f is not None and f.image.shape == (480, 640, 3)


@pytest.mark.skipif(not gstreamer_available(),
                    reason="this OpenCV build has no GStreamer (the Jetson path needs it)")
def test_gstreamer_pipeline_delivers_frames() -> None:
    """A GStreamer test pipeline ending in appsink yields frames."""
    src = OpenCVSource("gstreamer", "videotestsrc num-buffers=5 ! videoconvert ! "
                       "video/x-raw,format=BGR ! appsink")
    src.open()
    try:
        f = src.read()
    finally:
        src.close()
    assert f is not None and f.image.ndim == 3


@pytest.mark.skipif(gstreamer_available(), reason="OpenCV has GStreamer here")
def test_gstreamer_absent_gives_a_clear_error() -> None:
    """Without GStreamer in OpenCV, the gstreamer source says why it cannot open."""
    with pytest.raises(CaptureError, match="no GStreamer support"):
        OpenCVSource("gstreamer", "videotestsrc ! appsink").open()
