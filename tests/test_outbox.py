"""The durable outbox on its own: states, time-to-live, byte budget, acks and purges."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edge.publish.outbox import MAX_TTL_S, Outbox, OutboxFullError

T0 = 1_800_000_000.0


def _box(tmp_path: Path, max_bytes: int = 1 << 20, ttl_s: float = 3600) -> Outbox:
    return Outbox(tmp_path / "o.sqlite3", ttl_s=ttl_s, max_bytes=max_bytes)


def test_pending_is_in_commit_order(tmp_path: Path) -> None:
    """Messages come out oldest first, whatever their kind."""
    box = _box(tmp_path)
    for i in range(5):
        box.put(f"e{i}", "t", b"x", kind="hit" if i % 2 else "health", now=T0 + i)
    assert [i.event_id for i in box.pending(10, now=T0)] == ["e0", "e1", "e2", "e3", "e4"]


def test_expired_events_are_never_offered_and_are_purged(tmp_path: Path) -> None:
    """Past its time-to-live a hit is not offered again and is deleted by the purge."""
    box = _box(tmp_path, ttl_s=60)
    box.put("old", "t", b"x", now=T0)
    box.put("new", "t", b"x", now=T0 + 50)
    assert [i.event_id for i in box.pending(10, now=T0 + 61)] == ["new"]
    assert box.purge_expired(now=T0 + 61) == 1
    assert box.count("pending") == 1


def test_ttl_is_capped_at_seven_days(tmp_path: Path) -> None:
    """No message outlives the 7-day hard limit, whatever TTL is asked."""
    box = _box(tmp_path, ttl_s=30 * 24 * 3600)
    box.put("e", "t", b"x", ttl_s=1e9, now=T0)
    assert box.pending(1, now=T0)[0].expires == T0 + MAX_TTL_S


def test_puback_keeps_hits_until_the_central_ack(tmp_path: Path) -> None:
    """After PUBACK a hit waits as 'sent' (health goes at once); the ack deletes it."""
    box = _box(tmp_path)
    box.put("h", "t", b"hit")
    box.put("s", "t", b"health", kind="health")
    box.mark_sent(["h", "s"])
    assert box.count("sent") == 1 and box.count("pending") == 0
    assert box.remove(["h", "unknown"]) == {"h": "hit"}
    assert box.count("sent") == 0 and box.size_bytes() == 0


def test_full_budget_evicts_counters_then_health_then_audit(tmp_path: Path) -> None:
    """A hit that does not fit pushes out counters first, then health, then audit copies."""
    box = _box(tmp_path, max_bytes=1000)
    box.put("c1", "t", b"c" * 200, kind="counters", now=T0)
    box.put("h1", "t", b"h" * 200, kind="health", now=T0 + 1)
    box.put("a1", "t", b"a" * 200, kind="audit", now=T0 + 2)
    box.put("x1", "t", b"x" * 300, kind="hit", now=T0 + 3)
    box.put("x2", "t", b"x" * 150, kind="hit", now=T0 + 4)
    assert [i.event_id for i in box.pending(10, now=T0)] == ["h1", "a1", "x1", "x2"]
    box.put("x3", "t", b"x" * 300, kind="hit", now=T0 + 5)
    assert [i.event_id for i in box.pending(10, now=T0)] == ["a1", "x1", "x2", "x3"]
    box.put("x4", "t", b"x" * 100, kind="hit", now=T0 + 6)
    assert [i.event_id for i in box.pending(10, now=T0)] == ["x1", "x2", "x3", "x4"]
    assert box.size_bytes() <= 1000


def test_hits_are_never_evicted_a_new_hit_is_refused(tmp_path: Path) -> None:
    """With the budget spent on live hits, a new hit is refused and no hit is dropped."""
    box = _box(tmp_path, max_bytes=1000)
    for i in range(3):
        box.put(f"x{i}", "t", b"x" * 300, now=T0 + i)
    with pytest.raises(OutboxFullError, match="outbox full"):
        box.put("x9", "t", b"x" * 300, now=T0 + 9)
    assert box.count("pending") == 3


def test_health_never_evicts_a_hit(tmp_path: Path) -> None:
    """Health that does not fit is refused rather than taking a hit's place."""
    box = _box(tmp_path, max_bytes=1000)
    box.put("x", "t", b"x" * 900, now=T0)
    with pytest.raises(OutboxFullError):
        box.put("h", "t", b"h" * 200, kind="health", now=T0 + 1)
    assert box.count("pending", kind="hit") == 1


def test_expired_hits_make_room(tmp_path: Path) -> None:
    """Hits past their time-to-live are dropped to make room for a new one."""
    box = _box(tmp_path, max_bytes=1000, ttl_s=60)
    box.put("old", "t", b"x" * 900, now=T0)
    box.put("new", "t", b"x" * 900, now=T0 + 61)
    assert [i.event_id for i in box.pending(5, now=T0 + 61)] == ["new"]


def test_state_survives_reopening(tmp_path: Path) -> None:
    """A reopened outbox has the same messages, states and byte count."""
    box = _box(tmp_path)
    box.put("a", "t", b"12345")
    box.put("b", "t", b"123")
    box.mark_sent(["a"])
    box.close()
    again = _box(tmp_path)
    assert again.count("sent") == 1 and again.count("pending") == 1
    assert again.size_bytes() == 8
    assert again.oldest_pending_age() is not None


def test_unacknowledged_hits_are_offered_again(tmp_path: Path) -> None:
    """A hit sent but never acknowledged goes back to pending after the resend delay."""
    box = _box(tmp_path)
    box.put("h", "t", b"x")
    box.mark_sent(["h"])
    assert box.requeue_unacked(900) == 0
    assert box.requeue_unacked(900, now=time.time() + 901) == 1
    assert [i.event_id for i in box.pending(5)] == ["h"]
