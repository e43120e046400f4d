"""Receiving signed lists over MQTT, checking them, installing them, reporting them.

Topics, under ``{prefix}/{tenant}/bl/{list}/`` (no plate in any of them):

- ``manifest`` (retained): the signed envelope of the newest version (snapshot or delta);
- ``snapshot`` (retained): the signed envelope of the newest snapshot, for a node
  whose installed version is not the base of the newest delta;
- ``data/{version}/{payload_sha256}/{i}`` (retained): chunk ``i`` of that version's
  payload. Chunks of a version not newer than the installed one are ignored on
  arrival, so retained copies re-delivered after a restart cost no memory.

Each message goes to one worker thread (installing a million entries takes
seconds and must not stall the MQTT network thread). Every install and every
refusal is audited with its reason; on a refusal the list in force stays.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.audit import AuditLog
from edge.config import HotlistSubscription
from edge.errors import ListRefusedError
from edge.logs import get_logger
from edge.match.hotlist.index import ListIndex, PlateHasher
from edge.match.hotlist.manifest import Manifest, open_envelope
from edge.match.hotlist.matcher import HotlistMatcher, InstalledList, SkipRule
from edge.match.hotlist.payload import decode
from edge.match.hotlist.store import ListStore
from edge.types import ListStatus

log = get_logger("hotlist")



class HotlistManager:
    """Holds the lists in force, takes new versions from the broker, answers status()."""

    def __init__(self, subscriptions: Sequence[HotlistSubscription],
                 enabled_purposes: Sequence[str], trusted: Mapping[str, Ed25519PublicKey],
                 hashers: Mapping[str, PlateHasher],
                 root: Path, audit: AuditLog, topic_base: str, *, max_staleness_s: float,
                 max_payload_bytes: int, skip: Sequence[SkipRule] = (),
                 clock: Callable[[], float] = time.time) -> None:
        self._subs = {s.list_id: s for s in subscriptions}
        self._purposes = set(enabled_purposes)
        self._trusted = dict(trusted)
        self._hashers = dict(hashers)
        self._audit = audit
        self.topic_base = topic_base
        self._max_stale = max_staleness_s
        self._max_bytes = max_payload_bytes
        self._clock = clock
        self._stores = {lid: ListStore(root, lid) for lid in self._subs}
        self._installed: dict[str, InstalledList] = {}
        self._pending: dict[str, Manifest] = {}  # payload key -> accepted manifest
        self._waiting: dict[str, Manifest] = {}  # list id -> delta whose base is missing
        self._chunks: dict[str, dict[int, bytes]] = {}
        self._seen: set[str] = set()
        self._dead: set[str] = set()  # payload keys of refused manifests
        self._lock = threading.RLock()
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=4096)
        self._worker: threading.Thread | None = None
        self.matcher = HotlistMatcher(self.installed, self._hashers, skip, clock)
        for lid in self._subs:
            self._load(lid)
        self._note_trust(root)

    def _note_trust(self, root: Path) -> None:
        """Audit a change of the trusted signing keys since the last start (key rotation)."""
        path = root / "trusted_keys"
        now = sorted(self._trusted)
        try:
            before = path.read_text(encoding="utf-8").split()
        except OSError:
            before = None
        if before == now:
            return
        self._audit.record("list_keys_changed", trusted=",".join(now),
                           added=",".join(k for k in now if k not in (before or [])),
                           removed=",".join(k for k in (before or []) if k not in now))
        try:
            root.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(now) + "\n", encoding="utf-8")
        except OSError as exc:
            log.warning("trusted_keys_not_saved", error=str(exc))

    def _load(self, list_id: str) -> None:
        loaded = self._stores[list_id].load()
        if loaded is None:
            return
        state, index = loaded
        if state.manifest.purpose not in self._purposes:
            self._refused(list_id, state.manifest.version, "purpose_not_enabled", "on disk")
            return
        self._installed[list_id] = InstalledList(state.manifest, index, state.installed_at)
        log.info("list_loaded", list_id=list_id, version=state.manifest.version,
                 entries=len(index))

    def installed(self) -> Mapping[str, InstalledList]:
        """The lists in force now (a snapshot; replaced, never mutated, on install)."""
        return self._installed

    def status(self) -> list[ListStatus]:
        """Version, size and staleness of every subscribed list, for health reports."""
        now = self._clock()
        out = []
        for lid, sub in self._subs.items():
            lst = self._installed.get(lid)
            if lst is None:
                out.append(ListStatus(lid, sub.purpose, None, 0, None, None, None, True))
                continue
            m = lst.manifest
            age = now - m.created_at.timestamp()
            expires = m.expires_at.timestamp()
            out.append(ListStatus(lid, m.purpose, m.version, len(lst.index), lst.installed_at,
                                  expires, age, age > self._max_stale or now >= expires))
        return out

    def pending_bytes(self) -> int:
        """Bytes of payload chunks buffered while waiting for the rest (a health figure)."""
        with self._lock:
            return sum(len(p) for parts in self._chunks.values() for p in parts.values())

    # -- transport -------------------------------------------------------------------
    def attach(self, source: object) -> None:
        """Subscribe on the node's broker connection (when it has one) and start the worker."""
        # Imported here: the central-side tools use this package without the node's transport.
        from edge.publish.base import MessageSource  # noqa: PLC0415

        if not isinstance(source, MessageSource):
            log.warning("lists_offline", reason="no broker connection: lists from disk only")
            return
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="hotlist", daemon=True)
            self._worker.start()
        for lid in self._subs:
            source.subscribe(f"{self.topic_base}/{lid}/#", self._enqueue, qos=1)

    def _enqueue(self, topic: str, payload: bytes) -> None:
        self._queue.put((topic, payload))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            self.process(*item)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker thread."""
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)

    def process(self, topic: str, payload: bytes) -> None:
        """Handle one inbound message (manifest, snapshot manifest or payload chunk)."""
        if not topic.startswith(self.topic_base + "/"):
            return
        parts = topic[len(self.topic_base) + 1:].split("/")
        if not parts or parts[0] not in self._subs:
            return
        with self._lock:
            if len(parts) == 2 and parts[1] in ("manifest", "snapshot"):
                self._offer(parts[0], payload, newest=parts[1] == "manifest")
            elif len(parts) == 5 and parts[1] == "data" and parts[2].isdigit() \
                    and parts[4].isdigit():
                self._chunk(parts[0], int(parts[2]), parts[3], int(parts[4]), payload)

    # -- checks ----------------------------------------------------------------------
    def _offer(self, list_id: str, data: bytes, newest: bool) -> None:
        digest = hashlib.sha256(data).hexdigest()
        if digest in self._seen or not data:
            return  # a retained message seen again after a reconnect
        self._seen.add(digest)
        man: Manifest | None = None
        try:
            man = open_envelope(data, self._trusted)
            if man.list_id != list_id:
                raise ListRefusedError("wrong_list", "manifest names another list")
            self._consider(man, newest)
        except ListRefusedError as exc:
            if man is not None and exc.reason != "base_mismatch":
                self._forget(_key(man), final=exc.reason != "disk_error")
            self._refused(list_id, man.version if man else None, exc.reason, exc.detail)

    def _forget(self, key: str, final: bool = True) -> None:
        """Drop a payload's chunks; when ``final``, ignore any that still arrive (retained)."""
        self._chunks.pop(key, None)
        self._pending.pop(key, None)
        if final:
            self._dead.add(key)

    def _consider(self, man: Manifest, newest: bool) -> None:
        lid = man.list_id
        sub = self._subs[lid]
        if man.purpose not in self._purposes or man.purpose != sub.purpose:
            raise ListRefusedError("purpose_not_enabled", f"purpose {man.purpose!r}")
        current = self._installed.get(lid)
        if current is not None and current.manifest.payload_sha256 == man.payload_sha256 \
                and current.manifest.version == man.version:
            return  # the version in force, delivered again (retained, after a restart)
        floor = self._floor(lid)
        if man.version <= floor:
            if not newest:
                return  # an older snapshot offered only as a fallback: nothing to do
            raise ListRefusedError("rollback", f"version {man.version} <= installed {floor}")
        if man.expires_at.timestamp() <= self._clock():
            raise ListRefusedError("expired", f"expired at {man.expires_at.isoformat()}")
        installed_version = current.manifest.version if current else None
        if man.kind == "delta" and installed_version != man.base_version:
            self._waiting[lid] = man
            raise ListRefusedError("base_mismatch", f"delta on {man.base_version}, installed "
                                   f"{installed_version}; waiting for a snapshot")
        if man.payload_size > self._max_bytes:
            raise ListRefusedError("too_large", f"{man.payload_size} bytes")
        if man.storage == "hmac" and man.hmac_key_id not in self._hashers:
            raise ListRefusedError("hmac_key_unknown", f"hmac key {man.hmac_key_id!r}")
        self._pending[_key(man)] = man
        self._complete(man)

    def _floor(self, list_id: str) -> int:
        current = self._installed.get(list_id)
        return max(self._stores[list_id].highwater(), current.manifest.version if current else 0)

    def _chunk(self, list_id: str, version: int, sha: str, i: int, data: bytes) -> None:
        key = f"{list_id}/{version}/{sha}"
        if key in self._dead or not data or version <= self._floor(list_id):
            return  # refused, installed or older (or a cleared retained chunk)
        parts = self._chunks.setdefault(key, {})
        if sum(len(p) for c in self._chunks.values() for p in c.values()) + len(data) \
                > 2 * self._max_bytes:
            self._chunks.pop(key, None)
            log.warning("list_chunks_dropped", reason="buffer full")
            return
        parts[i] = data
        man = self._pending.get(key)
        if man is not None:
            try:
                self._complete(man)
            except ListRefusedError as exc:
                self._forget(key, final=exc.reason != "disk_error")
                self._refused(man.list_id, man.version, exc.reason, exc.detail)

    def _complete(self, man: Manifest) -> None:
        parts = self._chunks.get(_key(man), {})
        if any(i not in parts for i in range(man.chunks)):
            return  # wait for the rest
        self._pending.pop(_key(man), None)
        self._chunks.pop(_key(man), None)
        data = b"".join(parts[i] for i in range(man.chunks))
        if len(data) != man.payload_size or hashlib.sha256(data).hexdigest() != man.payload_sha256:
            raise ListRefusedError("sha256_mismatch", "payload differs from the signed manifest")
        self.install(man, data)

    def install(self, man: Manifest, data: bytes) -> None:
        """Apply a verified payload: parse, build, persist atomically, swap in, audit."""
        payload = decode(data)
        if payload.kind != man.kind or payload.storage != man.storage:
            raise ListRefusedError("malformed_payload", "payload kind differs from the manifest")
        lid = man.list_id
        current = self._installed.get(lid)
        if man.kind == "snapshot":
            index = ListIndex.from_snapshot(payload)
        elif current is not None and current.manifest.version == man.base_version:
            index = current.index.apply_delta(payload)
        else:
            raise ListRefusedError("base_mismatch", "installed version changed meanwhile")
        if len(index) != man.entries:
            raise ListRefusedError("entry_count_mismatch", f"{len(index)} != {man.entries}")
        now = self._clock()
        self._stores[lid].install(man, index, now, data if man.kind == "snapshot" else None)
        self._installed = {**self._installed, lid: InstalledList(man, index, now)}
        for key in [k for k, m in self._pending.items() if m.list_id == lid
                    and m.version <= man.version]:
            self._forget(key, final=False)
        for key in list(self._chunks):
            owner, version, _ = key.split("/")
            if owner == lid and int(version) <= man.version:
                del self._chunks[key]  # chunks of versions that can no longer be installed
        self._audit.record("list_installed", list_id=lid, version=man.version, payload=man.kind,
                           purpose=man.purpose, entries=len(index), key_id=man.key_id,
                           storage=man.storage)
        log.info("list_installed", list_id=lid, version=man.version, kind=man.kind,
                 entries=len(index))
        waiting = self._waiting.get(lid)
        if waiting is not None and waiting.version > man.version:
            if waiting.base_version == man.version:
                del self._waiting[lid]
                try:
                    self._consider(waiting, newest=True)
                except ListRefusedError as exc:
                    self._refused(lid, waiting.version, exc.reason, exc.detail)
        else:
            self._waiting.pop(lid, None)

    def _refused(self, list_id: str, version: int | None, reason: str, detail: str) -> None:
        self._audit.record("list_refused", list_id=list_id, version=version, reason=reason,
                           detail=detail[:200])
        if reason == "disk_error":
            self._seen.clear()  # let the retained manifest be tried again when re-delivered
        log.warning("list_refused", list_id=list_id, version=version, reason=reason,
                    detail=detail[:200])


def _key(man: Manifest) -> str:
    """Buffers are keyed by version and digest: a new version never meets an old refusal."""
    return f"{man.list_id}/{man.version}/{man.payload_sha256}"
