"""Publishing hit events over MQTT 5 with paho-mqtt, through the durable outbox.

paho keeps in-flight messages in RAM only, so the outbox is the source of
truth: ``publish`` commits to SQLite and returns; a sender thread moves
pending events to the broker in order, QoS 1, with the MQTT 5 message expiry
set to the event's remaining time-to-live; PUBACK marks an event sent. While
the broker is down events wait on disk, and paho reconnects with back-off.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
from typing import Any, Literal

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import BaseModel

from edge import __version__
from edge.audit import AuditLog
from edge.config import MqttConfig, NodeConfig
from edge.errors import PublishError
from edge.logs import get_logger
from edge.pki import client_tls_context
from edge.publish.base import MessageHandler, node_topic
from edge.publish.events import CONTENT_TYPE, HitEvent, uuid7
from edge.publish.messages import SCHEMA_VERSION, StateMessage
from edge.publish.outbox import Kind, Outbox, OutboxFullError

log = get_logger("mqtt")
RESEND_AFTER_S = 60.0
SESSION_EXPIRY_S = 7 * 24 * 3600


class MqttSink:
    """An EventSink backed by the outbox and a paho MQTT 5 client."""

    def __init__(self, config: MqttConfig, node: NodeConfig, outbox: Outbox,
                 max_queued: int = 100, resend_unacked_s: float | None = None) -> None:
        if config.host is None:
            raise PublishError("mqtt.host is not set")
        self.config = config
        self.node = node
        self.outbox = outbox
        self.max_queued = max_queued
        self.resend_unacked_s = resend_unacked_s
        self.audit: AuditLog | None = None
        self.hit_topic = node_topic(config.topic_prefix, node.tenant, node.id, "evt/hit")
        self.state_topic = node_topic(config.topic_prefix, node.tenant, node.id, "state")
        self._client = self._make_client()
        self._connected = threading.Event()
        self._wake = threading.Event()
        self._progress = threading.Event()  # set when PUBACKs moved events to 'sent'
        self._stop = threading.Event()
        # mid -> (event id, when offered); owned by the sender thread alone.
        self._inflight: dict[int, tuple[str, float]] = {}
        # PUBACKs as (mid, accepted), appended by paho's thread (deque appends are atomic).
        self._acks: deque[tuple[int, bool]] = deque()
        self._cursor = 0  # highest outbox seq offered; the next query starts after it
        self._outage_logged = False
        self._subs: dict[str, tuple[MessageHandler, int]] = {}
        self._subs_lock = threading.Lock()
        self._sender = threading.Thread(target=self._send_loop, name="mqtt-sender", daemon=True)
        self.published = 0

    def _make_client(self) -> mqtt.Client:
        c = self.config
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                             client_id=self.node.id, protocol=mqtt.MQTTv5)
        if c.username is not None:
            client.username_pw_set(c.username,
                                   c.password.get_secret_value() if c.password else None)
        if c.tls is not None:
            for label, path in (("ca_file", c.tls.ca_file), ("cert_file", c.tls.cert_file),
                                ("key_file", c.tls.key_file)):
                if path is not None and not path.is_file():
                    raise PublishError(f"mqtt.tls.{label} not found: {path}")
            try:
                client.tls_set_context(
                    client_tls_context(c.tls.ca_file, c.tls.cert_file, c.tls.key_file))
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise PublishError(f"mqtt TLS set-up failed: {exc}") from exc
            client.tls_insecure_set(c.tls.insecure_skip_verify)
        client.max_inflight_messages_set(c.max_inflight)
        # paho's RAM queue stays small: the outbox on disk is the source of truth.
        client.max_queued_messages_set(self.max_queued)
        client.reconnect_delay_set(min_delay=max(1, int(c.reconnect_min_s)),
                                   max_delay=max(1, int(c.reconnect_max_s)))
        client.will_set(self.state_topic, self._state_payload("offline"), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        return client

    def _state_payload(self, state: Literal["online", "offline"]) -> bytes:
        return StateMessage(node=self.node.id, state=state, version=__version__,
                            ts=round(time.time(), 3)).model_dump_json().encode()

    def topic(self, leaf: str) -> str:
        """This node's topic ``leaf`` (``evt/health``, ``audit``, ``ack``...)."""
        return node_topic(self.config.topic_prefix, self.node.tenant, self.node.id, leaf)

    # paho callbacks run on paho's network thread.
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any,
                    reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            self._report_outage(f"connection refused: {reason_code}")
            return
        self._outage_logged = False
        log.info("broker_connected", host=self.config.host, port=self.config.port,
                 session_present=bool(getattr(flags, "session_present", False)))
        client.publish(self.state_topic, self._state_payload("online"), qos=1, retain=True)
        with self._subs_lock:
            subs = [(t, q) for t, (_, q) in self._subs.items()]
        if subs:
            client.subscribe(subs)
        self._connected.set()
        self._wake.set()

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        self._report_outage("cannot connect")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any,
                       reason_code: Any, properties: Any) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            self._report_outage(f"disconnected: {reason_code}")

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int,
                    reason_code: Any, properties: Any) -> None:
        # Hand the mid over and wake the sender: it alone owns the in-flight table, so no
        # lock is shared with paho's thread. (paho flags MQTTMessageInfo as published only
        # after this callback returns, so the sender must not rely on that flag.)
        self._acks.append((mid, not reason_code.is_failure))
        self._wake.set()

    def _report_outage(self, reason: str) -> None:
        if not self._outage_logged:
            self._outage_logged = True
            log.warning("broker_unreachable", host=self.config.host, port=self.config.port,
                        reason=reason, pending=self.outbox.count(), retrying=True)

    def subscribe(self, topic_filter: str, handler: MessageHandler, qos: int = 1) -> None:
        """Route inbound messages on ``topic_filter`` to ``handler`` (kept across reconnects)."""
        with self._subs_lock:
            self._subs[topic_filter] = (handler, qos)
        if self._connected.is_set():
            self._client.subscribe(topic_filter, qos=qos)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._subs_lock:
            handlers = [h for t, (h, _) in self._subs.items()
                        if mqtt.topic_matches_sub(t, msg.topic)]
        for handler in handlers:
            try:
                handler(msg.topic, bytes(msg.payload))
            except Exception as exc:  # a bad inbound message must never kill paho's thread
                log.error("inbound_handler_failed", topic=msg.topic, error=type(exc).__name__)

    def start(self) -> None:
        """Start connecting in the background; an unreachable broker is retried forever."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(self.config.host or "", self.config.port,
                                   keepalive=self.config.keepalive_s, clean_start=False,
                                   properties=props)
        self._client.loop_start()
        self._sender.start()

    def is_ready(self) -> bool:
        """Connected to the broker."""
        return self._connected.is_set()

    def publish(self, event: HitEvent) -> None:
        """Commit the event to the outbox (OutboxFullError if it cannot); the sender delivers it."""
        try:
            self.outbox.put(event.event_id, self.hit_topic, event.model_dump_json().encode())
        except OutboxFullError:
            if self.audit is not None:
                self.audit.record("hit_not_stored", event_id=event.event_id,
                                  list_id=event.list_id, reason="outbox full")
            raise
        self._wake.set()
        if self.audit is not None:
            self.audit.record("hit_emitted", event_id=event.event_id, camera=event.camera,
                              list_id=event.list_id, list_version=event.list_version)

    def publish_message(self, kind: Kind, leaf: str, message: BaseModel,
                        ttl_s: float | None = None) -> str:
        """Commit a non-hit message (health, counters, audit) to the outbox; returns its id."""
        event_id = uuid7()
        self.outbox.put(event_id, self.topic(leaf), message.model_dump_json().encode(),
                        kind=kind, ttl_s=ttl_s)
        self._wake.set()
        return event_id

    def _send_loop(self) -> None:
        last_purge = 0.0
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            now = time.monotonic()
            if now - last_purge > 60.0:
                last_purge = now
                if (n := self.outbox.purge_expired()) > 0:
                    log.info("outbox_expired", count=n)
                # No central ack in time: the broker may have lost it; send the same id again.
                if (self.resend_unacked_s is not None and self._connected.is_set()
                        and (n := self.outbox.requeue_unacked(self.resend_unacked_s)) > 0):
                    log.info("outbox_resend_unacked", count=n)
            self._sweep_inflight()
            if self._connected.is_set():
                self._send_pending()

    def _sweep_inflight(self) -> None:
        now = time.monotonic()
        done = []
        while self._acks:
            mid, accepted = self._acks.popleft()
            entry = self._inflight.get(mid)
            if entry is None:
                continue
            if accepted:
                done.append(entry[0])
                del self._inflight[mid]
            else:  # e.g. refused by the broker's ACL: kept, and offered again after a while
                log.error("publish_refused_by_broker", event_id=entry[0])
        for mid, (_, t) in list(self._inflight.items()):
            if now - t > RESEND_AFTER_S:
                # Offered again below; the platform de-duplicates by event id.
                del self._inflight[mid]
                self._cursor = 0
        # One transaction (one fsync) for the whole batch keeps the flush rate up.
        self.outbox.mark_sent(done)
        self.published += len(done)
        if done:
            self._progress.set()

    def _send_pending(self) -> None:
        room = self.config.max_inflight - len(self._inflight)
        if room <= 0:
            return
        flying = {e for e, _ in self._inflight.values()}
        items = self.outbox.pending(room, exclude=flying, after_seq=self._cursor)
        if not items and self._cursor:
            self._cursor = 0  # rows handed back (resend, requeue) sit behind the cursor
            items = self.outbox.pending(room, exclude=flying)
        for item in items:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.MessageExpiryInterval = max(1, int(item.expires - time.time()))
            props.ContentType = CONTENT_TYPE
            props.PayloadFormatIndicator = 1
            props.UserProperty = [("kind", item.kind), ("schema_version", str(SCHEMA_VERSION))]
            info = self._client.publish(item.topic, item.payload, qos=self.config.qos,
                                        properties=props)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return
            self._inflight[info.mid] = (item.event_id, time.monotonic())
            self._cursor = max(self._cursor, item.seq)

    def wait_delivered(self, timeout: float) -> bool:
        """Block until nothing is pending (True) or the timeout passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._progress.clear()
            if self.outbox.count("pending") == 0:
                return True
            self._wake.set()
            self._progress.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return self.outbox.count("pending") == 0

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what can be delivered in ``timeout``; the rest stays on disk."""
        if self._connected.is_set():
            self.wait_delivered(timeout)
        self._stop.set()
        self._wake.set()
        if self._sender.is_alive():
            self._sender.join(timeout=2.0)
        if self._connected.is_set():
            self._client.publish(self.state_topic, self._state_payload("offline"), qos=1,
                                 retain=True).wait_for_publish(timeout=2.0)
        self._client.disconnect()
        self._client.loop_stop()
        left = self.outbox.count("pending")
        if left:
            log.warning("events_kept_for_next_start", pending=left)
        self.outbox.close()
