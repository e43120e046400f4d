"""The tamper-evident local audit log.

Append-only JSON lines; each record carries the SHA-256 of the previous
record's line, so removing or editing a record breaks the chain from there
on. Records name what happened (list installed or refused, hit emitted,
camera down, restart...) and never carry a non-hit plate: callers pass
identifiers and reasons, not reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.errors import AuditError

GENESIS = "0" * 64
AuditValue = str | int | float | bool | None



@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit record as written: ``line`` is the exact JSON text on disk."""

    seq: int
    kind: str
    line: str
    digest: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of verifying a chain: ``first_bad`` is a 1-based line number."""

    records: int
    first_bad: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return self.first_bad is None


def _digest(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


class AuditLog:
    """Appends hash-chained records to one file; thread-safe; fsync per record.

    Listeners (e.g. a publisher that forwards records to the ``audit`` topic)
    are called with each record after it is on disk.
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[Callable[[AuditRecord], None]] = []
        self._seq, self._prev = self._tail()

    def _tail(self) -> tuple[int, str]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                return 0, GENESIS
            last = ""
            count = 0
            with self.path.open("r", encoding="utf-8") as fh:
                for raw in fh:
                    if raw.strip():
                        last = raw.rstrip("\n")
                        count += 1
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"cannot read audit log {self.path}: {exc}") from exc
        if not last:
            return 0, GENESIS
        try:
            seq = int(json.loads(last)["seq"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            seq = count
        return seq, _digest(last)

    def add_listener(self, listener: Callable[[AuditRecord], None]) -> None:
        """Call ``listener`` with every record written from now on."""
        self._listeners.append(listener)

    def record(self, kind: str, **fields: AuditValue) -> AuditRecord:
        """Append one record of ``kind`` with flat ``fields``; durable when this returns."""
        with self._lock:
            body: dict[str, Any] = {"seq": self._seq + 1, "ts": round(self._clock(), 3),
                                    "kind": kind, **fields, "prev": self._prev}
            line = json.dumps(body, separators=(",", ":"), sort_keys=True)
            try:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise AuditError(f"cannot append to audit log {self.path}: {exc}") from exc
            self._seq += 1
            self._prev = _digest(line)
            rec = AuditRecord(self._seq, kind, line, self._prev)
        for listener in self._listeners:
            listener(rec)
        return rec


def verify_chain(path: Path) -> ChainCheck:
    """Check every link of the chain in ``path``; report the first broken one."""
    prev = GENESIS
    n = 0
    try:
        with path.open("r", encoding="utf-8") as fh:
            for lineno, raw in enumerate(fh, start=1):
                line = raw.rstrip("\n")
                if not line:
                    continue
                n += 1
                try:
                    body = json.loads(line)
                except json.JSONDecodeError:
                    return ChainCheck(n, lineno, "not valid JSON")
                if not isinstance(body, dict) or body.get("prev") != prev:
                    return ChainCheck(n, lineno, "previous-record hash does not match")
                if body.get("seq") != n:
                    return ChainCheck(n, lineno, f"sequence number {body.get('seq')} != {n}")
                prev = _digest(line)
    except FileNotFoundError:
        raise AuditError(f"audit log not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read audit log {path}: {exc}") from exc
    return ChainCheck(n, None, None)
