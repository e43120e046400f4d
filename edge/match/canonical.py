"""Canonical plate text: the one form used for lists, reads and hashes."""

from __future__ import annotations

import re

_STRIP = re.compile(r"[^A-Z0-9]")


def canonical_plate(text: str) -> str:
    """Upper-case A-Z and 0-9 only: ``"ab-123 cd"`` -> ``"AB123CD"``."""
    return _STRIP.sub("", text.upper())
