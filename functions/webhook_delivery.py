"""SQS Lambda: WebhookDeliveryQueue -> one signed attempt per message.

Each attempt is claimed with a conditional write before anything is sent, so a message SQS
delivers twice makes one attempt. A message fails (and comes back) only when the platform itself
failed; whatever the customer's endpoint does is an outcome, recorded, and retried on schedule.
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
from chalicelib.webhooks.models import DeliveryTask

processor = BatchProcessor(event_type=EventType.SQS)

_METRICS = {
    "succeeded": "WebhookDeliveriesSucceeded",
    "retrying": "WebhookAttemptsFailed",
    "failed": "WebhookDeliveriesFailed",
    "duplicate": "WebhookDuplicateMessages",
    "dropped": "WebhookDeliveriesDropped",
}


def record_handler(record: SQSRecord) -> str:
    task = DeliveryTask.from_document(json.loads(record.body))
    with bound_log_keys(
        correlation_id=task.delivery_id,
        delivery_id=task.delivery_id,
        webhook_id=task.endpoint_id,
        org_id=task.org_id,
        attempt=task.attempt,
    ):
        result = bootstrap.webhook_service().deliver(task)
    metrics.add_metric(name=_METRICS.get(result, "WebhookAttempts"), unit="Count", value=1)
    return result


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
