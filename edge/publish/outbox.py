"""The durable outbox: every message is on disk before anything is sent.

SQLite in WAL mode with ``synchronous=FULL``: a committed message survives a
power cut. States: ``pending`` until the broker acknowledges it (PUBACK), then
``sent``; hits and audit records stay ``sent`` until the central platform
acknowledges them on the ``ack`` topic, then they are deleted (health and
counters are deleted at PUBACK). Rows leave the disk at the latest when their
time-to-live expires. The store is bounded in bytes: when full, counters, then
health, then audit copies (the audit file keeps the chain) are evicted; a hit
is never evicted before its time-to-live, and a hit that does not fit is
refused with :class:`OutboxFullError`. Only hits carry plates, so no
non-matching read can reach the disk.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from edge.errors import PublishError

Kind = Literal["hit", "audit", "health", "counters"]
NEEDS_ACK: frozenset[str] = frozenset({"hit", "audit"})
# Eviction order when the byte budget is spent: least valuable first; hits never.
EVICTABLE: tuple[str, ...] = ("counters", "health", "audit")
MAX_TTL_S = 7 * 24 * 3600.0

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


class OutboxFullError(PublishError):
    """The byte budget is spent on hits that are still within their time-to-live."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One stored message."""

    seq: int
    event_id: str
    topic: str
    payload: bytes
    expires: float
    kind: str


