"""The binary payload of a list: a snapshot (every entry) or a delta (adds and removals).

Layout, little-endian, columnar so that a million entries parse with a few
numpy calls and no per-entry Python objects::

    header   "ANBL" | format u8 | kind u8 (0 snapshot, 1 delta) | storage u8 (0 clear,
             1 hmac) | reserved u8 | n_add u32 | n_remove u32                 (16 bytes)
    adds     keys | priority u8 * n | expires u32 * n (epoch s, 0 = never)
             | ref_len u8 * n | ref bytes (UTF-8, concatenated)
    removes  keys
    keys     hmac:  n * 16 bytes (HMAC-SHA256 of the canonical plate, first 128 bits)
             clear: len u8 * n | ASCII plates concatenated

Keys are strictly ascending within a section (bytes order), so a payload has no
duplicates and the node can build its index without sorting.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from edge.errors import ListRefusedError
from edge.plates import is_valid_plate

MAGIC = b"ANBL"
FORMAT = 1
HASH_LEN = 16
HEADER = struct.Struct("<4sBBBBII")
Kind = Literal["snapshot", "delta"]
Storage = Literal["clear", "hmac"]
_KINDS: tuple[Kind, Kind] = ("snapshot", "delta")
_STORAGES: tuple[Storage, Storage] = ("clear", "hmac")
U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Keys:
    """Entry keys: ``hi``/``lo`` halves of the 128-bit hashes, or clear ``plates``."""

    hi: U64 = field(default_factory=lambda: np.zeros(0, np.uint64))
    lo: U64 = field(default_factory=lambda: np.zeros(0, np.uint64))
    plates: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.plates) if self.plates else len(self.hi)


@dataclass(frozen=True, slots=True)
class Entries:
    """Entry columns: ``refs[ref_start[i]:ref_start[i] + ref_len[i]]`` is entry i's reference."""

    keys: Keys
    priority: U8
    expires: U32
    ref_start: U32
    ref_len: U8
    refs: bytes

    def __len__(self) -> int:
        return len(self.priority)

    def ref(self, row: int) -> str:
        """The opaque entry reference of ``row``."""
        s = int(self.ref_start[row])
        return self.refs[s:s + int(self.ref_len[row])].decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Payload:
    """A parsed payload."""

    kind: Kind
    storage: Storage
    adds: Entries
    removes: Keys


@dataclass(frozen=True, slots=True)
class Row:
    """One entry as the builder gives it: ``key`` is a digest (hmac) or a plate (clear)."""

    key: bytes | str
    entry_ref: str
    priority: int = 0
    expires: int = 0


def _sort_key(key: bytes | str) -> bytes:
    return key if isinstance(key, bytes) else key.encode("ascii")


def _encode_keys(storage: Storage, keys: list[bytes | str]) -> bytes:
    if storage == "hmac":
        if any(not isinstance(k, bytes) or len(k) != HASH_LEN for k in keys):
            raise ValueError(f"hmac keys must be {HASH_LEN}-byte digests")
        return b"".join(k for k in keys if isinstance(k, bytes))
    plates = [k.encode("ascii") if isinstance(k, str) else k for k in keys]
    return bytes(len(p) for p in plates) + b"".join(plates)


