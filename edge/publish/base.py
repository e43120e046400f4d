"""The event-sink interface and topic names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from edge.publish.events import HitEvent


@runtime_checkable
class EventSink(Protocol):
    """Where hit events go. ``publish`` returns only once the event is safe."""

    def start(self) -> None:
        """Connect or open; never blocks on an unreachable peer."""
        ...

    def is_ready(self) -> bool:
        """True once events can flow (the broker is connected, or no broker is used)."""
        ...

    def publish(self, event: HitEvent) -> None:
        """Hand over one event; durable (or written) when this returns."""
        ...

    def close(self, timeout: float = 5.0) -> None:
        """Flush what can be flushed within ``timeout`` and release resources."""
        ...


MessageHandler = Callable[[str, bytes], None]
"""Called with (topic, payload) for an inbound message, on the transport's thread."""


@runtime_checkable
class MessageSource(Protocol):
    """Inbound messages on the node's one broker connection (lists, acks, commands)."""

    def subscribe(self, topic_filter: str, handler: MessageHandler, qos: int = 1) -> None:
        """Deliver messages matching ``topic_filter`` to ``handler``, also after reconnects."""
        ...


def node_topic(prefix: str, tenant: str, node: str, leaf: str) -> str:
    """``{prefix}/{tenant}/{node}/{leaf}``: no plate ever goes into a topic."""
    return f"{prefix}/{tenant}/{node}/{leaf}"
