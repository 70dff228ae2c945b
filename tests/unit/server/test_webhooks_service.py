"""Webhook use cases over the in-memory fakes: endpoints and secrets, fan-out, signed attempts with
their retry schedule, disabling, and the delivery log's resends."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.core.clock import isoformat
from chalicelib.core.public_events import PublicEvent
from chalicelib.webhooks.models import RETRY_SCHEDULE_SECONDS, EndpointChanges
from chalicelib.webhooks.sending import HttpOutcome
from chalicelib.webhooks.service import WebhookService
from tests.fakes.clock import FakeClock
from tests.fakes.webhooks import (
    FakeCipher,
    FakeDeliveryQueue,
    FakeDestinations,
    FakeSender,
    FakeWebhookReader,
    FakeWebhookUnitOfWork,
    WebhookStore,
)

pytestmark = pytest.mark.unit

ADMIN = Actor(user_id="usr_ada", org_id="org_1", role="admin", operator=False, request_id="req")
OPERATOR = Actor(user_id="usr_op", org_id="org_ops", role="owner", operator=True, request_id="req")


class World:
    def __init__(self, *script: int | HttpOutcome, queue_delay_max: int = 900) -> None:
        self.store = WebhookStore()
        self.queue = FakeDeliveryQueue()
        self.sender = FakeSender(*script)
        self.clock = FakeClock()
        self.destinations = FakeDestinations(refused=("10.0.0.7",))
        self.service = WebhookService(
            FakeWebhookReader(self.store),
            lambda: FakeWebhookUnitOfWork(self.store),
            self.queue,
            FakeCipher(),
            self.sender,
            self.destinations,
            self.clock,
            queue_delay_max_seconds=queue_delay_max,
        )

    def run_queue(self) -> list[str]:
        """Deliver every queued task whose delay has passed by the fake clock (ignoring the rest)."""
        return [self.service.deliver(task) for task, _delay in self.queue.take()]


def event(org_id: str | None = "org_1", type_: str = "allocation.active", n: int = 1) -> PublicEvent:
    return PublicEvent(
        id=f"evt_01m8ctf599ek0c4ssze7hkp6v{n}",
        type=type_,
        timestamp="2026-11-26T12:00:00.000Z",
        org_id=org_id,
        subject="alc_1",
        data={"org_id": org_id, "allocation": {"id": "alc_1", "version": 3}},
    )


def signatures_valid(secret: str, request) -> bool:
    """Check the request's signature list against ``secret`` with the reference implementation."""
    stamp = datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), tz=UTC)
    expected = Webhook(secret).sign(request.headers["webhook-id"], stamp, request.body.decode())
    return expected in request.headers["webhook-signature"].split(" ")


def test_an_endpoint_is_created_with_a_secret_shown_once_and_never_stored_or_emitted_in_clear():
    w = World()
    endpoint, secret = w.service.create(ADMIN, "https://hooks.example.com/x", ["allocation.*"], "ops")
    assert secret.startswith("whsec_") and len(secret) > 40
    assert endpoint.sealed_secret != secret and secret not in endpoint.sealed_secret
    assert [e.type for e in w.store.outbox] == ["webhook.created"]
    trail = repr(w.store.outbox) + repr(w.store.audit)
    assert secret not in trail and endpoint.sealed_secret not in trail and "sealed" not in trail
    assert w.store.audit[0].action == "webhooks:write" and w.store.audit[0].after["url"].endswith("/x")
    assert endpoint.operator is False and w.destinations.checked == ["https://hooks.example.com/x"]


@pytest.mark.parametrize(
    ("url", "types", "error"),
    [
        ("ftp://hooks.example.com", ["*"], errors.InvalidWebhookUrlError),
        ("https://user:pw@hooks.example.com", ["*"], errors.InvalidWebhookUrlError),
        ("https://10.0.0.7/hook", ["*"], errors.InvalidWebhookUrlError),
        ("https://hooks.example.com", ["allocation.exploded"], errors.ValidationFailedError),
        ("https://hooks.example.com", ["node.*"], errors.ValidationFailedError),
        ("https://hooks.example.com", [], errors.ValidationFailedError),
    ],
)
def test_bad_endpoints_are_refused_with_catalog_errors(url, types, error):
    w = World()
    with pytest.raises(error):
        w.service.create(ADMIN, url, types)
    assert w.store.endpoints == {} and w.store.outbox == []


def test_only_operators_subscribe_to_node_events_and_only_they_receive_them():
    w = World()
    ops, _ = w.service.create(OPERATOR, "https://ops.example.com", ["node.*"])
    tenant, _ = w.service.create(ADMIN, "https://t.example.com", ["*"])
    assert ops.operator and not tenant.operator
    assert w.service.fan_out(event(None, "node.down")) == 1
    [(task, _)] = w.queue.take()
    assert task.endpoint_id == ops.id


