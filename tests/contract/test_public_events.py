"""The public event contract (doc/webhooks.md): every public type has a schema, a mapping and a
catalog entry; what public_event() makes of every internal sample validates against its public
schema; the event feed's rule matches exactly the internal types that can become public."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from chalicelib.core.public_events import (
    INTERNAL_SOURCE_TYPES,
    OPERATOR_EVENT_TYPES,
    PING_EVENT_TYPE,
    PUBLIC_EVENT_TYPES,
    public_event,
)
from localcloud.template import load_raw_template
from tests.support.contracts import (
    PUBLIC_ASYNCAPI_PATH,
    PUBLIC_SCHEMAS_DIR,
    ContractViolation,
    load_sample,
    public_schema_urn,
    public_types_with_schemas,
    read_json,
    sample_types,
    validate_public_event,
)


def _variants(internal_type: str) -> list[dict[str, Any]]:
    """The internal sample, and for the types that map by a field, one copy per value that maps."""
    sample = load_sample(internal_type)
    values: dict[str, tuple[list[str], list[Any]]] = {
        "billing.credited": (["data", "kind"], ["topup"]),
        "billing.debited": (["data", "kind"], ["refund", "dispute"]),
        "node.health_changed": (["data", "node", "health"], ["suspect", "down"]),
    }
    if internal_type not in values:
        return [sample]
    path, options = values[internal_type]
    out = []
    for value in options:
        variant = copy.deepcopy(sample)
        node = variant
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        if internal_type == "billing.debited" and variant["data"]["amount_micros"] >= 0:
            variant["data"]["amount_micros"] = -abs(variant["data"]["amount_micros"]) or -1
        out.append(variant)
    return out


def _mapped() -> dict[str, dict[str, Any]]:
    """Public type -> the public event made from an internal sample."""
    found: dict[str, dict[str, Any]] = {}
    for internal_type in sorted(sample_types()):
        for envelope in _variants(internal_type):
            event = public_event(envelope)
            if event is not None:
                found[event.type] = event.payload()
    return found


def test_every_public_type_has_a_schema_and_every_schema_a_type():
    assert public_types_with_schemas() == set(PUBLIC_EVENT_TYPES) | {PING_EVENT_TYPE}
    for public_type in public_types_with_schemas():
        schema = read_json(PUBLIC_SCHEMAS_DIR / f"{public_type}.json")
        assert schema["$id"] == public_schema_urn(public_type)
        assert schema["properties"]["type"] == {"const": public_type}
        assert set(schema["required"]) == {"id", "type", "timestamp", "data"}
        assert schema["additionalProperties"] is False


def test_every_public_type_has_a_mapping_from_an_internal_sample():
    assert set(_mapped()) == set(PUBLIC_EVENT_TYPES)


@pytest.mark.parametrize("internal_type", sorted(INTERNAL_SOURCE_TYPES))
def test_what_every_mapped_internal_sample_becomes_validates_against_its_public_schema(internal_type: str):
    for envelope in _variants(internal_type):
        event = public_event(envelope)
        assert event is not None, internal_type
        body = event.payload()
        validate_public_event(body)
        assert body["id"] == envelope["id"] and body["timestamp"] == envelope["time"]
        assert "version" in body["data"] or "version" in (body["data"].get("node") or {}), internal_type


def test_the_public_schemas_are_strict():
    body = copy.deepcopy(_mapped()["allocation.active"])
    body["data"]["surprise"] = 1
    with pytest.raises(ContractViolation, match="Additional"):
        validate_public_event(body)
    with pytest.raises(ContractViolation, match="No public schema"):
        validate_public_event({**body, "type": "allocation.provisioning"})
    payment = copy.deepcopy(_mapped()["payment.succeeded"])
    payment["data"]["kind"] = "refund"  # a refund is not a payment.succeeded
    with pytest.raises(ContractViolation):
        validate_public_event(payment)
    node = copy.deepcopy(_mapped()["node.down"])
    node["type"] = "node.suspect"
    with pytest.raises(ContractViolation):
        validate_public_event(node)


def test_internal_only_samples_map_to_nothing():
    for internal_type in sorted(sample_types() - set(INTERNAL_SOURCE_TYPES)):
        assert public_event(load_sample(internal_type)) is None, internal_type


def test_the_event_feed_rule_matches_exactly_the_internal_source_types():
    template = load_raw_template()
    rule = template["Resources"]["EventFeedRule"]["Properties"]
    assert sorted(rule["EventPattern"]["detail-type"]) == sorted(INTERNAL_SOURCE_TYPES)
    assert rule["EventPattern"]["source"] == [{"prefix": "gpuaas."}]


def test_the_public_catalog_lists_every_public_type_with_its_schema():
    doc = yaml.safe_load(PUBLIC_ASYNCAPI_PATH.read_text(encoding="utf-8"))
    messages = doc["components"]["messages"]
    assert {m["name"] for m in messages.values()} == set(PUBLIC_EVENT_TYPES) | {PING_EVENT_TYPE}
    for message in messages.values():
        ref = message["payload"]["schema"]["$ref"]
        assert read_json(PUBLIC_ASYNCAPI_PATH.parent / ref)["$id"] == public_schema_urn(message["name"])
        assert message["x-operator-only"] is (message["name"] in OPERATOR_EVENT_TYPES)
    feed = {doc["components"]["messages"][k.split("/")[-1]]["name"] for k in
            (m["$ref"] for m in doc["channels"]["eventFeed"]["messages"].values())}  # fmt: skip
    assert feed == set(PUBLIC_EVENT_TYPES)  # never webhook.ping
