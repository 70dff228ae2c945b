"""Scheduled Lambda (rate(1 minute)): queue the attempts that are due and longer than SQS can hold.

Retries up to 15 minutes ride SQS DelaySeconds; longer ones (30 min to 10 h) wait on the due-time
index (GSI1 ``WHDLV#DUE``), and so does every claimed attempt or queued message for a lease, as a
safety net. "Now" is the scheduled event's ``time``: a late or replayed sweep decides for its own
minute, and tests compress hours by sweeping with later times.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.clock import isoformat
from chalicelib.core.observability import entrypoint, logger, metrics


def _when(event: Any) -> datetime:
    raw = event.get("time") if isinstance(event, dict) else None
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            logger.warning("scheduled event with an unreadable time", extra={"time": raw})
    return datetime.now(UTC)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = _when(event)
    queued = bootstrap.webhook_service().sweep(now)
    metrics.add_metric(name="WebhookRetriesQueued", unit="Count", value=queued)
    result = {"now": isoformat(now), "queued": queued}
    logger.info("webhook retry sweep", extra=result)
    return result
