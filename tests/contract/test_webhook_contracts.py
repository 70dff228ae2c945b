"""The webhook delivery path in infra/template.yaml matches the code it serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.core.public_events import INTERNAL_SOURCE_TYPES
from localcloud.template import build_model, load_raw_template

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "samples"


def test_the_fanout_rule_matches_exactly_the_internal_types_that_can_become_public():
    rule = load_raw_template()["Resources"]["WebhookFanoutRule"]["Properties"]
    assert rule["EventPattern"]["detail-type"] == list(INTERNAL_SOURCE_TYPES)
    assert rule["EventPattern"]["source"] == [{"prefix": "gpuaas."}]


def test_each_webhook_lambda_has_its_trigger_and_its_own_policies():
    resources = load_raw_template()["Resources"]
    expected = {
        "WebhookFanoutFunction": ("functions.webhook_fanout.handler", "SQS"),
        "WebhookDeliveryFunction": ("functions.webhook_delivery.handler", "SQS"),
        "WebhookRetryFunction": ("functions.webhook_retry.handler", "Schedule"),
    }
    for logical_id, (handler, trigger) in expected.items():
        props = resources[logical_id]["Properties"]
        assert props["Handler"] == handler
        assert [e["Type"] for e in props["Events"].values()] == [trigger]
        assert props["Policies"], logical_id
    # Only the API seals secrets and only the delivery worker opens them.
    delivery = str(resources["WebhookDeliveryFunction"]["Properties"]["Policies"])
    assert "kms:Decrypt" in delivery and "kms:Encrypt" not in delivery
    assert "kms:" not in str(resources["WebhookFanoutFunction"]["Properties"]["Policies"])
    assert "kms:" not in str(resources["WebhookRetryFunction"]["Properties"]["Policies"])
    api = str(resources["APIHandler"]["Properties"]["Policies"])
    assert "kms:Encrypt" in api and "kms:Decrypt" not in api


def test_the_local_cloud_realises_the_webhook_resources_from_the_template():
    model = build_model()
    assert model.kms_aliases == {"WebhookSecretsKeyAlias": "alias/gpuaas-local-webhook-secrets"}
    assert {"WebhookFanoutQueue", "WebhookDeliveryQueue"} <= set(model.queues)
    assert "WebhookFanoutRule" in model.rules
    mapped = {(m.function_id, m.queue_id) for m in model.queue_mappings}
    assert {
        ("WebhookFanoutFunction", "WebhookFanoutQueue"),
        ("WebhookDeliveryFunction", "WebhookDeliveryQueue"),
    } <= mapped
    assert any(s.function_id == "WebhookRetryFunction" and s.expression == "rate(1 minute)" for s in model.schedules)
    assert model.global_environment["GPUAAS_WEBHOOK_KMS_KEY_ID"] == "alias/gpuaas-local-webhook-secrets"


# The three handlers take the events their triggers send ----------------------------------------


def _sqs(bodies: list[dict], queue: str) -> dict:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"r-{i}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:gpuaas-prod-{queue}",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


class RecordingWebhooks:
    def __init__(self, failing: str | None = None) -> None:
        self.fanned: list = []
        self.delivered: list = []
        self.swept: list = []
        self.failing = failing

    def fan_out(self, event):
        if event.id == self.failing:
            raise ConnectionError("DynamoDB unreachable")
        self.fanned.append(event)
        return 1

    def deliver(self, task):
        if task.delivery_id == self.failing:
            raise ConnectionError("DynamoDB unreachable")
        self.delivered.append(task)
        return "succeeded"

    def sweep(self, now):
        self.swept.append(now)
        return 2


def _bus_event(envelope: dict) -> dict:
    return {"version": "0", "detail-type": envelope["type"], "source": envelope["source"], "detail": envelope}


def test_the_fanout_handler_maps_public_events_skips_internal_ones_and_reports_only_a_failed_record(monkeypatch):
    from chalicelib import bootstrap
    from functions import webhook_fanout
    from tests.contract.test_function_events import FakeLambdaContext

    drained = json.loads((SAMPLES / "node.drained.json").read_text())
    internal = json.loads((SAMPLES / "sku.created.json").read_text())
    failing = {**drained, "id": "evt_01m8ctf599ek0c4ssze7hkp6zz"}
    webhooks = RecordingWebhooks(failing=failing["id"])
    monkeypatch.setattr(bootstrap, "webhook_service", lambda: webhooks)
    event = _sqs([_bus_event(drained), _bus_event(internal), _bus_event(failing)], "webhook-fanout")
    assert webhook_fanout.handler(event, FakeLambdaContext()) == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert [(e.id, e.type) for e in webhooks.fanned] == [(drained["id"], "node.drained")]


def test_the_delivery_handler_makes_each_attempt_and_reports_only_a_failed_record(monkeypatch):
    from chalicelib import bootstrap
    from functions import webhook_delivery
    from tests.contract.test_function_events import FakeLambdaContext

    tasks = [{"org_id": "org_1", "endpoint_id": "whk_1", "delivery_id": f"dlv_{i}", "attempt": 1} for i in range(3)]
    webhooks = RecordingWebhooks(failing="dlv_1")
    monkeypatch.setattr(bootstrap, "webhook_service", lambda: webhooks)
    result = webhook_delivery.handler(_sqs(tasks, "webhook-delivery"), FakeLambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert [t.delivery_id for t in webhooks.delivered] == ["dlv_0", "dlv_2"]


def test_the_retry_sweeper_takes_now_from_the_scheduled_events_time(monkeypatch):
    from datetime import UTC, datetime

    from chalicelib import bootstrap
    from functions import webhook_retry
    from tests.contract.test_function_events import FakeLambdaContext

    webhooks = RecordingWebhooks()
    monkeypatch.setattr(bootstrap, "webhook_service", lambda: webhooks)
    scheduled = {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-27T03:00:00Z"}
    assert webhook_retry.handler(scheduled, FakeLambdaContext()) == {"now": "2026-11-27T03:00:00.000Z", "queued": 2}
    assert webhooks.swept == [datetime(2026, 11, 27, 3, 0, tzinfo=UTC)]
