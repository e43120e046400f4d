"""Installed lists on disk: atomic install, the previous version kept, a rollback floor.

Per list, under ``{state_dir}/lists/{list_id}/``: ``current.bin`` (the list in
force as a compact snapshot payload, also after deltas), ``current.json`` (the
manifest it came from, when it was installed, the file's SHA-256),
``previous.*`` (the version before), and ``highwater`` (the newest version ever
installed: a rollback stays refused after a restart even if files are lost).
Every file is written to a temporary name, fsynced, then renamed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from edge.errors import ListRefusedError
from edge.fsutil import atomic_write
from edge.logs import get_logger
from edge.match.hotlist.index import ListIndex
from edge.match.hotlist.manifest import Manifest
from edge.match.hotlist.payload import decode

log = get_logger("hotlist.store")


class InstalledState(BaseModel):
    """What ``current.json`` records about the list in force."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    manifest: Manifest
    installed_at: float
    file_sha256: str


def _write_file(path: Path, data: bytes) -> None:
    # Owner-only: a clear list names the listed plates.
    atomic_write(path, data, 0o600)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ListStore:
    """The on-disk home of one list."""

    def __init__(self, root: Path, list_id: str) -> None:
        self.dir = root / list_id
        self.list_id = list_id

    def highwater(self) -> int:
        """The newest version ever installed here (0 when none)."""
        try:
            return int((self.dir / "highwater").read_text(encoding="ascii").strip() or 0)
        except (OSError, ValueError):
            return 0

    def install(self, manifest: Manifest, index: ListIndex, installed_at: float,
                snapshot: bytes | None = None) -> InstalledState:
        """Persist ``index`` as the new current version; the old one becomes previous.

        ``snapshot`` is the received snapshot payload when there is one: it is
        written as it is rather than serialised again from the index.
        """
        data = index.to_payload() if snapshot is None else snapshot
        state = InstalledState(manifest=manifest, installed_at=installed_at,
                               file_sha256=hashlib.sha256(data).hexdigest())
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            _write_file(self.dir / "next.bin", data)
            _write_file(self.dir / "next.json", state.model_dump_json().encode("utf-8"))
            for ext in ("bin", "json"):
                cur = self.dir / f"current.{ext}"
                if cur.exists():
                    cur.replace(self.dir / f"previous.{ext}")
            (self.dir / "next.bin").replace(self.dir / "current.bin")
            (self.dir / "next.json").replace(self.dir / "current.json")
            _write_file(self.dir / "highwater",
                        str(max(manifest.version, self.highwater())).encode("ascii"))
            _fsync_dir(self.dir)
        except OSError as exc:
            raise ListRefusedError("disk_error", f"cannot install: {exc.strerror or exc}") from exc
        return state

    def load(self) -> tuple[InstalledState, ListIndex] | None:
        """The list in force from disk (``previous`` when ``current`` is damaged), or None."""
        for name in ("current", "previous"):
            try:
                state = InstalledState.model_validate_json(
                    (self.dir / f"{name}.json").read_bytes())
                data = (self.dir / f"{name}.bin").read_bytes()
                if hashlib.sha256(data).hexdigest() != state.file_sha256:
                    raise ListRefusedError("malformed_payload", "file checksum differs")
                return state, ListIndex.from_snapshot(decode(data))
            except FileNotFoundError:
                continue
            except (OSError, ValidationError, ListRefusedError) as exc:
                log.error("list_file_damaged", list_id=self.list_id, file=name,
                          error=type(exc).__name__)
        return None
