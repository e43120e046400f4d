"""The MQTT contract: models, generated JSON Schemas and the AsyncAPI document agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.publish.contract import LIST_ROOT, TOPICS, asyncapi, topic_spec
from edge.publish.events import HitEvent
from edge.publish.messages import AckMessage, HealthMessage
from tests.helpers import hit_event
from tools.gen_contract import expected, stale

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_HIT_FIELDS = {
    "schema_version", "event_id", "node", "camera", "lane", "direction", "captured_at",
    "clock_synced", "list_id", "list_version", "entry_ref", "purpose", "plate", "confidence",
    "match_type", "candidates", "crop_jpeg_b64",
}


def test_committed_documents_match_the_models() -> None:
    """docs/asyncapi.yaml and docs/schemas/*.json are exactly what the models generate."""
    assert stale() == [], "run: python -m tools.gen_contract"


def test_check_notices_a_changed_document(tmp_path: Path) -> None:
    """The staleness check fails when a generated file differs from the models."""
    for p, text in expected(tmp_path).items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    assert stale(tmp_path) == []
    hit = tmp_path / "schemas" / "HitEvent.json"
    hit.write_text(hit.read_text().replace('"plate"', '"plate_hash"', 1), encoding="utf-8")
    assert stale(tmp_path) == [hit]


def test_hit_event_has_exactly_the_domain_fields() -> None:
    """The hit carries the domain.md section 4 fields and nothing else."""
    assert set(HitEvent.model_fields) == DOMAIN_HIT_FIELDS
    schema = json.loads((ROOT / "docs" / "schemas" / "HitEvent.json").read_text())
    assert set(schema["properties"]) == DOMAIN_HIT_FIELDS
    assert schema["additionalProperties"] is False


def test_an_extra_field_is_refused() -> None:
    """No field can be smuggled into a hit or an inbound ack."""
    body = json.loads(hit_event().model_dump_json())
    with pytest.raises(ValidationError):
        HitEvent.model_validate({**body, "make": "Fiat"})
    with pytest.raises(ValidationError):
        AckMessage.model_validate({"event_ids": ["x"], "plate": "AB123CD"})


def test_asyncapi_describes_every_topic_with_qos_retain_and_properties() -> None:
    """Each topic has a channel, an operation with QoS/retain, and an MQTT 5 message binding."""
    doc = json.loads((ROOT / "docs" / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    for spec in TOPICS:
        chan = doc["channels"][spec.name]
        assert chan["address"] == spec.pattern()
        assert "{node}" in chan["address"] or chan["address"].startswith(LIST_ROOT)
        op = doc["operations"][f"{spec.direction}_{spec.name}"]
        assert op["bindings"]["mqtt"]["qos"] == spec.qos
        assert op["bindings"]["mqtt"]["retain"] == spec.retain
        msg = doc["components"]["messages"][spec.message_name]
        assert msg["bindings"]["mqtt"]["contentType"] == spec.content_type
        if spec.model is not None:
            assert (ROOT / "docs" / msg["payload"]["$ref"]).is_file()
    assert topic_spec("state").retain and not topic_spec("hit").retain
    assert {s.direction for s in TOPICS if s.name in ("ack", "purge")} == {"subscribe"}


def test_no_topic_or_user_property_has_room_for_a_plate() -> None:
    """Topic patterns take only prefix, tenant and node; user properties are kind and schema."""
    doc = asyncapi()
    for chan in doc["channels"].values():
        assert set(chan["parameters"]) <= {"prefix", "tenant", "node", "list", "version",
                                           "sha256", "index"}
    for msg in doc["components"]["messages"].values():
        assert set(msg["x-user-properties"]) <= {"kind", "schema_version"}
    assert "plate" not in json.dumps(HealthMessage.model_json_schema())


def test_list_envelope_on_the_wire_fits_its_documented_model() -> None:
    """A sealed hotlist envelope validates against SignedEnvelope and names its manifest."""
    import base64

    from edge.match.hotlist.manifest import Manifest, SignedEnvelope
    from tests.hotlist_kit import build_list, entries, new_signer

    built = build_list(new_signer(), 1, entries("AB123CD"))
    env = SignedEnvelope.model_validate_json(built.envelope)
    assert Manifest.model_validate_json(base64.b64decode(env.manifest)) == built.manifest
