"""The ``anpr-edge`` command line: the only place that turns errors into exit codes."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from edge import __version__
from edge.commands import audit as audit_commands
from edge.commands import bench as bench_commands
from edge.commands import command as command_commands
from edge.commands import doctor as doctor_commands
from edge.commands import hotlist as hotlist_commands
from edge.commands import pki as pki_commands
from edge.commands import provision as provision_commands
from edge.config import DetectorConfig, InferenceConfig, OcrConfig, load_settings
from edge.errors import ConfigError, EdgeError
from edge.logs import configure_logging, get_logger
from edge.notify import Notifier

# Command groups that live in their own module (edge/commands/). Each one adds
# its sub-parsers and sets ``func`` on them; listed explicitly, never discovered.
COMMAND_GROUPS = (pki_commands, bench_commands, hotlist_commands, provision_commands,
                  doctor_commands, audit_commands, command_commands)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="anpr-edge", description="Plate-reading gate node.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the node until stopped (or the recording ends)")
    run.add_argument("--config", "-c", type=Path, required=True, help="TOML config file")
    chk = sub.add_parser("check-config", help="validate a config and print it resolved")
    chk.add_argument("config", type=Path)
    ev = sub.add_parser("eval", help="accuracy and speed on a labelled manifest.jsonl")
    ev.add_argument("manifest", type=Path)
    ev.add_argument("--config", "-c", type=Path, help="take models and thresholds from here")
    ev.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    ev.add_argument("--limit", type=int, help="only the first N images")
    ev.add_argument("--out", type=Path, help="JSON report path (default: next to stdout)")
    ev.add_argument("--truth", type=Path,
                    help="per-vehicle truth JSON: then MANIFEST is a video clip (vehicle level)")
    sub.add_parser("version", help="print the version")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return p


def _cmd_run(args: argparse.Namespace) -> int:
    from edge.app import Node  # noqa: PLC0415 - keeps check-config free of model loading

    settings = load_settings(args.config)
    configure_logging(settings.logging.level, settings.logging.format)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    node = Node(settings, notifier=Notifier(os.environ))
    node.start()
    try:
        node.wait(stop)
    finally:
        node.stop()
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    print(settings.model_dump_json(indent=2))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from edge.app import build_detector, build_recogniser  # noqa: PLC0415
    from edge.evaluate import ReadGate, evaluate, format_report, report_dict  # noqa: PLC0415

    configure_logging("warning", "auto")
    if args.config is not None:
        s = load_settings(args.config)
        det, ocr, inf = s.detector, s.ocr, s.inference
    else:
        det, ocr, inf = DetectorConfig(), OcrConfig(), InferenceConfig()
    inf = inf.model_copy(update={"intra_op_threads": args.threads})
    if args.truth is not None:
        return _cmd_eval_video(args, inf)
    detector = build_detector(det, inf, Path.cwd())
    report = evaluate(args.manifest, detector, build_recogniser(ocr, inf, Path.cwd()),
                      ocr.crop_margin, limit=args.limit, threads=args.threads,
                      gate=ReadGate(ocr.min_confidence, ocr.min_chars),
                      score_threshold=detector.score_threshold)
    print(format_report(report))
    out = args.out or Path(f"eval-{args.manifest.parent.name or 'set'}.json")
    out.write_text(json.dumps(report_dict(report), indent=2) + "\n", encoding="utf-8")
    print(f"report written to {out}")
    return 0


def _cmd_eval_video(args: argparse.Namespace, inf: InferenceConfig) -> int:
    from edge.app import build_detector, build_recogniser  # noqa: PLC0415
    from edge.config import CameraConfig, Settings  # noqa: PLC0415
    from edge.plates import format_check  # noqa: PLC0415
    from edge.video_eval import evaluate_clip, format_report, report_dict  # noqa: PLC0415

    if args.config is not None:
        s = load_settings(args.config)
    else:
        s = Settings(cameras=[CameraConfig(source="file", uri=str(args.manifest))])
    s = s.model_copy(update={"inference": inf})
    report = evaluate_clip(args.manifest, args.truth, s,
                           build_detector(s.detector, inf, Path.cwd()),
                           build_recogniser(s.ocr, inf, Path.cwd()), format_check=format_check)
    print(format_report(report))
    out = args.out or Path(f"eval-{args.manifest.stem}.json")
    out.write_text(json.dumps(report_dict(report), indent=2) + "\n", encoding="utf-8")
    print(f"report written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    commands = {"run": _cmd_run, "check-config": _cmd_check, "eval": _cmd_eval}
    if args.command == "version":
        print(__version__)
        return 0
    handler = commands.get(args.command) or getattr(args, "func", None)
    if handler is None:
        _parser().error(f"unknown command {args.command}")
    try:
        return int(handler(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"{exc.source}: {problem}", file=sys.stderr)
        return exc.exit_code
    except EdgeError as exc:
        get_logger("cli").error("fatal", error=str(exc), kind=type(exc).__name__)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
