"""``anpr-edge command``: central-side signed node commands (key pair, purge)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from edge.commands import SubParsers

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PRIVATE_NAME = "command.key"
PUBLIC_NAME = "command.pub.b64"


def register(sub: SubParsers) -> None:
    """Add the ``command`` command group."""
    p = sub.add_parser("command", help="signed node commands: key pair, purge")
    g = p.add_subparsers(dest="command_command", required=True)
    kg = g.add_parser("keygen", help="make the Ed25519 key pair that signs node commands")
    kg.add_argument("--out", type=Path, required=True,
                    help=f"directory for {PRIVATE_NAME} (0600) and {PUBLIC_NAME}")
    kg.set_defaults(func=_keygen)
    pg = g.add_parser("purge", help="sign a purge of pending events; write or publish it")
    pg.add_argument("--key", type=Path, required=True, help="command private key (PEM)")
    pg.add_argument("--tenant", required=True)
    pg.add_argument("--node", required=True)
    pg.add_argument("--event-id", action="append", required=True, dest="event_ids",
                    metavar="ID", help="event id to remove (repeat)")
    pg.add_argument("--reason", default="", help="recorded in the node's audit log")
    pg.add_argument("--command-id", help="unique command id (default: a random UUID)")
    pg.add_argument("--prefix", default="anpr/v1")
    dest = pg.add_mutually_exclusive_group()
    dest.add_argument("--out", type=Path, help="write the signed JSON here (default: stdout)")
    dest.add_argument("--host", help="publish to this broker instead (QoS 1, not retained)")
    pg.add_argument("--port", type=int, default=1883)
    pg.add_argument("--ca", type=Path, help="CA certificate of the broker (TLS)")
    pg.add_argument("--cert", type=Path, help="client certificate (TLS)")
    pg.add_argument("--key-file", type=Path, help="client certificate's private key (TLS)")
    pg.set_defaults(func=_purge)


def load_command_key(path: Path) -> Ed25519PrivateKey:
    """The command signing key from a PEM file; PkiError naming the file if it is not one."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    from edge.errors import PkiError  # noqa: PLC0415

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise PkiError(f"cannot read command key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise PkiError(f"{path}: not an Ed25519 private key")
    return key


def _keygen(args: argparse.Namespace) -> int:
    import base64  # noqa: PLC0415

    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PrivateKey,
    )

    from edge.errors import PkiError  # noqa: PLC0415
    from edge.fsutil import atomic_write  # noqa: PLC0415

    priv, pub = args.out / PRIVATE_NAME, args.out / PUBLIC_NAME
    # Replacing the key would silently make every node refuse the next command.
    if priv.exists():
        raise PkiError(f"{priv} already exists; remove it first to make a new key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    b64 = base64.b64encode(raw).decode("ascii")
    try:
        atomic_write(priv, pem, 0o600)
        atomic_write(pub, (b64 + "\n").encode("ascii"))
    except OSError as exc:
        raise PkiError(f"cannot write command key in {args.out}: {exc}") from exc
    print(f"command key: private {priv} (0600), public {pub}. On every node set:")
    print(f'command_public_key = "{b64}"')
    return 0


def _purge(args: argparse.Namespace) -> int:
    import re  # noqa: PLC0415

    from pydantic import ValidationError  # noqa: PLC0415

    from edge.errors import PublishError  # noqa: PLC0415
    from edge.publish.messages import ID, sign_purge  # noqa: PLC0415

    key = load_command_key(args.key)
    # The tenant goes into the topic: no wildcards or extra levels.
    if re.fullmatch(ID, args.tenant) is None:
        raise PublishError(f"invalid tenant {args.tenant!r} (letters, digits, _ and - only)")
    try:
        cmd = sign_purge(key, args.node, list(args.event_ids), args.reason, args.command_id)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PublishError(f"invalid purge command: {problems}") from exc
    payload = cmd.model_dump_json().encode("utf-8")
    if args.host is None:
        return _write(args.out, payload, cmd.command_id)
    from edge.mqttout import OutMessage, publish_messages  # noqa: PLC0415

    topic = f"{args.prefix}/{args.tenant}/{cmd.node}/cmd/purge"
    publish_messages(args.host, args.port, [OutMessage(topic, payload)], "command-publisher",
                     tls_ca=args.ca, cert=args.cert, key=args.key_file)
    print(f"purge {cmd.command_id} of {len(cmd.event_ids)} event(s) published to {topic}")
    return 0


def _write(out: Path | None, payload: bytes, command_id: str) -> int:
    import sys  # noqa: PLC0415

    from edge.errors import PublishError  # noqa: PLC0415
    from edge.fsutil import atomic_write  # noqa: PLC0415

    if out is None:
        sys.stdout.write(payload.decode("utf-8") + "\n")
        return 0
    try:
        atomic_write(out, payload + b"\n")
    except OSError as exc:
        raise PublishError(f"cannot write {out}: {exc}") from exc
    print(f"purge {command_id} written to {out}", file=sys.stderr)
    return 0
