"""Provisioning: from a device profile and a few answers to a node ready to start.

``provision`` writes the node's config (``/etc/anpr-edge/config.toml``), makes
its private key and signing request (and, with a lab CA, its certificate), and
places secrets where the unit's ``LoadCredential=`` picks them up
(``/etc/anpr-edge/credentials``, 0700, files 0600). Every path is under
``root`` so the same code fills a staging tree in tests. Re-running is safe:
the key is kept unless asked to rotate it, and files are rewritten only when
their content changes; the result lists what changed.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from edge import pki, tomlout
from edge.config import Settings, load_settings
from edge.errors import ConfigError, PkiError, ProvisionError
from edge.fsutil import atomic_write

# Where things live on the installed node (re-based under ``root`` when writing).
CONFIG_DIR = PurePosixPath("/etc/anpr-edge")
CONFIG_FILE = CONFIG_DIR / "config.toml"
CREDENTIALS_DIR = CONFIG_DIR / "credentials"
CA_FILE = CONFIG_DIR / "ca.pem"
CERT_FILE = CONFIG_DIR / "node.pem"
CSR_FILE = CONFIG_DIR / "node.csr"
KEY_NAME = "node.key"
# systemd puts LoadCredential= files here for the service, readable by its user.
RUN_CREDENTIALS_DIR = PurePosixPath("/run/credentials/anpr-edge.service")
STATE_DIR = PurePosixPath("/var/lib/anpr-edge")  # the unit's StateDirectory=
DROPIN_FILE = PurePosixPath("/etc/systemd/system/anpr-edge.service.d/50-credentials.conf")
PROFILES_DIR = Path(__file__).resolve().parent.parent / "firmware_config"

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class Answers:
    """What the installer tells ``provision`` (flags or prompts)."""

    profile: str
    node_id: str
    tenant: str
    camera: str
    broker: str
    ca_dir: Path | None = None
    ca_file: Path | None = None
    list_file: Path | None = None
    mqtt_password: str | None = field(default=None, repr=False)
    rotate_key: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """One file provisioning looked at, and what it did to it."""

    path: Path
    action: Action


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    """The files written, the validated settings and what is left for the installer."""

    changes: tuple[Change, ...]
    settings: Settings
    config_path: Path
    todo: tuple[str, ...]


def under(root: Path, p: PurePosixPath | Path | str) -> Path:
    """The host path of an absolute node path inside ``root``."""
    return root / str(p).lstrip("/")


def profile_path(profile: str) -> Path:
    """A profile by name from ``firmware_config/`` or by file path."""
    p = Path(profile)
    by_path = p.suffix == ".toml" or "/" in profile
    candidate = p if by_path else PROFILES_DIR / f"{profile}.toml"
    if not candidate.is_file():
        known = sorted(x.stem for x in PROFILES_DIR.glob("*.toml"))
        raise ProvisionError(f"profile not found: {profile} (known: {', '.join(known)})")
    return candidate


def parse_broker(answer: str) -> tuple[str, int]:
    """``host[:port]`` (IPv6 in brackets); the MQTT-over-TLS port 8883 by default."""
    m = re.fullmatch(r"\[(?P<v6>[0-9A-Fa-f:.]+)\](?::(?P<p6>\d+))?|(?P<h>[^:\s/]+)(?::(?P<p>\d+))?",
                     answer.strip())
    if m is None:
        raise ProvisionError(f"broker must be host or host:port, not {answer!r}")
    host = m.group("v6") or m.group("h")
    port = int(m.group("p6") or m.group("p") or 8883)
    if not 1 <= port <= 65535:
        raise ProvisionError(f"broker port out of range: {port}")
    return host, port


def parse_camera(answer: str, profile_source: str) -> tuple[str, str]:
    """Source kind and uri from what the installer typed (URL, device, pipeline, file)."""
    a = answer.strip()
    if not a:
        raise ProvisionError("camera must not be empty")
    if re.match(r"^rtsps?://", a):
        return "rtsp", a
    if "!" in a:
        return "gstreamer", a
    if a.startswith("/dev/video"):
        return "v4l2", a
    if a.isdigit():
        # A bare index: the CSI camera on boards whose profile uses picamera2, else V4L2.
        return ("picamera2", a) if profile_source == "picamera2" else ("v4l2", f"/dev/video{a}")
    if a.lower().endswith((".mp4", ".mkv", ".avi", ".mov")):
        return "file", a
    if a.endswith("/"):
        return "folder", a.rstrip("/")
    raise ProvisionError(f"camera not understood: {a!r} (give rtsp://..., /dev/videoN, "
                         "a CSI index like 0, a GStreamer pipeline, or a clip path)")


def render_config(answers: Answers) -> dict[str, Any]:
    """The config tree: the profile with the installer's answers filled in."""
    with profile_path(answers.profile).open("rb") as fh:
        try:
            data: dict[str, Any] = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ProvisionError(f"profile {answers.profile} is not valid TOML: {exc}") from None
    # The installed layout, whatever a development profile says: one state directory.
    data.setdefault("node", {}).update(id=answers.node_id, tenant=answers.tenant,
                                       state_dir=str(STATE_DIR))
    data.setdefault("outbox", {})["path"] = str(STATE_DIR / "outbox.sqlite3")
    bl = data.setdefault("blacklist", {})
    if not str(bl.get("file", "")).startswith("/"):
        name = PurePosixPath(str(bl.get("file") or "plates.csv")).name
        bl["file"] = str(STATE_DIR / "lists" / name)
    cams = data.get("cameras") or [{"id": "cam0"}]
    source, uri = parse_camera(answers.camera, str(cams[0].get("source", "")))
    if source != cams[0].get("source"):
        # Resolution and rate belong to the profile's camera kind; a different kind decides its own.
        for key in ("width", "height", "fps"):
            cams[0].pop(key, None)
    cams[0].update(source=source, uri=uri)
    if source in ("file", "folder"):
        cams[0].setdefault("realtime", True)
    data["cameras"] = cams
    host, port = parse_broker(answers.broker)
    mqtt = data.setdefault("mqtt", {})
    mqtt.update(host=host, port=port)
    mqtt.pop("password", None)  # secrets never go into the config file
    mqtt["tls"] = {"ca_file": str(CA_FILE), "cert_file": str(CERT_FILE),
                   "key_file": str(RUN_CREDENTIALS_DIR / KEY_NAME)}
    return data


