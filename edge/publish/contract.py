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
# User properties on every outbound message: what it is and which schema, never personal data.
USER_PROPERTY_KEYS = ("kind", "schema_version")
PARAMETERS: dict[str, dict[str, str]] = {
    "prefix": {"default": "anpr/v1"},
    "tenant": {"description": "the tenant (municipality) id"},
    "node": {"description": "the node id, equal to its certificate's common name"},
}


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic of the contract."""

    name: str
    leaf: str
    direction: Literal["publish", "subscribe"]
    qos: int
    retain: bool
    model: type[BaseModel]
    description: str
    message_expiry: str
    root: str = NODE_ROOT

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
)


def topic_spec(name: str) -> TopicSpec:
    """The spec of the topic called ``name``."""
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of each payload model."""
    return {f"{s.model.__name__}.json": s.model.model_json_schema() for s in TOPICS}


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0 document describing every topic from the node's point of view."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for s in TOPICS:
        mname = s.model.__name__
        messages[mname] = {
            "name": mname,
            "contentType": CONTENT_TYPE,
            "payload": {"$ref": f"schemas/{mname}.json"},
            "bindings": {"mqtt": {
                "payloadFormatIndicator": 1,
                "contentType": CONTENT_TYPE,
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
