"""Webhook event payloads (events/schemas/common/webhook.json) and audit snapshots: an endpoint
as the platform describes it, never with its secret."""

from __future__ import annotations

from typing import Any

from chalicelib.webhooks.models import Delivery, WebhookEndpoint


def webhook_data(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "operator": endpoint.operator,
        "disabled_reason": endpoint.disabled_reason,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "version": endpoint.version,
    }


def webhook_audit(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return webhook_data(endpoint)


def delivery_audit(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "trigger": delivery.trigger,
    }
