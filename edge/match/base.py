"""The matcher interface and the per-(camera, entry) de-duplication window."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from edge.types import Match, VehicleRead


@runtime_checkable
class Matcher(Protocol):
    """Looks a vehicle read up in the lists in force."""

    def match(self, vehicle: VehicleRead) -> Match | None:
        """The matching entry, or None: then the read is forgotten."""
        ...


class DedupWindow:
    """One hit per (camera, list, entry) within ``window_s`` seconds of monotonic time."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[tuple[str, str, str], float] = {}

    def admit(self, camera_id: str, match: Match) -> bool:
        """True the first time in the window; False for a repeat."""
        now = self._clock()
        # Expire lazily so the table stays as small as the number of recent hits.
        self._seen = {k: t for k, t in self._seen.items() if now - t < self.window_s}
        key = (camera_id, match.list_id, match.entry_ref)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True
