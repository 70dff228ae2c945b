"""An event travels the real path: transaction -> outbox -> stream -> relay -> bus -> rule -> SQS -> consumer."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from chalicelib.adapters.eventbridge import EventBridgePublisher
from functions import outbox_relay
from tests.e2e.helpers import items_of_type, sku_body
from tests.support.contracts import validate_event

pytestmark = pytest.mark.e2e


def history(api, subject: str) -> list[dict]:
    response = api.get(f"/v1/admin/events?subject={subject}")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_creating_a_sku_emits_sku_created_through_the_real_path(api, cloud, table):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    outbox = [i for i in items_of_type(table, "outbox") if i["event_type"]["S"].startswith("sku.")]
    assert [i["event_type"]["S"] for i in outbox] == ["sku.created"]
    assert history(api, sku["id"]) == []  # nothing is delivered until the pollers run

    cloud.drain()

    events = history(api, sku["id"])
    assert [e["type"] for e in events] == ["sku.created"]
    event = events[0]
    validate_event(event)
    assert event["subject"] == sku["id"]
    assert event["source"] == "gpuaas.inventory"
    assert event["data"]["sku"]["price_per_hour_micros"] == 2_490_000


def test_every_event_the_inventory_emits_matches_its_schema(api, cloud):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    api.patch(f"/v1/admin/skus/{sku['id']}", json={"price_per_hour_micros": 1})
    node = api.post(
        "/v1/admin/nodes",
        json={"hostname": "gpu-1.fleet", "sku_id": sku["id"], "gpu_model": sku["gpu_model"], "gpu_count": 8},
    ).json()
    image = {"name": "ubuntu-22-04", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12.4.1"}
    img = api.post("/v1/admin/os-images", json=image).json()
    api.post(f"/v1/admin/skus/{sku['id']}/retire")
    cloud.drain()
    seen = [e for subject in (sku["id"], node["id"], img["id"]) for e in history(api, subject)]
    assert Counter(e["type"] for e in seen) == {
        "sku.created": 1,
        "sku.updated": 1,
        "node.created": 1,
        "os_image.created": 1,
        "sku.retired": 1,
    }
    for event in seen:
        validate_event(event)


def test_a_relay_failure_on_one_record_redelivers_only_that_record(api, cloud, monkeypatch):
    skus = [api.post("/v1/admin/skus", json=sku_body(name=f"sku-{i}")).json() for i in range(3)]
    victim = skus[1]["id"]
    attempts: Counter[str] = Counter()
    published: Counter[str] = Counter()
    real_publish = EventBridgePublisher.publish

    def flaky_publish(self, envelope):
        attempts[envelope["subject"]] += 1
        if envelope["subject"] == victim and attempts[victim] == 1:
            raise ConnectionError("EventBridge unreachable")
        real_publish(self, envelope)
        published[envelope["subject"]] += 1

    monkeypatch.setattr(EventBridgePublisher, "publish", flaky_publish)
    responses = []

    def spying_handler(event, context):
        response = outbox_relay.handler(event, context)
        responses.append((len(event["Records"]), response))
        return response

    with cloud.override_handler("OutboxRelayFunction", spying_handler):
        cloud.drain()

    # The first batch held all three records and reported exactly the victim as failed.
    first_size, first_response = responses[0]
    assert first_size == 3
    assert len(first_response["batchItemFailures"]) == 1
    # Only the failed record was published again; nothing was published twice.
    assert attempts[skus[0]["id"]] == 1
    assert attempts[victim] == 2
    assert published == {s["id"]: 1 for s in skus}
    for sku in skus:
        assert [e["type"] for e in history(api, sku["id"])] == ["sku.created"]


def test_a_duplicate_delivery_has_no_second_effect(api, cloud, monkeypatch):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    delivered = []

    def recording_handler(event, context):
        delivered.append(copy.deepcopy(event))
        return outbox_relay.handler(event, context)

    with cloud.override_handler("OutboxRelayFunction", recording_handler):
        cloud.drain()
    assert len(delivered) == 1

    publishes: list[str] = []
    real_publish = EventBridgePublisher.publish
    monkeypatch.setattr(
        EventBridgePublisher, "publish", lambda self, env: (publishes.append(env["id"]), real_publish(self, env))
    )
    # The stream delivers the same batch again (a retried or replayed shard).
    assert cloud.invoke("OutboxRelayFunction", delivered[0]) == {"batchItemFailures": []}
    cloud.drain()
    assert publishes == []
    assert len(history(api, sku["id"])) == 1


def test_a_consumer_redelivery_is_recorded_once(api, cloud):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    archived = []
    from functions import events_archive

    def recording(event, context):
        archived.append(copy.deepcopy(event))
        return events_archive.handler(event, context)

    with cloud.override_handler("EventsArchiveFunction", recording):
        cloud.drain()
    assert cloud.invoke("EventsArchiveFunction", archived[0]) == {"batchItemFailures": []}
    assert len(history(api, sku["id"])) == 1
