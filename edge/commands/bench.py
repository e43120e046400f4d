"""``anpr-edge bench``: measure this unit, and compare two reports."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edge.commands import SubParsers


def register(sub: SubParsers) -> None:
    """Add the ``bench`` command group."""
    p = sub.add_parser("bench", help="measure fps, latency, overhead and memory on this unit")
    p.add_argument("--config", "-c", type=Path, help="take models, threads and sink from here")
    p.add_argument("--clip", type=Path, help="source clip (default: demo/clip.mp4)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of the live run")
    p.add_argument("--list-size", type=int, default=100_000, help="entries in the plate list")
    p.add_argument("--threads", type=int, help="onnxruntime intra-op threads (default: config)")
    p.add_argument("--no-sweep", action="store_true",
                   help="skip the cost sweep over frame sizes and plate counts")
    p.add_argument("--out", type=Path, default=Path("bench"), help="directory for the report")
    p.set_defaults(func=_bench)
    g = p.add_subparsers(dest="bench_command")
    cmp_ = g.add_parser("compare", help="two reports side by side with ratios")
    cmp_.add_argument("a", type=Path)
    cmp_.add_argument("b", type=Path)
    cmp_.set_defaults(func=_compare)


def _bench(args: argparse.Namespace) -> int:
    from edge.bench import BenchOptions, run_bench  # noqa: PLC0415
    from edge.benchreport import to_markdown, write_charts  # noqa: PLC0415
    from edge.errors import BenchError  # noqa: PLC0415
    from edge.logs import configure_logging  # noqa: PLC0415

    if args.seconds <= 0 or args.list_size < 1:
        raise BenchError("--seconds must be > 0 and --list-size >= 1")
    configure_logging("warning", "auto")
    report = run_bench(BenchOptions(out=args.out, config=args.config, clip=args.clip,
                                    seconds=args.seconds, list_size=args.list_size,
                                    threads=args.threads, sweep=not args.no_sweep))
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    md = to_markdown(report)
    (args.out / "report.md").write_text(md, encoding="utf-8")
    charts = write_charts(report, args.out)
    print(md)
    print(f"report written to {args.out}/report.json and report.md"
          + (f" ({len(charts)} charts)" if charts else ""))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from edge.benchreport import compare, load_report  # noqa: PLC0415

    print(compare(load_report(args.a), load_report(args.b), _name(args.a), _name(args.b)))
    return 0


def _name(path: Path) -> str:
    """A column title: the directory for the default ``report.json``, else the file stem."""
    return path.parent.name if path.stem == "report" and path.parent.name else path.stem
