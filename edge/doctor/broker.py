"""The broker checks: identity files, TCP, TLS both ways, MQTT login, ACL on our topic."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

from edge import pki
from edge.doctor import CheckResult, DoctorContext, failed, passed, warned
from edge.errors import PkiError


def _tls_paths(ctx: DoctorContext) -> tuple[Path | None, Path | None, Path | None]:
    tls = ctx.settings.mqtt.tls
    if tls is None:
        return None, None, None
    return tuple(ctx.host_path(p) if p is not None else None  # type: ignore[return-value]
                 for p in (tls.ca_file, tls.cert_file, tls.key_file))


def check_identity(ctx: DoctorContext) -> list[CheckResult]:
    """The node certificate exists, names this node, is valid now and matches the key."""
    _, cert_path, key_path = _tls_paths(ctx)
    if ctx.settings.mqtt.host is None:
        return []
    if cert_path is None or key_path is None:
        return [warned("identity", "no client certificate configured (mqtt.tls)",
                       "re-run anpr-edge provision: nodes authenticate with mutual TLS")]
    node = ctx.settings.node.id
    try:
        cert = pki.load_certificate(cert_path)
        key = pki.load_private_key(key_path)
    except PkiError as exc:
        return [failed("identity", str(exc), "have the node's CSR signed by the fleet CA and "
                       f"install the certificate at {cert_path} (anpr-edge provision)")]
    now = dt.datetime.now(dt.UTC)
    cn = pki.common_name(cert)
    if cert.public_key() != key.public_key():
        return [failed("identity", f"{cert_path} does not belong to the key {key_path}",
                       "the key was rotated: send the new node.csr to the CA")]
    if cn != node:
        return [failed("identity", f"certificate is for '{cn}', config says node '{node}': "
                       "the broker ACL will refuse our topics",
                       "fix node.id or get a certificate issued for this node id")]
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return [failed("identity", f"certificate valid {cert.not_valid_before_utc:%Y-%m-%d} to "
                       f"{cert.not_valid_after_utc:%Y-%m-%d}, not now",
                       "check the clock, then renew the certificate")]
    days = (cert.not_valid_after_utc - now).days
    return [passed("identity", f"certificate for '{cn}' valid {days} more days")]


def _tls_probe(ctx: DoctorContext, host: str, port: int) -> list[CheckResult]:
    """Handshake, then wait briefly: a broker refusing our certificate says so right after."""
    ca, cert, key = _tls_paths(ctx)
    try:
        tls = pki.client_tls_context(ca, cert, key)
    except (OSError, ssl.SSLError) as exc:
        return [failed("broker.tls", f"cannot load TLS files: {exc}",
                       "re-run anpr-edge provision to place ca.pem, node.pem and the key")]
    tls.check_hostname = not (ctx.settings.mqtt.tls and
                              ctx.settings.mqtt.tls.insecure_skip_verify)
    try:
        with socket.create_connection((host, port), timeout=ctx.timeout_s) as raw, \
                tls.wrap_socket(raw, server_hostname=host) as s:
            version = s.version()
            s.settimeout(min(1.0, ctx.timeout_s))
            # Silence means the broker waits for our CONNECT: our certificate passed.
            with contextlib.suppress(TimeoutError):
                s.recv(1)
    except ssl.SSLCertVerificationError as exc:
        return [failed("broker.tls", f"broker certificate not trusted: {exc.verify_message}",
                       f"mqtt.tls.ca_file ({ca}) must be the CA that signed the broker's "
                       "certificate; get the fleet CA from the control room")]
    except ssl.SSLError as exc:
        # A TLS alert from the broker after our certificate went over: it refused it.
        if "ALERT" in str(exc.reason):
            return [failed("broker.tls", f"broker refused our certificate: {exc.reason}",
                           "the node certificate must be signed by the CA the broker trusts; "
                           "send node.csr to the control room and install the certificate")]
        return [failed("broker.tls", f"TLS handshake with {host}:{port} failed: {exc.reason}",
                       "check that this port speaks MQTT over TLS (usually 8883, not 1883)")]
    except OSError as exc:
        return [failed("broker.tls", f"TLS with {host}:{port} failed: {exc}",
                       "check that this port speaks MQTT over TLS (usually 8883, not 1883)")]
    return [passed("broker.tls", f"{version}: broker certificate trusted, ours accepted")]


def _mqtt_probe(ctx: DoctorContext, host: str, port: int) -> list[CheckResult]:
    """Log in with MQTT 5 and publish QoS 1 to our own topic: PUBACK shows the ACL verdict."""
    import paho.mqtt.client as mqtt  # noqa: PLC0415
    from paho.mqtt.enums import CallbackAPIVersion  # noqa: PLC0415

    from edge.publish.base import node_topic  # noqa: PLC0415

    s = ctx.settings
    ca, cert, key = _tls_paths(ctx)
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                         client_id=f"{s.node.id}-doctor", protocol=mqtt.MQTTv5)
    if s.mqtt.username is not None:
        client.username_pw_set(s.mqtt.username,
                               s.mqtt.password.get_secret_value() if s.mqtt.password else None)
    if s.mqtt.tls is not None:
        client.tls_set_context(pki.client_tls_context(ca, cert, key))
        client.tls_insecure_set(s.mqtt.tls.insecure_skip_verify)
    connack: list[Any] = []
    puback: list[Any] = []
    got = threading.Event()

    def on_connect(c: Any, u: Any, flags: Any, rc: Any, props: Any) -> None:
        connack.append(rc)
        got.set()

    def on_publish(c: Any, u: Any, mid: int, rc: Any, props: Any) -> None:
        puback.append(rc)
        got.set()

    client.on_connect = on_connect
    client.on_publish = on_publish
    topic = node_topic(s.mqtt.topic_prefix, s.node.tenant, s.node.id, "doctor")
    try:
        client.connect(host, port, keepalive=30)
    except (OSError, ssl.SSLError) as exc:
        return [failed("broker.mqtt", f"connect failed: {exc}", "see broker.tls")]
    client.loop_start()
    try:
        if not got.wait(ctx.timeout_s) or not connack:
            return [failed("broker.mqtt", "no CONNACK: the broker closed the connection",
                           "check the broker log; the certificate may be refused")]
        if connack[0].is_failure:
            return [failed("broker.mqtt", f"login refused: {connack[0]}",
                           "the broker must accept this node's certificate (CN = node id)")]
        got.clear()
        payload = json.dumps({"node": s.node.id, "doctor": True, "ts": round(time.time())})
        client.publish(topic, payload.encode(), qos=1)
        if not got.wait(ctx.timeout_s) or not puback:
            return [failed("broker.acl", f"no PUBACK for {topic}",
                           "check the broker log and ACL")]
        if puback[0].is_failure:
            return [passed("broker.mqtt", "MQTT 5 login accepted"),
                    failed("broker.acl", f"publish to {topic} refused: {puback[0]}",
                           "the broker ACL must allow the node's subtree "
                           f"({s.mqtt.topic_prefix}/+/%u/# with the certificate CN as "
                           "username); see tools/mosquitto/anpr.acl")]
        return [passed("broker.mqtt", "MQTT 5 login accepted"),
                passed("broker.acl", f"QoS 1 publish to {topic} acknowledged")]
    finally:
        client.disconnect()
        client.loop_stop()


def check_broker(ctx: DoctorContext) -> list[CheckResult]:
    """Broker reachable, TLS both ways, login, and publishing allowed by the ACL."""
    host, port = ctx.settings.mqtt.host, ctx.settings.mqtt.port
    if host is None:
        return [warned("broker", "mqtt.host not set: events go to standard output",
                       "set mqtt.host (anpr-edge provision --broker host:port)")]
    try:
        with socket.create_connection((host, port), timeout=ctx.timeout_s):
            pass
    except OSError as exc:
        return [failed("broker", f"cannot reach {host}:{port}: {exc}",
                       "check the broker address, the network/VPN route and the firewall "
                       f"(TCP {port}); is the broker running?")]
    out = [passed("broker", f"{host}:{port} reachable")]
    if ctx.settings.mqtt.tls is not None:
        tls = _tls_probe(ctx, host, port)
        out += tls
        if tls[0].status == "fail":
            return out
    else:
        out.append(warned("broker.tls", "no TLS configured: events cross the network in clear",
                          "configure mqtt.tls (anpr-edge provision does)"))
    return out + _mqtt_probe(ctx, host, port)
