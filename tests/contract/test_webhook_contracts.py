"""The webhook delivery path in infra/template.yaml matches the code it serves."""

from __future__ import annotations

import pytest

from chalicelib.core.public_events import INTERNAL_SOURCE_TYPES
from localcloud.template import build_model, load_raw_template

pytestmark = pytest.mark.unit


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
