"""``anpr-edge provision``: config, identity and secrets for a new node."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from edge.commands import SubParsers
from edge.errors import ProvisionError

# (answer attribute, flag, prompt) for the answers provisioning cannot guess.
QUESTIONS = (
    ("node_id", "--node-id", "Node id (letters, digits, - and _; e.g. gate-porta-nord)"),
    ("tenant", "--tenant", "Tenant (the municipality's short name)"),
    ("camera", "--camera", "Camera (rtsp://..., /dev/videoN, CSI index 0, or a clip path)"),
    ("broker", "--broker", "Broker host[:port] (port 8883 when left out)"),
)


def register(sub: SubParsers) -> None:
    """Add the ``provision`` command."""
    p = sub.add_parser("provision", help="write config, key, CSR and secrets for this node")
    p.add_argument("--profile", help="device profile: pi4, pi5, jetson-orin-nano, x86-dev or a "
                   "path to a .toml")
    for attr, flag, _ in QUESTIONS:
        p.add_argument(flag, dest=attr)
    p.add_argument("--root", type=Path, default=Path("/"),
                   help="install under this directory instead of / (staging, tests)")
    p.add_argument("--ca-dir", type=Path, help="lab CA directory (ca.key, ca.crt): sign the "
                   "node certificate here (lab and tests only)")
    p.add_argument("--ca-file", type=Path, help="the fleet CA certificate to trust")
    p.add_argument("--list", dest="list_file", type=Path, help="plain plate list CSV to install")
    p.add_argument("--mqtt-password-file", type=Path,
                   help="file holding the MQTT password (stored as a systemd credential)")
    p.add_argument("--rotate-key", action="store_true", help="replace the node's private key")
    p.add_argument("--yes", "-y", action="store_true", help="never prompt, fail on missing answers")
    p.set_defaults(func=_provision)


def ask_missing(args: argparse.Namespace, stdin: TextIO, stdout: TextIO,
                interactive: bool) -> None:
    """Fill missing answers from prompts, or raise ProvisionError naming the missing flags."""
    missing = [(a, f, q) for a, f, q in (("profile", "--profile", "Device profile"), *QUESTIONS)
               if not getattr(args, a)]
    if not missing:
        return
    if not interactive:
        raise ProvisionError("missing answers (give them as flags, or run in a terminal): "
                             + ", ".join(f for _, f, _ in missing))
    for attr, _, question in missing:
        value = ""
        while not value:
            stdout.write(f"{question}: ")
            stdout.flush()
            line = stdin.readline()
            if not line:
                raise ProvisionError("input ended before every answer was given")
            value = line.strip()
        setattr(args, attr, value)


def _provision(args: argparse.Namespace) -> int:
    from edge.provision import Answers, provision  # noqa: PLC0415

    ask_missing(args, sys.stdin, sys.stdout, interactive=not args.yes and sys.stdin.isatty())
    password = None
    if args.mqtt_password_file is not None:
        try:
            password = args.mqtt_password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ProvisionError(f"cannot read {args.mqtt_password_file}: {exc}") from exc
    answers = Answers(profile=args.profile, node_id=args.node_id, tenant=args.tenant,
                      camera=args.camera, broker=args.broker, ca_dir=args.ca_dir,
                      ca_file=args.ca_file, list_file=args.list_file, mqtt_password=password,
                      rotate_key=args.rotate_key)
    result = provision(answers, args.root)
    for ch in result.changes:
        print(f"{ch.action:9} {ch.path}")
    print(f"config valid: {result.config_path} (node {result.settings.node.id}, "
          f"tenant {result.settings.node.tenant})")
    for item in result.todo:
        print(f"todo: {item}")
    return 0
