"""Plate text rules: canonical form, Italian format, OCR confusions and their variants.

Pure functions, shared by the central-side list builder and the node's matcher,
so that a list entry and a read are always put in the same form before they
are compared or hashed.
"""

from __future__ import annotations

import itertools
import math
import re
from enum import Enum

from edge.match.canonical import canonical_plate

__all__ = [
    "CONFUSION_CLASSES",
    "PlateKind",
    "canonical_plate",
    "classify",
    "confusables",
    "equivalents",
    "format_check",
    "is_valid_plate",
    "italian_repairs",
    "variants",
]

MIN_LEN, MAX_LEN = 2, 10
_VALID = re.compile(r"^[A-Z0-9]{2,10}$")
# Italian car plates since 1994: LL DDD LL; I, O, Q and U are never issued.
_IT_LETTER = "ABCDEFGHJKLMNPRSTVWXYZ"
_ITALIAN = re.compile(rf"^[{_IT_LETTER}]{{2}}[0-9]{{3}}[{_IT_LETTER}]{{2}}$")
_IT_SLOTS = "LLDDDLL"

CONFUSION_CLASSES: tuple[str, ...] = (
    "0ODQ", "1IL7", "8B3", "5S", "2Z", "6G", "CG", "FE", "MNWH", "YV", "UV", "PR", "KX", "4A",
)
"""Groups of characters an OCR mistakes for one another (domain brief, section 2)."""


def _alternates() -> dict[str, tuple[str, ...]]:
    table: dict[str, set[str]] = {}
    for group in CONFUSION_CLASSES:
        for ch in group:
            table.setdefault(ch, set()).update(c for c in group if c != ch)
    return {ch: tuple(sorted(alts)) for ch, alts in table.items()}


_ALT: dict[str, tuple[str, ...]] = _alternates()
# In a letter slot of an Italian plate a digit (or a letter never issued) can only be
# these letters; in a digit slot a letter can only be these digits.
_TO_LETTER: dict[str, tuple[str, ...]] = {
    ch: tuple(a for a in (ch, *_ALT.get(ch, ())) if a in _IT_LETTER)
    for ch in "0123456789IOQU"
}
_TO_DIGIT: dict[str, tuple[str, ...]] = {
    ch: tuple(a for a in _ALT.get(ch, ()) if a.isdigit()) for ch in _ALT if not ch.isdigit()
}
MAX_REPAIRS = 8


class PlateKind(Enum):
    """What a canonical read looks like."""

    ITALIAN = "italian"
    FOREIGN = "foreign"
    UNKNOWN = "unknown"


def is_valid_plate(text: str) -> bool:
    """True for a canonical plate of 2 to 10 characters A-Z, 0-9."""
    return _VALID.match(text) is not None


def classify(text: str) -> PlateKind:
    """Italian (``LL DDD LL``, valid letters), foreign (any other valid plate) or unknown."""
    if _ITALIAN.match(text):
        return PlateKind.ITALIAN
    return PlateKind.FOREIGN if is_valid_plate(text) else PlateKind.UNKNOWN


def format_check(text: str) -> str:
    """The canonical form of a voted read, or "" when it cannot be a plate at all.

    Letter/digit repairs are deliberately not applied here: the matcher tries
    them and labels a hit found that way ``ocr_equivalent``, which a repaired
    vote would hide behind ``exact``.
    """
    canon = canonical_plate(text)
    return "" if classify(canon) is PlateKind.UNKNOWN else canon


def confusables(ch: str) -> tuple[str, ...]:
    """The characters an OCR may have read instead of ``ch`` (never ``ch`` itself)."""
    return _ALT.get(ch, ())


# Format-keeping alternates: on a valid Italian plate a letter slot only takes issued
# letters and a digit slot only digits ("8 in a letter slot is B").
_ALT_LETTER: dict[str, tuple[str, ...]] = {
    ch: tuple(a for a in alts if a in _IT_LETTER) for ch, alts in _ALT.items()}
_ALT_DIGIT: dict[str, tuple[str, ...]] = {
    ch: tuple(a for a in alts if a.isdigit()) for ch, alts in _ALT.items()}
_SLOT_ALT = tuple(_ALT_LETTER if slot == "L" else _ALT_DIGIT for slot in _IT_SLOTS)


def variants(text: str) -> list[str]:
    """Every text one confusable character away from ``text`` (a bounded set).

    When ``text`` is a valid Italian plate the format is certain, so only
    substitutions that keep it valid count (a letter slot stays a letter).
    """
    if _ITALIAN.match(text):
        return [text[:i] + alt + text[i + 1:]
                for i, table in enumerate(_SLOT_ALT) for alt in table.get(text[i], ())]
    return [text[:i] + alt + text[i + 1:] for i, ch in enumerate(text) for alt in _ALT.get(ch, ())]


def equivalents(text: str) -> list[str]:
    """Italian repairs of ``text``, then its one-confusion variants (may repeat)."""
    if _ITALIAN.match(text):
        return [text[:i] + alt + text[i + 1:]
                for i, table in enumerate(_SLOT_ALT) for alt in table.get(text[i], ())]
    generic = [text[:i] + alt + text[i + 1:]
               for i, ch in enumerate(text) for alt in _ALT.get(ch, ())]
    return _repairs(text) + generic if len(text) == 7 else generic


def _slot_options() -> tuple[dict[str, tuple[str, ...]], ...]:
    """Per slot of ``LL DDD LL``: what each character may stand for there."""
    out = []
    for slot in _IT_SLOTS:
        table: dict[str, tuple[str, ...]] = {}
        for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
            if slot == "L":
                table[ch] = (ch,) if ch in _IT_LETTER else _TO_LETTER.get(ch, ())
            else:
                table[ch] = (ch,) if ch.isdigit() else _TO_DIGIT.get(ch, ())
        out.append({ch: opts for ch, opts in table.items() if opts})
    return tuple(out)


_SLOT_OPTIONS = _slot_options()


def italian_repairs(text: str) -> list[str]:
    """Valid Italian plates obtained by fixing letter/digit confusions by position.

    Only for a 7-character read where every slot either fits ``LL DDD LL`` or has
    a confusable of the right kind; at most ``MAX_REPAIRS`` results, never ``text``.
    """
    if len(text) != 7 or _ITALIAN.match(text):
        return []
    return _repairs(text)


def _repairs(text: str) -> list[str]:
    # On the matcher's hot path (once per candidate): kept to C-level loops where possible.
    choices = []
    for ch, table in zip(text, _SLOT_OPTIONS, strict=True):
        opts = table.get(ch)
        if opts is None:
            return []  # the format is not certain: no repair
        choices.append(opts)
    count = math.prod(map(len, choices))
    if count == 1:
        fixed = "".join([o[0] for o in choices])
        return [] if fixed == text else [fixed]
    if count > MAX_REPAIRS:
        return []  # too ambiguous to call a repair
    return [r for r in map("".join, itertools.product(*choices)) if r != text]
