"""The camera check: reachable, resolution and rate, and how tall plate characters are."""

from __future__ import annotations

import statistics
import time

from edge.capture import SourceFrame, make_source
from edge.doctor import CheckResult, DoctorContext, failed, passed, warned
from edge.errors import CaptureError, ModelError

MIN_CHAR_PX = 15.0
# Character height over plate height on EU plates (79 mm glyphs on a 110 mm plate);
# the detector's box is the plate's outline.
CHAR_TO_PLATE = 0.7
DETECT_EVERY = 5


def _frames(ctx: DoctorContext, cam_index: int) -> tuple[list[SourceFrame], float]:
    """Read up to ``ctx.camera_frames`` frames; also the wall time it took."""
    cam = ctx.settings.cameras[cam_index]
    if cam.source in ("file", "folder"):
        cam = cam.model_copy(update={"uri": str(ctx.host_path(cam.uri)), "realtime": False,
                                     "loop": False})
    source = make_source(cam, ctx.base)
    frames: list[SourceFrame] = []
    t0 = time.monotonic()
    source.open()
    try:
        deadline = t0 + ctx.timeout_s + cam.open_timeout_s
        while len(frames) < ctx.camera_frames and time.monotonic() < deadline:
            f = source.read()
            if f is None:
                break
            frames.append(f)
    finally:
        source.close()
    return frames, time.monotonic() - t0


def _char_heights(ctx: DoctorContext, frames: list[SourceFrame]) -> list[float]:
    from edge.detect import YoloEnd2EndDetector  # noqa: PLC0415
    from edge.doctor.checks import model_spec  # noqa: PLC0415
    from edge.inference import make_session  # noqa: PLC0415

    s = ctx.settings
    spec = model_spec(ctx, s.detector, "detector", "yolo-end2end")
    session = make_session(spec, s.inference.providers, s.inference.intra_op_threads)
    # A low width floor: the point is to see small plates, not to filter them.
    detector = YoloEnd2EndDetector(session, s.detector.threshold_for(spec.score_threshold),
                                   s.detector.nms_iou, 1, 0)
    heights = []
    for f in frames[::DETECT_EVERY]:
        heights += [CHAR_TO_PLATE * d.box.height for d in detector.detect(f.image)]
    return heights


def check_cameras(ctx: DoctorContext) -> list[CheckResult]:
    """Each camera opens and delivers frames; report size, rate and character height."""
    out: list[CheckResult] = []
    for i, cam in enumerate(ctx.settings.cameras):
        name = f"camera.{cam.id}"
        try:
            frames, wall = _frames(ctx, i)
        except CaptureError as exc:
            out.append(failed(name, f"{cam.source} {cam.uri}: {exc}",
                              _fix(cam.source)))
            continue
        if not frames:
            out.append(failed(name, f"{cam.source} {cam.uri}: opened but no frame came",
                              _fix(cam.source)))
            continue
        h, w = frames[0].image.shape[:2]
        span = frames[-1].pts - frames[0].pts
        fps = (len(frames) - 1) / span if span > 0 else (len(frames) - 1) / max(wall, 1e-6)
        detail = f"{cam.source} {cam.uri}: {w}x{h} at {fps:.1f} fps"
        out.append(passed(name, detail))
        try:
            heights = _char_heights(ctx, frames)
        except ModelError as exc:
            out.append(failed(f"{name}.chars", f"cannot run the detector: {exc}",
                              "fix the model check first"))
            continue
        seen = len(frames[::DETECT_EVERY])
        if not heights:
            out.append(warned(f"{name}.chars", f"no plate found in {seen} frames: character "
                              "height unknown", "run doctor while a car stands in the lane"))
            continue
        med = statistics.median(heights)
        line = f"plate characters about {med:.0f} px tall (median of {len(heights)} plates " \
               f"in {seen} frames)"
        if med < MIN_CHAR_PX:
            out.append(warned(f"{name}.chars", line + f", below {MIN_CHAR_PX:.0f} px",
                              "zoom in or move the camera closer (aim for 20-30 px "
                              "characters), or raise the capture resolution"))
        else:
            out.append(passed(f"{name}.chars", line))
    return out


def _fix(kind: str) -> str:
    return {
        "rtsp": "check the camera's address, user and password and that it streams H.264 "
                "over RTSP/TCP (ffprobe -rtsp_transport tcp URL)",
        "v4l2": "check the cable and that the device exists (v4l2-ctl --list-devices) and the "
                "service user is in the 'video' group",
        "picamera2": "check the ribbon cable and that rpicam-hello sees the camera",
        "gstreamer": "run the pipeline with gst-launch-1.0 to see which element fails",
    }.get(kind, "check that the clip or folder exists at the configured path")
