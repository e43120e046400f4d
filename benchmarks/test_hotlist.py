"""Signed lists at a million hashed entries: install, memory, lookup, delta.

Targets (issue 4): snapshot install <= 5 s and <= 150 MB added resident memory;
one lookup of a read with its top-3 candidates and all their OCR-equivalent
variants <= 50 us at the 99th percentile; a delta of 1,000 changes <= 100 ms.
The list holds a million random Italian plates, hashed as the central tool does, so
that reads of unlisted plates meet listed neighbours as often as they would there.
Run: ``PYTHONPATH=$PWD python -m pytest benchmarks/test_hotlist.py --benchmark-only``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pytest_benchmark.fixture import BenchmarkFixture

from edge.audit import AuditLog
from edge.config import HotlistSubscription
from edge.match.hotlist import HotlistManager
from edge.match.hotlist.build import chunks
from edge.match.hotlist.index import ListIndex, PlateHasher
from edge.match.hotlist.manifest import Manifest, seal
from edge.match.hotlist.matcher import lookup_texts
from edge.match.hotlist.payload import FORMAT, HEADER, MAGIC, Row, decode, encode
from edge.plates import variants
from edge.types import Candidate, VehicleRead

N = 1_000_000
KEY = bytes(range(32))
ROOT = Path(__file__).resolve().parent.parent


IT_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"


def italian_plates(n: int, seed: int) -> list[str]:
    """``n`` distinct random plates of the Italian ``LL DDD LL`` format, vectorised."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(22**4 * 1000, size=n, replace=False)
    letters = np.frombuffer(IT_LETTERS.encode(), np.uint8)
    out = np.empty((n, 7), np.uint8)
    for col in (6, 5, 1, 0):
        out[:, col] = letters[codes % 22]
        codes //= 22
    for col in (4, 3, 2):
        out[:, col] = ord("0") + codes % 10
        codes //= 10
    blob = out.tobytes().decode("ascii")
    return [blob[i:i + 7] for i in range(0, 7 * n, 7)]


def snapshot_payload(plates: list[str]) -> bytes:
    """A hashed snapshot of ``plates``, assembled vectorised."""
    hasher, n = PlateHasher(KEY), len(plates)
    keys = np.frombuffer(hasher.digests(plates), ">u8").reshape(n, 2).astype(np.uint64)
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    refs = np.char.mod("E%07d", np.arange(n)).astype("S8").tobytes()
    return b"".join([HEADER.pack(MAGIC, FORMAT, 0, 1, 0, n, 0),
                     keys[order].astype(">u8").tobytes(),
                     np.ones(n, np.uint8).tobytes(), np.zeros(n, "<u4").tobytes(),
                     np.full(n, 8, np.uint8).tobytes(), refs])


def manifest(version: int, payload: bytes, entries: int, kind: str = "snapshot",
             base: int | None = None) -> Manifest:
    """An (unsigned: install() runs after verification) manifest for ``payload``."""
    now = datetime.now(tz=UTC)
    return Manifest(list_id="big", purpose="stolen", version=version, kind=kind,  # type: ignore[arg-type]
                    base_version=base, created_at=now, expires_at=now + timedelta(days=1),
                    entries=entries, payload_sha256=hashlib.sha256(payload).hexdigest(),
                    payload_size=len(payload), chunks=1, key_id="k", storage="hmac",
                    hmac_key_id="h1")


SIGNER = Ed25519PrivateKey.generate()


def new_manager(tmp: Path) -> HotlistManager:
    """A manager for the list ``big`` under ``tmp``, trusting ``SIGNER`` as key ``k``."""
    return HotlistManager([HotlistSubscription(list_id="big", purpose="stolen")], ["stolen"],
                          {"k": SIGNER.public_key()}, {"h1": PlateHasher(KEY)}, tmp / "lists",
                          AuditLog(tmp / "audit.jsonl"), "anpr/v1/t/bl", max_staleness_s=3600,
                          max_payload_bytes=2**30)


@pytest.fixture(scope="module")
def listed() -> list[str]:
    """The million listed plates: random Italian ones."""
    return italian_plates(N, seed=1)


@pytest.fixture(scope="module")
def big(listed: list[str]) -> bytes:
    """The million-entry snapshot payload."""
    return snapshot_payload(listed)


