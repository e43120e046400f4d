"""Privacy by construction: a non-matching read leaves no byte anywhere the node writes.

The whole node runs on the demo clip (8 vehicles) with a list naming only 2 of
them. Every byte it produced is then searched for each of the 6 other plates,
in clear and in the encodings a leak could take (case, separators, UTF-16,
base64, SHA-256, HMAC-SHA256): MQTT traffic on '#' (topics, payloads, user
properties), every file of the state directory (sampled during the run too, so
the SQLite WAL and SHM are caught before the checkpoint), and the log output at
debug level. The listed plates must be found, proving the search works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from edge.app import Node
from edge.config import load_settings
from edge.logs import configure_logging
from edge.match import canonical_plate
from tests.mosquitto import Broker
from tests.mqtt_capture import Subscriber

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "firmware_config" / "demo.toml"
TEST_KEY = b"anpr-edge privacy test key"


def encodings(plate: str) -> list[bytes]:
    """The forms a leaked plate could take on the wire or on disk."""
    p = canonical_plate(plate)
    spaced = f"{p[:2]} {p[2:5]} {p[5:]}"
    forms = [p, p.lower(), spaced, spaced.replace(" ", "-"), p[::-1]]
    out = [f.encode() for f in forms]
    out += [p.encode("utf-16-le"), base64.b64encode(p.encode()),
            base64.urlsafe_b64encode(p.encode()).rstrip(b"=")]
    for digest in (hashlib.sha256(p.encode()).digest(),
                   hmac.new(TEST_KEY, p.encode(), hashlib.sha256).digest()):
        out += [digest.hex().encode(), digest.hex().upper().encode(), base64.b64encode(digest),
                digest]
    return out


def test_unlisted_plates_leave_no_byte_anywhere(tmp_path: Path, broker: Broker,
                                                 demo_truth: dict[str, Any],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """Zero occurrences of 6 unlisted plates in any form; the 2 listed ones are found."""
    plates = [canonical_plate(v["plate"]) for v in demo_truth["vehicles"]]
    listed = [canonical_plate(v["plate"]) for v in demo_truth["vehicles"] if v["listed"]][:2]
    unlisted = [p for p in plates if p not in listed]
    assert len(unlisted) >= 6
    state = tmp_path / "state"
    settings = load_settings(DEMO, env={}, overrides={
        "node": {"state_dir": str(state)},
        "mqtt": {"host": "127.0.0.1", "port": broker.port},
        "outbox": {"path": str(state / "outbox.sqlite3")},
        "blacklist": {"file": None, "entries": [{"plate": p, "reference": f"REF-{i}"}
                                                 for i, p in enumerate(listed)]},
        "delivery": {"health_interval_s": 1, "counters_enabled": True,
                     "counters_interval_s": 1},
        "logging": {"level": "debug", "format": "json"},
    })
    sub = Subscriber(broker.port, "#")
    logbuf = io.StringIO()
    configure_logging("debug", "json", stream=logbuf)
    caplog.set_level(logging.DEBUG)
    snapshots: list[bytes] = []
    done = threading.Event()

    def sample_state_dir() -> None:  # WAL and SHM exist only while the node runs
        while not done.wait(0.2):
            for f in state.rglob("*"):
                try:
                    snapshots.append(f.read_bytes())
                except (OSError, IsADirectoryError):
                    continue

    sampler = threading.Thread(target=sample_state_dir)
    sampler.start()
    try:
        node = Node(settings, base=ROOT)
        node.start()
        node.wait(threading.Event())
        threading.Event().wait(2.5)  # let health and counters reach the broker
        node.stop(60)
    finally:
        done.set()
        sampler.join()
        configure_logging("info", "auto")
    hits = sub.wait_for(lambda m: m.topic.endswith("/evt/hit"), len(listed))
    sub.close()
    traffic = [m.topic.encode() + b"\0" + m.payload + b"\0" +
               json.dumps(getattr(m.properties, "UserProperty", [])).encode()
               for m in sub.messages]
    files = [f.read_bytes() for f in state.rglob("*") if f.is_file()]
    blobs = traffic + files + snapshots + [logbuf.getvalue().encode(), caplog.text.encode()]
    assert {f.name for f in state.iterdir()} >= {"outbox.sqlite3", "audit.jsonl"}
    assert any(m.topic.endswith("/evt/health") for m in sub.messages)
    assert any(m.topic.endswith("/evt/counters") for m in sub.messages)
    assert any(m.topic.endswith("/audit") for m in sub.messages)
    assert sum(a.stats.reads for a in node.analysers) > len(listed)
    for plate in unlisted:
        for form in encodings(plate):
            found = [i for i, b in enumerate(blobs) if form in b]
            assert not found, f"unlisted plate {plate} found as {form!r}"
    # The search works: every listed plate is in the hit traffic and in the outbox file.
    assert sorted(json.loads(m.payload)["plate"] for m in hits) == sorted(listed)
    for plate in listed:
        assert any(plate.encode() in b for b in traffic)
        assert any(plate.encode() in b for b in files + snapshots)