def encode(kind: Kind, storage: Storage, adds: list[Row],
           removes: list[bytes | str] | None = None) -> bytes:
    """Serialise rows into a payload (sorted here; duplicate keys are an error)."""
    rows = sorted(adds, key=lambda r: _sort_key(r.key))
    gone = sorted(removes or [], key=_sort_key)
    for seq in ([_sort_key(r.key) for r in rows], [_sort_key(k) for k in gone]):
        if any(a == b for a, b in itertools.pairwise(seq)):
            raise ValueError("duplicate key in payload")
    if kind == "snapshot" and gone:
        raise ValueError("a snapshot has no removals")
    refs = [r.entry_ref.encode("utf-8") for r in rows]
    if any(not 1 <= len(b) <= 255 for b in refs):
        raise ValueError("entry references must be 1 to 255 bytes")
    head = HEADER.pack(MAGIC, FORMAT, _KINDS.index(kind), _STORAGES.index(storage), 0,
                        len(rows), len(gone))
    return b"".join([
        head, _encode_keys(storage, [r.key for r in rows]),
        np.array([r.priority for r in rows], np.uint8).tobytes(),
        np.array([r.expires for r in rows], "<u4").tobytes(),
        bytes(len(b) for b in refs), b"".join(refs),
        _encode_keys(storage, list(gone)),
    ])


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ListRefusedError("malformed_payload", "truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def array(self, dtype: str, n: int) -> npt.NDArray[np.generic]:
        size = np.dtype(dtype).itemsize * n
        return np.frombuffer(self.take(size), dtype=dtype, count=n)


def _read_keys(r: _Reader, storage: Storage, n: int) -> Keys:
    if storage == "hmac":
        both = r.array(">u8", 2 * n).reshape(n, 2)
        hi = both[:, 0].astype(np.uint64)
        lo = both[:, 1].astype(np.uint64)
        ascending = (hi[1:] > hi[:-1]) | ((hi[1:] == hi[:-1]) & (lo[1:] > lo[:-1]))
        if not bool(np.all(ascending)):
            raise ListRefusedError("malformed_payload", "hashed keys not strictly ascending")
        return Keys(hi=hi, lo=lo)
    lengths = r.array("u1", n)
    blob = r.take(int(lengths.sum()))
    try:
        text = blob.decode("ascii")
    except UnicodeDecodeError:
        raise ListRefusedError("malformed_payload", "clear plate is not ASCII") from None
    ends = np.cumsum(lengths, dtype=np.int64)
    plates = tuple(text[int(e - n_):int(e)] for e, n_ in zip(ends, lengths, strict=True))
    if not all(is_valid_plate(p) for p in plates):
        raise ListRefusedError("malformed_payload", "clear plate not in canonical form")
    if any(a >= b for a, b in itertools.pairwise(plates)):
        raise ListRefusedError("malformed_payload", "clear plates not strictly ascending")
    return Keys(plates=plates)


def decode(data: bytes) -> Payload:
    """Parse and validate a payload; ListRefusedError('malformed_payload') on any defect."""
    if len(data) < HEADER.size:
        raise ListRefusedError("malformed_payload", "shorter than the header")
    magic, fmt, kind, storage, _, n_add, n_rem = HEADER.unpack_from(data)
    if magic != MAGIC or fmt != FORMAT or kind > 1 or storage > 1:
        raise ListRefusedError("malformed_payload", "bad header")
    if kind == 0 and n_rem:
        raise ListRefusedError("malformed_payload", "a snapshot with removals")
    st = _STORAGES[storage]
    r = _Reader(data)
    r.pos = HEADER.size
    keys = _read_keys(r, st, n_add)
    priority = r.array("u1", n_add).astype(np.uint8)
    expires = r.array("<u4", n_add).astype(np.uint32)
    ref_len = r.array("u1", n_add).astype(np.uint8)
    if n_add and int(ref_len.min()) == 0:
        raise ListRefusedError("malformed_payload", "empty entry reference")
    ends = np.cumsum(ref_len, dtype=np.uint64)
    refs = r.take(int(ends[-1]) if n_add else 0)
    try:
        refs.decode("utf-8")
    except UnicodeDecodeError:
        raise ListRefusedError("malformed_payload", "entry references are not UTF-8") from None
    removes = _read_keys(r, st, n_rem)
    if r.pos != len(data):
        raise ListRefusedError("malformed_payload", "trailing bytes")
    starts = (ends - ref_len).astype(np.uint32)
    return Payload(_KINDS[kind], st, Entries(keys, priority, expires, starts, ref_len, refs),
                   removes)