def test_snapshot_install_1m(benchmark: BenchmarkFixture, big: bytes, tmp_path: Path) -> None:
    """Receive and install a 1M-entry hashed snapshot as from the broker: verify the
    signature, reassemble the chunks, check the SHA-256, parse, index, persist (fsync),
    swap in, audit."""
    mgr = new_manager(tmp_path)
    versions = count(1)
    parts = chunks(big)
    base = "anpr/v1/t/bl/big"

    def setup() -> tuple[tuple[Manifest], dict[str, object]]:
        v = next(versions)
        m = manifest(v, big, N).model_copy(update={"chunks": len(parts)})
        return (m,), {}

    def receive(m: Manifest) -> None:
        for i, part in enumerate(parts):
            mgr.process(f"{base}/data/{m.version}/{m.payload_sha256}/{i}", part)
        mgr.process(f"{base}/manifest", seal(m, SIGNER))

    benchmark.pedantic(receive, setup=setup, rounds=3, iterations=1)
    assert [s.version for s in mgr.status()] == [3]
    benchmark.extra_info["target_s"] = 5.0
    assert benchmark.stats is not None and benchmark.stats.stats.max <= 5.0


_RSS_SCRIPT = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from benchmarks.test_hotlist import manifest, new_manager, N
def rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
data = Path(sys.argv[2]).read_bytes()  # the payload as received
mgr = new_manager(Path(tempfile.mkdtemp()))
base, hwm0 = rss('VmRSS:'), rss('VmHWM:')
mgr.install(manifest(1, data, N), data)
print(json.dumps({"added_rss": rss('VmRSS:') - base, "peak_added": rss('VmHWM:') - base,
                  "payload": len(Path(sys.argv[2]).read_bytes())}))
