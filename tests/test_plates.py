"""Plate text rules: canonical form, Italian format, confusions, positional repair."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge.plates import (
    PlateKind,
    canonical_plate,
    classify,
    equivalents,
    italian_repairs,
    variants,
)

PLATE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@given(st.text(max_size=30))
def test_canonical_is_idempotent_and_clean(text: str) -> None:
    """Canonical text is A-Z/0-9 only and canonicalising twice changes nothing."""
    c = canonical_plate(text)
    assert canonical_plate(c) == c
    assert all(ch in PLATE_CHARS for ch in c)


@given(st.text(alphabet=PLATE_CHARS, min_size=2, max_size=10),
       st.lists(st.sampled_from(" -.·"), max_size=4))
def test_canonical_ignores_separators_and_case(plate: str, seps: list[str]) -> None:
    """Separators and lower case never change the canonical plate."""
    noisy = "".join(seps) + plate.lower() + "".join(seps)
    assert canonical_plate(noisy) == plate


def test_classify() -> None:
    """Italian LL DDD LL with issued letters; other valid plates are foreign."""
    assert classify("AB123CD") is PlateKind.ITALIAN
    assert classify("AB123CO") is PlateKind.FOREIGN  # O is never issued in Italy
    assert classify("M AB 1234".replace(" ", "")) is PlateKind.FOREIGN
    assert classify("A") is PlateKind.UNKNOWN


@given(st.text(alphabet=PLATE_CHARS, min_size=2, max_size=10))
def test_variants_differ_in_exactly_one_character(plate: str) -> None:
    """Every variant has the same length and differs in one position; the set is bounded."""
    vs = variants(plate)
    assert plate not in vs
    assert len(vs) <= 3 * len(plate)
    for v in vs:
        assert len(v) == len(plate)
        assert sum(a != b for a, b in zip(v, plate, strict=True)) == 1


def test_variants_follow_the_confusion_classes() -> None:
    """8 and B are confusable; A and X are not."""
    assert "AB123CD" in variants("A8123CD")
    assert "XB123CD" not in variants("AB123CD")


def test_variants_of_an_italian_plate_keep_the_format() -> None:
    """On a valid Italian plate a letter slot stays a letter and a digit slot a digit."""
    vs = variants("AB123CD")
    assert "AB128CD" in vs and "AB123GD" in vs
    assert "A8123CD" not in vs and "AB1Z3CD" not in vs


def test_italian_repair_by_position() -> None:
    """A digit in a letter slot becomes a letter and vice versa, only where certain."""
    assert italian_repairs("A8I23C0") == ["AB123CD", "AB723CD"]
    assert italian_repairs("AB123CD") == []  # already valid
    assert italian_repairs("AB1X3CD") == []  # X in a digit slot: format not certain
    assert italian_repairs("AB12CD") == []  # wrong length


@given(st.text(alphabet=PLATE_CHARS, min_size=7, max_size=7))
def test_repairs_are_valid_italian_plates(text: str) -> None:
    """Whatever a repair yields is a valid Italian plate."""
    for r in italian_repairs(text):
        assert classify(r) is PlateKind.ITALIAN


@given(st.text(alphabet=PLATE_CHARS, min_size=2, max_size=10))
def test_equivalents_are_repairs_then_variants(text: str) -> None:
    """The matcher's fused generator yields exactly the repairs and the variants."""
    assert equivalents(text) == italian_repairs(text) + variants(text)


def test_format_check_keeps_plates_and_drops_non_plates() -> None:
    """The vote's format check canonicalises plates and rejects what cannot be one."""
    from edge.plates import format_check

    assert format_check("ab 123-cd") == "AB123CD"
    assert format_check("DW290KB") == "DW290KB"
    assert format_check("A") == ""
    assert format_check("ABCDEFGHJKLM") == ""
