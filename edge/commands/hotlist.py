"""``anpr-edge hotlist``: central-side tools for signed lists (keys, build, sign, publish)."""

from __future__ import annotations

import argparse
from pathlib import Path

from edge.commands import SubParsers


def register(sub: SubParsers) -> None:
    """Add the ``hotlist`` command group."""
    p = sub.add_parser("hotlist", help="signed blacklists: keys, build, sign, publish")
    g = p.add_subparsers(dest="hotlist_command", required=True)
    kg = g.add_parser("keygen", help="make an Ed25519 signing key pair, or an HMAC key")
    kg.add_argument("--out", type=Path, required=True,
                    help="directory for {id}.key/{id}.pub (signing) or the key file (--hmac)")
    kg.add_argument("--key-id", help="key id (default: derived from the public key)")
    kg.add_argument("--hmac", action="store_true", help="make a 256-bit HMAC key file instead")
    kg.set_defaults(func=_keygen)
    rot = g.add_parser("rotate", help="add a new signing key; print the trust set for nodes")
    rot.add_argument("--keys", type=Path, required=True, help="directory of signing keys")
    rot.add_argument("--key-id", help="id of the new key")
    rot.set_defaults(func=_rotate)
    b = g.add_parser("build", help="CSV (plate,entry_ref[,priority][,expires]) -> payload")
    b.add_argument("--csv", type=Path, required=True)
    b.add_argument("--list-id", required=True)
    b.add_argument("--purpose", required=True)
    b.add_argument("--version", type=int, required=True)
    b.add_argument("--key-id", required=True, help="id of the key that will sign it")
    b.add_argument("--hmac-key", type=Path, help="store keyed hashes made with this key file")
    b.add_argument("--hmac-key-id", help="id of that HMAC key (required with --hmac-key)")
    b.add_argument("--base-csv", type=Path, help="make a delta from this previous CSV")
    b.add_argument("--base-version", type=int, help="version of --base-csv")
    b.add_argument("--valid-days", type=float, default=7.0, help="manifest lifetime")
    b.add_argument("--out", type=Path, required=True, help="output directory")
    b.set_defaults(func=_build)
    s = g.add_parser("sign", help="sign a manifest JSON into an envelope")
    s.add_argument("manifest", type=Path)
    s.add_argument("--key", type=Path, required=True, help="Ed25519 private key (PEM)")
    s.add_argument("--out", type=Path, help="envelope file (default: *.signed.json)")
    s.set_defaults(func=_sign)
    pub = g.add_parser("publish", help="publish payload chunks and the signed manifest, retained")
    pub.add_argument("--envelope", type=Path, required=True)
    pub.add_argument("--payload", type=Path, required=True)
    pub.add_argument("--host", required=True)
    pub.add_argument("--port", type=int, default=1883)
    pub.add_argument("--tenant", required=True)
    pub.add_argument("--prefix", default="anpr/v1")
    pub.add_argument("--ca", type=Path)
    pub.add_argument("--cert", type=Path)
    pub.add_argument("--key", type=Path)
    pub.add_argument("--supersede", type=Path, action="append", default=[],
                     help="envelope of an older version whose chunks to clear (repeat; never "
                          "the snapshot a newer delta still builds on)")
    pub.set_defaults(func=_publish)


def _keygen(args: argparse.Namespace) -> int:
    from edge.match.hotlist.build import new_hmac_key  # noqa: PLC0415
    from edge.match.hotlist.manifest import write_signing_key  # noqa: PLC0415

    if args.hmac:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.touch(mode=0o600, exist_ok=False)
        args.out.write_text(new_hmac_key() + "\n", encoding="ascii")
        print(f"HMAC key written to {args.out} (0600): install it on nodes as the "
              "credential hotlists__hmac_key")
        return 0
    kid, priv, pub = write_signing_key(args.out, args.key_id)
    print(f"signing key {kid}: private {priv} (0600), public {pub}")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from edge.match.hotlist.manifest import write_signing_key  # noqa: PLC0415

    kid, _, pub = write_signing_key(args.keys, args.key_id)
    print(f"new signing key {kid} ({pub}). Trust it on every node, alongside the old ones,")
    print("before signing with it; then drop the old ones:")
    for p in sorted(args.keys.glob("*.pub")):
        print(f'[[hotlists.trusted_keys]]\nid = "{p.stem}"\nfile = "{p.name}"')
    return 0


def _build(args: argparse.Namespace) -> int:
    from edge.errors import BlacklistError  # noqa: PLC0415
    from edge.match.hotlist import build  # noqa: PLC0415

    if (args.hmac_key is None) != (args.hmac_key_id is None):
        raise BlacklistError("--hmac-key and --hmac-key-id go together")
    if (args.base_csv is None) != (args.base_version is None):
        raise BlacklistError("--base-csv and --base-version go together")
    entries = build.read_list_csv(args.csv)
    hasher = build.read_hmac_key(args.hmac_key) if args.hmac_key else None
    base = build.read_list_csv(args.base_csv) if args.base_csv else None
    kind, payload = build.build_payload(entries, hasher, base)
    man = build.make_manifest(args.list_id, args.purpose, args.version, kind, payload,
                              len(entries), args.key_id, args.hmac_key_id, args.valid_days,
                              args.base_version)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{args.list_id}-v{args.version}-{kind}"
    Path(f"{stem}.bin").write_bytes(payload)
    Path(f"{stem}.manifest.json").write_bytes(man.to_bytes())
    print(f"{kind} of {len(entries)} entries ({man.storage}): {stem}.bin, {stem}.manifest.json")
    return 0


def _sign(args: argparse.Namespace) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from edge.errors import BlacklistError  # noqa: PLC0415
    from edge.match.hotlist.manifest import Manifest, load_private_key, seal  # noqa: PLC0415

    try:
        man = Manifest.model_validate_json(args.manifest.read_bytes())
    except (OSError, ValidationError) as exc:
        raise BlacklistError(f"cannot read manifest {args.manifest}: {exc}") from exc
    out = args.out or args.manifest.with_name(args.manifest.name.replace(".manifest.json", "")
                                              + ".signed.json")
    out.write_bytes(seal(man, load_private_key(args.key)))
    print(f"signed manifest of {man.list_id} v{man.version} with {man.key_id}: {out}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415

    from edge.match.hotlist import build  # noqa: PLC0415

    envelope = args.envelope.read_bytes()
    man = json.loads(build.manifest_bytes(envelope))
    build.publish(args.host, args.port, f"{args.prefix}/{args.tenant}/bl", str(man["list_id"]),
                  envelope, args.payload.read_bytes(), man["kind"] == "snapshot",
                  tls_ca=args.ca, cert=args.cert, key=args.key,
                  supersede=[p.read_bytes() for p in args.supersede])
    print(f"published {args.payload.name} and its manifest to {args.host}:{args.port}")
    return 0
