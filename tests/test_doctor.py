"""anpr-edge doctor: every check against a real TLS broker, the demo clip and real models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import structlog

from edge import pki
from edge.cli import main
from edge.doctor import CheckResult, ready
from edge.doctor.checks import clock_check
from edge.doctor.run import CHECKS, diagnose
from edge.provision import Answers, provision
from tests.mosquitto import Broker
from tests.tls_broker import TlsBroker

ROOT = Path(__file__).resolve().parent.parent
JOURNALD = "[Journal]\nStorage=volatile\n"
# The clock of a test container cannot be vouched for; the clock check has its own tests.
SYNCED = {**CHECKS, "clock": clock_check(probe=lambda: True)}


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    """The CLI configures structlog onto the captured stream; undo that after each test."""
    yield
    structlog.reset_defaults()


def _node(root: Path, broker: TlsBroker, ca_dir: Path | None = None, node_id: str = "gate-1",
          camera: str | None = None) -> Path:
    """Provision a node into ``root`` (lab cert from ``ca_dir``) with a volatile journald."""
    root.mkdir(parents=True, exist_ok=True)
    provision(Answers(profile="x86-dev", node_id=node_id, tenant="roma",
                      camera=camera or "demo/clip.mp4",
                      broker=f"127.0.0.1:{broker.port}", ca_dir=ca_dir or broker.ca_dir,
                      list_file=ROOT / "demo/plates.csv"), root)
    dropin = root / "etc/systemd/journald.conf.d/anpr-edge.conf"
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text(JOURNALD)
    return root / "etc/anpr-edge/config.toml"


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def _run(config: Path, root: Path, base: Path = ROOT, skip: frozenset[str] = frozenset(),
         proc_swaps: Path = Path("/proc/swaps")) -> dict[str, CheckResult]:
    return _by_name(diagnose(config, root=root, base=base, env={}, checks=SYNCED, skip=skip,
                             camera_frames=20, timeout_s=3.0, proc_swaps=proc_swaps))


def test_provisioned_node_passes_every_check(tmp_path: Path, tls_broker: TlsBroker,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Provision + journald drop-in + the test broker and clip: the CLI says READY, exit 0."""
    config = _node(tmp_path / "root", tls_broker)
    results = diagnose(config, root=tmp_path / "root", base=ROOT, env={}, checks=SYNCED,
                       camera_frames=20, timeout_s=3.0)
    bad = [(r.name, r.detail) for r in results if r.status != "pass"]
    assert bad == []
    names = {r.name for r in results}
    assert {"config", "model.detector", "model.ocr", "providers", "list.plain", "disk", "swap",
            "journald", "clock", "identity", "broker", "broker.tls", "broker.mqtt",
            "broker.acl", "camera.cam0", "camera.cam0.chars"} <= names
    capsys.readouterr()
    rc = main(["doctor", "--root", str(tmp_path / "root"), "--base", str(ROOT), "--skip",
               "clock", "--frames", "10", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (rc, report["ready"]) == (0, True)


def test_wrong_ca_is_reported_with_its_fix(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """A node trusting another CA cannot verify the broker: fail naming ca_file."""
    other = tmp_path / "other-ca"
    pki.save_ca(pki.make_ca("some other CA"), other)
    r = _run(_node(tmp_path / "root", tls_broker, ca_dir=other), tmp_path / "root",
             skip=frozenset({"camera"}))
    assert r["broker.tls"].status == "fail"
    assert "not trusted" in r["broker.tls"].detail
    assert "ca_file" in r["broker.tls"].fix
    assert not ready(list(r.values()))


def test_certificate_from_another_ca_is_refused_by_the_broker(tmp_path: Path,
                                                              tls_broker: TlsBroker) -> None:
    """Our certificate signed by a CA the broker does not trust: the broker's refusal is shown."""
    config = _node(tmp_path / "root", tls_broker)
    other = pki.make_ca("rogue CA")
    etc = tmp_path / "root/etc/anpr-edge"
    key = pki.load_private_key(etc / "credentials/node.key")
    pki.write_pem(etc / "node.pem", pki.sign_csr(other, pki.make_csr(key, "gate-1", "roma")))
    r = _run(config, tmp_path / "root", skip=frozenset({"camera"}))
    assert r["broker.tls"].status == "fail"
    assert "refused our certificate" in r["broker.tls"].detail


def test_acl_denied_topic_fails_the_acl_check(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """A certificate for another node id: the ACL refuses our topic (PUBACK not authorized)."""
    config = _node(tmp_path / "root", tls_broker)
    etc = tmp_path / "root/etc/anpr-edge"
    key = pki.load_private_key(etc / "credentials/node.key")
    pki.write_pem(etc / "node.pem",
                  pki.sign_csr(tls_broker.ca, pki.make_csr(key, "gate-2", "roma")))
    r = _run(config, tmp_path / "root", skip=frozenset({"camera"}))
    assert r["identity"].status == "fail" and "gate-2" in r["identity"].detail
    assert r["broker.mqtt"].status == "pass"
    assert r["broker.acl"].status == "fail"
    assert "not authorized" in r["broker.acl"].detail.lower()
    assert "anpr.acl" in r["broker.acl"].fix


def test_broker_down_is_reported(tmp_path: Path, tls_broker: TlsBroker,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """With the broker stopped: 'cannot reach', a fix, and exit code 1 from the CLI."""
    _node(tmp_path / "root", tls_broker)
    tls_broker.stop()
    rc = main(["doctor", "--root", str(tmp_path / "root"), "--base", str(ROOT),
               "--skip", "camera"])
    out = capsys.readouterr().out
    assert rc == 1
    line = next(ln for ln in out.splitlines() if ln.startswith("FAIL  broker "))
    assert "cannot reach" in line
    assert "is the broker running" in out
    assert out.rstrip().endswith("NOT READY")


def test_model_checksum_mismatch_is_reported(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """A model file altered after release fails its sha256 check with a re-install fix."""
    config = _node(tmp_path / "root", tls_broker)
    base = tmp_path / "base"
    shutil.copytree(ROOT / "models", base / "models",
                    ignore=shutil.ignore_patterns("*.md", "cards"))
    det = base / "models/plate-det-v4.onnx"
    data = bytearray(det.read_bytes())
    data[-1] ^= 0xFF
    det.write_bytes(bytes(data))
    r = _run(config, tmp_path / "root", base=base, skip=frozenset({"camera", "broker"}))
    assert r["model.detector"].status == "fail"
    assert "corrupt or was replaced" in r["model.detector"].detail
    assert "re-install" in r["model.detector"].fix
    assert r["model.ocr"].status == "pass"


def test_missing_camera_is_reported(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """A camera that cannot be opened fails with the fix for its kind."""
    config = _node(tmp_path / "root", tls_broker, camera="/dev/video77")
    r = _run(config, tmp_path / "root", skip=frozenset({"broker"}))
    assert r["camera.cam0"].status == "fail"
    assert "/dev/video77" in r["camera.cam0"].detail
    assert "video" in r["camera.cam0"].fix


def test_demo_clip_gives_size_rate_and_character_height(tmp_path: Path,
                                                        tls_broker: TlsBroker) -> None:
    """On the demo clip the camera check reports 1280x720, its frame rate and char height."""
    config = _node(tmp_path / "root", tls_broker)
    r = _run(config, tmp_path / "root", skip=frozenset({"broker"}))
    assert "1280x720" in r["camera.cam0"].detail
    assert "fps" in r["camera.cam0"].detail
    chars = r["camera.cam0.chars"]
    assert chars.status == "pass"
    px = float(chars.detail.split("about ")[1].split(" px")[0])
    assert px >= 15


def test_small_characters_warn(tmp_path: Path, tls_broker: TlsBroker,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Characters under 15 px give a warning with a zoom fix (threshold raised to force it)."""
    from edge.doctor import camera

    monkeypatch.setattr(camera, "MIN_CHAR_PX", 500.0)
    config = _node(tmp_path / "root", tls_broker)
    r = _run(config, tmp_path / "root", skip=frozenset({"broker"}))
    assert r["camera.cam0.chars"].status == "warn"
    assert "zoom" in r["camera.cam0.chars"].fix


def test_swap_and_persistent_journal_fail(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """Active swap and Storage=persistent are privacy failures, each with its fix."""
    config = _node(tmp_path / "root", tls_broker)
    swaps = tmp_path / "swaps"
    swaps.write_text("Filename Type Size Used Priority\n/var/swap file 102396 0 -2\n")
    (tmp_path / "root/etc/systemd/journald.conf.d/zz-local.conf").write_text(
        "[Journal]\nStorage=persistent\n")
    r = _run(config, tmp_path / "root", skip=frozenset({"camera", "broker"}),
             proc_swaps=swaps)
    assert r["swap"].status == "fail" and "dphys-swapfile" in r["swap"].fix
    assert r["journald"].status == "fail" and "zz-local.conf" in r["journald"].detail


def test_unsynchronised_clock_fails() -> None:
    """timedatectl saying 'no' is a failure; no answer at all is a warning."""
    ctx = object()
    assert clock_check(probe=lambda: False)(ctx)[0].status == "fail"  # type: ignore[arg-type]
    missing = Path("/nonexistent/synchronized")
    assert clock_check(probe=lambda: None, flag=missing)(ctx)[0].status == "warn"  # type: ignore[arg-type]


def test_missing_list_and_invalid_config(tmp_path: Path, tls_broker: TlsBroker) -> None:
    """No plate list fails list.plain; a broken config stops the doctor at the config line."""
    config = _node(tmp_path / "root", tls_broker)
    (tmp_path / "root/var/lib/anpr-edge/lists/plates.csv").unlink()
    r = _run(config, tmp_path / "root", skip=frozenset({"camera", "broker"}))
    assert r["list.plain"].status == "fail" and "--list" in r["list.plain"].fix
    config.write_text(config.read_text() + "\n[bogus]\nx = 1\n")
    only = diagnose(config, root=tmp_path / "root", base=ROOT, env={})
    assert [(x.name, x.status) for x in only] == [("config", "fail")]


def test_relative_root_reads_the_staged_files(tmp_path: Path, tls_broker: TlsBroker,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`--root stage` from another directory finds the staged list, not one under base."""
    _node(tmp_path / "stage", tls_broker)
    monkeypatch.chdir(tmp_path)
    r = _run(Path("stage/etc/anpr-edge/config.toml"), Path("stage"),
             skip=frozenset({"camera", "broker", "models"}))
    assert r["list.plain"].status == "pass"


def test_plain_mqtt_port_is_not_mistaken_for_a_refused_certificate(
        tmp_path: Path, tls_broker: TlsBroker, broker: Broker) -> None:
    """Pointing a TLS node at a plain-MQTT port names the port, not the certificate."""
    config = _node(tmp_path / "root", tls_broker)
    config.write_text(config.read_text().replace(f"port = {tls_broker.port}",
                                                 f"port = {broker.port}"))
    r = _run(config, tmp_path / "root", skip=frozenset({"camera"}))
    assert r["broker.tls"].status == "fail"
    assert "refused our certificate" not in r["broker.tls"].detail
    assert "8883" in r["broker.tls"].fix
