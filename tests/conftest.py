"""Shared fixtures: repository paths, a real mosquitto broker, the demo assets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mosquitto import Broker, find_mosquitto
from tests.tls_broker import TlsBroker

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A fresh mosquitto on its own port and config, stopped after the test."""
    if find_mosquitto() is None:
        pytest.fail("mosquitto is not installed; run tools/bootstrap.sh test")
    b = Broker(tmp_path)
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="session")
def demo_truth() -> dict[str, object]:
    """Ground truth of the demo clip (vehicles, plates, listed or not)."""
    data: dict[str, object] = json.loads((ROOT / "demo" / "truth.json").read_text())
    return data


@pytest.fixture(scope="session")
def faces() -> None:
    """Skip, naming the packages, where the typefaces of the synthetic plates are not installed."""
    from tools.synth.fonts import FontsMissingError, check_faces

    try:
        check_faces()
    except FontsMissingError as exc:
        pytest.skip(str(exc))


def real_set(name: str) -> Path:
    """Path of a real labelled set, or skip the test when the shared data is absent."""
    manifest = REAL / name / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip(f"shared real data not present at {manifest}")
    return manifest


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[TlsBroker]:
    """A mosquitto requiring client certificates from a fresh lab CA, with the shipped ACL."""
    if find_mosquitto() is None:
        pytest.fail("mosquitto is not installed; run tools/bootstrap.sh test")
    b = TlsBroker(tmp_path / "tls")
    b.start()
    try:
        yield b
    finally:
        b.stop()
