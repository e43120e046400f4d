"""Signed lists on the node: install, refusals with audit, restart, deltas, matching."""

from __future__ import annotations

import base64
import errno
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.audit import verify_chain
from edge.match.base import DedupWindow
from edge.match.hotlist import store as store_module
from edge.match.hotlist.build import CsvEntry
from edge.match.hotlist.manifest import Manifest, seal
from edge.match.hotlist.matcher import CompositeMatcher, SkipRule
from edge.match.plainlist import PlainListMatcher
from tests.hotlist_kit import (
    Built,
    audit_kinds,
    build_list,
    deliver,
    entries,
    manager,
    new_signer,
    read,
)

PLATES = entries("AB123CD", "FG456HL")


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "clear"])
def test_signed_snapshot_installs_and_matches_exactly(tmp_path: Path, hashed: bool) -> None:
    """A signed snapshot is installed, audited, and an exact read hits with list version."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 3, PLATES, hashed=hashed))
    m = mgr.matcher.match(read("AB123CD"))
    assert m is not None
    assert (m.list_id, m.list_version, m.entry_ref, m.purpose, m.match_type) == \
        ("stolen-it", 3, "REF-AB123CD", "stolen", "exact")
    assert mgr.matcher.match(read("ZZ999ZZ")) is None
    assert ("list_installed", None) in audit_kinds(tmp_path)
    assert verify_chain(tmp_path / "audit.jsonl").ok


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "clear"])
def test_one_confusion_gives_an_ocr_equivalent_hit(tmp_path: Path, hashed: bool) -> None:
    """A read one confusable character off (8 for B) hits as ocr_equivalent."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES, hashed=hashed))
    m = mgr.matcher.match(read("A8123CD"))
    assert m is not None
    assert (m.match_type, m.matched_text, m.listed_text, m.candidate_index) == \
        ("ocr_equivalent", "A8123CD", "AB123CD", 0)


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "clear"])
def test_italian_repair_fixes_two_slots(tmp_path: Path, hashed: bool) -> None:
    """Two letter/digit confusions on an Italian plate are repaired by position."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES, hashed=hashed))
    m = mgr.matcher.match(read("A8I23CD"))
    assert m is not None and m.match_type == "ocr_equivalent" and m.listed_text == "AB123CD"


def test_exact_on_a_later_candidate_beats_an_equivalent_of_the_first(tmp_path: Path) -> None:
    """Exact first: the second candidate's exact hit wins and is named."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))
    m = mgr.matcher.match(read("AB123C0", "AB123CD"))
    assert m is not None
    assert (m.match_type, m.candidate_index, m.matched_text) == ("exact", 1, "AB123CD")


def test_no_generic_edit_distance(tmp_path: Path) -> None:
    """A non-confusable substitution (A for X) is not a hit: only confusion classes count."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))
    assert mgr.matcher.match(read("XB123CD")) is None


def test_skip_list_suppresses_known_false_alerts(tmp_path: Path) -> None:
    """A skip rule for (list, entry, read) silences that read only."""
    signer = new_signer()
    mgr = manager(tmp_path, signer, skip=(SkipRule("stolen-it", "REF-AB123CD", "A8123CD"),))
    deliver(mgr, build_list(signer, 1, PLATES))
    assert mgr.matcher.match(read("A8123CD")) is None
    assert mgr.matcher.match(read("AB123CD")) is not None


def test_expired_entry_does_not_hit(tmp_path: Path) -> None:
    """An entry past its own expiry is ignored while the rest of the list works."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    plates = [CsvEntry("AB123CD", "R1", 1, 1_000_000), CsvEntry("FG456HL", "R2", 1, 0)]
    deliver(mgr, build_list(signer, 1, plates))
    assert mgr.matcher.match(read("AB123CD")) is None
    assert mgr.matcher.match(read("FG456HL")) is not None


