"""The systemd side: install.sh into a staging root, unit checks, sd_notify under a stall."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from edge import app
from edge.capture.base import SourceFrame
from edge.capture.replay import VideoFileSource
from edge.config import CameraConfig, load_settings
from edge.notify import Notifier
from tests.helpers import ListSink

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / "tools" / "install.sh"


def _install(root: Path) -> str:
    out = subprocess.run(["bash", str(INSTALL), "--prefix", "/opt/anpr-edge", "--root",
                          str(root)], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A staging root with anpr-edge installed by tools/install.sh."""
    root = tmp_path_factory.mktemp("stage")
    _install(root)
    return root


def test_install_sh_lays_out_a_staging_root(staged: Path) -> None:
    """Code, launcher, unit, journald drop-in, sysusers, tmpfiles and a 0700 credentials dir."""
    for rel in ("opt/anpr-edge/edge/app.py", "opt/anpr-edge/models/manifest.json",
                "opt/anpr-edge/firmware_config/pi4.toml", "etc/systemd/system/anpr-edge.service",
                "etc/systemd/journald.conf.d/anpr-edge.conf", "etc/sysusers.d/anpr-edge.conf",
                "etc/tmpfiles.d/anpr-edge.conf"):
        assert (staged / rel).is_file(), rel
    launcher = staged / "opt/anpr-edge/bin/anpr-edge"
    assert os.access(launcher, os.X_OK)
    assert "/opt/anpr-edge/.venv/bin/python" in launcher.read_text()
    assert stat.S_IMODE((staged / "etc/anpr-edge/credentials").stat().st_mode) == 0o700
    assert "Storage=volatile" in (staged / "etc/systemd/journald.conf.d/anpr-edge.conf").read_text()


def test_install_sh_twice_changes_nothing(staged: Path) -> None:
    """A second run reports every file unchanged and skips what needs the real root."""
    out = _install(staged)
    assert "installed" not in out and "removed" not in out
    assert "unchanged" in out
    assert "skipped   venv" in out and "staging root" in out


def test_install_sh_honours_the_prefix(tmp_path: Path) -> None:
    """Another prefix lands in the unit's ExecStart= and WorkingDirectory=."""
    subprocess.run(["bash", str(INSTALL), "--prefix", "/srv/anpr", "--root", str(tmp_path)],
                   capture_output=True, check=True)
    unit = (tmp_path / "etc/systemd/system/anpr-edge.service").read_text()
    assert "ExecStart=/srv/anpr/bin/anpr-edge run" in unit
    assert "WorkingDirectory=/srv/anpr" in unit
    assert "/opt/anpr-edge" not in unit.replace("Documentation=file:/srv", "")


def _analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return found


def _unit_for_host(staged: Path, tmp_path: Path) -> Path:
    """The staged unit with its prefix pointing at the staged files, so verify finds them."""
    text = (staged / "etc/systemd/system/anpr-edge.service").read_text()
    unit = tmp_path / "anpr-edge.service"
    unit.write_text(text.replace("/opt/anpr-edge", str(staged / "opt/anpr-edge")))
    return unit