def test_fan_out_makes_one_delivery_per_subscribed_enabled_endpoint_and_a_replay_makes_none():
    w = World()
    a, _ = w.service.create(ADMIN, "https://a.example.com", ["allocation.*"])
    w.service.create(ADMIN, "https://b.example.com", ["balance.low"])
    c, _ = w.service.create(ADMIN, "https://c.example.com", ["*"])
    w.service.update(ADMIN, c.id, EndpointChanges(enabled=False))
    assert w.service.fan_out(event()) == 1
    assert w.run_queue() == ["succeeded"]
    assert w.service.fan_out(event()) == 0  # delivered already: a replay queues nothing
    assert len(w.store.deliveries) == 1 and len(w.sender.requests) == 1
    assert w.sender.requests[0].url == a.url


def test_a_delivery_is_signed_per_standard_webhooks_with_the_event_id_and_the_public_payload():
    w = World()
    _endpoint, secret = w.service.create(ADMIN, "https://a.example.com", ["*"])
    w.service.fan_out(event())
    w.run_queue()
    [request] = w.sender.requests
    assert request.headers["webhook-id"] == event().id
    assert json.loads(request.body) == event().payload()
    assert signatures_valid(secret, request)
    assert request.headers["webhook-signature"].startswith("v1,")


def test_a_duplicate_message_makes_no_second_attempt():
    w = World()
    w.service.create(ADMIN, "https://a.example.com", ["*"])
    w.service.fan_out(event())
    [(task, _)] = w.queue.take()
    assert w.service.deliver(task) == "succeeded"
    assert w.service.deliver(task) == "duplicate"
    assert len(w.sender.requests) == 1


def test_three_failures_then_success_is_four_attempts_on_the_schedule_and_one_success():
    w = World(500, 503, HttpOutcome(None, 15000, "", error="timeout"), 204)
    endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["*"])
    w.service.fan_out(event())
    [(task, delay)] = w.queue.take()
    assert delay == 0
    assert w.service.deliver(task) == "retrying"
    [(task, delay)] = w.queue.take()
    assert delay == RETRY_SCHEDULE_SECONDS[1] == 5  # SQS holds short waits
    w.clock.advance(5)
    assert w.service.deliver(task) == "retrying"
    [(task, delay)] = w.queue.take()
    assert delay == 300
    w.clock.advance(300)
    assert w.service.deliver(task) == "retrying"
    # 30 minutes is longer than SQS holds a message: the due-time index has it, the sweeper queues it.
    assert w.queue.take() == []
    assert w.service.sweep(w.clock.now() + timedelta(seconds=1799)) == 0
    assert w.service.sweep(w.clock.now() + timedelta(seconds=1800)) == 1
    assert w.service.sweep(w.clock.now() + timedelta(seconds=1801)) == 0  # its due time moved on
    [(task, _)] = w.queue.take()
    assert w.service.deliver(task) == "succeeded"
    [delivery] = w.store.deliveries.values()
    view = w.service.delivery("org_1", endpoint.id, delivery.id)
    assert view.delivery.status == "succeeded" and view.delivery.attempts == 4
    assert [(a.status, a.status_code, a.error) for a in view.attempts] == [
        ("failed", 500, "http_status"),
        ("failed", 503, "http_status"),
        ("failed", None, "timeout"),
        ("succeeded", 204, None),
    ]
    assert {r.headers["webhook-id"] for r in w.sender.requests} == {event().id}
    # The endpoint's failing clock ran and stopped with the success.
    assert w.store.endpoints[("org_1", endpoint.id)].failing_since is None


def test_the_whole_schedule_is_eight_attempts_then_failed():
    w = World(*([500] * 8), queue_delay_max=0)
    _endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["*"])
    w.service.fan_out(event())
    results = w.run_queue()
    for delay in RETRY_SCHEDULE_SECONDS[1:]:
        w.clock.advance(delay)
        assert w.service.sweep(w.clock.now()) == 1
        results += w.run_queue()
    assert results == ["retrying"] * 7 + ["failed"]
    [delivery] = w.store.deliveries.values()
    assert delivery.status == "failed" and delivery.attempts == 8 and w.store.due == {}


def test_410_disables_the_endpoint_and_emits_webhook_disabled_reason_gone():
    w = World(410)
    endpoint, secret = w.service.create(ADMIN, "https://a.example.com", ["*"])
    w.service.fan_out(event())
    assert w.run_queue() == ["failed"]
    stored = w.store.endpoints[("org_1", endpoint.id)]
    assert not stored.enabled and stored.disabled_reason == "gone"
    disabled = w.store.outbox[-1]
    assert disabled.type == "webhook.disabled"
    assert disabled.data["reason"] == "gone" and disabled.data["org_id"] == "org_1"
    assert disabled.data["webhook"]["enabled"] is False and secret not in json.dumps(disabled.data)
    assert "sealed" not in json.dumps(disabled.data)
    # Nothing more is sent to it, and the owner re-enables it by PATCH.
    assert w.service.fan_out(event(n=2)) == 0
    again = w.service.update(ADMIN, endpoint.id, EndpointChanges(enabled=True))
    assert again.enabled and again.disabled_reason is None


