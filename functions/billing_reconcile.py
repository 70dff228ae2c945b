"""Scheduled Lambda (rate(1 hour)): every wallet's balance against the sum of its ledger entries.

A drift is an event (billing.drift_detected) and a metric (LedgerDrift) that an alarm watches.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.billing.payloads import drift_data
from chalicelib.core.observability import entrypoint, logger, metrics


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    drifts = [drift_data(d) for d in bootstrap.billing_service().reconcile()]
    metrics.add_metric(name="LedgerDrift", unit="Count", value=len(drifts))
    if drifts:
        logger.error("ledger drift", extra={"drifts": drifts})
    return {"drifts": drifts}
