"""``anpr-edge command``: key pair and signed purge commands, checked with the node's own code."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from edge.audit import AuditLog
from edge.cli import main
from edge.config import DeliveryConfig, MqttConfig, TlsConfig
from edge.publish import MqttSink, Outbox
from edge.publish.inbound import load_public_key, purge_signature_valid, wire_delivery
from edge.publish.messages import PurgeCommand
from tests.delivery_helpers import audit_kinds, wait_until, wired_sink
from tests.helpers import NODE, hit_event
from tests.mosquitto import Broker
from tests.tls_broker import TlsBroker


def _keygen(tmp_path: Path) -> tuple[Path, str]:
    """Run keygen into ``tmp_path/keys``; the private key path and the public key line."""
    assert main(["command", "keygen", "--out", str(tmp_path / "keys")]) == 0
    return tmp_path / "keys" / "command.key", (tmp_path / "keys" / "command.pub.b64").read_text()


def _purge_file(tmp_path: Path, key: Path, *extra: str) -> PurgeCommand:
    """Run ``command purge --out`` for event ``e1`` on node-1 and parse what it wrote."""
    out = tmp_path / "purge.json"
    assert main(["command", "purge", "--key", str(key), "--tenant", "t1", "--node", "node-1",
                 "--event-id", "e1", "--out", str(out), *extra]) == 0
    return PurgeCommand.model_validate_json(out.read_bytes())


def test_keygen_writes_a_private_key_and_a_public_key_the_node_accepts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The private key is 0600; the printed public key line is valid node config."""
    priv, pub = _keygen(tmp_path)
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert pub.strip() in capsys.readouterr().out
    config = DeliveryConfig(command_public_key=pub.strip())
    assert config.command_public_key is not None
    load_public_key(config.command_public_key)


def test_keygen_refuses_to_replace_an_existing_key(tmp_path: Path) -> None:
    """A second keygen into the same directory fails (pki exit code), the first key survives."""
    priv, _ = _keygen(tmp_path)
    before = priv.read_bytes()
    assert main(["command", "keygen", "--out", str(tmp_path / "keys")]) == 9
    assert priv.read_bytes() == before


def test_cli_purge_verifies_with_the_node_key_and_a_tampered_one_does_not(
        tmp_path: Path) -> None:
    """The node's signature check accepts the CLI's purge and refuses it once an id changed."""
    priv, pub = _keygen(tmp_path)
    cmd = _purge_file(tmp_path, priv, "--event-id", "e2", "--reason", "court order")
    assert cmd.node == "node-1" and cmd.event_ids == ["e1", "e2"]
    assert cmd.reason == "court order" and len(cmd.command_id) == 36
    key = load_public_key(pub.strip())
    assert purge_signature_valid(key, cmd)
    assert not purge_signature_valid(key, cmd.model_copy(update={"event_ids": ["e1", "e3"]}))


def test_missing_or_wrong_key_file_exits_with_the_pki_code(tmp_path: Path) -> None:
    """A missing key file or one that is not an Ed25519 PEM key exits 9, writing nothing."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    for key in (tmp_path / "absent.pem", junk):
        assert main(["command", "purge", "--key", str(key), "--tenant", "t1", "--node", "n1",
                     "--event-id", "e1", "--out", str(tmp_path / "p.json")]) == 9
    assert not (tmp_path / "p.json").exists()


def test_invalid_node_or_tenant_exits_with_the_publish_code(tmp_path: Path) -> None:
    """A node id or tenant that could not form a topic is refused before signing anything."""
    priv, _ = _keygen(tmp_path)
    for tenant, node in (("t1", "node/+"), ("t/#", "node-1")):
        assert main(["command", "purge", "--key", str(priv), "--tenant", tenant,
                     "--node", node, "--event-id", "e1"]) == 5


def test_purge_to_stdout_carries_the_given_command_id(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --out or --host the signed JSON goes to stdout, with the chosen command id."""
    priv, _ = _keygen(tmp_path)
    capsys.readouterr()
    assert main(["command", "purge", "--key", str(priv), "--tenant", "t1", "--node", "node-1",
                 "--event-id", "e1", "--command-id", "cmd-42"]) == 0
    assert json.loads(capsys.readouterr().out)["command_id"] == "cmd-42"


def test_published_purge_removes_the_pending_hit_on_the_node(tmp_path: Path,
                                                             broker: Broker) -> None:
    """A purge published by the CLI reaches a wired node sink, which removes the hit."""
    priv, pub = _keygen(tmp_path)
    w = wired_sink(tmp_path, broker.port, pubkey=pub.strip())
    w.sink.start()
    try:
        event = hit_event()
        w.sink.publish(event)
        assert wait_until(w.sink.is_ready)
        assert main(["command", "purge", "--key", str(priv), "--tenant", "t1",
                     "--node", "node-1", "--event-id", event.event_id,
                     "--host", "127.0.0.1", "--port", str(broker.port)]) == 0
        assert wait_until(lambda: "purge" in audit_kinds(w.audit.path))
        assert w.sink.outbox.count("pending", kind="hit") + w.sink.outbox.count("sent", "hit") == 0
    finally:
        w.sink.close()
    assert "inbound_refused" not in audit_kinds(w.audit.path)


def test_purge_published_over_mutual_tls_reaches_the_node(tmp_path: Path,
                                                          tls_broker: TlsBroker) -> None:
    """With --ca/--cert/--key-file and the central certificate the purge passes the ACL."""
    priv, pub = _keygen(tmp_path)
    node_cert, central = tls_broker.client_cert("node-1"), tls_broker.client_cert("central")
    tls = TlsConfig(ca_file=node_cert.ca, cert_file=node_cert.cert, key_file=node_cert.key)
    sink = MqttSink(MqttConfig(host="127.0.0.1", port=tls_broker.port, tls=tls,
                               reconnect_min_s=1, reconnect_max_s=1),
                    NODE, Outbox(tmp_path / "o.sqlite3", 3600, 1 << 20))
    audit = AuditLog(tmp_path / "audit.jsonl")
    wire_delivery(sink, audit, DeliveryConfig(command_public_key=pub.strip()))
    sink.start()
    try:
        event = hit_event()
        sink.publish(event)
        assert wait_until(sink.is_ready)
        assert main(["command", "purge", "--key", str(priv), "--tenant", "t1",
                     "--node", "node-1", "--event-id", event.event_id,
                     "--host", "127.0.0.1", "--port", str(tls_broker.port),
                     "--ca", str(central.ca), "--cert", str(central.cert),
                     "--key-file", str(central.key)]) == 0
        assert wait_until(lambda: "purge" in audit_kinds(audit.path))
        assert sink.outbox.count("pending", kind="hit") + sink.outbox.count("sent", "hit") == 0
    finally:
        sink.close()
