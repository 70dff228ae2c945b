"""SQS Lambda: settle the allocations of each batch up to the batch's period end.

Each message is one batch; a batch that fails is retried by SQS (reported as a partial batch
failure), and settling an allocation again for the same period changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import bound_log_keys, entrypoint, logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def settle_batch(record: SQSRecord) -> dict[str, int]:
    with bound_log_keys(correlation_id=record.message_id, message_id=record.message_id):
        return _settle(json.loads(record.body))


def _settle(body: dict[str, Any]) -> dict[str, int]:
    until = datetime.fromisoformat(body["period_end"].replace("Z", "+00:00"))
    billing = bootstrap.billing_service()
    seconds = micros = 0
    failed: list[str] = []
    for allocation_id in body["allocation_ids"]:
        try:
            with bound_log_keys(allocation_id=allocation_id):
                settled = billing.settle(allocation_id, until)
        except Exception:
            # Settle the rest of the batch first: one bad allocation must not leave 99 others unbilled.
            logger.exception("settlement failed", extra={"allocation_id": allocation_id})
            failed.append(allocation_id)
            continue
        seconds += settled.settled_seconds
        micros += settled.micros
    metrics.add_metric(name="SettledSeconds", unit="Count", value=seconds)
    if failed:
        # The batch comes back (settling the others again is a no-op); after five tries, the DLQ alarm.
        raise RuntimeError(f"{len(failed)} of {len(body['allocation_ids'])} allocations not settled: {failed[:5]}")
    return {"allocations": len(body["allocation_ids"]), "seconds": seconds, "micros": micros}


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=settle_batch, processor=processor, context=context)
