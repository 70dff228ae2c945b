"""Event feed Lambda: EventFeedQueue (the internal types that become public events) -> each
public event appended, once, to its org's feed (operator events to the platform's)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import entrypoint, event_log_keys, metrics
from functions.events_archive import envelope_of

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    envelope = envelope_of(record)
    with event_log_keys(envelope):
        seq = bootstrap.event_feed_service().append(envelope)
    metrics.add_metric(name="FeedEventsAppended" if seq is not None else "FeedEventsSkipped", unit="Count", value=1)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
