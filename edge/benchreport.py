"""Bench reports: the summary against the targets, Markdown, comparison, optional charts."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from edge.errors import BenchError

# The targets of the 2-core x86 machine class (issue 8); a report says met or missed.
TARGET_FPS = 25.0
TARGET_P95_MS = 150.0
TARGET_OVERHEAD = 1.15
TARGET_RSS_MB = 300.0

# Figures that compare two reports, as (label, path into the summary, higher is better).
COMPARED: tuple[tuple[str, str, bool], ...] = (
    ("analysed fps", "analysed_fps", True),
    ("dropped frames", "dropped", False),
    ("latency p50 ms", "latency_p50_ms", False),
    ("latency p95 ms", "latency_p95_ms", False),
    ("latency p99 ms", "latency_p99_ms", False),
    ("analysis ms/frame", "analysis_ms", False),
    ("model ms/frame", "model_ms", False),
    ("overhead ratio", "overhead_ratio", False),
    ("decode ms/frame", "decode_ms", False),
    ("cpu %", "cpu_percent", False),
    ("peak RSS MB", "peak_rss_mb", False),
)


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a report and whether each target is met."""
    live, models = report["live"], report["models"]
    analysis = float(live["stage_ms"]["analysis"])
    # The overhead ratio uses the model time measured inside the same live run (same
    # load, same frames); the isolated figure is kept for comparison with other boards.
    model = float(sum(live["model_ms"].values()))
    isolated = float(models["model_ms"])
    overhead = round(analysis / model, 3) if model > 0 else 0.0
    p95 = float(live["latency_ms"]["p95"]) + float(live["publish_ms"]["p95"])
    s: dict[str, Any] = {
        "analysed_fps": live["analysed_fps"], "dropped": live["dropped"],
        "latency_p50_ms": live["latency_ms"]["p50"], "latency_p95_ms": live["latency_ms"]["p95"],
        "latency_p99_ms": live["latency_ms"]["p99"],
        "capture_to_publish_p95_ms": round(p95, 2),
        "analysis_ms": analysis, "model_ms": round(model, 3), "overhead_ratio": overhead,
        "isolated_model_ms": isolated,
        "isolated_overhead_ratio": round(analysis / isolated, 3) if isolated > 0 else 0.0,
        "decode_ms": models["decode_ms"], "cpu_percent": live["cpu_percent"],
        "peak_rss_mb": live["peak_rss_mb"], "hits_published": live["published"],
    }
    s["targets"] = {
        "fps": {"target": TARGET_FPS, "met": live["analysed_fps"] >= TARGET_FPS * 0.98
                and live["dropped"] == 0},
        "p95_ms": {"target": TARGET_P95_MS, "met": p95 <= TARGET_P95_MS},
        "overhead": {"target": TARGET_OVERHEAD, "met": 0 < overhead <= TARGET_OVERHEAD},
        "rss_mb": {"target": TARGET_RSS_MB, "met": live["peak_rss_mb"] <= TARGET_RSS_MB},
    }
    return s


