"""systemd readiness and watchdog notifications (``sd_notify`` without libsystemd).

``READY=1`` is sent once the node is up; ``WATCHDOG=1`` only while frames
actually flow, so systemd restarts a node whose cameras have all stalled.
Without ``$NOTIFY_SOCKET`` (not under systemd) every call is a no-op.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping


class Notifier:
    """Sends datagrams to the socket systemd gave the service."""

    def __init__(self, env: Mapping[str, str]) -> None:
        addr = env.get("NOTIFY_SOCKET", "")
        # A leading '@' names a socket in the abstract namespace.
        self._addr = "\0" + addr[1:] if addr.startswith("@") else addr
        self.watchdog_usec = int(env.get("WATCHDOG_USEC", "0") or 0)

    @property
    def enabled(self) -> bool:
        """Whether a notify socket was given."""
        return bool(self._addr)

    def send(self, *fields: str) -> bool:
        """Send ``KEY=value`` lines; False when disabled or the socket is gone."""
        if not self._addr:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                # Never wait on systemd: a full socket queue must not stall the node.
                s.sendto("\n".join(fields).encode(), socket.MSG_DONTWAIT, self._addr)
        except OSError:
            return False
        return True

    def ready(self, status: str) -> bool:
        """Tell systemd start-up is complete."""
        return self.send("READY=1", f"STATUS={status}")

    def watchdog(self) -> bool:
        """Pet the watchdog."""
        return self.send("WATCHDOG=1")

    def status(self, status: str) -> bool:
        """Update the status line shown by ``systemctl status``."""
        return self.send(f"STATUS={status}")

    def stopping(self) -> bool:
        """Tell systemd the service is shutting down."""
        return self.send("STOPPING=1")
