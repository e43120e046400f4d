"""The in-memory index of one installed list.

Hashed lists keep their 128-bit keys as two sorted uint64 columns and answer a
batch of queries with one vectorised ``np.searchsorted`` (about 35 bytes per
entry in all, no per-entry Python objects). Clear lists are small and use a
dict. An index is never changed in place: a delta builds a new one, so matcher
threads keep reading the old index until the new one is swapped in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.errors import ListRefusedError
from edge.match.hotlist.payload import (
    FORMAT,
    HASH_LEN,
    HEADER,
    MAGIC,
    Entries,
    Keys,
    Payload,
    Row,
    Storage,
    decode,
    encode,
)

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


class PlateHasher:
    """HMAC-SHA256 of canonical plates, truncated to 128 bits, with the key set up once."""

    def __init__(self, key: bytes) -> None:
        # HMAC by its definition (RFC 2104) with both padded-key blocks hashed once:
        # per plate only two state copies and two short updates remain (the hot path).
        k0 = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in k0))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in k0))

    def digest(self, plate: str) -> bytes:
        """The 16-byte key of one plate."""
        return self.digests([plate])

    def digests(self, plates: list[str]) -> bytes:
        """The 16-byte keys of many plates, concatenated."""
        full = np.frombuffer(self._full(plates), np.uint8).reshape(-1, 32)
        return full[:, :HASH_LEN].tobytes()

    def keys(self, plates: list[str]) -> tuple[U64, npt.NDArray[np.generic]]:
        """The keys of many plates as (hi, lo) columns: the lookup's input.

        ``lo`` stays a big-endian view: it is only read for the rare high-half matches.
        """
        words = np.frombuffer(self._full(plates), ">u8")
        return words[::4].astype(np.uint64), words[1::4]

    def _full(self, plates: list[str]) -> bytes:
        # The hot path of matching: kept to the fewest calls per plate.
        icopy, ocopy = self._inner.copy, self._outer.copy
        out: list[bytes] = []
        append = out.append
        for p in plates:
            i = icopy()
            i.update(p.encode())
            o = ocopy()
            o.update(i.digest())
            append(o.digest())
        return b"".join(out)


def split_digests(digests: bytes) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Concatenated 16-byte digests -> (hi, lo) uint64 columns."""
    both = np.frombuffer(digests, dtype=">u8").reshape(-1, 2)
    return both[:, 0].astype(np.uint64), both[:, 1].astype(np.uint64)


