"""The whole node on the bundled demo clip, with the real shipped models."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from edge.app import Node
from edge.config import Settings, load_settings
from edge.match import canonical_plate
from tests.helpers import ListSink
from tests.mosquitto import Broker, free_port
from tests.mqtt_capture import Subscriber

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "firmware_config" / "demo.toml"


def _listed(truth: dict[str, Any]) -> set[str]:
    return {canonical_plate(v["plate"]) for v in truth["vehicles"] if v["listed"]}


def _unlisted(truth: dict[str, Any]) -> set[str]:
    return {canonical_plate(v["plate"]) for v in truth["vehicles"] if not v["listed"]}


def _settings(**overrides: Any) -> Settings:
    return load_settings(DEMO, env={}, overrides=overrides)


def _run(node: Node, timeout: float = 120.0) -> None:
    node.start()
    node.wait(threading.Event())
    node.stop(timeout)


def test_demo_hits_exactly_the_listed_plates(demo_truth: dict[str, Any]) -> None:
    """On the demo clip each listed plate in view gives one hit and nothing else does."""
    sink = ListSink()
    node = Node(_settings(), base=ROOT, sink=sink)
    _run(node)
    plates = [e.plate for e in sink.events]
    assert sorted(plates) == sorted(_listed(demo_truth))
    assert sink.closed


def test_demo_command_prints_hit_lines() -> None:
    """`anpr-edge run --config firmware_config/demo.toml` prints one JSON line per hit."""
    proc = subprocess.run([sys.executable, "-m", "edge", "run", "--config", str(DEMO)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert events
    assert all(e["schema_version"] == 1 and e["list_id"] == "demo" for e in events)
    assert "node_stopped" in proc.stderr


def test_demo_hits_reach_a_real_broker(tmp_path: Path, broker: Broker,
                                       demo_truth: dict[str, Any]) -> None:
    """With a broker configured the same hits arrive over MQTT, and only hits."""
    sub = Subscriber(broker.port, "anpr/#")
    settings = _settings(mqtt={"host": "127.0.0.1", "port": broker.port},
                         outbox={"path": str(tmp_path / "outbox.sqlite3")})
    node = Node(settings, base=ROOT)
    _run(node)
    hits = sub.wait_for(lambda m: m.topic.endswith("/evt/hit"), len(_listed(demo_truth)))
    sub.close()
    assert sorted(json.loads(m.payload)["plate"] for m in hits) == sorted(_listed(demo_truth))
    assert all(m.topic == "anpr/v1/demo/demo-gate/evt/hit" for m in hits)


def test_unlisted_plates_leave_no_trace(tmp_path: Path, broker: Broker,
                                        demo_truth: dict[str, Any]) -> None:
    """No unlisted plate appears in MQTT traffic, the outbox files or the logs."""
    import structlog

    sub = Subscriber(broker.port, "#")
    db = tmp_path / "state" / "outbox.sqlite3"
    settings = _settings(mqtt={"host": "127.0.0.1", "port": broker.port},
                         outbox={"path": str(db)})
    with structlog.testing.capture_logs() as logs:
        _run(Node(settings, base=ROOT))
    sub.wait_for(lambda m: m.topic.endswith("/evt/hit"), len(_listed(demo_truth)))
    sub.close()
    blobs = [m.topic.encode() + m.payload for m in sub.messages]
    blobs += [p.read_bytes() for p in db.parent.iterdir() if p.is_file()]
    blobs.append(json.dumps(logs, default=str).encode())
    for plate in _unlisted(demo_truth):
        assert not any(plate.encode() in b for b in blobs), plate
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT payload FROM outbox WHERE kind='hit'")
        stored = {json.loads(p)["plate"] for (p,) in rows}
    assert stored == _listed(demo_truth)


def test_sigterm_stops_the_daemon_cleanly(tmp_path: Path) -> None:
    """SIGTERM during a live (paced, looping) replay ends the process with exit code 0."""
    env = dict(os.environ, ANPR_CAMERAS='[{"id": "cam0", "source": "file", '
               '"uri": "demo/clip.mp4", "realtime": true, "loop": true}]')
    proc = subprocess.Popen([sys.executable, "-m", "edge", "run", "--config", str(DEMO)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(6)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "node_stopped" in err


def test_unreachable_broker_is_named_and_events_kept(tmp_path: Path,
                                                     demo_truth: dict[str, Any]) -> None:
    """With no broker listening, the node says which one and keeps the hits on disk."""
    import structlog

    port = free_port()
    db = tmp_path / "outbox.sqlite3"
    settings = _settings(mqtt={"host": "127.0.0.1", "port": port}, outbox={"path": str(db)})
    with structlog.testing.capture_logs() as logs:
        node = Node(settings, base=ROOT)
        node.start()
        node.wait(threading.Event())
        node.stop(timeout=1.0)
    down = [e for e in logs if e["event"] == "broker_unreachable"]
    assert down and down[0]["host"] == "127.0.0.1" and down[0]["port"] == port
    with sqlite3.connect(db) as con:
        pending = con.execute("SELECT COUNT(*) FROM outbox WHERE state='pending' AND kind='hit'"
                              ).fetchone()[0]
    assert pending == len(_listed(demo_truth))


def test_unreachable_camera_is_named_and_retried(tmp_path: Path) -> None:
    """A dead RTSP camera is reported with its address while the node keeps running."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(DEMO.read_text().replace(
        'source = "file"\nuri = "demo/clip.mp4"',
        f'source = "rtsp"\nuri = "rtsp://127.0.0.1:{free_port()}/cam"\n'
        'open_timeout_s = 1\nreconnect_initial_s = 0.2\nreconnect_max_s = 0.5'))
    proc = subprocess.Popen([sys.executable, "-m", "edge", "run", "--config", str(cfg)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    still_running = proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert still_running
    assert "camera_down" in err and "127.0.0.1" in err


@pytest.mark.parametrize("damage", ["missing", "tampered"])
def test_bad_model_file_stops_start_with_the_cause(tmp_path: Path, damage: str) -> None:
    """A missing model file, or one whose sha256 differs, stops start-up naming it."""
    models = tmp_path / "models"
    models.mkdir()
    manifest = json.loads((ROOT / "models" / "manifest.json").read_text())
    for entry in manifest["models"].values():
        src = ROOT / "models" / entry["file"]
        if damage == "tampered":
            (models / entry["file"]).write_bytes(src.read_bytes() + b"\0")
    (models / "manifest.json").write_text(json.dumps(manifest))
    cfg = tmp_path / "c.toml"
    cfg.write_text(DEMO.read_text() + f'\n[detector]\nmanifest = "{models / "manifest.json"}"\n')
    proc = subprocess.run([sys.executable, "-m", "edge", "run", "--config", str(cfg)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 3
    expected = "model file missing" if damage == "missing" else "has sha256"
    assert expected in proc.stderr
    assert "plate-det-v4" in proc.stderr or "plate-det-v4.onnx" in proc.stderr
