"""Matching vehicle reads against blacklists, locally."""

from edge.match.base import DedupWindow, Matcher
from edge.match.canonical import canonical_plate
from edge.match.plainlist import PlainListMatcher, read_plate_csv

__all__ = ["DedupWindow", "Matcher", "PlainListMatcher", "canonical_plate", "read_plate_csv"]
