"""Write (or with ``--check`` verify) docs/asyncapi.yaml and docs/schemas/*.json from the models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from edge.publish.contract import asyncapi, json_schemas, render

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def expected(docs: Path = DOCS) -> dict[Path, str]:
    """Every generated file and its text."""
    files = {docs / "asyncapi.yaml": render(asyncapi())}
    for name, schema in json_schemas().items():
        files[docs / "schemas" / name] = render(schema)
    return files


def stale(docs: Path = DOCS) -> list[Path]:
    """Generated files that are missing or differ from the models."""
    return [p for p, text in expected(docs).items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    """Generate, or check with ``--check`` (exit 1 when stale)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    if args.check:
        bad = stale()
        for p in bad:
            print(f"stale: {p.relative_to(ROOT)} (run python -m tools.gen_contract)")
        return 1 if bad else 0
    for p, text in expected().items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
