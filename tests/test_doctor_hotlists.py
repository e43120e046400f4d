"""anpr-edge doctor on signed lists: installed and fresh, or not there."""

from __future__ import annotations

from pathlib import Path

from edge.config import Settings
from edge.doctor import DoctorContext
from edge.doctor.checks import check_hotlists, check_plain_list
from tests.hotlist_kit import build_list, deliver, entries, manager, new_signer


def _settings(state: Path) -> Settings:
    return Settings.model_validate({
        "node": {"state_dir": str(state)},
        "cameras": [{"source": "file", "uri": "demo/clip.mp4"}],
        "hotlists": {"lists": [{"list_id": "stolen-it", "purpose": "stolen"}],
                     "trusted_keys": [{"id": "k1", "file": "central.pub"}]},
    })


def test_installed_signed_list_passes_and_plain_list_is_not_required(tmp_path: Path) -> None:
    """A node with only signed lists passes once its list is installed on disk."""
    signer = new_signer()
    mgr = manager(tmp_path, signer)
    deliver(mgr, build_list(signer, 3, entries("AB123CD", "EF456GH")))
    ctx = DoctorContext(settings=_settings(tmp_path), config_path=tmp_path / "c.toml",
                        base=tmp_path)
    results = check_hotlists(ctx)
    assert [r.status for r in results] == ["pass"]
    assert "v3" in results[0].detail and "2 entries" in results[0].detail
    assert check_plain_list(ctx) == []


def test_missing_signed_list_fails_with_a_fix(tmp_path: Path) -> None:
    """A subscribed list that never arrived fails the check and says where to look."""
    ctx = DoctorContext(settings=_settings(tmp_path), config_path=tmp_path / "c.toml",
                        base=tmp_path)
    (result,) = check_hotlists(ctx)
    assert result.status == "fail"
    assert "not installed" in result.detail and "list_refused" in result.fix
