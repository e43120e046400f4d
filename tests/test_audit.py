"""The hash-chained audit log: append, reopen, and detect tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.audit import AuditLog, AuditRecord, verify_chain
from edge.errors import AuditError


def test_records_chain_and_verify(tmp_path: Path) -> None:
    """Each record names the hash of the previous one and the whole chain verifies."""
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("node_started", version="0.1.0")
    log.record("list_installed", list_id="stolen", version=3)
    check = verify_chain(tmp_path / "audit.jsonl")
    assert check.ok and check.records == 2
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["prev"] == "0" * 64
    assert json.loads(lines[1])["prev"] != "0" * 64


def test_reopened_log_continues_the_chain(tmp_path: Path) -> None:
    """A restarted node appends to the same chain rather than starting a new one."""
    AuditLog(tmp_path / "a.jsonl").record("node_started")
    rec = AuditLog(tmp_path / "a.jsonl").record("node_started")
    assert rec.seq == 2
    assert verify_chain(tmp_path / "a.jsonl").ok


def test_edited_record_breaks_the_chain_at_the_next_link(tmp_path: Path) -> None:
    """Changing one record is found: verification points at the first broken link."""
    path = tmp_path / "a.jsonl"
    log = AuditLog(path)
    for i in range(4):
        log.record("list_refused", reason=f"r{i}")
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("r1", "rX")
    path.write_text("\n".join(lines) + "\n")
    check = verify_chain(path)
    assert not check.ok
    assert check.first_bad == 3


def test_deleted_record_is_found(tmp_path: Path) -> None:
    """Removing a record from the middle breaks the chain."""
    path = tmp_path / "a.jsonl"
    log = AuditLog(path)
    for i in range(3):
        log.record("camera_down", camera=f"c{i}")
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + lines[2] + "\n")
    assert verify_chain(path).first_bad == 2


def test_listener_sees_each_record_after_it_is_on_disk(tmp_path: Path) -> None:
    """Listeners get the exact line that was written."""
    path = tmp_path / "a.jsonl"
    seen: list[AuditRecord] = []
    log = AuditLog(path)
    log.add_listener(lambda r: seen.append(r) or None)
    rec = log.record("purge", event_id="e1")
    assert seen == [rec]
    assert path.read_text().strip() == rec.line


def test_missing_log_is_an_error_naming_the_path(tmp_path: Path) -> None:
    """Verifying a log that does not exist raises AuditError with the path."""
    with pytest.raises(AuditError, match="audit log not found"):
        verify_chain(tmp_path / "none.jsonl")
