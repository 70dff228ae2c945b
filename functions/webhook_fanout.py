"""SQS Lambda: WebhookFanoutQueue (the bus's events that can become public) -> one delivery per
subscribed endpoint, queued on WebhookDeliveryQueue.

Each message is an EventBridge event whose detail is the internal CloudEvents envelope; it maps to
a public event with ``public_event()`` (or to nothing). Fanning out again is harmless: a delivery
is keyed by (endpoint, event id).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import bound_log_keys, entrypoint, metrics
from chalicelib.core.public_events import public_event

processor = BatchProcessor(event_type=EventType.SQS)


def envelope_of(record: SQSRecord) -> dict[str, Any]:
    """The CloudEvents envelope inside an EventBridge -> SQS message (the event's detail)."""
    message = json.loads(record.body)
    detail = message.get("detail") if isinstance(message, dict) else None
    if not isinstance(detail, dict):
        raise ValueError(f"Message {record.message_id} carries no event detail")
    return detail


def record_handler(record: SQSRecord) -> int:
    envelope = envelope_of(record)
    event = public_event(envelope)
    if event is None:
        return 0
    with bound_log_keys(correlation_id=event.id, event_id=event.id, event_type=event.type):
        queued = bootstrap.webhook_service().fan_out(event)
    metrics.add_metric(name="WebhookDeliveriesQueued", unit="Count", value=queued)
    return queued


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
