"""A node-like process for the SIGKILL test: publishes hits through the outbox, or drains it.

``python -m tests.outbox_child PORT OUTBOX publish`` prints each event id once
``publish`` returned (the event is committed); ``... drain`` delivers what is
pending and exits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from edge.publish import MqttSink, Outbox
from tests.helpers import NODE, hit_event, mqtt_config


def main() -> int:
    """Run in the mode named on the command line."""
    port, path, mode = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    sink = MqttSink(mqtt_config(port), NODE, Outbox(path, ttl_s=3600, max_bytes=1 << 24))
    sink.start()
    if mode == "drain":
        ok = sink.wait_delivered(60)
        sink.close()
        return 0 if ok else 1
    i = 0
    while True:
        event = hit_event(ref=f"R{i}")
        sink.publish(event)
        print(event.event_id, flush=True)
        i += 1
        time.sleep(0.005)


if __name__ == "__main__":
    sys.exit(main())
