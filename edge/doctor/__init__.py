"""``anpr-edge doctor``: is this unit ready, and if not, what to do about it.

Each check is a small function of a :class:`DoctorContext` returning
:class:`CheckResult` values with a plain-words fix. The checks are listed in
explicit registries (``CHECKS``, and ``LIST_CHECKS`` for the plate lists, so
a hotlist backend adds its own freshness check with one line). Nothing here
configures logging: the CLI does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from edge.config import Settings
from edge.provision import CREDENTIALS_DIR, RUN_CREDENTIALS_DIR, under

Severity = Literal["error", "warning"]
Status = Literal["pass", "warn", "fail"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict: ``ok``, how bad it is when not, what was seen and the fix."""

    name: str
    ok: bool
    severity: Severity
    detail: str
    fix: str = ""

    @property
    def status(self) -> Status:
        """pass, warn (not ok, warning) or fail (not ok, error)."""
        if self.ok:
            return "pass"
        return "fail" if self.severity == "error" else "warn"


def passed(name: str, detail: str) -> CheckResult:
    """A passing check."""
    return CheckResult(name, True, "error", detail)


def failed(name: str, detail: str, fix: str) -> CheckResult:
    """A failing check: the unit is not ready."""
    return CheckResult(name, False, "error", detail, fix)


def warned(name: str, detail: str, fix: str) -> CheckResult:
    """A warning: the unit runs, but something should be fixed."""
    return CheckResult(name, False, "warning", detail, fix)


@dataclass(frozen=True, slots=True)
class DoctorContext:
    """What the checks look at: the settings and where the node's files are on this host."""

    settings: Settings
    config_path: Path
    root: Path = Path("/")
    base: Path = field(default_factory=Path.cwd)
    camera_frames: int = 40
    timeout_s: float = 5.0
    proc_swaps: Path = Path("/proc/swaps")
    env: Mapping[str, str] = field(default_factory=dict)

    def host_path(self, p: Path | str) -> Path:
        """A config path as seen from here: relative to ``base``, absolute ones under ``root``.

        The key systemd hands the service under ``/run/credentials`` is read from
        the directory ``LoadCredential=`` loads it from.
        """
        pp = PurePosixPath(str(p))
        if not pp.is_absolute():
            return self.base / str(pp)
        if pp.is_relative_to(RUN_CREDENTIALS_DIR):
            pp = CREDENTIALS_DIR / pp.relative_to(RUN_CREDENTIALS_DIR)
        return under(self.root, pp)


Check = Callable[[DoctorContext], list[CheckResult]]


def run_checks(ctx: DoctorContext, checks: tuple[Check, ...]) -> list[CheckResult]:
    """Run every check; one that crashes is reported as a failure, not raised."""
    results: list[CheckResult] = []
    for check in checks:
        try:
            results.extend(check(ctx))
        except Exception as exc:  # a doctor must report, never die half-way
            name = check.__name__.removeprefix("check_")
            results.append(failed(name, f"check crashed: {type(exc).__name__}: {exc}",
                                  "report this as a bug with the output of doctor --json"))
    return results


def ready(results: list[CheckResult]) -> bool:
    """True when no check failed (warnings allowed)."""
    return all(r.status != "fail" for r in results)


def default_env() -> dict[str, str]:
    """The process environment (for ANPR_* overrides), read when the CLI asks."""
    return dict(os.environ)
