"""A GStreamer RTSP server for tests: serves a clip (H.264) at rtsp://127.0.0.1:PORT/cam.

Runs under the system Python (``/usr/bin/python3``), which has PyGObject and the
GStreamer RTSP server bindings from the Debian packages gir1.2-gst-rtsp-server-1.0,
python3-gi, gstreamer1.0-plugins-{good,bad,ugly} and gstreamer1.0-libav:

    /usr/bin/python3 tests/rtsp_server.py PORT 'DIR/frame%03d.jpg'

The clip comes as numbered JPEG frames (the test extracts them from a video
file), because an image sequence loops cleanly where a demuxed file stops at
its end. Prints ``READY`` once listening; encodes live at 10 fps.
Never imported by the node or the tests' own interpreter.
"""

from __future__ import annotations

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    """Serve until killed."""
    port, pattern = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    # multifilesrc loop=true replays the frames for as long as a client watches.
    factory.set_launch(
        f"( multifilesrc location={pattern} loop=true caps=image/jpeg,framerate=10/1 "
        "! jpegdec ! videoconvert ! video/x-raw,format=I420 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 bitrate=800 "
        "! rtph264pay name=pay0 pt=96 config-interval=1 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        print("FAILED to attach", flush=True)
        sys.exit(1)
    print("READY", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
