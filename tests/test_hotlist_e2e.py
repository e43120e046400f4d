"""Signed lists end to end: the CLI builds and publishes, the running node installs and hits."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from edge.app import Node
from edge.cli import main
from edge.config import Settings, load_settings
from edge.match import canonical_plate
from tests.mosquitto import Broker
from tests.mqtt_capture import Subscriber

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "firmware_config" / "demo.toml"


def _cli(*argv: str) -> None:
    assert main(["hotlist", *argv]) == 0


def _publish(tmp: Path, port: int, csv: Path, version: int, base: Path | None = None) -> None:
    extra = ["--base-csv", str(base), "--base-version", str(version - 1)] if base else []
    _cli("build", "--csv", str(csv), "--list-id", "stolen-it", "--purpose", "stolen",
         "--version", str(version), "--key-id", "central-1", "--hmac-key", str(tmp / "hmac.key"),
         "--hmac-key-id", "h1", "--out", str(tmp / "out"), *extra)
    stem = tmp / "out" / f"stolen-it-v{version}-{'delta' if base else 'snapshot'}"
    _cli("sign", f"{stem}.manifest.json", "--key", str(tmp / "keys" / "central-1.key"))
    _cli("publish", "--envelope", f"{stem}.signed.json", "--payload", f"{stem}.bin",
         "--host", "127.0.0.1", "--port", str(port), "--tenant", "demo")


def _settings(tmp: Path, port: int) -> Settings:
    creds = tmp / "creds"
    creds.mkdir(exist_ok=True)
    shutil.copy(tmp / "hmac.key", creds / "hotlists__hmac_key")
    camera = {"id": "cam0", "source": "file", "uri": str(tmp / "clip.mp4"),
              "reconnect_initial_s": 0.2, "reconnect_max_s": 0.5}
    return load_settings(DEMO, env={"CREDENTIALS_DIRECTORY": str(creds)}, overrides={
        "cameras": [camera], "blacklist": {"file": None},
        "node": {"state_dir": str(tmp / "var")},
        "mqtt": {"host": "127.0.0.1", "port": port},
        "outbox": {"path": str(tmp / "outbox.sqlite3")},
        "hotlists": {"lists": [{"list_id": "stolen-it", "purpose": "stolen"}],
                     "trusted_keys": [{"id": "central-1",
                                       "file": str(tmp / "keys" / "central-1.pub")}],
                     "hmac_key_id": "h1"}})


def _pass(tmp: Path, settings: Settings, version: int) -> None:
    """Run one node until it holds ``version``, then let it see the clip once."""
    node = Node(settings, base=ROOT)
    node.start()
    deadline = time.monotonic() + 30
    assert node.hotlists is not None
    while time.monotonic() < deadline:
        if [s.version for s in node.hotlists.status()] == [version]:
            break
        time.sleep(0.1)
    shutil.copy(ROOT / "demo" / "clip.mp4", tmp / "clip.mp4")  # the camera comes up now
    try:
        node.wait(threading.Event())
    finally:
        node.stop(60)
    (tmp / "clip.mp4").unlink()
    assert [s.version for s in node.hotlists.status()] == [version]


def test_published_list_installs_hits_and_a_delta_removes(tmp_path: Path, broker: Broker,
                                                         demo_truth: dict[str, Any]) -> None:
    """CLI -> mosquitto -> node: one hit per listed vehicle at v1; the delta's removal at v2."""
    listed = sorted(canonical_plate(v["plate"]) for v in demo_truth["vehicles"] if v["listed"])
    _cli("keygen", "--out", str(tmp_path / "keys"), "--key-id", "central-1")
    _cli("keygen", "--hmac", "--out", str(tmp_path / "hmac.key"))
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text("plate,entry_ref,priority\n" + "".join(f"{p},E-{p},1\n" for p in listed))
    v2.write_text("plate,entry_ref,priority\n" + "".join(f"{p},E-{p},1\n" for p in listed[1:]))
    sub = Subscriber(broker.port, "anpr/v1/demo/+/evt/hit")
    settings = _settings(tmp_path, broker.port)
    _publish(tmp_path, broker.port, v1, 1)
    _pass(tmp_path, settings, 1)
    first = [json.loads(m.payload) for m in sub.wait_for(lambda m: True, len(listed))]
    assert sorted(e["plate"] for e in first) == listed
    assert {(e["list_id"], e["list_version"]) for e in first} == {("stolen-it", 1)}
    _publish(tmp_path, broker.port, v2, 2, base=v1)
    _pass(tmp_path, settings, 2)
    second = [json.loads(m.payload) for m in
              sub.wait_for(lambda m: True, 2 * len(listed) - 1)][len(first):]
    assert sorted(e["plate"] for e in second) == listed[1:]
    assert {e["list_version"] for e in second} == {2}
    sub.close()
    audit = (tmp_path / "var" / "audit.jsonl").read_text()
    assert audit.count('"kind":"list_installed"') == 2


def test_csv_with_bad_plates_is_rejected_with_line_numbers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`hotlist build` names every bad line and exits 6 (list error)."""
    csv = tmp_path / "bad.csv"
    csv.write_text("plate,entry_ref\nAB123CD,R1\nA!,R2\nAB123CD,R3\nZZ999ZZ,\n")
    code = main(["hotlist", "build", "--csv", str(csv), "--list-id", "l", "--purpose", "stolen",
                 "--version", "1", "--key-id", "k", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 6
    assert "line 3: bad plate" in err and "line 4: plate repeats line 2" in err
    assert "line 5: entry_ref" in err
    assert not (tmp_path / "out").exists()


def test_rotate_adds_a_key_and_prints_the_trust_set(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`hotlist rotate` makes a second key and lists both for the nodes' trust set."""
    keys = tmp_path / "keys"
    _cli("keygen", "--out", str(keys), "--key-id", "old")
    _cli("rotate", "--keys", str(keys), "--key-id", "new")
    out = capsys.readouterr().out
    assert (keys / "new.key").stat().st_mode & 0o777 == 0o600
    assert 'id = "old"' in out and 'id = "new"' in out


def test_publish_can_clear_the_chunks_of_a_superseded_version(tmp_path: Path,
                                                              broker: Broker) -> None:
    """`publish --supersede` leaves only the new version's chunks retained on the broker."""
    _cli("keygen", "--out", str(tmp_path / "keys"), "--key-id", "central-1")
    _cli("keygen", "--hmac", "--out", str(tmp_path / "hmac.key"))
    csv = tmp_path / "l.csv"
    csv.write_text("plate,entry_ref\nAB123CD,E1\n")
    _publish(tmp_path, broker.port, csv, 1)
    stem = tmp_path / "out" / "stolen-it-v"
    _cli("build", "--csv", str(csv), "--list-id", "stolen-it", "--purpose", "stolen",
         "--version", "2", "--key-id", "central-1", "--out", str(tmp_path / "out"))
    _cli("sign", f"{stem}2-snapshot.manifest.json", "--key",
         str(tmp_path / "keys" / "central-1.key"))
    _cli("publish", "--envelope", f"{stem}2-snapshot.signed.json", "--payload",
         f"{stem}2-snapshot.bin", "--host", "127.0.0.1", "--port", str(broker.port),
         "--tenant", "demo", "--supersede", f"{stem}1-snapshot.signed.json")
    sub = Subscriber(broker.port, "anpr/v1/demo/bl/stolen-it/data/#")
    retained = sub.wait_for(lambda m: m.retain, 2, timeout=2)
    sub.close()
    assert [m.topic.split("/")[6] for m in retained] == ["2"]