def test_an_endpoint_failing_for_five_days_is_disabled_reason_failing():
    w = World(*([500] * 100))
    endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["*"])
    for n in range(6):
        w.service.fan_out(event(n=n))
        w.run_queue()
        w.queue.take()  # the retries do not matter here
        w.clock.advance(86400)
    stored = w.store.endpoints[("org_1", endpoint.id)]
    assert not stored.enabled and stored.disabled_reason == "failing"
    assert [e.data["reason"] for e in w.store.outbox if e.type == "webhook.disabled"] == ["failing"]


def test_after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one():
    w = World()
    endpoint, old = w.service.create(ADMIN, "https://a.example.com", ["*"])
    rotated, new = w.service.rotate(ADMIN, endpoint.id)
    assert new != old and rotated.previous_secret_expires_at == isoformat(w.clock.now() + timedelta(hours=24))
    assert [e.type for e in w.store.outbox] == ["webhook.created", "webhook.secret_rotated"]
    w.service.test(ADMIN, endpoint.id)
    w.run_queue()
    request = w.sender.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert signatures_valid(old, request) and signatures_valid(new, request)
    w.clock.advance(86400)
    w.service.test(ADMIN, endpoint.id)
    w.run_queue()
    request = w.sender.requests[-1]
    assert signatures_valid(new, request) and not signatures_valid(old, request)


def test_the_test_ping_is_one_logged_attempt_of_webhook_ping():
    w = World(500)
    endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["balance.low"])
    delivery = w.service.test(ADMIN, endpoint.id)
    assert w.run_queue() == ["failed"]  # a test is one attempt, never retried
    body = json.loads(w.sender.requests[0].body)
    assert body["type"] == "webhook.ping" and body["data"]["webhook_id"] == endpoint.id
    assert w.service.delivery("org_1", endpoint.id, delivery.id).delivery.attempts == 1


def test_redeliver_and_recover_resend_with_the_same_webhook_id():
    w = World(500, 500, 500)
    endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["*"])
    start = w.clock.now()
    for n in range(2):
        w.service.fan_out(event(n=n))
    w.run_queue()
    w.queue.take()
    # Both gave up (the schedule is covered above): mark them failed as the last attempt would.
    for key, d in list(w.store.deliveries.items()):
        w.store.deliveries[key] = replace(d, status="failed")
    first = sorted(w.store.deliveries.values(), key=lambda d: d.id)[0]
    again = w.service.redeliver(ADMIN, endpoint.id, first.id)
    assert again.trigger == "redeliver"
    assert w.run_queue() == ["failed"]  # the third scripted 500
    assert w.service.recover(ADMIN, endpoint.id, start - timedelta(minutes=1)) == 2
    assert w.run_queue() == ["succeeded", "succeeded"]
    ids = [r.headers["webhook-id"] for r in w.sender.requests]
    assert sorted(set(ids)) == sorted({event(n=0).id, event(n=1).id})
    with pytest.raises(errors.ValidationFailedError):
        w.service.recover(ADMIN, endpoint.id, w.clock.now() - timedelta(days=15))
    with pytest.raises(errors.WebhookDeliveryNotFoundError):
        w.service.redeliver(ADMIN, endpoint.id, "dlv_nope")


def test_another_orgs_endpoint_is_not_found_and_deletion_is_final():
    w = World()
    endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["*"])
    other = Actor(user_id="usr_eve", org_id="org_2", role="owner", operator=False, request_id="req")
    with pytest.raises(errors.WebhookNotFoundError):
        w.service.get(other.org_id, endpoint.id)
    with pytest.raises(errors.WebhookNotFoundError):
        w.service.delete(other, endpoint.id)
    w.service.delete(ADMIN, endpoint.id)
    assert [e.type for e in w.store.outbox][-1] == "webhook.deleted"
    with pytest.raises(errors.WebhookNotFoundError):
        w.service.get("org_1", endpoint.id)


def test_a_stale_if_match_is_refused():
    w = World()
    endpoint, _ = w.service.create(ADMIN, "https://a.example.com", ["*"])
    with pytest.raises(errors.PreconditionFailedError):
        w.service.update(ADMIN, endpoint.id, EndpointChanges(description="x"), expected_version=7)
    updated = w.service.update(ADMIN, endpoint.id, EndpointChanges(description="x"), expected_version=1)
    assert updated.version == 2 and [e.type for e in w.store.outbox][-1] == "webhook.updated"
