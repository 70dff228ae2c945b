"""Logger, metrics and (lazily) the tracer, shared by the API and every worker.

Powertools' Tracer imports the X-Ray SDK at construction (about 270 ms of cold start even
when tracing is disabled), so it is only built where tracing is switched on.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service=None, use_rfc3339=True)
# The namespace is normally POWERTOOLS_METRICS_NAMESPACE from the template; the fallback keeps a
# handler imported before its environment is set from failing on its first metric.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "GPUaaS")


@cache
def tracer() -> Any | None:
    """The Powertools tracer when tracing is enabled, else None (and the X-Ray SDK never loads)."""
    from chalicelib.core.settings import get_settings

    if not get_settings().tracing_enabled:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()