def test_systemd_analyze_verify_accepts_the_unit(staged: Path, tmp_path: Path) -> None:
    """systemd-analyze verify finds no error in the installed unit."""
    out = subprocess.run([_analyze(), "verify", str(_unit_for_host(staged, tmp_path))],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    # Only the back-off keys of systemd >= 254 may be unknown to an older systemd.
    unknown = re.findall(r"Unknown key '(\w+)'", out.stderr)
    assert set(unknown) <= {"RestartSteps", "RestartMaxDelaySec"}


def test_security_exposure_is_at_most_2(staged: Path, tmp_path: Path) -> None:
    """systemd-analyze security --offline=true scores the service 2.0 or lower."""
    out = subprocess.run([_analyze(), "security", "--offline=true", "--no-pager",
                          str(_unit_for_host(staged, tmp_path))],
                         capture_output=True, text=True, check=False)
    m = re.search(r"Overall exposure level for anpr-edge\.service: (\d+\.\d+)", out.stdout)
    assert m is not None, out.stdout + out.stderr
    assert float(m.group(1)) <= 2.0


class StallingSource:
    """The demo clip, paced like a camera, that stops delivering after ``frames`` frames."""

    def __init__(self, frames: int) -> None:
        self.inner = VideoFileSource(ROOT / "demo/clip.mp4", realtime=True)
        self.left = frames
        self.release = threading.Event()

    @property
    def live(self) -> bool:
        """A camera."""
        return True

    def open(self) -> None:
        """Open the clip."""
        self.inner.open()

    def read(self) -> SourceFrame | None:
        """A frame, or (stalled) nothing until released."""
        if self.left <= 0:
            self.release.wait()
            return None
        self.left -= 1
        return self.inner.read()

    def close(self) -> None:
        """Close the clip."""
        self.inner.close()


def _kind(msg: str) -> str:
    return msg.split("\n", maxsplit=1)[0].split("=", maxsplit=1)[0]


def test_watchdog_stops_when_the_camera_stalls(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """READY=1 and WATCHDOG=1 while frames flow; after the stall only STATUS= naming it."""
    source = StallingSource(frames=25)

    def make_source(cam: CameraConfig, base: Path) -> StallingSource:
        return source

    monkeypatch.setattr(app, "make_source", make_source)
    sock_path = tmp_path / "notify"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(sock_path))
    listener.settimeout(60)
    settings = load_settings(ROOT / "firmware_config/demo.toml", env={})
    node = app.Node(settings, base=ROOT, sink=ListSink(),
                    notifier=Notifier({"NOTIFY_SOCKET": str(sock_path)}))
    stop = threading.Event()
    node.start()
    waiter = threading.Thread(target=node.wait, args=(stop,), daemon=True)
    waiter.start()
    msgs: list[str] = []
    stalled_reports = 0
    try:
        # Read until the node has said three times in a row that no frames are analysed.
        while stalled_reports < 3:
            msg = listener.recv(4096).decode()
            msgs.append(msg)
            if msg.startswith("STATUS=no frames analysed"):
                stalled_reports += 1
            elif "WATCHDOG=1" in msg:
                stalled_reports = 0
    finally:
        source.release.set()
        stop.set()
        waiter.join(10)
        node.stop()
        listener.close()
    kinds = [_kind(m) for m in msgs]
    assert kinds.index("READY") < kinds.index("WATCHDOG")
    last_watchdog = max(i for i, k in enumerate(kinds) if k == "WATCHDOG")
    after = msgs[last_watchdog + 1:]
    assert len(after) >= 3
    assert all(m.startswith("STATUS=no frames analysed: cam0") for m in after[-3:])


def test_daemon_sends_ready_only_after_start_up(tmp_path: Path) -> None:
    """`anpr-edge run` as a process: STATUS while starting, READY=1, then STOPPING=1 at the end."""
    sock_path = tmp_path / "notify"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(sock_path))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": str(sock_path)}
    subprocess.run([sys.executable, "-m", "edge", "run", "--config", "firmware_config/demo.toml"],
                   cwd=ROOT, env=env, capture_output=True, check=True, timeout=240)
    listener.settimeout(0.5)
    msgs = []
    try:
        while True:
            msgs.append(listener.recv(4096).decode())
    except TimeoutError:
        pass
    listener.close()
    kinds = [_kind(m) for m in msgs]
    assert "READY" in kinds
    assert "WATCHDOG" not in kinds[:kinds.index("READY")]
    assert kinds[-1] == "STOPPING"


MDWE_RUN = """
import ctypes, mmap, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN (Linux >= 6.3)
    sys.exit(77)
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit(78)  # not enforced: the test would prove nothing
except OSError:
    pass
from edge.cli import main
sys.exit(main(["run", "--config", "firmware_config/demo.toml"]))
"""


def test_node_runs_without_writable_executable_memory() -> None:
    """The demo under the kernel's W^X lock (what MemoryDenyWriteExecute=yes asks) still hits."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", MDWE_RUN], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    if proc.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux >= 6.3)")
    assert proc.returncode == 0, proc.stderr[-2000:]
    hits = [line for line in proc.stdout.splitlines() if '"plate"' in line]
    assert len(hits) == 4