def test_dedup_gives_one_hit_per_camera_and_entry(tmp_path: Path) -> None:
    """Two reads of one vehicle matching the same entry pass the window once."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))
    window = DedupWindow(60.0, clock=lambda: 0.0)
    hits = [mgr.matcher.match(read(t)) for t in ("AB123CD", "A8123CD")]
    assert [window.admit("cam0", m) for m in hits if m is not None] == [True, False]


def test_composite_prefers_an_exact_hit(tmp_path: Path) -> None:
    """Plain list plus hotlists: an exact hit on either wins over an equivalent one."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, entries("AB123CD")))
    plain = PlainListMatcher("local", 1, "stolen", {"A8123CD": "LOCAL-1"})
    m = CompositeMatcher((mgr.matcher, plain)).match(read("A8123CD"))
    assert m is not None and (m.list_id, m.match_type) == ("local", "exact")


def test_status_reports_version_and_staleness(tmp_path: Path) -> None:
    """status(): nothing installed is stale; an installed fresh list is not."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    before = {s.list_id: s for s in mgr.status()}
    assert before["stolen-it"].version is None and before["stolen-it"].stale
    deliver(mgr, build_list(signer, 4, PLATES))
    st = {s.list_id: s for s in mgr.status()}["stolen-it"]
    assert (st.version, st.entries, st.stale, st.purpose) == (4, 2, False, "stolen")
    assert st.age_s is not None and st.age_s < 3600


def test_restart_loads_from_disk_and_still_refuses_rollback(tmp_path: Path) -> None:
    """After a restart the list works offline and an older version stays refused."""
    signer = new_signer()
    deliver(manager(tmp_path, signer), build_list(signer, 2, PLATES))
    again = manager(tmp_path, signer)
    assert again.matcher.match(read("AB123CD")) is not None
    deliver(again, build_list(signer, 2, PLATES))  # a re-delivery of the same version
    deliver(again, build_list(signer, 1, entries("ZZ999ZZ")))
    assert audit_kinds(tmp_path)[-1] == ("list_refused", "rollback")
    assert again.matcher.match(read("ZZ999ZZ")) is None


def test_install_keeps_the_previous_version(tmp_path: Path) -> None:
    """The version before the one in force stays on disk."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))
    deliver(mgr, build_list(signer, 2, entries("ZZ999ZZ")))
    prev = json.loads((tmp_path / "lists" / "stolen-it" / "previous.json").read_text())
    assert prev["manifest"]["version"] == 1
    assert not list((tmp_path / "lists" / "stolen-it").glob("*.tmp"))


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "clear"])
def test_delta_adds_and_removes(tmp_path: Path, hashed: bool) -> None:
    """A delta on the installed version removes and adds entries."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES, hashed=hashed))
    new = entries("FG456HL", "ZZ999ZZ")
    deliver(mgr, build_list(signer, 2, new, hashed=hashed, base=PLATES, base_version=1))
    assert mgr.matcher.match(read("AB123CD")) is None
    m = mgr.matcher.match(read("ZZ999ZZ"))
    assert m is not None and m.list_version == 2


def test_delta_on_a_missing_base_waits_for_the_snapshot(tmp_path: Path) -> None:
    """A delta on an unknown base is refused, then applied once the snapshot arrives."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))
    v2 = entries("AB123CD", "CD222EF")
    deliver(mgr, build_list(signer, 3, entries("CD222EF"), base=v2, base_version=2))
    assert audit_kinds(tmp_path)[-1] == ("list_refused", "base_mismatch")
    assert mgr.matcher.match(read("AB123CD")) is not None
    deliver(mgr, build_list(signer, 2, v2), topic="snapshot")
    assert {s.list_id: s.version for s in mgr.status()}["stolen-it"] == 3
    assert mgr.matcher.match(read("AB123CD")) is None


def _unsigned(b: Built) -> Built:
    return Built(b.manifest, b.manifest.to_bytes(), b.payload)


def _unknown_key(b: Built) -> Built:
    other = new_signer()
    man = b.manifest.model_copy(update={"key_id": other.key_id})
    return Built(man, seal(man, other.key), b.payload)


def _bad_signature(b: Built) -> Built:
    env = json.loads(b.envelope)
    body = json.loads(base64.b64decode(env["manifest"]))
    body["version"] = 9
    env["manifest"] = base64.b64encode(json.dumps(body).encode()).decode()
    return Built(b.manifest, json.dumps(env).encode(), b.payload)


