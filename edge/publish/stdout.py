"""The sink used when no broker is configured: JSON lines on standard output."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from edge.publish.events import HitEvent


class StdoutSink:
    """Writes each hit as one JSON line and flushes at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def start(self) -> None:
        """Nothing to connect."""

    def is_ready(self) -> bool:
        """Standard output is always there."""
        return True

    def publish(self, event: HitEvent) -> None:
        """Write one line."""
        out = self._stream if self._stream is not None else sys.stdout
        with self._lock:
            out.write(event.model_dump_json() + "\n")
            out.flush()

    def close(self, timeout: float = 5.0) -> None:
        """Flush."""
        out = self._stream if self._stream is not None else sys.stdout
        out.flush()