def load_report(path: Path) -> dict[str, Any]:
    """Read a report written by ``anpr-edge bench``; BenchError when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"bench report not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BenchError(f"{path} is not a bench report (not JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
        raise BenchError(f"{path} is not a bench report (no 'summary' section)")
    missing = [key for _, key, _ in COMPARED if key not in data["summary"]]
    if missing:
        raise BenchError(f"{path} is not a bench report (summary lacks {', '.join(missing)})")
    return data


def to_markdown(report: dict[str, Any]) -> str:
    """A human summary of one report."""
    b, st, s = report["board"], report["setup"], report["summary"]
    live, models = report["live"], report["models"]
    t = s["targets"]

    def mark(key: str) -> str:
        return "met" if t[key]["met"] else "MISSED"

    lines = [
        f"# anpr-edge bench, {report['created']}",
        "",
        f"Board: {b['cpu']} ({b['machine']}), {b['cores']} cores, {b['memory_mb']} MB, "
        f"onnxruntime {b['onnxruntime']} ({', '.join(b['providers'])}), "
        f"load average {', '.join(f'{x:.2f}' for x in b['load_avg'])}",
        f"Temperatures: {b['temperatures_c'] or 'not reported'}; "
        f"throttling: {b['throttled'] or 'not reported'}",
        "",
        f"Setup: {st['width']}x{st['height']} clip at {st['fps']:g} fps for {st['seconds']:g} s, "
        f"every frame offered to analysis; list of {st['list_entries']} entries; "
        f"{st['threads']} inference thread(s); models {st['detector']}, {st['ocr']}",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| sustained analysed fps | {s['analysed_fps']} ({s['dropped']} dropped) | "
        f">= {TARGET_FPS:g}, none dropped: {mark('fps')} |",
        f"| latency capture->analysed p50/p95/p99 ms | {s['latency_p50_ms']} / "
        f"{s['latency_p95_ms']} / {s['latency_p99_ms']} | |",
        f"| capture->publish p95 ms (analysed p95 + publish p95) | "
        f"{s['capture_to_publish_p95_ms']} | <= {TARGET_P95_MS:g}: {mark('p95_ms')} |",
        f"| analysis ms/frame / pure model ms/frame | {s['analysis_ms']} / {s['model_ms']} "
        f"= {s['overhead_ratio']} | <= {TARGET_OVERHEAD}: {mark('overhead')} |",
        f"| same, over the models timed alone on an idle loop | {s['analysis_ms']} / "
        f"{s['isolated_model_ms']} = {s['isolated_overhead_ratio']} | |",
        f"| peak RSS of the node | {s['peak_rss_mb']} MB | <= {TARGET_RSS_MB:g} MB: "
        f"{mark('rss_mb')} |",
        f"| CPU use (100 % = one core) | {s['cpu_percent']} % | |",
        "",
        "Per-stage time per analysed frame (ms): "
        + ", ".join(f"{k} {v}" for k, v in live["stage_ms"].items())
        + "; inside the run, session.run: "
        + ", ".join(f"{k} {v}" for k, v in live["model_ms"].items())
        + f"; models alone: detector {models['detect_model_ms']}, OCR {models['ocr_model_ms']} "
        f"({models['ocr_model_ms_per_plate']} per plate, {models['plates']} plates in "
        f"{models['frames']} frames); decoding {models['decode_ms']} (capture thread, not "
        "counted in the overhead).",
        f"Vehicles {live['vehicles']}, hits published {live['published']}, publish hand-over "
        f"p95 {live['publish_ms']['p95']} ms.",
        "",
    ]
    rows = models.get("sweep")
    if rows:
        counts = sorted({r["plates"] for r in rows})
        lines += ["Analysis of one frame (detect + crops + batched OCR), median ms, "
                  "generated scenes:", "",
                  "| size | " + " | ".join(f"{c} plates" for c in counts) + " |",
                  "|---|" + "---|" * len(counts)]
        for size in dict.fromkeys(r["size"] for r in rows):
            cells = [str(r["ms"]) for c in counts for r in rows
                     if r["size"] == size and r["plates"] == c]
            lines.append(f"| {size} | " + " | ".join(cells) + " |")
        lines.append("")
    else:
        lines += ["(No cost sweep: the synthetic scene renderer of the source tree is "
                  "not available here, or --no-sweep.)", ""]
    return "\n".join(lines)


def compare(a: dict[str, Any], b: dict[str, Any], name_a: str = "A",
            name_b: str = "B") -> str:
    """Two reports side by side, with B/A ratios."""
    rows = [f"{'figure':<20} {name_a[:16]:>16} {name_b[:16]:>16} {'B/A':>8}"]
    for label, key, _higher in COMPARED:
        va, vb = float(a["summary"][key]), float(b["summary"][key])
        ratio = f"{vb / va:.3f}" if va else "-"
        rows.append(f"{label:<20} {va:>16g} {vb:>16g} {ratio:>8}")
    rows.append(f"{'board':<20} {a['board']['cpu'][:16]:>16} {b['board']['cpu'][:16]:>16}")
    return "\n".join(rows)


def write_charts(report: dict[str, Any], out: Path) -> list[Path]:
    """PNG charts where matplotlib is installed (the ``charts`` extra); else none."""
    try:
        importlib.import_module("matplotlib").use("Agg")
        plt = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        return []
    hist = report["live"].get("latency_histogram_ms") or {"edges": [], "counts": []}
    fig, ax = plt.subplots(figsize=(6, 3))
    if hist["counts"]:
        edges = hist["edges"]
        ax.stairs(hist["counts"], edges, fill=True)
    s = report["summary"]
    for label, key in (("p50", "latency_p50_ms"), ("p95", "latency_p95_ms")):
        ax.axvline(s[key], linestyle="--", color="k", linewidth=0.8)
        ax.text(s[key], ax.get_ylim()[1] * 0.9, label)
    ax.set_xlabel("capture to analysed, ms")
    ax.set_ylabel("frames")
    ax.set_title(f"{report['board']['cpu']}: latency distribution")
    paths = [out / "latency.png"]
    fig.tight_layout()
    fig.savefig(paths[0])
    plt.close(fig)
    rows = report["models"].get("sweep")
    if rows:
        fig, ax = plt.subplots(figsize=(6, 3))
        sizes = list(dict.fromkeys(r["size"] for r in rows))
        for count in sorted({r["plates"] for r in rows}):
            ax.plot(sizes, [r["ms"] for s_ in sizes for r in rows
                            if r["size"] == s_ and r["plates"] == count],
                    marker="o", label=f"{count} plates")
        ax.set_ylabel("ms per frame")
        ax.set_title("analysis cost versus frame size and plates")
        ax.legend(fontsize="small")
        paths.append(out / "cost.png")
        fig.tight_layout()
        fig.savefig(paths[1])
        plt.close(fig)
    return paths
