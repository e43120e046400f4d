"""The [hotlists] config section and how the node builds its list manager from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.audit import AuditLog
from edge.config import load_settings
from edge.errors import BlacklistError, ConfigError
from edge.match.hotlist import build_hotlists
from edge.match.hotlist.manifest import write_signing_key

CAMERA = [{"id": "cam0", "source": "file", "uri": "demo/clip.mp4"}]


def test_lists_need_a_trusted_key() -> None:
    """Subscribing to lists without any trusted key is a config error."""
    with pytest.raises(ConfigError, match="trusted_keys"):
        load_settings(None, env={}, overrides={
            "cameras": CAMERA,
            "hotlists": {"lists": [{"list_id": "a", "purpose": "stolen"}]}})


def test_hmac_key_comes_from_the_credentials_directory(tmp_path: Path) -> None:
    """The HMAC key is read from $CREDENTIALS_DIRECTORY/hotlists__hmac_key, kept secret."""
    (tmp_path / "hotlists__hmac_key").write_text("ab" * 32 + "\n")
    s = load_settings(None, env={"CREDENTIALS_DIRECTORY": str(tmp_path)},
                      overrides={"cameras": CAMERA, "hotlists": {"hmac_key_id": "h1"}})
    assert s.hotlists.hmac_key is not None
    assert s.hotlists.hmac_key.get_secret_value().strip() == "ab" * 32
    assert "abab" not in s.model_dump_json()


def test_bad_hmac_key_is_a_config_error() -> None:
    """A key that is not hexadecimal is named as a config problem."""
    with pytest.raises(ConfigError, match="hexadecimal"):
        load_settings(None, env={}, overrides={
            "cameras": CAMERA, "hotlists": {"hmac_key_id": "h1", "hmac_key": "zz"}})


def test_build_refuses_a_subscription_whose_purpose_is_not_enabled(tmp_path: Path) -> None:
    """A list subscribed for a purpose outside privacy.enabled_purposes stops start-up."""
    kid, _, pub = write_signing_key(tmp_path / "keys")
    s = load_settings(None, env={}, overrides={
        "cameras": CAMERA, "node": {"state_dir": str(tmp_path / "var")},
        "hotlists": {"lists": [{"list_id": "a", "purpose": "insurance"}],
                     "trusted_keys": [{"id": kid, "file": str(pub)}]}})
    with pytest.raises(BlacklistError, match="insurance"):
        build_hotlists(s, tmp_path, AuditLog(tmp_path / "audit.jsonl"))


def test_no_hotlists_configured_builds_nothing(tmp_path: Path) -> None:
    """Without [hotlists] lists the node keeps only its plain list."""
    s = load_settings(None, env={}, overrides={"cameras": CAMERA})
    assert build_hotlists(s, tmp_path, AuditLog(tmp_path / "audit.jsonl")) is None