@dataclass(frozen=True, slots=True)
class ListIndex:
    """Entries of one list and the means to find a key among them."""

    storage: Storage
    entries: Entries
    clear_rows: dict[str, int]

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_snapshot(cls, payload: Payload) -> ListIndex:
        """Index a snapshot payload as it is (its keys are already sorted)."""
        if payload.kind != "snapshot":
            raise ListRefusedError("malformed_payload", "not a snapshot")
        plates = payload.adds.keys.plates
        return cls(payload.storage, payload.adds, {p: i for i, p in enumerate(plates)})

    def find_hashed(self, digests: bytes) -> I64:
        """Row of each 16-byte digest in ``digests``, or -1."""
        q_hi, q_lo = split_digests(digests)
        rows = np.full(len(q_hi), -1, np.int64)
        for i, row in self.hits(q_hi, q_lo):
            rows[i] = row
        return rows

    def hits(self, q_hi: U64, q_lo: npt.NDArray[np.generic]) -> list[tuple[int, int]]:
        """(query index, row) of each query key found, in query order."""
        keys = self.entries.keys
        n = len(keys.hi)
        if n == 0:
            return []
        pos = keys.hi.searchsorted(q_hi)
        out: list[tuple[int, int]] = []
        # Almost every query misses on the high half; only the rest look further.
        for i in (keys.hi.take(pos, mode="clip") == q_hi).nonzero()[0].tolist():
            j = min(int(pos[i]), n - 1)
            # Keys may share their high half (about 1 in 10^7 lists of a million).
            while j < n and keys.hi[j] == q_hi[i]:
                if keys.lo[j] == q_lo[i]:
                    out.append((i, j))
                    break
                j += 1
        return out

    def find_clear(self, plates: list[str]) -> list[int]:
        """Row of each clear plate, or -1."""
        get = self.clear_rows.get
        return [get(p, -1) for p in plates]

    def apply_delta(self, delta: Payload) -> ListIndex:
        """A new index with the delta's removals and additions (an add replaces)."""
        if delta.kind != "delta" or delta.storage != self.storage:
            raise ListRefusedError("malformed_payload", "delta of another storage kind")
        if self.storage == "clear":
            return self._apply_clear(delta)
        e, keys = self.entries, self.entries.keys
        gone = np.concatenate([self._rows(delta.removes), self._rows(delta.adds.keys)])
        keep = np.ones(len(e), bool)
        keep[gone[gone >= 0]] = False
        hi, lo = keys.hi[keep], keys.lo[keep]
        add = delta.adds
        pos = np.searchsorted(hi, add.keys.hi)
        # Ties on the high half: step past smaller low halves (rare).
        for i in np.nonzero(pos < len(hi))[0]:
            while pos[i] < len(hi) and hi[pos[i]] == add.keys.hi[i] and lo[pos[i]] < add.keys.lo[i]:
                pos[i] += 1
        base = len(e.refs)
        new = Entries(
            Keys(hi=np.insert(hi, pos, add.keys.hi), lo=np.insert(lo, pos, add.keys.lo)),
            np.insert(e.priority[keep], pos, add.priority),
            np.insert(e.expires[keep], pos, add.expires),
            np.insert(e.ref_start[keep], pos, (add.ref_start + base).astype(np.uint32)),
            np.insert(e.ref_len[keep], pos, add.ref_len),
            e.refs + add.refs,
        )
        return ListIndex("hmac", new, {})

    def _rows(self, keys: Keys) -> I64:
        if len(keys.hi) == 0:
            return np.zeros(0, np.int64)
        packed = np.stack([keys.hi, keys.lo], axis=1).astype(">u8").tobytes()
        return self.find_hashed(packed)

    def _apply_clear(self, delta: Payload) -> ListIndex:
        rows = {p: self._row(i) for p, i in self.clear_rows.items()}
        for p in delta.removes.plates:
            rows.pop(p, None)
        add = delta.adds
        for i, p in enumerate(add.keys.plates):
            rows[p] = Row(p, add.ref(i), int(add.priority[i]), int(add.expires[i]))
        return ListIndex.from_snapshot(decode(encode("snapshot", "clear", list(rows.values()))))

    def _row(self, i: int) -> Row:
        e = self.entries
        key: bytes | str
        if self.storage == "clear":
            key = e.keys.plates[i]
        else:
            key = (np.array([e.keys.hi[i], e.keys.lo[i]], ">u8")).tobytes()
        return Row(key, e.ref(i), int(e.priority[i]), int(e.expires[i]))

    def to_payload(self) -> bytes:
        """This index as a compact snapshot payload (what the store keeps on disk)."""
        e = self.entries
        if self.storage == "clear":
            return encode("snapshot", "clear", [self._row(i) for i in range(len(e))])
        n = len(e)
        lens = e.ref_len.astype(np.int64)
        total = int(lens.sum())
        # Gather every entry's reference bytes into one compact blob, vectorised.
        starts = np.repeat(e.ref_start.astype(np.int64), lens)
        offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        blob = np.frombuffer(e.refs, np.uint8)[starts + offs].tobytes()
        return b"".join([
            HEADER.pack(MAGIC, FORMAT, 0, 1, 0, n, 0),
            np.stack([e.keys.hi, e.keys.lo], axis=1).astype(">u8").tobytes(),
            e.priority.tobytes(), e.expires.astype("<u4").tobytes(),
            e.ref_len.tobytes(), blob,
        ])

