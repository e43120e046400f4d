"""The list payload format: round trips, and a parser that only ever refuses cleanly."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import ListRefusedError
from edge.match.hotlist.build import CsvEntry, build_payload
from edge.match.hotlist.index import ListIndex, PlateHasher
from edge.match.hotlist.payload import Row, decode, encode

PLATES = st.text(alphabet="ABCDEFGHJKLMNPRSTVWXYZ0123456789", min_size=2, max_size=10)
ROWS = st.dictionaries(PLATES, st.tuples(st.text(min_size=1, max_size=20).filter(
    lambda s: len(s.encode()) <= 255), st.integers(0, 255), st.integers(0, 2**32 - 1)),
    max_size=30)


@given(ROWS, st.booleans())
def test_snapshot_round_trip(rows: dict[str, tuple[str, int, int]], hashed: bool) -> None:
    """Every entry encoded is found again with its reference, priority and expiry."""
    hasher = PlateHasher(b"k" * 32)
    data = encode("snapshot", "hmac" if hashed else "clear",
                  [Row(hasher.digest(p) if hashed else p, *v) for p, v in rows.items()])
    index = ListIndex.from_snapshot(decode(data))
    plates = list(rows)
    found = (index.find_hashed(hasher.digests(plates)).tolist() if hashed
             else index.find_clear(plates))
    for p, row in zip(plates, found, strict=True):
        assert row >= 0
        assert (index.entries.ref(row), int(index.entries.priority[row]),
                int(index.entries.expires[row])) == rows[p]
    assert decode(index.to_payload()).adds.refs == decode(data).adds.refs


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_parser_refuses_garbage_cleanly(data: bytes) -> None:
    """Random bytes never crash the parser: they parse or raise ListRefusedError."""
    try:
        decode(b"ANBL\x01" + data)
    except ListRefusedError as exc:
        assert exc.reason == "malformed_payload"


@given(st.data())
def test_parser_refuses_any_truncation(data: st.DataObject) -> None:
    """Cutting a valid payload anywhere is refused as malformed."""
    payload = encode("snapshot", "clear", [Row("AB123CD", "R1"), Row("ZZ999ZZ", "R2")])
    cut = data.draw(st.integers(0, len(payload) - 1))
    with pytest.raises(ListRefusedError, match="malformed_payload"):
        decode(payload[:cut])


def test_unsorted_hashed_keys_are_refused() -> None:
    """Keys out of order (or repeated) are refused: the index relies on their order."""
    a, b = hashlib.sha256(b"a").digest()[:16], hashlib.sha256(b"b").digest()[:16]
    good = encode("snapshot", "hmac", [Row(a, "R1"), Row(b, "R2")])
    lo, hi = sorted([a, b])
    swapped = good.replace(lo + hi, hi + lo)
    with pytest.raises(ListRefusedError, match="ascending"):
        decode(swapped)


@given(st.binary(min_size=1, max_size=100), PLATES)
def test_plate_hasher_is_hmac_sha256(key: bytes, plate: str) -> None:
    """The fast hasher gives exactly the first 128 bits of HMAC-SHA256 (RFC 2104)."""
    assert PlateHasher(key).digest(plate) == hmac.new(key, plate.encode(), "sha256").digest()[:16]


ENTRIES = st.dictionaries(PLATES, st.sampled_from(["R1", "R2", "R3"]), max_size=15)


@given(ENTRIES, ENTRIES, st.booleans())
def test_delta_turns_the_old_list_into_the_new(old: dict[str, str], new: dict[str, str],
                                               hashed: bool) -> None:
    """Applying build_payload's delta to the old index gives exactly the new list."""
    hasher = PlateHasher(b"k" * 32) if hashed else None
    rows = [CsvEntry(p, r, 0, 0) for p, r in old.items()]
    new_rows = [CsvEntry(p, r, 0, 0) for p, r in new.items()]
    index = ListIndex.from_snapshot(decode(build_payload(rows, hasher)[1]))
    index = index.apply_delta(decode(build_payload(new_rows, hasher, rows)[1]))
    assert len(index) == len(new)
    probe = sorted(set(old) | set(new))
    found = (index.find_hashed(hasher.digests(probe)).tolist() if hasher
             else index.find_clear(probe))
    got = {p: index.entries.ref(r) for p, r in zip(probe, found, strict=True) if r >= 0}
    assert got == new


def test_keys_sharing_their_high_half_are_told_apart() -> None:
    """Keys equal in their first 64 bits are found by their low half, also after a delta."""
    hi = b"\x11" * 8
    a, b, c = hi + b"\x02" * 8, hi + b"\x04" * 8, hi + b"\x03" * 8
    index = ListIndex.from_snapshot(decode(encode("snapshot", "hmac", [Row(a, "A"), Row(b, "B")])))
    index = index.apply_delta(decode(encode("delta", "hmac", [Row(c, "C")], [a])))
    rows = index.find_hashed(a + b + c).tolist()
    assert rows[0] == -1
    assert [index.entries.ref(r) for r in rows[1:]] == ["B", "C"]
    assert len(decode(index.to_payload()).adds) == 2  # still strictly ascending
