"""``anpr-edge audit``: check the hash chain of an audit log."""

from __future__ import annotations

import argparse
from pathlib import Path

from edge.commands import SubParsers


def register(sub: SubParsers) -> None:
    """Add the ``audit`` command group."""
    p = sub.add_parser("audit", help="tamper-evident audit log")
    g = p.add_subparsers(dest="audit_command", required=True)
    v = g.add_parser("verify", help="check every link; name the first broken record")
    v.add_argument("file", type=Path, help="audit log (JSON lines), e.g. var/audit.jsonl")
    v.set_defaults(func=_verify)


def _verify(args: argparse.Namespace) -> int:
    from edge.audit import verify_chain  # noqa: PLC0415
    from edge.errors import AuditError  # noqa: PLC0415

    check = verify_chain(args.file)
    if check.ok:
        print(f"ok: {check.records} records, chain intact ({args.file})")
        return 0
    raise AuditError(f"chain broken at record {check.records} (line {check.first_bad}) of "
                     f"{args.file}: {check.reason} (that record or the one before it was "
                     "altered, or records were removed or inserted there)")