class _Writer:
    """Writes files atomically under a root, recording what changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.changes: list[Change] = []

    def write(self, node_path: PurePosixPath, data: bytes, mode: int) -> Action:
        path = under(self.root, node_path)
        old = path.read_bytes() if path.is_file() else None
        action: Action = "created" if old is None else "updated"
        if old == data:
            action = "unchanged"
            os.chmod(path, mode)
        else:
            try:
                atomic_write(path, data, mode)
            except OSError as exc:
                raise ProvisionError(f"cannot write {path}: {exc}") from exc
        self.changes.append(Change(path, action))
        return action

    def mkdir(self, node_path: PurePosixPath, mode: int) -> Path:
        path = under(self.root, node_path)
        try:
            path.mkdir(parents=True, exist_ok=True)
            os.chmod(path, mode)
        except OSError as exc:
            raise ProvisionError(f"cannot create {path}: {exc}") from exc
        return path


def _pem(obj: x509.Certificate | x509.CertificateSigningRequest) -> bytes:
    return obj.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: pki.PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _identity(w: _Writer, answers: Answers, todo: list[str]) -> None:
    """Key (kept across runs), CSR, and the certificate when a lab CA or one is at hand."""
    w.mkdir(CREDENTIALS_DIR, 0o700)
    key_path = under(w.root, CREDENTIALS_DIR / KEY_NAME)
    if key_path.is_file() and not answers.rotate_key:
        key = pki.load_private_key(key_path)
    else:
        key = pki.new_private_key()
    key_changed = w.write(CREDENTIALS_DIR / KEY_NAME, _key_pem(key), 0o600) != "unchanged"
    csr_path = under(w.root, CSR_FILE)
    csr_ok = False
    if csr_path.is_file() and not key_changed:
        old = pki.load_csr(csr_path)
        csr_ok = (old.public_key() == key.public_key()
                  and old.subject == pki.make_csr(key, answers.node_id, answers.tenant).subject)
    if csr_ok:
        w.changes.append(Change(csr_path, "unchanged"))
    else:
        w.write(CSR_FILE, _pem(pki.make_csr(key, answers.node_id, answers.tenant)), 0o644)
    ca = pki.load_ca(answers.ca_dir) if answers.ca_dir is not None else None
    if ca is not None:
        w.write(CA_FILE, _pem(ca.cert), 0o644)
    elif answers.ca_file is not None:
        w.write(CA_FILE, _read(answers.ca_file), 0o644)
    cert_path = under(w.root, CERT_FILE)
    cert_ok = False
    if cert_path.is_file():
        cert = pki.load_certificate(cert_path)
        cert_ok = (cert.public_key() == key.public_key()
                   and pki.common_name(cert) == answers.node_id
                   and (ca is None or _issued_by(cert, ca.cert)))
    if ca is not None:
        if cert_ok:
            w.changes.append(Change(cert_path, "unchanged"))
        else:
            csr = pki.load_csr(csr_path)
            w.write(CERT_FILE, _pem(pki.sign_csr(ca, csr)), 0o644)
    elif not cert_ok:
        todo.append(f"have {csr_path} signed by the fleet CA and put the certificate at "
                    f"{cert_path}")
    if not under(w.root, CA_FILE).is_file():
        todo.append(f"put the fleet CA certificate at {under(w.root, CA_FILE)} "
                    "(or re-run with --ca-file)")


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProvisionError(f"cannot read {path}: {exc}") from exc


def _credentials_dropin(w: _Writer, names: list[str]) -> None:
    """A unit drop-in loading each extra secret placed here (the key is in the unit)."""
    lines = ["# Written by 'anpr-edge provision': secrets beyond the node key.", "[Service]"]
    lines += [f"LoadCredential={n}:{CREDENTIALS_DIR / n}" for n in names]
    w.write(DROPIN_FILE, ("\n".join(lines) + "\n").encode(), 0o644)


def provision(answers: Answers, root: Path) -> ProvisionResult:
    """Write config, identity and secrets under ``root``; validate; report the changes."""
    if not root.is_dir():
        raise ProvisionError(f"root directory does not exist: {root}")
    root = root.resolve()
    data = render_config(answers)
    text = tomlout.dumps(data, header=(
        f"anpr-edge node {answers.node_id} (tenant {answers.tenant}), written by "
        f"'anpr-edge provision' from profile {answers.profile}.\n"
        "Secrets are not here: they come from systemd credentials."))
    w = _Writer(root)
    todo: list[str] = []
    # Validate before anything lands: a config the node would refuse is never written.
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "config.toml"
        probe.write_text(text, encoding="utf-8")
        try:
            settings = load_settings(probe, env={})
        except ConfigError as exc:
            raise ProvisionError("the resulting config is invalid: "
                                 + "; ".join(exc.problems)) from None
    w.mkdir(CONFIG_DIR, 0o755)
    try:
        _identity(w, answers, todo)
    except PkiError as exc:
        raise ProvisionError(str(exc)) from exc
    if answers.mqtt_password is not None:
        w.write(CREDENTIALS_DIR / "mqtt__password", answers.mqtt_password.encode(), 0o600)
    # Every secret already placed stays loaded: a re-run without the flag keeps it.
    extra = sorted(p.name for p in under(root, CREDENTIALS_DIR).iterdir()
                   if p.is_file() and p.name != KEY_NAME and not p.name.startswith("."))
    _credentials_dropin(w, extra)
    w.mkdir(STATE_DIR, 0o700)
    bl = settings.blacklist
    assert bl.file is not None  # render_config always names the list file
    if answers.list_file is not None:
        w.write(PurePosixPath(str(bl.file)), _read(answers.list_file), 0o640)
    elif not under(root, bl.file).is_file():
        todo.append(f"put the plate list at {under(root, bl.file)} (or re-run with --list)")
    w.write(CONFIG_FILE, text.encode(), 0o644)
    config_path = under(root, CONFIG_FILE)
    # The written file must load exactly as the probe did.
    final = load_settings(config_path, env={})
    return ProvisionResult(tuple(w.changes), final, config_path, tuple(todo))

