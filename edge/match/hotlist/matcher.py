"""OCR-aware matching against the installed signed lists (clear or hashed alike).

For a vehicle read the matcher takes up to three candidate texts, then every
OCR-equivalent text (Italian positional repairs, then one confusable character
at a time), and looks the whole batch up in each list at once. Exact hits on a
candidate win over equivalents; earlier candidates win over later ones. Only
texts are compared, never distances: a hashed list can answer "is this exact
text listed?" and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edge.match.base import Matcher
from edge.match.canonical import canonical_plate
from edge.match.hotlist.index import U64, ListIndex, PlateHasher
from edge.match.hotlist.manifest import Manifest
from edge.plates import equivalents, italian_repairs, variants
from edge.types import Match, VehicleRead

TOP_CANDIDATES = 3


@dataclass(frozen=True, slots=True)
class InstalledList:
    """A list in force: its manifest, its index, and when it was installed (wall time)."""

    manifest: Manifest
    index: ListIndex
    installed_at: float


@dataclass(frozen=True, slots=True)
class SkipRule:
    """A known false alert at this node: an entry, optionally only for one read text."""

    list_id: str
    entry_ref: str
    plate: str | None = None


def candidate_texts(vehicle: VehicleRead, top: int = TOP_CANDIDATES) -> list[str]:
    """Up to ``top`` distinct canonical texts, the voted text first."""
    out: list[str] = []
    for text in (vehicle.text, *(c.text for c in vehicle.candidates)):
        t = canonical_plate(text)
        if t and t not in out:
            out.append(t)
        if len(out) == top:
            break
    return out


def lookup_texts(cands: Sequence[str]) -> list[str]:
    """Candidates, then each one's Italian repairs and one-confusion variants, no repeats."""
    texts = list(cands)
    for c in cands:
        texts += equivalents(c)
    return list(dict.fromkeys(texts))


def origin_of(text: str, cands: Sequence[str]) -> int:
    """Index of the first candidate that ``text`` is, or is equivalent to."""
    for ci, c in enumerate(cands):
        if text == c or text in italian_repairs(c) or text in variants(c):
            return ci
    return 0


class HotlistMatcher:
    """A Matcher over the lists that ``lists()`` returns at the moment of each call."""

    def __init__(self, lists: Callable[[], Mapping[str, InstalledList]],
                 hashers: Mapping[str, PlateHasher], skip: Sequence[SkipRule] = (),
                 clock: Callable[[], float] = time.time) -> None:
        self._lists = lists
        self._hashers = dict(hashers)
        self._skip = {(s.list_id, s.entry_ref, s.plate) for s in skip}
        self._clock = clock

    def match(self, vehicle: VehicleRead) -> Match | None:
        """The best hit over every list in force, or None."""
        installed = self._lists()
        if not installed:
            return None
        cands = candidate_texts(vehicle)
        if not cands:
            return None
        texts = lookup_texts(cands)
        digests: dict[str, tuple[U64, NDArray[np.generic]]] = {}
        best: tuple[int, Match] | None = None
        for lst in installed.values():
            found = self._find(lst, texts, cands, digests)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is None:
            return None
        k, m = best
        if k < len(cands):
            return m
        ci = origin_of(texts[k], cands)
        return _as_equivalent(m, ci, cands[ci])

    def _find(self, lst: InstalledList, texts: list[str], cands: list[str],
              digests: dict[str, tuple[U64, NDArray[np.generic]]]) -> tuple[int, Match] | None:
        man, index = lst.manifest, lst.index
        if man.storage == "hmac":
            kid = man.hmac_key_id or ""
            hasher = self._hashers.get(kid)
            if hasher is None:
                return None
            if kid not in digests:
                digests[kid] = hasher.keys(texts)
            hits = index.hits(*digests[kid])
        else:
            hits = [(k, r) for k, r in enumerate(index.find_clear(texts)) if r >= 0]
        now = self._clock()
        for k, row in hits:
            expires = int(index.entries.expires[row])
            if expires and expires < now:
                continue
            ref = index.entries.ref(row)
            skip = self._skip
            if (man.list_id, ref, None) in skip or (
                    skip and (man.list_id, ref, cands[origin_of(texts[k], cands)]) in skip):
                continue  # a known false alert at this node
            return k, Match(man.list_id, man.version, ref, man.purpose, "exact", texts[k],
                            candidate_index=k, listed_text=texts[k],
                            priority=int(index.entries.priority[row]))
        return None


def _as_equivalent(m: Match, candidate: int, read: str) -> Match:
    return Match(m.list_id, m.list_version, m.entry_ref, m.purpose, "ocr_equivalent", read,
                 candidate_index=candidate, listed_text=m.listed_text, priority=m.priority)


class CompositeMatcher:
    """Several matchers as one: an exact hit anywhere beats an OCR-equivalent one."""

    def __init__(self, matchers: Sequence[Matcher]) -> None:
        self._matchers = tuple(matchers)

    def match(self, vehicle: VehicleRead) -> Match | None:
        """The first exact match, else the first match of any kind."""
        fallback: Match | None = None
        for m in self._matchers:
            found = m.match(vehicle)
            if found is not None and found.match_type == "exact":
                return found
            fallback = fallback or found
        return fallback
