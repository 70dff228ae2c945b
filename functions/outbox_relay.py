"""Outbox relay Lambda: DynamoDB stream (outbox INSERTs only, by FilterCriteria) -> EventBridge.

Partial batch failures: a record that fails is reported in ``batchItemFailures`` and only
it (and what follows it in the shard) is retried; the rest of the batch is not published again.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import entrypoint, event_log_keys, metrics
from chalicelib.storage.idempotency import register_lambda_context

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def envelope_of(record: DynamoDBRecord) -> dict[str, Any]:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or image.get("type") != "outbox":
        raise ValueError(f"Stream record {record.event_id} is not an outbox insert")
    raw = image["envelope"]
    envelope = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(envelope, dict):
        raise ValueError(f"Stream record {record.event_id} carries no event envelope")
    return envelope


def record_handler(record: DynamoDBRecord) -> None:
    envelope = envelope_of(record)
    with event_log_keys(envelope):
        bootstrap.outbox_relay().relay(envelope)
    metrics.add_metric(name="EventsRelayed", unit="Count", value=1)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    bootstrap.outbox_relay()  # wire first, so the guard's config exists to take the context
    register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
