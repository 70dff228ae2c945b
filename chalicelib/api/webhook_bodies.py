"""Webhooks' API response bodies (doc/openapi.yaml Webhook, WebhookDelivery, WebhookAttempt)."""

from __future__ import annotations

from typing import Any

from chalicelib.webhooks.models import Attempt, Delivery, DeliveryView, WebhookEndpoint


def webhook_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "operator": endpoint.operator,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "version": endpoint.version,
    }


def delivery_body(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "trigger": delivery.trigger,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
    }


def attempt_body(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "trigger": attempt.trigger,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "finished_at": attempt.finished_at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response": attempt.response,
        "error": attempt.error,
        "detail": attempt.detail,
    }


def delivery_view_body(view: DeliveryView) -> dict[str, Any]:
    return {
        **delivery_body(view.delivery),
        "payload": view.delivery.payload,
        "attempt_log": [attempt_body(a) for a in view.attempts],
    }
