"""Demo data for `make run`: a few regions, realistic SKUs, OS images and nodes.

Seeded through the public HTTP API with an operator token from the dev issuer, exactly as an
operator would do it, so the demo also exercises the real write path (transaction, outbox,
stream, relay, bus). Prices are demo values in integer micro-dollars per hour.
"""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.agents import AgentFleet

SKUS: list[dict[str, Any]] = [
    # name, model, gpus, vcpus, ram, disk, region, price/h (micro-USD)
    {
        "name": "h100-80gb-sxm-x1-use1",
        "gpu_model": "H100-80GB-SXM",
        "gpus": 1,
        "vcpus": 26,
        "ram_gib": 225,
        "disk_gib": 2000,
        "region": "us-east-1",
        "price_per_hour_micros": 2_490_000,
    },
    {
        "name": "h100-80gb-sxm-x8-use1",
        "gpu_model": "H100-80GB-SXM",
        "gpus": 8,
        "vcpus": 208,
        "ram_gib": 1800,
        "disk_gib": 16000,
        "region": "us-east-1",
        "price_per_hour_micros": 19_920_000,
    },
    {
        "name": "a100-80gb-sxm-x1-usw2",
        "gpu_model": "A100-80GB-SXM",
        "gpus": 1,
        "vcpus": 30,
        "ram_gib": 200,
        "disk_gib": 1000,
        "region": "us-west-2",
        "price_per_hour_micros": 1_290_000,
    },
    {
        "name": "a100-40gb-pcie-x1-usw2",
        "gpu_model": "A100-40GB-PCIE",
        "gpus": 1,
        "vcpus": 30,
        "ram_gib": 200,
        "disk_gib": 512,
        "region": "us-west-2",
        "price_per_hour_micros": 1_100_000,
    },
    {
        "name": "l40s-48gb-x1-euw1",
        "gpu_model": "L40S-48GB",
        "gpus": 1,
        "vcpus": 16,
        "ram_gib": 96,
        "disk_gib": 512,
        "region": "eu-west-1",
        "price_per_hour_micros": 990_000,
    },
    {
        "name": "l40s-48gb-x4-euw1",
        "gpu_model": "L40S-48GB",
        "gpus": 4,
        "vcpus": 64,
        "ram_gib": 384,
        "disk_gib": 2048,
        "region": "eu-west-1",
        "price_per_hour_micros": 3_960_000,
    },
]

# (hostname, SKU name, GPUs in the box)
NODES: list[tuple[str, str, int]] = [
    ("gpu-use1-001.demo.gpuaas.internal", "h100-80gb-sxm-x1-use1", 8),
    ("gpu-use1-002.demo.gpuaas.internal", "h100-80gb-sxm-x1-use1", 8),
    ("gpu-use1-003.demo.gpuaas.internal", "h100-80gb-sxm-x8-use1", 8),
    ("gpu-usw2-001.demo.gpuaas.internal", "a100-80gb-sxm-x1-usw2", 8),
    ("gpu-usw2-002.demo.gpuaas.internal", "a100-40gb-pcie-x1-usw2", 4),
    ("gpu-euw1-001.demo.gpuaas.internal", "l40s-48gb-x1-euw1", 8),
]

OS_IMAGES: list[dict[str, Any]] = [
    {
        "name": "ubuntu-22-04-cuda-12-4",
        "family": "ubuntu",
        "version": "22.04",
        "container_image": "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04",
        "cuda_version": "12.4",
    },
    {
        "name": "ubuntu-24-04-cuda-12-6",
        "family": "ubuntu",
        "version": "24.04",
        "container_image": "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04",
        "cuda_version": "12.6",
    },
    {
        "name": "pytorch-2-5-cuda-12-4",
        "family": "pytorch",
        "version": "2.5",
        "container_image": "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
        "cuda_version": "12.4",
    },
]


def _call(method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - our own loopback API
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def seed(api_url: str, *, fleet: AgentFleet | None = None) -> dict[str, int]:
    """Create the demo catalog and fleet; returns what was created.

    With ``fleet``, each demo host is a real agent process that joins with a bootstrap token, as
    in production; without it (tests), the operator registers the nodes through the admin API.
    """
    token = _call(
        "POST", f"{api_url}/v1/dev/token", {"user": "demo-operator", "org": "gpuaas-ops", "role": "operator"}
    )["access_token"]
    sku_ids = {}
    for sku in SKUS:
        created = _call("POST", f"{api_url}/v1/admin/skus", {**sku, "currency": "USD"}, token)
        sku_ids[sku["name"]] = created["id"]
    for image in OS_IMAGES:
        _call("POST", f"{api_url}/v1/admin/os-images", image, token)
    gpu_model = {s["name"]: s["gpu_model"] for s in SKUS}
    for hostname, sku_name, gpus in NODES:
        if fleet is not None:
            bootstrap = _call(
                "POST", f"{api_url}/v1/admin/bootstrap-tokens", {"sku_id": sku_ids[sku_name], "ttl_seconds": 600}, token
            )
            fleet.start(hostname, bootstrap["token"], gpus, gpu_model[sku_name])
            continue
        _call(
            "POST",
            f"{api_url}/v1/admin/nodes",
            {"hostname": hostname, "sku_id": sku_ids[sku_name], "gpu_model": gpu_model[sku_name], "gpu_count": gpus},
            token,
        )
    return {"skus": len(SKUS), "os_images": len(OS_IMAGES), "nodes": len(NODES)}