def _signed_payload(signer_key: Ed25519PrivateKey, b: Built, payload: bytes) -> Built:
    man = b.manifest.model_copy(update={"payload_sha256": hashlib.sha256(payload).hexdigest(),
                                        "payload_size": len(payload)})
    return Built(man, seal(man, signer_key), payload)


REFUSALS = ["unsigned", "unknown_key", "bad_signature", "sha256_mismatch", "rollback",
            "expired", "base_mismatch", "truncated", "malformed", "purpose_not_enabled",
            "entry_count_mismatch"]


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_list_is_refused_audited_and_the_old_one_stays(tmp_path: Path, case: str) -> None:
    """Each bad input is refused with its reason, audited, and v1 keeps matching."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))
    good = build_list(signer, 2, entries("ZZ999ZZ"))
    past = datetime.now(tz=UTC) - timedelta(days=2)
    bad, payload, reason = good, None, case
    if case == "unsigned":
        bad = _unsigned(good)
    elif case == "unknown_key":
        bad = _unknown_key(good)
    elif case == "bad_signature":
        bad = _bad_signature(good)
    elif case == "sha256_mismatch":
        payload = good.payload[:-1] + bytes([good.payload[-1] ^ 1])
    elif case == "rollback":
        deliver(mgr, build_list(signer, 5, PLATES))
        bad = build_list(signer, 4, entries("ZZ999ZZ"))
    elif case == "expired":
        bad = build_list(signer, 2, entries("ZZ999ZZ"), created_at=past - timedelta(days=1),
                         expires_at=past)
    elif case == "base_mismatch":
        bad = build_list(signer, 6, entries("ZZ999ZZ"), base=PLATES, base_version=5)
    elif case in ("truncated", "malformed"):
        data = good.payload[:-3] if case == "truncated" else b"ANBL" + bytes(40)
        bad, reason = _signed_payload(signer.key, good, data), "malformed_payload"
    elif case == "purpose_not_enabled":
        bad = build_list(signer, 2, entries("ZZ999ZZ"), purpose="insurance")
    elif case == "entry_count_mismatch":
        bad = build_list(signer, 2, entries("ZZ999ZZ"), entries=7)
    deliver(mgr, bad, payload=payload)
    assert audit_kinds(tmp_path)[-1] == ("list_refused", reason)
    assert mgr.matcher.match(read("AB123CD")) is not None
    assert mgr.matcher.match(read("ZZ999ZZ")) is None
    assert verify_chain(tmp_path / "audit.jsonl").ok


def test_disk_full_during_install_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC while writing the new version: refused, audited, the old list stays in force."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 1, PLATES))

    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_write_file", full)
    deliver(mgr, build_list(signer, 2, entries("ZZ999ZZ")))
    assert audit_kinds(tmp_path)[-1] == ("list_refused", "disk_error")
    assert mgr.matcher.match(read("AB123CD")) is not None
    monkeypatch.undo()
    assert manager(tmp_path, signer).matcher.match(read("AB123CD")) is not None


def test_manifest_rejects_an_inconsistent_delta() -> None:
    """A delta must name an older base version."""
    with pytest.raises(ValueError, match="base_version"):
        Manifest.model_validate({**build_list(new_signer(), 2, PLATES).manifest.model_dump(),
                                 "kind": "delta", "base_version": 3})


def test_a_change_of_trusted_keys_is_audited(tmp_path: Path) -> None:
    """Starting with another trusted key set writes one list_keys_changed record."""
    manager(tmp_path, new_signer())
    manager(tmp_path, new_signer())
    kinds = [k for k, _ in audit_kinds(tmp_path)]
    assert kinds.count("list_keys_changed") == 2


def test_retained_copies_of_the_installed_payload_are_not_kept(tmp_path: Path) -> None:
    """After a restart the re-delivered manifest and chunks of the list in force are dropped."""
    signer = new_signer()
    built = build_list(signer, 1, PLATES)
    deliver(manager(tmp_path, signer), built)
    again = manager(tmp_path, signer)
    deliver(again, built)
    assert again.pending_bytes() == 0
    assert [k for k, _ in audit_kinds(tmp_path)].count("list_refused") == 0
