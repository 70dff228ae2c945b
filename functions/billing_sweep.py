"""Scheduled Lambda (rate(1 minute)): fan the settlement of every open meter out through SQS, then
release the allocations of orgs past their grace period at zero.

The period settled is the schedule's own minute (its event ``time``, floored): a late or replayed
invocation settles the same period, and the ledger ids and meter cursors make that harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.adapters.settlement_queue import SqsSettlementQueue
from chalicelib.core.clock import isoformat
from chalicelib.core.observability import entrypoint, logger, metrics
from chalicelib.core.settings import get_settings

_PAGE = 1000


def _when(event: Any) -> datetime:
    raw = event.get("time") if isinstance(event, dict) else None
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            logger.warning("scheduled event with an unreadable time", extra={"time": raw})
    return datetime.now(UTC)


def sweep(now: datetime, queue: Any) -> dict[str, Any]:
    billing = bootstrap.billing_service()
    period_end = isoformat(billing.period_end(now))
    batch_size = get_settings().settlement_batch_size
    meters = 0
    messages: list[dict[str, Any]] = []
    for shard in billing.shards():
        cursor = None
        while True:
            page = billing.open_meters(shard, _PAGE, cursor)
            ids = list(page.items)
            meters += len(ids)
            for start in range(0, len(ids), batch_size):
                messages.append({"period_end": period_end, "allocation_ids": ids[start : start + batch_size]})
            cursor = page.next_cursor
            if not cursor:
                break
    requests = queue.send(messages) if messages else 0
    released = billing.enforce_depletion(now)
    return {
        "period_end": period_end,
        "meters": meters,
        "batches": len(messages),
        "sqs_requests": requests,
        "force_released": released,
    }


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = sweep(_when(event), SqsSettlementQueue())
    metrics.add_metric(name="MetersSwept", unit="Count", value=result["meters"])
    metrics.add_metric(name="ForceReleased", unit="Count", value=len(result["force_released"]))
    logger.info("billing sweep", extra=result)
    return result
