"""Scheduled Lambda (rate(1 minute)): node health from heartbeat age (suspect after 90 s, down after 5 min).

A suspect or down node leaves placement; it comes back healthy at the first sweep after its
heartbeats resume. The sweep's "now" is the schedule's own time, so a late or replayed invocation
judges the moment it was meant for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import entrypoint, logger, metrics


def _when(event: dict[str, Any]) -> datetime:
    raw = event.get("time") if isinstance(event, dict) else None
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            logger.warning("scheduled event with an unreadable time", extra={"time": raw})
    return datetime.now(UTC)


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    changed = bootstrap.fleet_service().sweep_health(_when(event))
    if changed:
        logger.warning("node health changed", extra={"nodes": changed})
    metrics.add_metric(name="NodeHealthChanges", unit="Count", value=len(changed))
    return {"changed": changed}
