"""The configuration tree: profiles, overrides, secrets and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.cli import main
from edge.config import load_settings
from edge.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "firmware_config").glob("*.toml"))
MINIMAL = '[[cameras]]\nsource = "file"\nuri = "x.mp4"\n'


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_every_shipped_profile_validates(profile: Path) -> None:
    """Each profile in firmware_config/ is a valid config."""
    settings = load_settings(profile, env={})
    assert settings.cameras


def test_required_profiles_exist() -> None:
    """The five board profiles the installers need are shipped."""
    names = {p.name for p in PROFILES}
    assert {"pi4.toml", "pi5.toml", "jetson-orin-nano.toml", "x86-dev.toml",
            "demo.toml"} <= names


def test_unknown_field_is_named(tmp_path: Path) -> None:
    """A misspelt key is refused with its full path."""
    path = _write(tmp_path, MINIMAL + "[detector]\nscore_treshold = 0.4\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert err.value.problems == ["detector.score_treshold: Extra inputs are not permitted"]


def test_each_bad_field_gets_its_own_line(tmp_path: Path) -> None:
    """Two bad values give two problems, each naming its field."""
    path = _write(tmp_path, '[[cameras]]\nsource = "webcam"\nuri = "x"\n[mqtt]\nport = 0\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    fields = sorted(p.split(":")[0] for p in err.value.problems)
    assert fields == ["cameras.0.source", "mqtt.port"]


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """ANPR_SECTION__FIELD beats the TOML value."""
    path = _write(tmp_path, MINIMAL + '[mqtt]\nhost = "a"\nport = 1883\n')
    s = load_settings(path, env={"ANPR_MQTT__PORT": "8883", "ANPR_NODE__ID": "gate-7"})
    assert (s.mqtt.port, s.node.id) == (8883, "gate-7")


def test_secret_comes_from_credentials_directory(tmp_path: Path) -> None:
    """A file in $CREDENTIALS_DIRECTORY fills the matching secret field."""
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "mqtt__password").write_text("hunter2")
    path = _write(tmp_path, MINIMAL + '[mqtt]\nhost = "a"\n')
    s = load_settings(path, env={"CREDENTIALS_DIRECTORY": str(creds)})
    assert s.mqtt.password is not None
    assert s.mqtt.password.get_secret_value() == "hunter2"


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """A config path that does not exist says so."""
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    """A TOML syntax error is reported as such."""
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_write(tmp_path, "[[cameras]\n"), env={})


def test_check_config_masks_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check-config prints the resolved tree with the password masked and exits 0."""
    path = _write(tmp_path, MINIMAL + '[mqtt]\nhost = "a"\npassword = "hunter2"\n')
    assert main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert '"password": "**********"' in out


def test_check_config_exits_nonzero_naming_the_field(tmp_path: Path) -> None:
    """The CLI prints one line per problem, prefixed by the file, and exits 2."""
    path = _write(tmp_path, MINIMAL + "[ocr]\nmin_confidence = 3\n")
    proc = subprocess.run([sys.executable, "-m", "edge", "check-config", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"{path}: ocr.min_confidence: Input should be less than "
                                   "or equal to 1")
