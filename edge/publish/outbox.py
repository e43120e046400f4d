"""The durable outbox: hit events are on disk before anything is sent.

SQLite in WAL mode with ``synchronous=FULL``: a committed event survives a
power cut. States: ``pending`` until the broker acknowledges (PUBACK), then
``sent``. Rows leave the disk when their time-to-live expires. Only hits are
ever written here, so no non-matching read can reach the disk.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from edge.errors import PublishError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, seq);
"""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One stored event."""

    seq: int
    event_id: str
    topic: str
    payload: bytes
    expires: float


class Outbox:
    """A small SQLite queue shared by the pipeline and the MQTT threads."""

    def __init__(self, path: Path, ttl_s: float, max_bytes: int) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise PublishError(f"cannot open outbox {path}: {exc}") from exc
        self._lock = threading.Lock()

    def put(self, event_id: str, topic: str, payload: bytes, now: float | None = None) -> None:
        """Store one event durably (wall-clock ``now`` sets its expiry)."""
        t = time.time() if now is None else now
        with self._lock:
            try:
                self._db.execute(
                    "INSERT OR IGNORE INTO outbox(event_id, topic, payload, created, expires)"
                    " VALUES (?, ?, ?, ?, ?)", (event_id, topic, payload, t, t + self.ttl_s))
            except sqlite3.Error as exc:
                raise PublishError(f"outbox write failed ({self.path}): {exc}") from exc

    def pending(self, limit: int, exclude: set[str] | None = None,
                now: float | None = None) -> list[OutboxItem]:
        """Oldest pending, unexpired events first."""
        t = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, topic, payload, expires FROM outbox"
                " WHERE state='pending' AND expires > ? ORDER BY seq LIMIT ?",
                (t, limit + len(exclude or ()))).fetchall()
        items = [OutboxItem(int(r[0]), str(r[1]), str(r[2]), bytes(r[3]), float(r[4]))
                 for r in rows]
        return [i for i in items if not exclude or i.event_id not in exclude][:limit]

    def mark_sent(self, event_id: str) -> None:
        """The broker acknowledged the event."""
        with self._lock:
            self._db.execute("UPDATE outbox SET state='sent' WHERE event_id=?", (event_id,))

    def purge_expired(self, now: float | None = None) -> int:
        """Delete events past their time-to-live; returns how many."""
        t = time.time() if now is None else now
        with self._lock:
            cur = self._db.execute("DELETE FROM outbox WHERE expires <= ?", (t,))
            return cur.rowcount

    def count(self, state: str = "pending") -> int:
        """Events in a state."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM outbox WHERE state=?",
                                   (state,)).fetchone()
        return int(row[0])

    def size_bytes(self) -> int:
        """Payload bytes held."""
        with self._lock:
            row = self._db.execute("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM outbox"
                                   ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Checkpoint and close."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()
