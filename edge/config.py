"""The node's configuration: one validated tree, loaded once at start.

Sources, highest priority first: explicit overrides, environment variables
(``ANPR_`` prefix, ``__`` between levels, e.g. ``ANPR_MQTT__HOST``), secret files
in systemd's ``$CREDENTIALS_DIRECTORY`` (file name ``mqtt__password`` and so
on), then the TOML file. Nothing here reads the environment at import time and
no validator does I/O: files named in the config are checked when the
component that uses them starts.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from edge.errors import ConfigError

ENV_PREFIX = "ANPR_"
Provider = Literal["cpu", "cuda", "tensorrt", "openvino"]
SourceKind = Literal["file", "folder", "v4l2", "rtsp", "gstreamer", "picamera2"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeConfig(_Section):
    """Identity of this gate node."""

    id: str = Field(default="node-dev", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    tenant: str = Field(default="dev", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    state_dir: Path = Field(default=Path("var"),
                            description="the one writable directory: audit log, lists, outbox")


class CameraConfig(_Section):
    """One frame source."""

    id: str = Field(default="cam0", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    source: SourceKind
    uri: str = Field(min_length=1, description="path, device, URL or pipeline")
    lane: str | None = None
    direction: Literal["in", "out", "both"] | None = None
    realtime: bool = Field(default=False, description="pace file replay at the media rate")
    loop: bool = False
    width: int | None = Field(default=None, gt=0)
    height: int | None = Field(default=None, gt=0)
    fps: float | None = Field(default=None, gt=0)
    queue_size: int = Field(default=4, ge=1, le=256)
    open_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=5.0, gt=0)
    reconnect_initial_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)
    watchdog_s: float = Field(default=20.0, gt=0,
                              description="restart the source after this long without a frame")

    @model_validator(mode="after")
    def _backoff_order(self) -> CameraConfig:
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError("reconnect_max_s must be >= reconnect_initial_s")
        return self


class InferenceConfig(_Section):
    """How onnxruntime runs the models."""

    providers: list[Provider] = Field(default_factory=lambda: list[Provider](["cpu"]),
                                      min_length=1)
    intra_op_threads: int = Field(default=1, ge=1, le=64)
    warmup_runs: int = Field(default=1, ge=0, le=20)


class ModelSection(_Section):
    """A model picked by name from the manifest, or a public model given by file."""

    manifest: Path = Path("models/manifest.json")
    name: str | None = None
    file: Path | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _one_way(self) -> ModelSection:
        if (self.name is None) == (self.file is None):
            raise ValueError("give exactly one of 'name' (from the manifest) or 'file'")
        return self


DEFAULT_SCORE_THRESHOLD = 0.45
"""The score threshold for a detector that brings none of its own (a file given by path,
or a manifest entry without ``score_threshold``). Detectors trained here carry theirs in
the manifest, picked on their own held-out synthetic scenes (``tools.pick_threshold``):
scores are on each model's own scale, so one constant cannot fit every retrain."""


class DetectorConfig(ModelSection):
    """The plate detector."""

    name: str | None = "plate-det-v4"
    score_threshold: float | None = Field(
        default=None, gt=0, lt=1,
        description="detections scoring below this are dropped; unset: the model's own "
        "threshold from the manifest, else DEFAULT_SCORE_THRESHOLD")
    nms_iou: float = Field(default=0.5, gt=0, le=1)
    min_plate_width: int = Field(default=16, ge=1)

    def threshold_for(self, model_threshold: float | None) -> float:
        """The threshold in force: the configured one, else the model's, else the default."""
        if self.score_threshold is not None:
            return self.score_threshold
        return model_threshold if model_threshold is not None else DEFAULT_SCORE_THRESHOLD


class OcrConfig(ModelSection):
    """The plate reader."""

    name: str | None = "plate-ocr-v7"
    alphabet: str | None = None
    crop_margin: float = Field(default=0.06, ge=0, le=0.5)
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    min_chars: int = Field(default=4, ge=1, le=10)
    zooms: list[Annotated[float, Field(gt=0, le=1.5)]] = Field(
        default_factory=lambda: [1.0], min_length=1, max_length=5,
        description="test-time views: each crop is read once per zoom about its centre "
        "(1.12: 12 % tighter) and the reads' probabilities are averaged; models/README.md "
        "gives the measured trade of [1.0, 1.04, 1.12]")