class Outbox:
    """A small SQLite queue shared by the pipeline and the MQTT threads."""

    def __init__(self, path: Path, ttl_s: float, max_bytes: int) -> None:
        self.path = path
        self.ttl_s = min(ttl_s, MAX_TTL_S)
        self.max_bytes = max_bytes
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            cols = {r[1] for r in self._db.execute("PRAGMA table_info(outbox)")}
            if "kind" not in cols:  # an outbox written before message kinds existed
                self._db.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL "
                                 "DEFAULT 'hit'")
            if "sent_at" not in cols:
                self._db.execute("ALTER TABLE outbox ADD COLUMN sent_at REAL")
        except (OSError, sqlite3.Error) as exc:
            raise PublishError(f"cannot open outbox {path}: {exc}") from exc
        self._lock = threading.Lock()
        self._bytes = self._sum_bytes()

    def _sum_bytes(self) -> int:
        row = self._db.execute("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM outbox").fetchone()
        return int(row[0])

    def put(self, event_id: str, topic: str, payload: bytes, kind: Kind = "hit",
            ttl_s: float | None = None, now: float | None = None) -> None:
        """Store one message durably; wall-clock ``now`` plus its TTL sets its expiry."""
        t = time.time() if now is None else now
        ttl = min(self.ttl_s if ttl_s is None else ttl_s, self.ttl_s)
        with self._lock:
            try:
                if self._bytes + len(payload) > self.max_bytes:
                    self._make_room(len(payload), kind, t)
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO outbox(event_id, topic, payload, created, expires,"
                    " kind) VALUES (?, ?, ?, ?, ?, ?)",
                    (event_id, topic, payload, t, t + ttl, kind))
                if cur.rowcount > 0:
                    self._bytes += len(payload)
            except sqlite3.Error as exc:
                raise PublishError(f"outbox write failed ({self.path}): {exc}") from exc

    def _make_room(self, need: int, kind: str, now: float) -> None:
        """Free ``need`` bytes: expired rows, then kinds no more valuable than ``kind``."""
        self._db.execute("DELETE FROM outbox WHERE expires <= ?", (now,))
        self._bytes = self._sum_bytes()
        victims = EVICTABLE[:EVICTABLE.index(kind) + 1] if kind in EVICTABLE else EVICTABLE
        for victim in victims:
            while self._bytes + need > self.max_bytes:
                rows = self._db.execute(
                    "SELECT seq, LENGTH(payload) FROM outbox WHERE kind=? ORDER BY seq LIMIT 64",
                    (victim,)).fetchall()
                if not rows:
                    break
                freed, cut = 0, []
                for seq, size in rows:
                    cut.append(seq)
                    freed += int(size)
                    if self._bytes - freed + need <= self.max_bytes:
                        break
                self._db.execute("BEGIN")
                self._db.executemany("DELETE FROM outbox WHERE seq=?", [(s,) for s in cut])
                self._db.execute("COMMIT")
                self._bytes -= freed
        if self._bytes + need > self.max_bytes:
            raise OutboxFullError(
                f"outbox full: {self._bytes} of {self.max_bytes} bytes held by messages within "
                f"their time-to-live; this {kind} ({need} bytes) was not stored and nothing "
                "older was dropped (raise outbox.max_bytes or restore the broker link)")

    def pending(self, limit: int, exclude: set[str] | None = None,
                now: float | None = None, after_seq: int = 0) -> list[OutboxItem]:
        """Oldest pending, unexpired messages first (only those after ``after_seq``)."""
        t = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, topic, payload, expires, kind FROM outbox"
                " WHERE state='pending' AND expires > ? AND seq > ? ORDER BY seq LIMIT ?",
                (t, after_seq, limit + len(exclude or ()))).fetchall()
        items = [OutboxItem(int(r[0]), str(r[1]), str(r[2]), bytes(r[3]), float(r[4]),
                            str(r[5])) for r in rows]
        return [i for i in items if not exclude or i.event_id not in exclude][:limit]

    def mark_sent(self, event_ids: Iterable[str]) -> None:
        """The broker has these (PUBACK): hits and audit wait for the central ack, others go."""
        ids = [(e,) for e in event_ids]
        if not ids:
            return
        with self._lock:
            # Losing this mark in a power cut only means one more copy with the same event
            # id (the platform de-duplicates), so it skips the fsync that new rows get.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN")
            now = time.time()
            self._db.executemany("UPDATE outbox SET state='sent', sent_at=? WHERE event_id=? "
                                 "AND kind IN ('hit','audit')", [(now, e) for (e,) in ids])
            cur = self._db.executemany("DELETE FROM outbox WHERE event_id=? AND kind NOT IN "
                                       "('hit','audit')", ids)
            self._db.execute("COMMIT")
            self._db.execute("PRAGMA synchronous=FULL")
            if cur.rowcount:
                self._bytes = self._sum_bytes()

    def requeue_unacked(self, older_than_s: float, now: float | None = None) -> int:
        """Offer again hits and audit copies the platform has not acknowledged in time."""
        t = time.time() if now is None else now
        with self._lock:
            cur = self._db.execute("UPDATE outbox SET state='pending' WHERE state='sent' AND "
                                   "sent_at <= ?", (t - older_than_s,))
            return cur.rowcount

    def remove(self, event_ids: Iterable[str]) -> dict[str, str]:
        """Delete these messages whatever their state (central ack, purge); found id -> kind."""
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, str] = {}
        with self._lock:
            self._db.execute("BEGIN")
            for e in ids:
                row = self._db.execute("DELETE FROM outbox WHERE event_id=? RETURNING kind",
                                       (e,)).fetchone()
                if row is not None:
                    found[e] = str(row[0])
            self._db.execute("COMMIT")
            if found:
                self._bytes = self._sum_bytes()
        return found

    def purge_expired(self, now: float | None = None) -> int:
        """Delete messages past their time-to-live; returns how many."""
        t = time.time() if now is None else now
        with self._lock:
            cur = self._db.execute("DELETE FROM outbox WHERE expires <= ?", (t,))
            if cur.rowcount:
                self._bytes = self._sum_bytes()
            return cur.rowcount

    def count(self, state: str = "pending", kind: str | None = None) -> int:
        """Messages in a state (optionally of one kind)."""
        sql, args = "SELECT COUNT(*) FROM outbox WHERE state=?", [state]
        if kind is not None:
            sql, args = sql + " AND kind=?", [state, kind]
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return int(row[0])

    def oldest_pending_age(self, now: float | None = None) -> float | None:
        """Seconds since the oldest pending message was stored, or None when nothing waits."""
        t = time.time() if now is None else now
        with self._lock:
            row = self._db.execute("SELECT MIN(created) FROM outbox WHERE state='pending'"
                                   ).fetchone()
        return None if row[0] is None else max(0.0, t - float(row[0]))

    def size_bytes(self) -> int:
        """Payload bytes held."""
        with self._lock:
            return self._bytes

    def close(self) -> None:
        """Checkpoint and close."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()
