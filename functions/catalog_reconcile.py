"""Scheduled Lambda (rate(5 minutes)): repairs SKU capacity counters that drifted from the slots."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core.observability import entrypoint, logger, metrics
from chalicelib.core.settings import get_settings


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    corrected = bootstrap.inventory_service().reconcile_capacity(page_size=get_settings().page_limit_max)
    if corrected:
        logger.warning("capacity counters corrected", extra={"sku_ids": corrected})
    metrics.add_metric(name="CapacityCorrections", unit="Count", value=len(corrected))
    return {"corrected": corrected}
