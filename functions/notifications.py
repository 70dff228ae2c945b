"""SQS Lambda: the notifications consumer (doc/webhooks.md, "Notifications").

EventBridge rule ``gpuaas-<stage>-notifications`` -> queue -> here. Each message is one internal
event; the ones that notify become in-app entries and emails for their recipients. A message that
fails is retried by SQS (partial batch failure); what was already done for a recipient is not done
again, so a redelivered event sends no second email and writes no second entry.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import entrypoint, event_log_keys, metrics
from chalicelib.notifications.service import notice_from

processor = BatchProcessor(event_type=EventType.SQS)


def notify_record(record: SQSRecord) -> dict[str, int]:
    message = json.loads(record.body)
    envelope = message.get("detail") if isinstance(message, dict) else None
    if not isinstance(envelope, dict):
        raise ValueError(f"Message {record.message_id} carries no event detail")
    with event_log_keys(envelope):
        notice = notice_from(envelope)
        if notice is None:
            return {"recipients": 0}
        delivered = bootstrap.notification_service().notify(notice)
    metrics.add_metric(name="NotificationsWritten", unit="Count", value=delivered.in_app)
    metrics.add_metric(name="NotificationEmailsSent", unit="Count", value=delivered.emails)
    return {"recipients": delivered.recipients, "emails": delivered.emails, "in_app": delivered.in_app}


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=notify_record, processor=processor, context=context)
