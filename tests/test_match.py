"""The plain plate list and the de-duplication window."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.config import BlacklistConfig, ListEntry
from edge.errors import BlacklistError
from edge.match import DedupWindow, PlainListMatcher, canonical_plate, read_plate_csv
from edge.types import Match
from tests.helpers import vehicle


def test_canonical_form_drops_separators_and_case() -> None:
    """Spaces, dashes and case do not matter."""
    assert canonical_plate(" ab-123 cd ") == "AB123CD"


@given(st.text(max_size=20))
def test_canonicalisation_is_idempotent(text: str) -> None:
    """Canonicalising twice changes nothing, and only A-Z0-9 remain."""
    once = canonical_plate(text)
    assert canonical_plate(once) == once
    assert all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" for c in once)


def test_listed_plate_matches_exactly(tmp_path: Path) -> None:
    """A read equal to a listed plate gives a Match with the list's identity."""
    csv = tmp_path / "l.csv"
    csv.write_text("plate,reference\nAB 123 CD,REF-9\n")
    m = PlainListMatcher.from_config(BlacklistConfig(list_id="l1", version=4, file=csv),
                                     tmp_path)
    got = m.match(vehicle("AB123CD"))
    assert got == Match("l1", 4, "REF-9", "stolen", "exact", "AB123CD")
    assert m.match(vehicle("AB123CE")) is None


def test_inline_entries_are_used() -> None:
    """Entries given in the config itself are matched."""
    cfg = BlacklistConfig(entries=[ListEntry(plate="ef456gh", reference="X")])
    assert PlainListMatcher.from_config(cfg, Path()).match(vehicle("EF456GH")) is not None


def test_bad_csv_line_is_named(tmp_path: Path) -> None:
    """A plate list with an invalid line is refused naming the file and line."""
    csv = tmp_path / "l.csv"
    csv.write_text("plate,reference\nAB123CD,R1\n-,R2\n")
    with pytest.raises(BlacklistError, match=r"l\.csv:3"):
        read_plate_csv(csv)


def test_csv_without_header_is_refused(tmp_path: Path) -> None:
    """The header must name the plate and reference columns."""
    csv = tmp_path / "l.csv"
    csv.write_text("AB123CD,R1\n")
    with pytest.raises(BlacklistError, match="header"):
        read_plate_csv(csv)


def test_dedup_admits_once_per_window() -> None:
    """The same entry on the same camera is admitted once per window, then again after."""
    now = [0.0]
    d = DedupWindow(60, clock=lambda: now[0])
    m = Match("l", 1, "R", "stolen", "exact", "AB123CD")
    assert d.admit("cam0", m)
    assert not d.admit("cam0", m)
    assert d.admit("cam1", m)
    now[0] = 61.0
    assert d.admit("cam0", m)


def test_plain_list_reads_the_signed_list_csv_layout(tmp_path: Path) -> None:
    """A CSV in the signed-list layout (plate,entry_ref,...) also loads as a plain list."""
    from edge.match.plainlist import read_plate_csv

    f = tmp_path / "list.csv"
    f.write_text("plate,entry_ref,priority\nab-123 cd,E-1,2\n", encoding="utf-8")
    assert read_plate_csv(f) == {"AB123CD": "E-1"}
