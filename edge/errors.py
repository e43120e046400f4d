"""The error hierarchy of the node.

Library code raises these; only :mod:`edge.cli` turns them into exit codes.
"""

from __future__ import annotations


class EdgeError(Exception):
    """Base class of every error the node raises on purpose."""

    exit_code = 1


class ConfigError(EdgeError):
    """The configuration is invalid; ``problems`` holds one line per field."""

    exit_code = 2

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(f"invalid {source}: " + "; ".join(self.problems))


class ModelError(EdgeError):
    """A model file is missing, corrupt, or does not fit its declared contract."""

    exit_code = 3


class CaptureError(EdgeError):
    """A frame source could not be opened or stopped delivering frames."""

    exit_code = 4


class PublishError(EdgeError):
    """An event sink could not be set up or refused an event."""

    exit_code = 5


class BlacklistError(EdgeError):
    """A blacklist could not be loaded; the previous one stays in force."""

    exit_code = 6


class EvalError(EdgeError):
    """An evaluation manifest is malformed."""

    exit_code = 7


class PkiError(EdgeError):
    """A key, certificate or signing request could not be made, read or written."""

    exit_code = 9


class AuditError(EdgeError):
    """The audit log cannot be written or read."""

    exit_code = 8


class BenchError(EdgeError):
    """A benchmark could not be run, or a report file is missing or malformed."""

    exit_code = 11


class ListRefusedError(BlacklistError):
    """A signed list (manifest or payload) was refused; ``reason`` is a short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"list refused ({reason})" + (f": {detail}" if detail else ""))


class ProvisionError(EdgeError):
    """A node could not be provisioned: a missing answer, a bad profile, an unwritable root."""

    exit_code = 10
