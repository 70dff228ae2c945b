"""Event history Lambda: EventsArchiveQueue (every bus event) -> the per-subject event log."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import entrypoint, event_log_keys, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def envelope_of(record: SQSRecord) -> dict[str, Any]:
    """The CloudEvents envelope inside an EventBridge -> SQS message (it is the event's detail)."""
    message = json.loads(record.body)
    detail = message.get("detail") if isinstance(message, dict) else None
    if not isinstance(detail, dict):
        raise ValueError(f"Message {record.message_id} carries no event detail")
    return detail


def record_handler(record: SQSRecord) -> None:
    envelope = envelope_of(record)
    with event_log_keys(envelope):
        stored = bootstrap.event_log_service().record(envelope)
    metrics.add_metric(name="EventsArchived" if stored else "DuplicateEventsSkipped", unit="Count", value=1)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
