"""A real RTSP camera (GStreamer's RTSP server on loopback) that goes away for 30 s."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import pytest

from edge.app import Node
from edge.config import load_settings
from tests.helpers import ListSink
from tests.mosquitto import free_port

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "rtsp_server.py"
CLIP = ROOT / "tests" / "data" / "video" / "day.mp4"
SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = ("gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good "
            "gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav")
PROBE = ("import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0');"
         "from gi.repository import Gst, GstRtspServer; Gst.init(None);"
         "missing = [e for e in ('x264enc', 'jpegdec', 'multifilesrc', 'rtph264pay') "
         "if Gst.ElementFactory.find(e) is None]; assert not missing, missing")
OUTAGE_S = 30.0


def _rtsp_server_available() -> bool:
    if shutil.which(SYSTEM_PYTHON) is None:
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", PROBE], capture_output=True, timeout=30,
                           check=False)
    return probe.returncode == 0


class RtspServer:
    """The server script as a subprocess; the port survives restarts."""

    def __init__(self, port: int, pattern: str) -> None:
        self.port = port
        self.pattern = pattern
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        """Where the camera is."""
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self) -> None:
        """Start and wait for READY."""
        self.proc = subprocess.Popen([SYSTEM_PYTHON, str(SERVER), str(self.port), self.pattern],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "READY", f"RTSP server did not start: {line!r}"

    def stop(self) -> None:
        """Kill the server (a camera losing power)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def rtsp_server(tmp_path: Path) -> Iterator[RtspServer]:
    """The test clip served over RTSP on a free loopback port."""
    if not _rtsp_server_available():
        pytest.skip(f"GStreamer RTSP server not installed (apt-get install {PACKAGES})")
    cap = cv2.VideoCapture(str(CLIP))
    i = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        cv2.imwrite(str(tmp_path / f"frame{i:03d}.jpg"), cv2.resize(bgr, (640, 360)))
        i += 1
    cap.release()
    server = RtspServer(free_port(), str(tmp_path / "frame%03d.jpg"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def test_node_reconnects_after_a_30_s_rtsp_outage(rtsp_server: RtspServer,
                                                  tmp_path: Path) -> None:
    """Server killed for 30 s then restarted: the running node reads frames again by itself."""
    settings = load_settings(None, env={}, overrides={
        "node": {"state_dir": str(tmp_path / "state")},
        "cameras": [{"id": "gate", "source": "rtsp", "uri": rtsp_server.url,
                     "open_timeout_s": 5, "read_timeout_s": 3, "watchdog_s": 5,
                     "reconnect_initial_s": 0.5, "reconnect_max_s": 2}],
        "blacklist": {"entries": [{"plate": "ZZ999ZZ", "reference": "R-1"}]},
    })
    node = Node(settings, base=ROOT, sink=ListSink())
    capture = node.captures[0]
    node.start()
    try:
        assert _wait(lambda: node.camera_health()[0].up and capture.stats.frames >= 10, 20)
        rtsp_server.stop()
        stopped = time.monotonic()
        assert _wait(lambda: not node.camera_health()[0].up, 15)
        before = capture.stats.frames
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        assert not node.camera_health()[0].up
        rtsp_server.start()
        assert _wait(lambda: node.camera_health()[0].up and capture.stats.frames >= before + 10,
                     20)
        health = node.camera_health()[0]
        assert health.reconnects >= 1 and health.last_frame_age_s is not None
        assert node.analysers[0].is_alive()
        assert node.analysers[0].stats.frames > 0
    finally:
        node.stop()