class TrackingConfig(_Section):
    """Combining reads of one vehicle across frames."""

    iou_threshold: float = Field(default=0.2, gt=0, le=1)
    max_gap_s: float = Field(default=1.0, gt=0)
    max_track_s: float = Field(default=20.0, gt=0)
    min_frames: int = Field(default=2, ge=1)


class ListEntry(_Section):
    """A plate on the plain list."""

    plate: str = Field(min_length=1, max_length=16)
    reference: str = Field(min_length=1, max_length=64)


class BlacklistConfig(_Section):
    """Plain plate list (entries inline or a CSV with ``plate,reference``)."""

    list_id: str = Field(default="local", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    purpose: str = Field(default="stolen", pattern=r"^[a-z0-9_-]{1,32}$")
    version: int = Field(default=1, ge=0)
    file: Path | None = None
    entries: list[ListEntry] = Field(default_factory=list)
    dedup_window_s: float = Field(default=300.0, ge=0)


class TlsConfig(_Section):
    """TLS for the broker connection; a client certificate identifies the node."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_skip_verify: bool = False

    @model_validator(mode="after")
    def _pair(self) -> TlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class MqttConfig(_Section):
    """The broker; with no host, events go to standard output as JSON lines."""

    host: str | None = None
    port: int = Field(default=1883, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    qos: Literal[0, 1, 2] = 1
    topic_prefix: str = Field(default="anpr/v1", pattern=r"^[A-Za-z0-9_/-]+$")
    tls: TlsConfig | None = None
    reconnect_min_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)
    max_inflight: int = Field(default=20, ge=1, le=1000)


class OutboxConfig(_Section):
    """Durable store of hit events until the broker has them."""

    path: Path = Path("var/outbox.sqlite3")
    ttl_h: float = Field(default=72.0, gt=0, le=168.0)
    max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024 * 1024)


class PrivacyConfig(_Section):
    """What a hit event may carry."""

    include_crop: bool = False
    crop_max_bytes: int = Field(default=6000, ge=500, le=20000)
    enabled_purposes: list[str] = Field(default_factory=lambda: ["stolen", "flagged"])


class LoggingConfig(_Section):
    """Log format and the stage-metrics interval."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"
    metrics_interval_s: float = Field(default=60.0, gt=0)



class HotlistSubscription(_Section):
    """A signed list this node installs, and the purpose it must declare."""

    list_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    purpose: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")


class HotlistTrustedKey(_Section):
    """An Ed25519 public key (PEM) whose signatures on list manifests the node accepts."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    file: Path


class HotlistSkip(_Section):
    """A known false alert at this node: never hit on this entry (for this read, if given)."""

    list_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    entry_ref: str = Field(min_length=1, max_length=255)
    plate: str | None = Field(default=None, min_length=2, max_length=16)


class HotlistsConfig(_Section):
    """Signed, versioned lists received over MQTT (``anpr-edge hotlist`` builds them).

    The HMAC key (64 hex characters) normally comes from the credential file
    ``hotlists__hmac_key`` in ``$CREDENTIALS_DIRECTORY``, never from the TOML.
    """

    lists: list[HotlistSubscription] = Field(default_factory=list)
    trusted_keys: list[HotlistTrustedKey] = Field(default_factory=list)
    hmac_key_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    hmac_key: SecretStr | None = None
    max_staleness_s: float = Field(default=2 * 86400.0, gt=0)
    max_payload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024,
                                   description="largest list payload (1M hashed entries: ~29 MB)")
    skip: list[HotlistSkip] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> HotlistsConfig:
        if self.lists and not self.trusted_keys:
            raise ValueError("lists need at least one trusted_keys entry")
        if (self.hmac_key is None) != (self.hmac_key_id is None):
            raise ValueError("hmac_key and hmac_key_id go together")
        if self.hmac_key is not None:
            try:
                key = bytes.fromhex(self.hmac_key.get_secret_value().strip())
            except ValueError:
                raise ValueError("hmac_key must be hexadecimal") from None
            if len(key) < 16:
                raise ValueError("hmac_key must be at least 16 bytes (32 hex characters)")
        return self


class MotionConfig(_Section):
    """Motion gate and frame budget: the detector runs only where and when something moves."""

    enabled: bool = True
    downscale_width: int = Field(default=160, ge=32, le=1920)
    threshold: int = Field(default=25, ge=1, le=255, description="grey-level change that counts")
    min_area: float = Field(default=0.002, ge=0, le=1,
                            description="fraction of the (masked) frame that must change")
    background_alpha: float = Field(default=0.05, gt=0, le=1,
                                    description="running-average update rate of the background")
    hold_s: float = Field(default=0.5, ge=0, description="keep analysing this long after motion")
    pad: float = Field(default=0.15, ge=0, le=1,
                       description="padding around the moving region, fraction of frame size")
    crop_to_motion: bool = Field(default=True,
                                 description="run the detector on the moving region only")
    roi: list[list[tuple[float, float]]] = Field(
        default_factory=list,
        description="region-of-interest polygons, points as (x, y) fractions of the frame")
    mask_file: Path | None = Field(default=None,
                                   description="grey image: non-zero pixels are watched")
    max_frame_age_s: float = Field(default=1.0, gt=0,
                                   description="live frames older than this are skipped")

    @model_validator(mode="after")
    def _polygons(self) -> MotionConfig:
        for poly in self.roi:
            if len(poly) < 3:
                raise ValueError("each roi polygon needs at least 3 points")
            if any(not (0 <= x <= 1 and 0 <= y <= 1) for x, y in poly):
                raise ValueError("roi points are (x, y) fractions of the frame, 0..1")
        return self


class DeliveryConfig(_Section):
    """Health, counters, acknowledgements, signed commands and the paho queue (issue 5)."""

    health_interval_s: float = Field(default=60.0, gt=0)
    health_ttl_s: int = Field(default=600, ge=1, le=86400,
                              description="MQTT expiry and outbox lifetime of health/counters")
    counters_enabled: bool = Field(default=False, description="aggregate reads per camera")
    counters_interval_s: float = Field(default=900.0, gt=0)
    list_stale_after_s: float = Field(default=86400.0, gt=0)
    command_public_key: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9+/]{43}=$",
        description="central Ed25519 public key (raw, base64) that signs commands")
    command_max_age_s: float = Field(default=3600.0, gt=0,
                                     description="older signed commands are refused")
    max_queued_messages: int = Field(default=100, ge=1, le=10000,
                                     description="paho's own RAM queue; the outbox holds the rest")
    resend_unacked_s: float | None = Field(
        default=900.0, ge=60,
        description="publish a hit again (same event id) when not acknowledged by then; "
                    "None: never")


class Settings(BaseSettings):
    """The whole configuration tree of a node."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        case_sensitive=False,
    )

    node: NodeConfig = Field(default_factory=NodeConfig)
    cameras: list[CameraConfig] = Field(min_length=1)
    inference: InferenceConfig = Field(default_factory=InferenceConfig)
    detector: DetectorConfig = Field(default_factory=DetectorConfig)
    ocr: OcrConfig = Field(default_factory=OcrConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    blacklist: BlacklistConfig = Field(default_factory=BlacklistConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    hotlists: HotlistsConfig = Field(default_factory=HotlistsConfig)
    motion: MotionConfig = Field(default_factory=MotionConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)

    @model_validator(mode="after")
    def _unique_cameras(self) -> Settings:
        ids = [c.id for c in self.cameras]
        if len(ids) != len(set(ids)):
            raise ValueError("camera ids must be unique")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only explicit sources: no dotenv, and the file data comes in through init."""
        return (init_settings,)


def _format_error(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{loc}: {e['msg']}")
    return lines


def load_settings(
    path: Path | None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read, merge and validate the configuration; raise ConfigError naming each bad field."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError([f"file not found: {path}"], source=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"not valid TOML: {exc}"], source=str(path)) from None
    environ = dict(os.environ if env is None else env)
    merged = data
    cred_dir = environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir and Path(cred_dir).is_dir():
        secrets = NestedSecretsSettingsSource(
            SecretsSettingsSource(Settings), secrets_dir=cred_dir,
            secrets_nested_delimiter="__", env_prefix="",
        )
        merged = _deep_merge(merged, secrets())
    env_source = EnvSettingsSource(Settings, case_sensitive=False, env_prefix=ENV_PREFIX)
    # The source reads os.environ when built; hand it the mapping we were given instead.
    env_source.env_vars = {k.lower(): v for k, v in environ.items()}
    merged = _deep_merge(merged, env_source())
    if overrides:
        merged = _deep_merge(merged, dict(overrides))
    try:
        return Settings(**InitSettingsSource(Settings, init_kwargs=merged)())
    except ValidationError as exc:
        raise ConfigError(_format_error(exc), source=str(path or "config")) from None


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_path(base: Path, p: Path) -> Path:
    """Resolve a config-relative path: absolute paths stay, others hang off ``base``."""
    return p if p.is_absolute() else base / p
