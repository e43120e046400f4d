"""What a reader gets wrong on a labelled crop set: kinds of error and confused characters.

    python -m tools.ocr_errors ../shared/data/real/es_crops [--ocr NAME] [--list]

Reads every labelled plate on its ground-truth box, as ``anpr-edge eval`` does, aligns
each misread with its truth (the evaluation's edit distance, masked characters free)
and counts the edits: a wrong character (which for which), a dropped one, an extra
one, each at the first, the last or an inner character. This is where the next
training data should aim (the fourth OCR stage came from the count of first- and
last-character errors on es_crops). ``--list`` also prints every misread; the sets
under ``../shared/data/real`` are for evaluation only, so keep such lists out of the
repository.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("wrong", "dropped", "extra")
PLACES = ("first", "inner", "last")


@dataclass(frozen=True, slots=True)
class Edit:
    """One difference between a truth and a read: ``truth`` or ``read`` is empty for a
    dropped or an extra character; ``place`` is where in the truth it falls."""

    kind: str
    truth: str
    read: str
    place: str


@dataclass(slots=True)
class ErrorCount:
    """The edits of many reads, counted."""

    plates: int = 0
    misreads: int = 0
    single_edit: int = 0
    by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)

    def add(self, edits: list[Edit]) -> None:
        """Count one read's edits (none: an exact read)."""
        self.plates += 1
        if not edits:
            return
        self.misreads += 1
        self.single_edit += len(edits) == 1
        for e in edits:
            self.by_kind[e.kind, e.place] += 1
            if e.kind == "wrong":
                self.confusions[e.truth, e.read] += 1
            elif e.kind == "dropped":
                self.dropped[e.truth] += 1
            else:
                self.extra[e.read] += 1


def _place(i: int, n: int) -> str:
    return "first" if i == 0 else "last" if i >= n - 1 else "inner"


def align(truth: str, read: str, wildcard: str | None = None) -> list[Edit]:
    """The fewest edits that turn ``truth`` into ``read``, with the costs of
    ``edge.evaluate.text_matches``: a wildcard matches one character or none for free."""
    n, m = len(truth), len(read)
    masked = [wildcard is not None and t == wildcard for t in truth]
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        free = masked[i - 1]
        cost[i][0] = cost[i - 1][0] + (0 if free else 1)
        for j in range(1, m + 1):
            same = free or truth[i - 1] == read[j - 1]
            cost[i][j] = min(cost[i - 1][j] + (0 if free else 1), cost[i][j - 1] + 1,
                             cost[i - 1][j - 1] + (0 if same else 1))
    edits: list[Edit] = []
    i, j = n, m
    while i > 0 or j > 0:
        free = i > 0 and masked[i - 1]
        if i > 0 and j > 0:
            same = free or truth[i - 1] == read[j - 1]
            if cost[i][j] == cost[i - 1][j - 1] + (0 if same else 1):
                if not same:
                    edits.append(Edit("wrong", truth[i - 1], read[j - 1], _place(i - 1, n)))
                i, j = i - 1, j - 1
                continue
        if i > 0 and cost[i][j] == cost[i - 1][j] + (0 if free else 1):
            if not free:
                edits.append(Edit("dropped", truth[i - 1], "", _place(i - 1, n)))
            i -= 1
            continue
        edits.append(Edit("extra", "", read[j - 1], _place(i, n + 1)))
        j -= 1
    return edits[::-1]


def _top(counter: Iterable[tuple[object, int]], k: int) -> str:
    return ", ".join(f"{key}: {v}" for key, v in list(counter)[:k]) or "none"


def report(count: ErrorCount, top: int = 12) -> str:
    """The counts as a few lines of text."""
    exact = count.plates - count.misreads
    lines = [f"plates {count.plates}, exact {exact} ({exact / max(1, count.plates):.1%}), "
             f"misreads {count.misreads}, of them one edit only {count.single_edit}"]
    for kind in KINDS:
        at = {p: count.by_kind[kind, p] for p in PLACES}
        lines.append(f"{kind:8s} {sum(at.values()):4d}  " +
                     "  ".join(f"{p} {v}" for p, v in at.items()))
    pairs = ((f"{t}->{r}", v) for (t, r), v in count.confusions.most_common())
    lines.append("confused (truth->read): " + _top(pairs, top))
    lines.append("dropped: " + _top(count.dropped.most_common(), top))
    lines.append("extra: " + _top(count.extra.most_common(), top))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Read a labelled set with one OCR model and print its errors."""
    from edge.app import build_recogniser
    from edge.config import InferenceConfig, OcrConfig
    from edge.evaluate import load_rgb, read_manifest
    from edge.match.canonical import canonical_plate
    from edge.ocr import crop_plate
    from tools.names import OCR

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("set", type=Path, help="a folder with manifest.jsonl (or the file)")
    ap.add_argument("--ocr", default=OCR, help="model name in models/manifest.json")
    ap.add_argument("--top", type=int, default=12, help="how many of each count to print")
    ap.add_argument("--list", action="store_true", help="print every misread too")
    args = ap.parse_args(argv)
    manifest = args.set if args.set.suffix == ".jsonl" else args.set / "manifest.jsonl"
    cfg = OcrConfig(name=args.ocr)
    reader = build_recogniser(cfg, InferenceConfig(intra_op_threads=1), Path.cwd())
    count = ErrorCount()
    for item in read_manifest(manifest):
        image = load_rgb(item.path)
        for plate in item.plates:
            if plate.text is None:
                continue
            read = reader.read([crop_plate(image, plate.box, cfg.crop_margin)])[0]
            text = canonical_plate(read.text)
            edits = align(plate.text, text, item.wildcard)
            count.add(edits)
            if edits and args.list:
                print(f"{item.path.name}: {plate.text} -> {text} ({read.confidence:.2f})")
    print(report(count, args.top))


if __name__ == "__main__":
    main()
