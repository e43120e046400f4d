"""anpr-edge provision: config, identity and secrets under a staging root."""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from edge import pki, tomlout
from edge.cli import main
from edge.config import load_settings
from edge.errors import ProvisionError
from edge.provision import Answers, parse_camera, provision

ROOT = Path(__file__).resolve().parent.parent


def _answers(**kw: object) -> Answers:
    base: dict[str, object] = dict(profile="pi4", node_id="gate-1", tenant="roma", camera="0",
                                   broker="broker.example.org", list_file=ROOT / "demo/plates.csv")
    base.update(kw)
    return Answers(**base)  # type: ignore[arg-type]


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture
def lab_ca(tmp_path: Path) -> Path:
    """A lab CA directory."""
    pki.save_ca(pki.make_ca(), tmp_path / "ca")
    return tmp_path / "ca"


def test_provision_writes_a_config_check_config_accepts(tmp_path: Path, lab_ca: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Flags only: config, key 0600 in a 0700 credentials dir, CSR, lab cert; check-config ok."""
    root = tmp_path / "root"
    root.mkdir()
    rc = main(["provision", "--profile", "pi4", "--node-id", "gate-1", "--tenant", "roma",
               "--camera", "rtsp://10.0.0.20/stream1", "--broker", "10.1.2.3:8883",
               "--root", str(root), "--ca-dir", str(lab_ca),
               "--list", str(ROOT / "demo/plates.csv"), "--yes"])
    assert rc == 0
    etc = root / "etc/anpr-edge"
    assert _mode(etc / "credentials") == 0o700
    assert _mode(etc / "credentials/node.key") == 0o600
    assert pki.common_name(pki.load_csr(etc / "node.csr")) == "gate-1"
    cert = pki.load_certificate(etc / "node.pem")
    assert cert.public_key() == pki.load_private_key(etc / "credentials/node.key").public_key()
    assert main(["check-config", str(etc / "config.toml")]) == 0
    s = load_settings(etc / "config.toml", env={})
    assert (s.cameras[0].source, s.cameras[0].uri) == ("rtsp", "rtsp://10.0.0.20/stream1")
    assert (s.mqtt.host, s.mqtt.port, s.node.id) == ("10.1.2.3", 8883, "gate-1")
    assert str(s.mqtt.tls.key_file) == "/run/credentials/anpr-edge.service/node.key"  # type: ignore[union-attr]
    assert "created" in capsys.readouterr().out


def test_rerun_keeps_the_key_and_changes_nothing(tmp_path: Path, lab_ca: Path) -> None:
    """A second identical run reports every file unchanged and keeps the private key."""
    provision(_answers(ca_dir=lab_ca), tmp_path)
    key = (tmp_path / "etc/anpr-edge/credentials/node.key").read_bytes()
    again = provision(_answers(ca_dir=lab_ca), tmp_path)
    assert {c.action for c in again.changes} == {"unchanged"}
    assert (tmp_path / "etc/anpr-edge/credentials/node.key").read_bytes() == key


def test_changed_answer_rewrites_only_the_config(tmp_path: Path, lab_ca: Path) -> None:
    """A new broker address updates config.toml and leaves the identity alone."""
    provision(_answers(ca_dir=lab_ca), tmp_path)
    again = provision(_answers(ca_dir=lab_ca, broker="other.example.org:1883"), tmp_path)
    changed = {c.path.name for c in again.changes if c.action != "unchanged"}
    assert changed == {"config.toml"}


def test_rotate_key_reissues_csr_and_certificate(tmp_path: Path, lab_ca: Path) -> None:
    """--rotate-key makes a new key, a new CSR and (with the lab CA) a matching certificate."""
    provision(_answers(ca_dir=lab_ca), tmp_path)
    etc = tmp_path / "etc/anpr-edge"
    old = pki.load_private_key(etc / "credentials/node.key").public_key()
    result = provision(_answers(ca_dir=lab_ca, rotate_key=True), tmp_path)
    new = pki.load_private_key(etc / "credentials/node.key").public_key()
    assert new != old
    assert pki.load_certificate(etc / "node.pem").public_key() == new
    assert {c.path.name for c in result.changes if c.action == "updated"} >= {
        "node.key", "node.csr", "node.pem"}


def test_without_ca_the_csr_is_left_to_sign(tmp_path: Path) -> None:
    """With no CA at hand, the result says where to send the CSR and put the certificate."""
    result = provision(_answers(), tmp_path)
    assert not (tmp_path / "etc/anpr-edge/node.pem").exists()
    assert any("node.csr" in t for t in result.todo)


def test_password_goes_to_credentials_not_config(tmp_path: Path) -> None:
    """The MQTT password is a 0600 credential loaded by a drop-in, never in config.toml."""
    provision(_answers(mqtt_password="s3cret-pw"), tmp_path)
    cred = tmp_path / "etc/anpr-edge/credentials/mqtt__password"
    assert _mode(cred) == 0o600
    assert "s3cret-pw" not in (tmp_path / "etc/anpr-edge/config.toml").read_text()
    dropin = tmp_path / "etc/systemd/system/anpr-edge.service.d/50-credentials.conf"
    assert "LoadCredential=mqtt__password:/etc/anpr-edge/credentials/mqtt__password" in \
        dropin.read_text()
    s = load_settings(tmp_path / "etc/anpr-edge/config.toml",
                      env={"CREDENTIALS_DIRECTORY": str(cred.parent)})
    assert s.mqtt.password is not None and s.mqtt.password.get_secret_value() == "s3cret-pw"
    provision(_answers(), tmp_path)  # a later run without the password keeps it loaded
    assert "LoadCredential=mqtt__password:" in dropin.read_text()
    assert cred.read_text() == "s3cret-pw"


def test_missing_answers_fail_with_exit_code_10(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Non-interactive, a missing answer names its flag and exits 10."""
    rc = main(["provision", "--profile", "pi4", "--node-id", "g1", "--root", str(tmp_path), "-y"])
    assert rc == 10
    err = capsys.readouterr().err
    assert "--tenant" in err and "--camera" in err and "--broker" in err


def test_invalid_answer_is_refused_before_writing(tmp_path: Path) -> None:
    """A node id the config refuses stops provisioning and writes no file."""
    with pytest.raises(ProvisionError, match=r"node\.id"):
        provision(_answers(node_id="bad id!"), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("answer", "kind", "expected"), [
    ("rtsp://u:p@10.0.0.20/s1", "picamera2", ("rtsp", "rtsp://u:p@10.0.0.20/s1")),
    ("/dev/video2", "picamera2", ("v4l2", "/dev/video2")),
    ("0", "picamera2", ("picamera2", "0")),
    ("1", "v4l2", ("v4l2", "/dev/video1")),
    ("demo/clip.mp4", "v4l2", ("file", "demo/clip.mp4")),
    ("v4l2src ! videoconvert ! appsink", "v4l2", ("gstreamer", "v4l2src ! videoconvert ! appsink")),
])
def test_camera_answer_picks_the_source_kind(answer: str, kind: str,
                                             expected: tuple[str, str]) -> None:
    """What the installer types becomes the right source kind and uri."""
    assert parse_camera(answer, kind) == expected


@pytest.mark.parametrize("profile", ["pi4", "pi5", "jetson-orin-nano", "x86-dev"])
def test_every_board_profile_provisions_to_a_valid_config(tmp_path: Path, profile: str) -> None:
    """Each board profile plus answers gives a config load_settings accepts."""
    result = provision(_answers(profile=profile, camera="rtsp://10.0.0.9/s"), tmp_path)
    assert result.settings.node.id == "gate-1"
    assert result.settings.detector.name and result.settings.ocr.name


def test_toml_writer_round_trips() -> None:
    """What tomlout writes, tomllib reads back equal (quotes, unicode, arrays of tables)."""
    data = {"a": 'say "hi"\n\\', "b": [1, 2], "t": {"x": 1.5, "y": True, "é k": "ü"},
            "arr": [{"id": "c0"}, {"id": "c1", "sub": {"z": 0}}]}
    assert tomllib.loads(tomlout.dumps(data, header="h")) == data


def test_interactive_run_prompts_for_missing_answers(tmp_path: Path) -> None:
    """In a terminal, provision asks for what the flags left out."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "edge", "provision", "--profile", "pi5",
                             "--root", str(tmp_path)], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    answers = iter(["gate-7", "milano", "/dev/video0", "mqtt.example.org:8884"])
    seen = b""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        seen += chunk
        if chunk.rstrip().endswith(b":"):
            os.write(master, (next(answers) + "\n").encode())
    proc.wait(30)
    os.close(master)
    assert proc.returncode == 0, seen.decode(errors="replace")
    assert b"Node id" in seen and b"Broker" in seen
    s = load_settings(tmp_path / "etc/anpr-edge/config.toml", env={})
    assert (s.node.id, s.node.tenant, s.mqtt.host, s.mqtt.port) == (
        "gate-7", "milano", "mqtt.example.org", 8884)
    assert s.cameras[0].source == "v4l2"


@pytest.mark.parametrize("profile", ["pi4", "pi5", "jetson-orin-nano", "x86-dev"])
def test_profile_models_are_in_the_manifest(profile: str) -> None:
    """The model variant each board profile names exists in models/manifest.json."""
    from edge.inference import load_model_spec

    s = load_settings(ROOT / "firmware_config" / f"{profile}.toml", env={})
    assert s.detector.name and s.ocr.name
    manifest = ROOT / s.detector.manifest
    assert load_model_spec(manifest, s.detector.name, "detector").path.is_file()
    assert load_model_spec(manifest, s.ocr.name, "ocr").path.is_file()


def test_new_lab_ca_reissues_the_certificate(tmp_path: Path, lab_ca: Path) -> None:
    """Re-run with another CA: same key, certificate and ca.pem from the new CA."""
    provision(_answers(ca_dir=lab_ca), tmp_path)
    other = tmp_path / "other-ca"
    pki.save_ca(pki.make_ca("second CA"), other)
    result = provision(_answers(ca_dir=other), tmp_path / ".")
    etc = tmp_path / "etc/anpr-edge"
    cert = pki.load_certificate(etc / "node.pem")
    cert.verify_directly_issued_by(pki.load_certificate(other / "ca.crt"))
    assert {c.path.name: c.action for c in result.changes}["node.key"] == "unchanged"
