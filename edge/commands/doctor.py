"""``anpr-edge doctor``: one line per check with the fix; exit 0 when the unit is ready."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from edge.commands import SubParsers


def register(sub: SubParsers) -> None:
    """Add the ``doctor`` command."""
    p = sub.add_parser("doctor", help="check that this unit is ready, and say how to fix it")
    p.add_argument("--config", "-c", type=Path,
                   help="config file (default: /etc/anpr-edge/config.toml under --root)")
    p.add_argument("--root", type=Path, default=Path("/"),
                   help="the node's files are staged under this directory")
    p.add_argument("--base", type=Path, help="directory relative paths (models/...) hang off; "
                   "default: the installation (the service's WorkingDirectory)")
    p.add_argument("--skip", action="append", default=[],
                   help="skip a check group (models, providers, lists, disk, swap, journald, "
                   "clock, identity, broker, camera); repeat")
    p.add_argument("--frames", type=int, default=40, help="frames to read from each camera")
    p.add_argument("--timeout", type=float, default=5.0, help="network timeout, seconds")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_doctor)


def _install_dir() -> Path:
    """Where the running code is installed (PREFIX, or the repository checkout)."""
    import edge  # noqa: PLC0415

    return Path(edge.__file__).resolve().parent.parent


def _doctor(args: argparse.Namespace) -> int:
    from edge.doctor import ready  # noqa: PLC0415
    from edge.doctor.run import CHECKS, diagnose  # noqa: PLC0415
    from edge.logs import configure_logging  # noqa: PLC0415
    from edge.provision import CONFIG_FILE, under  # noqa: PLC0415

    configure_logging("error", "console")
    unknown = set(args.skip) - set(CHECKS)
    if unknown:
        raise SystemExit(f"doctor: unknown check group(s) {sorted(unknown)}")
    config = args.config or under(args.root, CONFIG_FILE)
    results = diagnose(config, root=args.root, base=args.base or _install_dir(),
                       env=os.environ,
                       skip=frozenset(args.skip), camera_frames=args.frames,
                       timeout_s=args.timeout)
    ok = ready(results)
    if args.json:
        print(json.dumps({"ready": ok, "checks": [
            {"name": r.name, "status": r.status, "detail": r.detail, "fix": r.fix}
            for r in results]}, indent=2))
    else:
        for r in results:
            print(f"{r.status.upper():4}  {r.name:18} {r.detail}")
            if r.fix:
                print(f"      {'':18} fix: {r.fix}")
        print("READY" if ok else "NOT READY")
    return 0 if ok else 1
