"""Health reports, optional counters, audited state changes and 'anpr-edge audit verify'."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from edge.audit import AuditLog
from edge.config import Settings
from edge.health import HealthInputs, HealthReporter, read_temperature
from edge.publish.messages import CountersMessage, HealthMessage
from edge.types import CameraHealth, ListStatus
from tests.delivery_helpers import ROOT_TOPIC, audit_kinds, wired_sink
from tests.helpers import hit_event
from tests.mosquitto import Broker
from tests.mqtt_capture import Subscriber

ROOT = Path(__file__).resolve().parent.parent


class FakeNode:
    """Mutable inputs standing in for cameras and the hotlist manager."""

    def __init__(self) -> None:
        self.up = True
        self.reads = 10
        self.synced = True

    def inputs(self) -> HealthInputs:
        return HealthInputs(
            cameras=lambda: [CameraHealth("cam0", self.up, 12.5, 3, 1, 0.1, 2)],
            lists=lambda: [ListStatus("stolen-it", "stolen", 7, 1200, 1.0, None, 90.0, False)],
            event_queue_depth=lambda: 4,
            reads=lambda: {"cam0": self.reads},
            clock_synced=lambda: self.synced)


def _settings(tmp_path: Path) -> Settings:
    return Settings(cameras=[{"source": "file", "uri": "x.mp4"}],  # type: ignore[list-item]
                    node={"id": "node-1", "tenant": "t1",  # type: ignore[arg-type]
                          "state_dir": str(tmp_path)},
                    delivery={"counters_enabled": True})  # type: ignore[arg-type]


def test_health_is_published_with_outbox_and_list_state(tmp_path: Path, broker: Broker) -> None:
    """A health message on .../evt/health carries cameras, outbox depth, lists and clock."""
    w = wired_sink(tmp_path, broker.port)
    sub = Subscriber(broker.port, f"{ROOT_TOPIC}/evt/health")
    fake = FakeNode()
    rep = HealthReporter(_settings(tmp_path), fake.inputs(), w.sink, w.audit, tmp_path)
    w.sink.outbox.put("x", "held/topic", b"{}", now=time.time() - 30)  # an old pending row
    # Reported before the sink starts: once connected it may flush the old row at once,
    # and on a loaded machine that raced the report's look at the outbox.
    rep.report()
    w.sink.start()
    got = sub.wait_for(lambda m: True, 1)
    w.sink.close()
    sub.close()
    msg = HealthMessage.model_validate_json(got[0].payload)
    assert msg.cameras[0].fps == 12.5 and msg.cameras[0].drops == 3
    assert msg.lists[0].version == 7 and not msg.lists[0].stale
    assert msg.event_queue_depth == 4 and msg.clock_synced
    assert msg.outbox_pending >= 1 and msg.oldest_pending_age_s is not None
    assert msg.disk_free_bytes is not None and msg.disk_free_bytes > 0
    assert 0 < got[0].properties.MessageExpiryInterval <= 600


def test_counters_are_aggregate_deltas(tmp_path: Path) -> None:
    """Counters report reads per camera since the previous report, and nothing else."""
    fake = FakeNode()
    rep = HealthReporter(_settings(tmp_path), fake.inputs(), object(),
                         AuditLog(tmp_path / "a.jsonl"), tmp_path)
    rep.report_counters()
    fake.reads = 25
    msg = rep.report_counters()
    assert isinstance(msg, CountersMessage)
    assert [(c.camera, c.reads) for c in msg.cameras] == [("cam0", 15)]


def test_camera_and_clock_changes_are_audited(tmp_path: Path) -> None:
    """Camera up/down and clock sync lost/regained each leave one audit record."""
    fake = FakeNode()
    audit = AuditLog(tmp_path / "a.jsonl")
    rep = HealthReporter(_settings(tmp_path), fake.inputs(), object(), audit, tmp_path)
    rep.watch_changes()
    fake.up, fake.synced = False, False
    rep.watch_changes()
    rep.watch_changes()
    fake.up, fake.synced = True, True
    rep.watch_changes()
    assert audit_kinds(audit.path) == ["camera_up", "camera_down", "clock_sync_lost",
                                       "camera_up", "clock_sync_regained"]


def test_temperature_reads_the_hottest_zone(tmp_path: Path) -> None:
    """Thermal zones in millidegrees become °C; no zones means None."""
    for i, t in enumerate(("41000", "55500")):
        (tmp_path / f"thermal_zone{i}").mkdir()
        (tmp_path / f"thermal_zone{i}" / "temp").write_text(t)
    assert read_temperature(tmp_path) == 55.5
    assert read_temperature(tmp_path / "none") is None


def test_audit_verify_command_names_the_first_broken_record(tmp_path: Path) -> None:
    """`anpr-edge audit verify` passes an intact chain and exits 8 naming the broken record."""
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(4):
        log.record("hit_emitted", event_id=hit_event().event_id, n=i)
    cmd = [sys.executable, "-m", "edge", "audit", "verify", str(log.path)]
    ok = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "4 records" in ok.stdout
    lines = log.path.read_text().splitlines()
    body = json.loads(lines[1])
    body["n"] = 99
    lines[1] = json.dumps(body, separators=(",", ":"), sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n")
    bad = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert bad.returncode == 8
    assert "record 3" in bad.stderr
