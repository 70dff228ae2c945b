"""The outbox relay over its in-memory bus and once-guard: one publication per event id however
often the stream redelivers it, and a refused publication fails its record (and only it) so that
the batch retries it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.outbox.relay import OutboxRelay
from tests.contract.test_function_events import FakeLambdaContext
from tests.fakes.outbox import FakePublisher, OncePerEvent, PublishRefused
from tests.support.contracts import load_function_event

pytestmark = pytest.mark.unit


def envelope(event_id: str, event_type: str = "sku.created") -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "source": "gpuaas.test.inventory", "subject": "sku_1", "data": {}}


@pytest.fixture
def world() -> tuple[OutboxRelay, FakePublisher, OncePerEvent]:
    publisher, once = FakePublisher(), OncePerEvent()
    return OutboxRelay(publisher, once=once), publisher, once


def test_an_event_is_published_once_per_id_under_redelivery(world):
    relay, publisher, _ = world
    for _ in range(3):
        relay.relay(envelope("evt_1"))
    relay.relay(envelope("evt_2", "node.created"))
    relay.relay(envelope("evt_1"))
    assert [e["id"] for e in publisher.published] == ["evt_1", "evt_2"]


def test_a_refused_publication_propagates_and_the_redelivery_publishes_it(world):
    relay, publisher, once = world
    publisher.refuse.add("evt_1")
    with pytest.raises(PublishRefused):
        relay.relay(envelope("evt_1"))
    assert publisher.published == [] and "evt_1" not in once.completed
    publisher.refuse.clear()
    relay.relay(envelope("evt_1"))
    relay.relay(envelope("evt_1"))
    assert [e["id"] for e in publisher.published] == ["evt_1"]


@pytest.mark.parametrize("missing", ["id", "type"])
def test_a_record_without_an_event_id_or_type_is_refused_unpublished(world, missing):
    relay, publisher, _ = world
    bad = envelope("evt_1")
    del bad[missing]
    with pytest.raises(ValueError):
        relay.relay(bad)
    assert publisher.published == []


def test_a_refused_publication_fails_only_its_batch_item(world, monkeypatch):
    from functions import outbox_relay

    relay, publisher, _ = world
    monkeypatch.setattr(bootstrap, "outbox_relay", lambda: relay)
    event = load_function_event("outbox_relay_stream")
    second = event["Records"][1]
    refused_id = json.loads(second["dynamodb"]["NewImage"]["envelope"]["S"])["id"]
    publisher.refuse.add(refused_id)

    result = outbox_relay.handler(event, FakeLambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": second["dynamodb"]["SequenceNumber"]}]}
    assert publisher.types() == ["sku.created"]

    publisher.refuse.clear()  # the stream redelivers the whole batch: the first record is not published again
    assert outbox_relay.handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert publisher.types() == ["sku.created", "node.created"]
