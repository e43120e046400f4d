"""``anpr-edge bench``: measure this unit the same way on every board.

Three measurements on the same generated 1080p clip and the same large list:

1. *live*: the real :class:`edge.app.Node` in a child process (so its peak
   resident memory is the daemon's own), the clip replayed at its frame rate as a
   camera would deliver it, every frame analysed unless the node falls behind
   (then the capture queue drops frames and the report says how many);
2. *models*: the pure ``session.run`` time of the detector and of the batched
   OCR on the same frames, with the inputs prepared beforehand;
3. *decode*: the cost of decoding the clip, which a camera's hardware usually
   pays instead of the CPU.

The overhead ratio is the analysis time per frame (everything the analysis
thread does for a frame) over the pure model time per frame.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

from edge.benchclip import make_clip, make_list
from edge.config import Settings, load_settings
from edge.errors import BenchError, EdgeError
from edge.types import Frame, Image, as_image

SCHEMA = 1
DEFAULT_LIST_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What to measure and where to write."""

    out: Path
    config: Path | None = None
    clip: Path | None = None
    seconds: float = 20.0
    list_size: int = DEFAULT_LIST_SIZE
    fps: float = 25.0
    width: int = 1920
    height: int = 1080
    threads: int | None = None
    model_frames: int = 150
    sweep: bool = True


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def board_info() -> dict[str, Any]:
    """CPU, memory, providers, temperatures and throttling, where the board reports them."""
    cpu = platform.processor() or platform.machine()
    info = _read(Path("/proc/cpuinfo")) or ""
    for line in info.splitlines():
        if line.startswith(("model name", "Model", "Hardware")):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in (_read(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    temps: dict[str, float] = {}
    for zone in sorted(Path("/sys/class/thermal").glob("thermal_zone*")):
        raw, kind = _read(zone / "temp"), _read(zone / "type")
        if raw and raw.lstrip("-").isdigit():
            temps[kind or zone.name] = int(raw) / 1000.0
    throttled = None
    if shutil.which("vcgencmd"):
        try:
            throttled = subprocess.run(["vcgencmd", "get_throttled"], capture_output=True,
                                       text=True, timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            throttled = None
    return {
        "cpu": cpu, "machine": platform.machine(), "cores": os.cpu_count(),
        "memory_mb": round(mem_kb / 1024), "python": platform.python_version(),
        "onnxruntime": ort.__version__, "opencv": cv2.__version__,
        "providers": ort.get_available_providers(), "temperatures_c": temps,
        "throttled": throttled, "load_avg": list(os.getloadavg()),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM, or getrusage where /proc lacks it)."""
    for line in (_read(Path("/proc/self/status")) or "").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "n": 0}
    p = np.percentile(np.asarray(values) * 1000.0, [50, 95, 99, 100])
    return {"p50": round(float(p[0]), 2), "p95": round(float(p[1]), 2),
            "p99": round(float(p[2]), 2), "max": round(float(p[3]), 2), "n": len(values)}


def _histogram(values: list[float], bins: int = 24) -> dict[str, list[float]]:
    if not values:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(np.asarray(values) * 1000.0, bins=bins)
    return {"edges": [round(float(e), 2) for e in edges], "counts": [int(c) for c in counts]}


class _TimingSink:
    """Wraps the configured sink: counts events and times each hand-over."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.publish_s: list[float] = []

    def start(self) -> None:
        self.inner.start()

    def is_ready(self) -> bool:
        return bool(self.inner.is_ready())

    def publish(self, event: Any) -> None:
        t0 = time.monotonic()
        self.inner.publish(event)
        self.publish_s.append(time.monotonic() - t0)

    def close(self, timeout: float = 5.0) -> None:
        self.inner.close(timeout)


class _NullSink:
    """Accepts every event and keeps none (the bench measures the node, not a broker)."""

    def start(self) -> None:
        """Nothing to start."""

    def is_ready(self) -> bool:
        return True

    def publish(self, event: Any) -> None:
        """Drop the event."""

    def close(self, timeout: float = 5.0) -> None:
        """Nothing to close."""


class _TimedSession:
    """Stands in for an onnxruntime session and adds up the time spent in ``run``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.spent = 0.0

    def run(self, outputs: Any, feeds: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.run(outputs, feeds)
        finally:
            self.spent += time.perf_counter() - t0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _timed(fn: Callable[[Frame], None], spent: list[float]) -> Callable[[Frame], None]:
    def wrapper(frame: Frame) -> None:
        t0 = time.perf_counter()
        fn(frame)
        spent.append(time.perf_counter() - t0)
    return wrapper


def live_run(settings: Settings, seconds: float, base: Path) -> dict[str, Any]:
    """Run the real node for ``seconds`` (or until the recording ends); its figures."""
    from edge.app import Node  # noqa: PLC0415 - the child process only
    from edge.publish import make_sink  # noqa: PLC0415

    inner = make_sink(settings, base) if settings.mqtt.host else _NullSink()
    sink = _TimingSink(inner)
    t_build = time.monotonic()
    node = Node(settings, base=base, sink=sink)
    build_s = time.monotonic() - t_build
    # Time session.run inside the live run: the model share measured under the
    # same load as the rest of the frame's work.
    sessions = {}
    for role, model in (("detect", node.detector), ("ocr", node.recogniser)):
        if hasattr(model, "session"):
            sessions[role] = _TimedSession(model.session)
            model.session = sessions[role]
    process_s: list[list[float]] = []
    for a in node.analysers:
        spent: list[float] = []
        process_s.append(spent)
        a.process = _timed(a.process, spent)  # type: ignore[method-assign, assignment]
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    cpu0, t0 = os.times(), time.monotonic()
    node.start()
    timer.start()
    try:
        node.wait(stop)
    finally:
        timer.cancel()
        wall = time.monotonic() - t0
        cpu1 = os.times()
        node.stop()
    a, c = node.analysers[0], node.captures[0]
    s = a.stats
    per_frame = process_s[0]
    n = max(1, s.frames)
    cpu_s = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    return {
        "wall_s": round(wall, 3), "build_s": round(build_s, 3),
        "captured": c.stats.frames, "analysed": s.frames, "dropped": c.queue.dropped,
        "detections": s.detections, "reads": s.reads, "vehicles": s.vehicles, "hits": s.hits,
        "published": node.publisher.published,
        "analysed_fps": round(s.frames / wall, 2) if wall > 0 else 0.0,
        "latency_ms": _pct(s.latency_s),
        "latency_histogram_ms": _histogram(s.latency_s),
        "publish_ms": _pct(sink.publish_s),
        "stage_ms": {"detect": round(1000 * s.detect_s / n, 3),
                     "ocr": round(1000 * s.ocr_s / n, 3),
                     "analysis": round(1000 * float(np.mean(per_frame)), 3) if per_frame else 0.0,
                     "track_match": round(1000 * (sum(per_frame) - s.detect_s - s.ocr_s) / n, 3)},
        "model_ms": {role: round(1000 * t.spent / n, 3) for role, t in sessions.items()},
        "cpu_percent": round(100 * cpu_s / wall, 1) if wall > 0 else 0.0,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "list_entries": len(node.matcher) if isinstance(node.matcher, Sized) else None,
    }


def model_only(settings: Settings, clip: Path, frames: int, base: Path,
               with_sweep: bool = True) -> dict[str, Any]:
    """Pure inference and decode times on the first ``frames`` frames of ``clip``.

    With ``with_sweep``, also the analysis cost versus frame size and plate count.
    """
    from edge.app import build_detector, build_recogniser  # noqa: PLC0415
    from edge.benchsweep import sweep  # noqa: PLC0415
    from edge.ocr import crop_plate  # noqa: PLC0415
    from edge.tuning import apply_opencv_threads, decode_threads  # noqa: PLC0415

    apply_opencv_threads()  # as the node does: same conditions for the model timings

    det = build_detector(settings.detector, settings.inference, base)
    ocr = build_recogniser(settings.ocr, settings.inference, base)
    cap = cv2.VideoCapture(str(clip), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, decode_threads()])
    images: list[Image] = []
    t0 = time.perf_counter()
    while len(images) < frames:
        ok, bgr = cap.read()
        if not ok:
            break
        images.append(as_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    decode_s = time.perf_counter() - t0
    cap.release()
    if not images:
        raise BenchError(f"no frames could be decoded from {clip}")
    dsess, dname = det.session, det.input_name
    blobs = [det._letterbox(im)[0].copy() for im in images]
    crops = [[crop_plate(im, d.box, settings.ocr.crop_margin) for d in det.detect(im)]
             for im in images]
    batches = [np.stack([ocr._prepare(c) for c in cs]) for cs in crops if cs]  # type: ignore[attr-defined]
    osess, oname = ocr.session, ocr.input_name  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    for b in blobs:
        dsess.run(None, {dname: b})
    det_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for b in batches:
        osess.run(None, {oname: b})
    ocr_s = time.perf_counter() - t0
    n = len(images)
    plates = sum(len(c) for c in crops)
    return {"frames": n, "plates": plates,
            "detect_model_ms": round(1000 * det_s / n, 3),
            "ocr_model_ms": round(1000 * ocr_s / n, 3),
            "ocr_model_ms_per_plate": round(1000 * ocr_s / max(1, plates), 3),
            "model_ms": round(1000 * (det_s + ocr_s) / n, 3),
            "decode_ms": round(1000 * decode_s / n, 3),
            "sweep": sweep(det, ocr, settings.ocr.crop_margin) if with_sweep else None}


def _overrides(opts: BenchOptions, clip: Path, plates: Path, work: Path,
               paced: bool) -> dict[str, Any]:
    over: dict[str, Any] = {
        "cameras": [{"id": "bench", "source": "file", "uri": str(clip), "realtime": paced,
                     "loop": paced, "queue_size": 4}],
        "blacklist": {"file": str(plates), "list_id": "bench", "entries": []},
        "node": {"id": "bench-node", "state_dir": str(work / "state")},
        "logging": {"level": "warning", "metrics_interval_s": 3600},
        # The targets are for every frame analysed: the motion gate would skip some.
        "motion": {"enabled": False},
    }
    if opts.threads is not None:
        over["inference"] = {"intra_op_threads": opts.threads}
    return over


def _child(config: Path | None, overrides: dict[str, Any], seconds: float,
           result: Path) -> dict[str, Any]:
    """Run :func:`live_run` in a fresh interpreter and read back its figures."""
    spec = {"config": str(config) if config else None, "overrides": overrides,
            "seconds": seconds, "result": str(result), "base": str(Path.cwd())}
    proc = subprocess.run([sys.executable, "-m", "edge.bench", json.dumps(spec)],
                          capture_output=True, text=True, timeout=seconds + 300, check=False)
    if proc.returncode != 0 or not result.is_file():
        raise BenchError(f"the bench node failed (exit {proc.returncode}): "
                         f"{proc.stderr.strip()[-800:]}")
    data: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return data


def run_bench(opts: BenchOptions) -> dict[str, Any]:
    """Prepare the clip and list, run the three measurements, return the report."""
    from edge.benchreport import summarise  # noqa: PLC0415

    opts.out.mkdir(parents=True, exist_ok=True)
    base = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="anpr-bench-") as tmp:
        work = Path(tmp)
        src = opts.clip or base / "demo" / "clip.mp4"
        if not src.is_file():
            raise BenchError(f"clip not found: {src} (give --clip)")
        clip = work / "clip.mp4"
        clip_frames = make_clip(src, clip, opts.width, opts.height, opts.fps)
        plates = work / "plates.csv"
        listed = base / "demo" / "plates.csv"
        entries = make_list(plates, opts.list_size, listed if opts.clip is None else None)
        live_over = _overrides(opts, clip, plates, work, paced=True)
        settings = load_settings(opts.config, overrides=live_over)
        live = _child(opts.config, live_over, opts.seconds, work / "live.json")
        models = model_only(settings, clip, min(opts.model_frames, clip_frames), base,
                            opts.sweep)
    report: dict[str, Any] = {
        "schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "board": board_info(),
        "setup": {"width": opts.width, "height": opts.height, "fps": opts.fps,
                  "seconds": opts.seconds, "clip_frames": clip_frames, "list_entries": entries,
                  "threads": settings.inference.intra_op_threads,
                  "providers": settings.inference.providers,
                  "detector": settings.detector.name or str(settings.detector.file),
                  "ocr": settings.ocr.name or str(settings.ocr.file)},
        "live": live, "models": models,
    }
    report["summary"] = summarise(report)
    return report


def _child_main(spec_json: str) -> int:
    """Entry of the child process: run the node, write its figures as JSON."""
    spec = json.loads(spec_json)
    try:
        config = Path(spec["config"]) if spec["config"] else None
        settings = load_settings(config, overrides=spec["overrides"])
        data = live_run(settings, float(spec["seconds"]), Path(spec["base"]))
    except EdgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    Path(spec["result"]).write_text(json.dumps(data), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