"""


def test_snapshot_install_memory_1m(benchmark: BenchmarkFixture, big: bytes,
                                    tmp_path: Path) -> None:
    """Resident memory a 1M-entry install adds, in a fresh process that holds the payload."""
    (tmp_path / "big.bin").write_bytes(big)

    def measure() -> dict[str, int]:
        out = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(ROOT),
                              str(tmp_path / "big.bin")],
                             capture_output=True, text=True, check=True, timeout=300)
        result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
        return result

    got = benchmark.pedantic(measure, rounds=1, iterations=1)
    mb = {k: round(v / 2**20, 1) for k, v in got.items()}
    benchmark.extra_info.update({f"{k}_mb": v for k, v in mb.items()})
    print(f"\n1M install memory: {mb}")
    assert mb["added_rss"] <= 150 and mb["peak_added"] <= 150


def _vehicle(texts: tuple[str, ...]) -> VehicleRead:
    cands = tuple(Candidate(t, 0.9 - 0.1 * i) for i, t in enumerate(texts))
    return VehicleRead("cam0", 1, texts[0], 0.9, cands, 5, 0.0, 0.4, 0.0, 0.0,
                       np.zeros((1, 1, 3), np.uint8))


def _read() -> VehicleRead:
    """Top-3 candidates of a plate not on the list (30 texts with their variants)."""
    return _vehicle(("DW290KB", "DW29OKB", "OW290KB"))


def _traffic(listed: list[str], n: int) -> list[VehicleRead]:
    """``n`` reads of unlisted plates, each with two one-confusion misreads as runners-up."""
    rng = np.random.default_rng(11)
    on_list = set(listed)
    out = []
    for plate in italian_plates(3 * n, seed=12):
        if plate in on_list:
            continue
        alts = [v for v in variants(plate) if v != plate]
        picks = rng.choice(len(alts), size=min(2, len(alts)), replace=False) if alts else []
        out.append(_vehicle((plate, *(alts[int(i)] for i in picks))))
        if len(out) == n:
            break
    return out


def _percentiles_us(samples: list[float], qs: list[float]) -> list[float]:
    return [round(float(x) * 1e6, 1) for x in np.percentile(samples, qs)]


def test_lookup_traffic(benchmark: BenchmarkFixture, big: bytes, listed: list[str],
                        tmp_path: Path) -> None:
    """20,000 different reads of unlisted plates, top-3 candidates each, against 1M entries."""
    mgr = new_manager(tmp_path)
    mgr.install(manifest(1, big, N), big)
    reads = _traffic(listed, 20000)
    # Unlisted, yet a million entries cover enough of the plate space that some reads
    # have a listed one-confusion neighbour: those are genuine ocr_equivalent hits.
    hits = sum(mgr.matcher.match(r) is not None for r in reads)
    texts = np.mean([len(lookup_texts([c.text for c in r.candidates])) for r in reads])
    it = iter(reads)

    def setup() -> tuple[tuple[VehicleRead], dict[str, object]]:
        return (next(it),), {}

    benchmark.pedantic(mgr.matcher.match, setup=setup, rounds=len(reads), iterations=1)
    assert benchmark.stats is not None
    p50, p99 = _percentiles_us(benchmark.stats.stats.data, [50, 99])
    benchmark.extra_info.update({"p50_us": p50, "p99_us": p99, "target_p99_us": 50,
                                 "mean_texts": round(float(texts), 1), "hits": hits})
    print(f"\ntraffic lookups ({texts:.1f} texts on average): p50 {p50} us, p99 {p99} us; "
          f"{hits} of {len(reads)} reads hit a listed one-confusion neighbour")
    assert p99 <= 50


def test_lookup_top3_with_variants(benchmark: BenchmarkFixture, big: bytes,
                                   tmp_path: Path) -> None:
    """A hard read repeated: 3 candidates of many confusable characters, 30 texts in all.

    Reported beside the traffic figure, which is where the p99 target is checked: a p99
    over one repeated read measures only the machine's jitter.
    """
    mgr = new_manager(tmp_path)
    mgr.install(manifest(1, big, N), big)
    vehicle = _read()
    texts = lookup_texts(["DW290KB", "DW29OKB", "OW290KB"])
    assert mgr.matcher.match(vehicle) is None
    benchmark.pedantic(mgr.matcher.match, args=(vehicle,), rounds=20000, iterations=1,
                       warmup_rounds=200)
    assert benchmark.stats is not None
    p50, p99 = _percentiles_us(benchmark.stats.stats.data, [50, 99])
    # The same again timed in thread CPU time: on a shared machine the wall-clock tail is
    # partly time spent preempted, not time spent looking up.
    cpu = []
    for _ in range(20000):
        t0 = time.thread_time_ns()
        mgr.matcher.match(vehicle)
        cpu.append((time.thread_time_ns() - t0) / 1e9)
    cpu_p50, cpu_p99 = _percentiles_us(cpu, [50, 99])
    benchmark.extra_info.update({"p50_us": p50, "p99_us": p99, "cpu_p50_us": cpu_p50,
                                 "cpu_p99_us": cpu_p99, "texts_looked_up": len(texts)})
    print(f"\nlookup of {len(texts)} texts: wall p50 {p50} us p99 {p99} us, "
          f"thread-CPU p50 {cpu_p50} us p99 {cpu_p99} us")


def delta_payload(big: bytes) -> bytes:
    """500 removals of listed keys and 500 additions."""
    base = decode(big).adds.keys
    rng = np.random.default_rng(7)
    gone = sorted({int(i) for i in rng.choice(N, 500, replace=False)})
    removes: list[bytes | str] = [np.array([base.hi[i], base.lo[i]], ">u8").tobytes()
                                  for i in gone]
    hasher = PlateHasher(KEY)
    new = [f"NEW{i:04d}" for i in range(500)]  # never an Italian plate, so never listed
    adds = [Row(hasher.digest(p), f"N{i}") for i, p in enumerate(new)]
    return encode("delta", "hmac", adds, removes)


def test_delta_1000_install_with_persistence(benchmark: BenchmarkFixture, big: bytes,
                                             tmp_path: Path) -> None:
    """The whole install of that delta: apply, rewrite the 1M-entry file (fsync), audit."""
    mgr = new_manager(tmp_path)
    mgr.install(manifest(1, big, N), big)
    delta = delta_payload(big)
    versions = count(2)

    def setup() -> tuple[tuple[Manifest, bytes], dict[str, object]]:
        v = next(versions)
        return (manifest(v, delta, N, "delta", v - 1), delta), {}

    benchmark.pedantic(mgr.install, setup=setup, rounds=3, iterations=1)


def test_delta_1000_changes(benchmark: BenchmarkFixture, big: bytes) -> None:
    """Parse and apply a delta of 500 removals and 500 additions to 1M entries (in memory)."""
    index = ListIndex.from_snapshot(decode(big))
    delta = delta_payload(big)

    def apply() -> ListIndex:
        return index.apply_delta(decode(delta))

    new = benchmark.pedantic(apply, rounds=10, iterations=1, warmup_rounds=1)
    assert len(new) == N
    assert benchmark.stats is not None
    benchmark.extra_info["target_s"] = 0.1
    assert benchmark.stats.stats.max <= 0.1
