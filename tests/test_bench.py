"""``anpr-edge bench``: a tiny real run writes a valid report; compare; bad reports."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.cli import main
from edge.errors import BenchError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One short bench run (2 s live, 1,000-entry list), shared by the tests below."""
    out = tmp_path_factory.mktemp("bench")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        rc = main(["bench", "--seconds", "2", "--list-size", "1000", "--out", str(out)])
    finally:
        os.chdir(cwd)
    assert rc == 0
    yield out


def test_bench_writes_json_and_markdown(report_dir: Path) -> None:
    """The report holds board, live figures, model times and a summary with targets."""
    report = json.loads((report_dir / "report.json").read_text())
    assert report["board"]["cores"] >= 1 and report["board"]["providers"]
    assert report["setup"]["width"] == 1920 and report["setup"]["list_entries"] == 1000
    live = report["live"]
    assert live["analysed"] > 0 and live["peak_rss_mb"] > 0
    assert live["latency_ms"]["n"] == live["analysed"]
    assert set(live["model_ms"]) == {"detect", "ocr"}
    assert report["models"]["model_ms"] > 0
    assert set(report["summary"]["targets"]) == {"fps", "p95_ms", "overhead", "rss_mb"}
    assert "sustained analysed fps" in (report_dir / "report.md").read_text()


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                    reason="matplotlib (the charts extra) is not installed")
def test_bench_draws_the_latency_chart(report_dir: Path) -> None:
    """With matplotlib installed, the latency distribution is drawn as a PNG."""
    assert (report_dir / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (report_dir / "cost.png").is_file()


def test_bench_sweeps_frame_sizes_and_plate_counts(report_dir: Path) -> None:
    """The cost sweep covers 720p to 4K and 0 to 16 plates, and finds the plates."""
    rows = json.loads((report_dir / "report.json").read_text())["models"]["sweep"]
    assert {(r["size"], r["plates"]) for r in rows} >= {("720p", 0), ("4K", 16)}
    assert all(r["ms"] > 0 for r in rows)
    assert next(r for r in rows if r["size"] == "1080p" and r["plates"] == 4)["found"] == 4


def test_bench_publishes_the_listed_demo_plates(report_dir: Path) -> None:
    """The generated list holds the demo's listed plates, so the live run has hits."""
    report = json.loads((report_dir / "report.json").read_text())
    assert report["live"]["published"] >= 1


def test_compare_prints_ratios(report_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Comparing a report with itself gives ratio 1 on every figure that is not zero."""
    path = str(report_dir / "report.json")
    assert main(["bench", "compare", path, path]) == 0
    out = capsys.readouterr().out
    assert "analysed fps" in out and "peak RSS MB" in out
    assert "1.000" in out


def test_compare_rejects_a_file_that_is_not_a_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON file without a summary is refused with exit code 11 and says why."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    assert main(["bench", "compare", str(bad), str(bad)]) == BenchError.exit_code == 11
    assert "not a bench report" in capsys.readouterr().err


def test_compare_names_a_missing_report(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A missing report file is a BenchError naming the path."""
    assert main(["bench", "compare", str(tmp_path / "nope.json"),
                 str(tmp_path / "nope.json")]) == 11
    assert "nope.json" in capsys.readouterr().err


def test_sweep_finds_the_checkout_s_scenes_from_the_console_script(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as ``anpr-edge`` (no checkout on sys.path), the sweep still finds the scenes."""
    import sys

    from edge import benchsweep

    monkeypatch.setattr(sys, "path", [p for p in sys.path
                                      if Path(p or ".").resolve() != ROOT])
    for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
        monkeypatch.delitem(sys.modules, name)
    scenes = benchsweep._scenes()
    assert scenes is not None
    assert Path(scenes.__file__ or "").resolve() == ROOT / "benchmarks" / "scenes.py"
