"""systemd notifications: readiness after start-up, watchdog only while frames flow."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from edge.app import Node
from edge.config import load_settings
from edge.notify import Notifier
from tests.helpers import ListSink

ROOT = Path(__file__).resolve().parent.parent


def _listen(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(0.1)
    return s


def _drain(s: socket.socket) -> list[str]:
    out = []
    while True:
        try:
            out.append(s.recv(4096).decode())
        except TimeoutError:
            return out


def test_without_notify_socket_nothing_is_sent() -> None:
    """Outside systemd the notifier is disabled and reports so."""
    n = Notifier({})
    assert not n.enabled
    assert n.ready("x") is False


def test_ready_message_reaches_the_socket(tmp_path: Path) -> None:
    """READY=1 with a STATUS line arrives as one datagram."""
    s = _listen(tmp_path / "notify")
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "notify")}).ready("up")
    assert _drain(s) == ["READY=1\nSTATUS=up"]


def test_full_notify_socket_does_not_block(tmp_path: Path) -> None:
    """A listener that never reads cannot stall the node: sends fail fast instead."""
    s = _listen(tmp_path / "notify")
    n = Notifier({"NOTIFY_SOCKET": str(tmp_path / "notify")})
    results = [n.watchdog() for _ in range(5000)]
    assert results[0] is True
    assert results[-1] is False
    s.close()


def test_node_sends_ready_before_any_watchdog(tmp_path: Path) -> None:
    """Running the demo, READY=1 comes first, then WATCHDOG=1 while frames are analysed."""
    s = _listen(tmp_path / "notify")
    msgs: list[str] = []
    done = threading.Event()

    def drain() -> None:
        while not done.is_set():
            msgs.extend(_drain(s))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    settings = load_settings(ROOT / "firmware_config" / "demo.toml", env={}, overrides={
        "cameras": [{"id": "cam0", "source": "file", "uri": "demo/clip.mp4",
                     "realtime": True}]})
    node = Node(settings, base=ROOT, sink=ListSink(),
                notifier=Notifier({"NOTIFY_SOCKET": str(tmp_path / "notify")}))
    node.start()
    node.wait(threading.Event())
    node.stop()
    done.set()
    reader.join(2)
    msgs.extend(_drain(s))
    kinds = [m.split("\n")[0].split("=")[0] for m in msgs]
    assert "READY" in kinds
    assert "WATCHDOG" in kinds
    assert kinds.index("READY") < kinds.index("WATCHDOG")
    assert kinds[-1] == "STOPPING"
