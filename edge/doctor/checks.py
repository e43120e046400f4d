"""The host checks: config, models, providers, clock, disk, privacy, plate lists."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from edge.config import ModelSection, Settings, load_settings
from edge.doctor import Check, CheckResult, DoctorContext, failed, passed, warned
from edge.errors import BlacklistError, ConfigError, ModelError
from edge.inference import ModelSpec, load_model_spec, verify_file
from edge.provision import CREDENTIALS_DIR, under

MIN_FREE_BYTES = 1 << 30  # below this the outbox and audit log may run out
LIST_MAX_AGE_S = 7 * 24 * 3600


def check_config(path: Path, root: Path, env: Mapping[str, str]) -> tuple[Settings | None,
                                                                          CheckResult]:
    """Load the config as the service would (secrets from the credentials directory)."""
    environ = dict(env)
    creds = under(root, CREDENTIALS_DIR)
    if "CREDENTIALS_DIRECTORY" not in environ and os.access(creds, os.R_OK | os.X_OK):
        environ["CREDENTIALS_DIRECTORY"] = str(creds)
    try:
        s = load_settings(path, env=environ)
    except ConfigError as exc:
        return None, failed("config", "; ".join(exc.problems),
                            f"edit {path} (or re-run anpr-edge provision) and check it with "
                            f"anpr-edge check-config {path}")
    return s, passed("config", f"{path} valid: node {s.node.id}, tenant {s.node.tenant}, "
                               f"{len(s.cameras)} camera(s)")


def model_spec(ctx: DoctorContext, section: ModelSection, task: str,
               contract: str) -> ModelSpec:
    """The spec of a configured model, its paths seen from this host."""

    if section.name is not None:
        return load_model_spec(ctx.host_path(section.manifest), section.name, task)
    assert section.file is not None
    return ModelSpec(name=section.file.name, path=ctx.host_path(section.file),
                     sha256=section.sha256, task=task, contract=contract)


def check_models(ctx: DoctorContext) -> list[CheckResult]:
    """Each model file is present and has the sha256 the manifest records."""
    out = []
    for label, section, task, contract in (
            ("detector", ctx.settings.detector, "detector", "yolo-end2end"),
            ("ocr", ctx.settings.ocr, "ocr", "fixed-slot")):
        name = f"model.{label}"
        try:
            spec = model_spec(ctx, section, task, contract)
            verify_file(spec)
        except ModelError as exc:
            out.append(failed(name, str(exc), "re-install the models from the release "
                              "(tools/install.sh copies models/ with their manifest); never "
                              "edit a model file in place"))
            continue
        sha = f"sha256 {spec.sha256[:12]}… ok" if spec.sha256 else "no sha256 recorded"
        out.append(passed(name, f"{spec.name}: {spec.path} ({sha})"))
    return out


def check_providers(ctx: DoctorContext) -> list[CheckResult]:
    """The configured onnxruntime providers exist in this onnxruntime build."""
    import onnxruntime as ort  # noqa: PLC0415

    from edge.inference.session import PROVIDER_NAMES  # noqa: PLC0415

    available = set(ort.get_available_providers())
    wanted = ctx.settings.inference.providers
    missing = [p for p in wanted if PROVIDER_NAMES[p] not in available]
    have = ", ".join(sorted(available))
    if not missing:
        return [passed("providers", f"configured {wanted} all available ({have})")]
    usable = [p for p in wanted if p not in missing]
    detail = f"configured {wanted}, missing {missing}; available: {have}"
    fix = ("install the onnxruntime build for this board (onnxruntime-gpu / JetPack's wheel / "
           "onnxruntime-openvino) or set inference.providers to what is available")
    if usable:
        return [warned("providers", detail + f"; will run on {usable[0]}", fix)]
    return [warned("providers", detail + "; will fall back to the CPU", fix)]


def _timedatectl() -> bool | None:
    try:
        out = subprocess.run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = out.stdout.strip()
    return {"yes": True, "no": False}.get(value) if out.returncode == 0 else None


def clock_check(probe: Callable[[], bool | None] = _timedatectl,
                flag: Path = Path("/run/systemd/timesync/synchronized")) -> Check:
    """A clock check with its probes (injectable for tests)."""
    def check_clock(ctx: DoctorContext) -> list[CheckResult]:
        state = probe()
        if state is None and flag.exists():
            state = True
        fix = ("enable time sync: timedatectl set-ntp true (systemd-timesyncd or chrony) and "
               "allow NTP (UDP 123) to the municipal time server")
        if state is True:
            return [passed("clock", "system clock is NTP-synchronised")]
        if state is False:
            return [failed("clock", "system clock is not synchronised: event times and "
                                    "certificate validity checks are wrong", fix)]
        return [warned("clock", "cannot tell whether the clock is synchronised "
                                "(no timedatectl answer, no timesync flag)", fix)]
    return check_clock


def check_disk(ctx: DoctorContext) -> list[CheckResult]:
    """The state directory exists and has room for the outbox and audit log."""
    state = ctx.host_path(ctx.settings.node.state_dir)
    if not state.is_dir():
        return [failed("disk", f"state directory {state} does not exist",
                       "mount the data partition there, or let systemd create it "
                       "(StateDirectory=anpr-edge) by starting the service once")]
    free = shutil.disk_usage(state).free
    need = max(MIN_FREE_BYTES, 2 * ctx.settings.outbox.max_bytes)
    detail = f"{free / 2**30:.1f} GiB free on {state}"
    if free < need:
        return [failed("disk", detail + f" (need {need / 2**30:.1f} GiB)",
                       "free space on the data partition or give the node a larger one")]
    return [passed("disk", detail)]


def check_swap(ctx: DoctorContext) -> list[CheckResult]:
    """Swap is off, so plate crops in memory never reach the SD card."""
    try:
        lines = ctx.proc_swaps.read_text(encoding="utf-8").splitlines()[1:]
    except OSError as exc:
        return [warned("swap", f"cannot read {ctx.proc_swaps}: {exc}",
                       "check with swapon --show")]
    active = [ln.split()[0] for ln in lines if ln.strip()]
    if active:
        return [failed("swap", f"swap is on ({', '.join(active)}): memory holding plates can "
                               "be written to storage",
                       "swapoff -a; disable it for good (Raspberry Pi OS: systemctl disable "
                       "--now dphys-swapfile; elsewhere remove the swap line from /etc/fstab)")]
    return [passed("swap", "no active swap")]


def _journald_storage(root: Path) -> tuple[str, str]:
    """The effective Storage= value and the file that set it (drop-ins win, by name)."""
    files = [under(root, "/etc/systemd/journald.conf")]
    names: dict[str, Path] = {}
    for d in ("/usr/lib/systemd/journald.conf.d", "/run/systemd/journald.conf.d",
              "/etc/systemd/journald.conf.d"):
        for f in sorted(under(root, d).glob("*.conf")):
            names[f.name] = f  # a later directory masks a same-named drop-in
    files += [names[n] for n in sorted(names)]
    storage, origin = "auto", "default"
    for f in files:
        cp = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            cp.read_string("[__top__]\n" + f.read_text(encoding="utf-8"))
        except (OSError, configparser.Error):
            continue
        if cp.has_option("Journal", "Storage"):
            storage, origin = cp.get("Journal", "Storage").strip(), str(f)
    return storage, origin


def check_journald(ctx: DoctorContext) -> list[CheckResult]:
    """journald keeps logs in RAM only (privacy: nothing of a passing car on disk)."""
    storage, origin = _journald_storage(ctx.root)
    fix = ("install the drop-in: cp systemd/journald-anpr-edge.conf "
           "/etc/systemd/journald.conf.d/anpr-edge.conf && systemctl restart systemd-journald "
           "(tools/install.sh does this)")
    if storage in {"volatile", "none"}:
        return [passed("journald", f"Storage={storage} ({origin})")]
    if storage == "auto" and not under(ctx.root, "/var/log/journal").exists():
        return [warned("journald", "Storage=auto and no /var/log/journal: volatile today, but "
                                   "creating that directory would make logs persistent", fix)]
    return [failed("journald", f"Storage={storage} ({origin}): logs are written to disk", fix)]


def check_plain_list(ctx: DoctorContext) -> list[CheckResult]:
    """The plain plate list exists, has entries and was updated recently."""
    from edge.match import PlainListMatcher  # noqa: PLC0415

    bl = ctx.settings.blacklist
    if bl.file is None and not bl.entries and ctx.settings.hotlists.lists:
        return []  # signed lists only: check_hotlists covers them
    fix = "install the list from the control room (anpr-edge provision --list FILE)"
    age = ""
    if bl.file is not None:
        path = ctx.host_path(bl.file)
        if not path.is_file():
            return [failed("list.plain", f"plate list {path} not found", fix)]
        age_s = time.time() - path.stat().st_mtime
        age = f", updated {age_s / 3600:.1f} h ago"
        bl = bl.model_copy(update={"file": path})
    try:
        n = len(PlainListMatcher.from_config(bl, ctx.base))
    except (BlacklistError, OSError) as exc:
        return [failed("list.plain", f"plate list unreadable: {exc}", fix)]
    if n == 0:
        return [failed("list.plain", "the plate list is empty", fix)]
    detail = f"list '{bl.list_id}' v{bl.version}: {n} plates{age}"
    if bl.file is not None and time.time() - bl.file.stat().st_mtime > LIST_MAX_AGE_S:
        return [warned("list.plain", detail + " (older than 7 days)",
                       "fetch the current list from the control room")]
    return [passed("list.plain", detail)]


def check_hotlists(ctx: DoctorContext) -> list[CheckResult]:
    """Every subscribed signed list is installed on disk, unexpired and fresh."""
    from edge.match.hotlist.store import InstalledState  # noqa: PLC0415

    s = ctx.settings
    root = ctx.host_path(s.node.state_dir) / "lists"
    fix = ("check that the broker delivers anpr/v1/{tenant}/bl/{list}/manifest to this node "
           "(ACL, trusted key in [[hotlists.trusted_keys]]) and read the 'list_refused' "
           "records of the audit log")
    out: list[CheckResult] = []
    now = time.time()
    for sub in s.hotlists.lists:
        name = f"list.{sub.list_id}"
        state_file = root / sub.list_id / "current.json"
        try:
            state = InstalledState.model_validate_json(state_file.read_bytes())
        except FileNotFoundError:
            out.append(failed(name, f"signed list '{sub.list_id}' is not installed "
                                    f"({state_file} missing)", fix))
            continue
        except (OSError, ValueError) as exc:
            out.append(failed(name, f"signed list '{sub.list_id}' unreadable: {exc}", fix))
            continue
        m = state.manifest
        age_s = now - m.created_at.timestamp()
        detail = (f"list '{sub.list_id}' v{m.version} ({m.purpose}), {m.entries} entries, "
                  f"made {age_s / 3600:.1f} h ago")
        if now >= m.expires_at.timestamp():
            out.append(warned(name, detail + ": expired (still in force, reported stale)", fix))
        elif age_s > s.hotlists.max_staleness_s:
            out.append(warned(name, detail + ": older than hotlists.max_staleness_s", fix))
        else:
            out.append(passed(name, detail))
    return out


# Plate-list checks, one per list backend.
LIST_CHECKS: tuple[Check, ...] = (check_plain_list, check_hotlists)


def check_lists(ctx: DoctorContext) -> list[CheckResult]:
    """Every registered plate-list check."""
    out: list[CheckResult] = []
    for check in LIST_CHECKS:
        out.extend(check(ctx))
    return out
