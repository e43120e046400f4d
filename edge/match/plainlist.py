"""A plain, in-clear plate list from config or a CSV file (``plate,reference``)."""

from __future__ import annotations

import csv
from pathlib import Path

from edge.config import BlacklistConfig, resolve_path
from edge.errors import BlacklistError
from edge.match.canonical import canonical_plate
from edge.types import Match, VehicleRead


def read_plate_csv(path: Path) -> dict[str, str]:
    """Canonical plate -> entry reference; BlacklistError naming the bad line."""
    entries: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields = set(reader.fieldnames or ())
            # 'entry_ref' is the signed-list CSV's name for the column: one CSV serves both.
            ref_col = "entry_ref" if "entry_ref" in fields else "reference"
            if not {"plate", ref_col} <= fields:
                raise BlacklistError(f"{path}: header must contain 'plate,reference' "
                                     "(or 'plate,entry_ref')")
            for lineno, row in enumerate(reader, start=2):
                plate = canonical_plate(row.get("plate") or "")
                ref = (row.get(ref_col) or "").strip()
                if not 2 <= len(plate) <= 10 or not ref:
                    raise BlacklistError(f"{path}:{lineno}: bad plate or empty reference")
                entries[plate] = ref
    except FileNotFoundError:
        raise BlacklistError(f"plate list not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise BlacklistError(f"{path}: not UTF-8 text ({exc})") from None
    return entries


class PlainListMatcher:
    """Exact match of the voted text against a list held in clear in memory."""

    def __init__(self, list_id: str, version: int, purpose: str,
                 entries: dict[str, str]) -> None:
        self.list_id = list_id
        self.version = version
        self.purpose = purpose
        self._entries = dict(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_config(cls, config: BlacklistConfig, base: Path) -> PlainListMatcher:
        """Entries from ``entries`` in config plus the optional CSV file."""
        entries: dict[str, str] = {}
        if config.file is not None:
            entries.update(read_plate_csv(resolve_path(base, config.file)))
        for e in config.entries:
            entries[canonical_plate(e.plate)] = e.reference
        return cls(config.list_id, config.version, config.purpose, entries)

    def match(self, vehicle: VehicleRead) -> Match | None:
        """Exact match of the canonical voted text."""
        text = canonical_plate(vehicle.text)
        ref = self._entries.get(text)
        if ref is None:
            return None
        return Match(self.list_id, self.version, ref, self.purpose, "exact", text)
