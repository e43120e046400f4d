"""The check registry and the doctor's entry point."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from edge.doctor import Check, CheckResult, DoctorContext, run_checks
from edge.doctor.broker import check_broker, check_identity
from edge.doctor.camera import check_cameras
from edge.doctor.checks import (
    check_config,
    check_disk,
    check_journald,
    check_lists,
    check_models,
    check_providers,
    check_swap,
    clock_check,
)

# In report order; cheap local checks before the camera and the network.
CHECKS: dict[str, Check] = {
    "models": check_models,
    "providers": check_providers,
    "lists": check_lists,
    "disk": check_disk,
    "swap": check_swap,
    "journald": check_journald,
    "clock": clock_check(),
    "identity": check_identity,
    "broker": check_broker,
    "camera": check_cameras,
}


def diagnose(config_path: Path, root: Path = Path("/"), base: Path | None = None,
             env: Mapping[str, str] | None = None, skip: frozenset[str] = frozenset(),
             checks: Mapping[str, Check] | None = None, camera_frames: int = 40,
             timeout_s: float = 5.0, proc_swaps: Path = Path("/proc/swaps")) -> list[CheckResult]:
    """Load the config and run every check not in ``skip``; a bad config stops there."""
    environ = dict(env or {})
    root = root.resolve()  # host paths must not depend on base
    settings, result = check_config(config_path, root, environ)
    if settings is None:
        return [result]
    ctx = DoctorContext(settings=settings, config_path=config_path, root=root,
                        base=base or Path.cwd(), env=environ, camera_frames=camera_frames,
                        timeout_s=timeout_s, proc_swaps=proc_swaps)
    chosen = tuple(c for name, c in (checks or CHECKS).items() if name not in skip)
    return [result, *run_checks(ctx, chosen)]
