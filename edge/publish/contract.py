"""The MQTT contract as data: every topic, its direction, QoS, retain flag, properties, payload.

The AsyncAPI 3 document and the JSON Schemas in ``docs/`` are generated from
this table and the pydantic models (``tools/gen_contract.py``); a test fails
when the committed files and the code disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from edge.match.hotlist.manifest import Manifest, SignedEnvelope
from edge.publish.events import CONTENT_TYPE, HitEvent
from edge.publish.messages import (
    SCHEMA_VERSION,
    AckMessage,
    AuditMessage,
    CountersMessage,
    HealthMessage,
    PurgeCommand,
    StateMessage,
)

NODE_ROOT = "{prefix}/{tenant}/{node}"
LIST_ROOT = "{prefix}/{tenant}/bl/{list}"
BINARY = "application/octet-stream"
# User properties on every outbound message: what it is and which schema, never personal data.
USER_PROPERTY_KEYS = ("kind", "schema_version")
PARAMETERS: dict[str, dict[str, str]] = {
    "prefix": {"default": "anpr/v1"},
    "tenant": {"description": "the tenant (municipality) id"},
    "node": {"description": "the node id, equal to its certificate's common name"},
    "list": {"description": "the list id"},
    "version": {"description": "the list version the chunk belongs to"},
    "sha256": {"description": "SHA-256 (hex) of the whole payload, as in the manifest"},
    "index": {"description": "chunk number, from 0 (256 KiB chunks)"},
}
# Payload models described in the documents besides the topics' own.
EXTRA_MODELS: tuple[type[BaseModel], ...] = (Manifest,)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic of the contract."""

    name: str
    leaf: str
    direction: Literal["publish", "subscribe"]
    qos: int
    retain: bool
    model: type[BaseModel] | None  # None: binary payload
    description: str
    message_expiry: str
    root: str = NODE_ROOT

    @property
    def message_name(self) -> str:
        """The AsyncAPI message name: the model's, or the topic's for binary payloads."""
        return self.model.__name__ if self.model is not None else f"{self.name}_payload"

    @property
    def content_type(self) -> str:
        """JSON for model payloads, octet-stream for binary ones."""
        return CONTENT_TYPE if self.model is not None else BINARY

    def pattern(self) -> str:
        """The full topic pattern, e.g. with ``{prefix}``, ``{tenant}`` and ``{node}``."""
        return f"{self.root}/{self.leaf}"

    def parameters(self) -> list[str]:
        """The ``{name}`` parameters of the pattern, in order."""
        return re.findall(r"\{(\w+)\}", self.pattern())


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("hit", "evt/hit", "publish", 1, False, HitEvent,
              "A blacklist hit; kept in the outbox until acknowledged on ack.",
              "remaining time-to-live of the event (outbox.ttl_h, at most 7 days)"),
    TopicSpec("health", "evt/health", "publish", 1, False, HealthMessage,
              "Periodic node health (delivery.health_interval_s).",
              "delivery.health_ttl_s"),
    TopicSpec("counters", "evt/counters", "publish", 1, False, CountersMessage,
              "Optional aggregate read counts per camera (delivery.counters_enabled).",
              "delivery.health_ttl_s"),
    TopicSpec("state", "state", "publish", 1, True, StateMessage,
              "Retained birth message 'online' on connect; Last Will 'offline'.",
              "none"),
    TopicSpec("audit", "audit", "publish", 1, False, AuditMessage,
              "Each local audit record, through the outbox, until acknowledged.",
              "remaining time-to-live (outbox.ttl_h)"),
    TopicSpec("ack", "ack", "subscribe", 1, False, AckMessage,
              "Central acknowledgements by event id; acknowledged events are deleted.",
              "set by the central platform"),
    TopicSpec("purge", "cmd/purge", "subscribe", 1, False, PurgeCommand,
              "Ed25519-signed order to remove pending events (verified before acting).",
              "set by the central platform"),
    TopicSpec("list_manifest", "manifest", "subscribe", 1, True, SignedEnvelope,
              "Signed manifest of the newest version of a list (snapshot or delta); the "
              "signature is verified before the manifest is parsed.",
              "none", root=LIST_ROOT),
    TopicSpec("list_snapshot", "snapshot", "subscribe", 1, True, SignedEnvelope,
              "Signed manifest of the newest snapshot, for a node whose installed version "
              "is not the base of the newest delta.",
              "none", root=LIST_ROOT),
    TopicSpec("list_chunk", "data/{version}/{sha256}/{index}", "subscribe", 1, True, None,
              "One chunk of a list payload (binary, see edge/match/hotlist/payload.py); "
              "chunks of versions not newer than the installed one are ignored.",
              "none", root=LIST_ROOT),
)


def topic_spec(name: str) -> TopicSpec:
    """The spec of the topic called ``name``."""
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of each payload model."""
    models = [s.model for s in TOPICS if s.model is not None] + list(EXTRA_MODELS)
    return {f"{m.__name__}.json": m.model_json_schema() for m in models}


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0 document describing every topic from the node's point of view."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for s in TOPICS:
        mname = s.message_name
        binary = s.model is None
        messages[mname] = {
            "name": mname,
            "contentType": s.content_type,
            "payload": ({"type": "string", "format": "binary"} if binary
                        else {"$ref": f"schemas/{mname}.json"}),
            "bindings": {"mqtt": {
                "payloadFormatIndicator": 0 if binary else 1,
                "contentType": s.content_type,
                "messageExpiryInterval": s.message_expiry,
                "bindingVersion": "0.2.0",
            }},
            "x-user-properties": list(USER_PROPERTY_KEYS) if s.direction == "publish" else [],
        }
        channels[s.name] = {
            "address": s.pattern(),
            "description": s.description,
            "parameters": {p: PARAMETERS.get(p, {}) for p in s.parameters()},
            "messages": {mname: {"$ref": f"#/components/messages/{mname}"}},
        }
        operations[f"{s.direction}_{s.name}"] = {
            "action": "send" if s.direction == "publish" else "receive",
            "channel": {"$ref": f"#/channels/{s.name}"},
            "bindings": {"mqtt": {"qos": s.qos, "retain": s.retain,
                                  "bindingVersion": "0.2.0"}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "anpr-edge node MQTT contract", "version": f"{SCHEMA_VERSION}.0.0",
                 "description": "MQTT 5, TLS with a client certificate per node (CN = node "
                                "id). Topics never carry personal data; payloads are JSON "
                                "with a schema_version. Generated by tools/gen_contract.py."},
        "defaultContentType": CONTENT_TYPE,
        "servers": {"broker": {"host": "broker.example:8883", "protocol": "mqtt",
                               "protocolVersion": "5",
                               "security": [{"type": "X509"}]}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render(doc: dict[str, Any]) -> str:
    """Stable text of a generated document (JSON, which is also valid YAML)."""
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
