"""What several benches share: the SKU they rent, nearest-rank percentiles, and waiting on a condition."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

# A 1-GPU SKU as the admin API takes it (the same shape as tests/e2e/helpers.py ``sku_body``), without its name.
SKU_FIELDS: dict[str, Any] = {
    "gpu_model": "H100-80GB-SXM",
    "gpus": 1,
    "vcpus": 26,
    "ram_gib": 225,
    "disk_gib": 2000,
    "region": "us-east-1",
    "price_per_hour_micros": 2_490_000,
    "currency": "USD",
}


def sku_body(name: str) -> dict[str, Any]:
    return {"name": name, **SKU_FIELDS}


def percentile(samples: list[float], q: float) -> float:
    """Nearest rank, ``q`` in percent: of 100 samples, p99 is the second largest."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not after {timeout} s")
        time.sleep(interval)
