"""DynamoDB requests per use case, counted against an in-process moto, and the cost of one catalog read.

Every botocore API call is counted (``BaseClient._make_api_call`` is wrapped), so pynamodb's calls and
any stray boto3 call are both seen. Targets: a catalog read is one Query; each write use case is exactly
one TransactWriteItems plus the reads it needs (a GetItem for the SKU it changes or attaches to).
Nothing here asserts on time; ratios are printed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.audit.models import Actor

ACTOR = Actor(user_id="usr_ops", org_id="org_ops", role="owner", operator=True, request_id="req-bench")


TABLE = "gpuaas-bench-table"
REGION = "us-east-1"
TIMING_ROUNDS = 30
CATALOG_SKUS = 24


def configure_env() -> None:
    os.environ.update(
        {
            "GPUAAS_STAGE": "local",
            "GPUAAS_TABLE_NAME": TABLE,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "gpuaas-bench",
        }
    )
    # The local cloud's endpoint must not leak in: moto intercepts in-process.
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)


def create_table(client: Any) -> None:
    """The table as infra/template.yaml declares it."""
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK")
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in ("GSI1", "GSI2")
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


class RequestCounter:
    """Counts botocore API calls by (service, operation) while ``active``."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.transaction_sizes: list[int] = []
        self.active = False

    @contextmanager
    def installed(self) -> Iterator[RequestCounter]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counting(client: Any, operation_name: str, api_params: Any) -> Any:
            if counter.active:
                counter.calls[f"{client.meta.service_model.service_name}:{operation_name}"] += 1
                if operation_name == "TransactWriteItems":
                    counter.transaction_sizes.append(len(api_params.get("TransactItems", [])))
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counting
        try:
            yield self
        finally:
            BaseClient._make_api_call = original

    def measure(self, fn: Callable[[], Any]) -> tuple[Any, Counter[str]]:
        self.calls = Counter()
        self.transaction_sizes = []
        self.active = True
        try:
            result = fn()
        finally:
            self.active = False
        return result, Counter(self.calls)


def _fmt(calls: Counter[str]) -> str:
    return ", ".join(f"{op.split(':', 1)[1]} x{n}" for op, n in sorted(calls.items())) or "none"


def _median_seconds(fn: Callable[[], Any], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run() -> list[tuple[str, str, str]]:
    """Rows of (what, measured, target)."""
    configure_env()
    import boto3
    from moto import mock_aws

    rows: list[tuple[str, str, str]] = []
    with mock_aws(), RequestCounter().installed() as counter:
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client)

        from chalicelib import bootstrap
        from chalicelib.core.settings import get_settings
        from chalicelib.inventory.commands import CreateNode, CreateOsImage, CreateSku, UpdateSku
        from chalicelib.inventory.models import CatalogFilter
        from chalicelib.storage import keys

        get_settings.cache_clear()
        bootstrap.reset()
        service = bootstrap.inventory_service()

        def sku_cmd(i: int, region: str = "us-east-1", model: str = "H100-80GB-SXM", gpus: int = 2) -> CreateSku:
            return CreateSku(
                name=f"bench-sku-{i}",
                gpu_model=model,
                gpus=gpus,
                vcpus=16 * gpus,
                ram_gib=128 * gpus,
                disk_gib=500,
                region=region,
                price_per_hour_micros=2_000_000 * gpus + i,
                currency="USD",
            )

        def write_row(label: str, fn: Callable[[], Any], target: str) -> Any:
            result, calls = counter.measure(fn)
            writes = calls.get("dynamodb:TransactWriteItems", 0)
            reads = sum(n for op, n in calls.items() if op != "dynamodb:TransactWriteItems")
            sizes = "+".join(str(n) for n in counter.transaction_sizes) or "0"
            rows.append((label, f"{writes} TWI ({sizes} items) + {reads} other; all: {_fmt(calls)}", target))
            return result

        # Writes: the first use case also pays for any lazy setup (a DescribeTable would show here).
        sku = write_row("create SKU (first call)", lambda: service.create_sku(ACTOR, sku_cmd(0)), "1 TWI + 0")
        sku2 = write_row("create SKU", lambda: service.create_sku(ACTOR, sku_cmd(1, gpus=1)), "1 TWI + 0")
        write_row(
            "update SKU",
            lambda: service.update_sku(ACTOR, sku.id, UpdateSku(price_per_hour_micros=4_100_000), expected_version=1),
            "1 TWI + 1 GetItem",
        )
        write_row(
            "update SKU (rename)",
            lambda: service.update_sku(ACTOR, sku.id, UpdateSku(name="bench-sku-0-renamed"), expected_version=None),
            "1 TWI + 1 GetItem",
        )
        write_row(
            "create OS image",
            lambda: service.create_os_image(
                ACTOR,
                CreateOsImage(
                    name="ubuntu-22-04",
                    family="ubuntu",
                    version="22.04",
                    container_image="nvidia/cuda:12.4.1-runtime-ubuntu22.04",
                    cuda_version="12.4",
                ),
            ),
            "1 TWI + 0",
        )
        write_row(
            "create node (8 GPUs, 4 slots)",
            lambda: service.create_node(
                ACTOR, CreateNode(hostname="gpu-001.bench", sku_id=sku.id, gpu_model="H100-80GB-SXM", gpu_count=8)
            ),
            "1 TWI + 1 GetItem",
        )
        write_row("retire SKU", lambda: service.retire_sku(ACTOR, sku2.id, expected_version=None), "1 TWI + 1 GetItem")

        # A catalog worth filtering: SKUs over 2 regions and 2 models, a node on every fourth one.
        counter.active = False
        for i in range(2, 2 + CATALOG_SKUS):
            region = ("us-east-1", "eu-west-1")[i % 2]
            model = ("H100-80GB-SXM", "A100-40GB-PCIE")[(i // 2) % 2]
            created = service.create_sku(ACTOR, sku_cmd(i, region=region, model=model, gpus=1 + i % 4))
            if i % 4 == 0:
                service.create_node(
                    ACTOR,
                    CreateNode(
                        hostname=f"gpu-{i:03d}.bench", sku_id=created.id, gpu_model=model, gpu_count=created.gpus * 2
                    ),
                )

        filters = {
            "no filter": CatalogFilter(),
            "region": CatalogFilter(region="eu-west-1"),
            "region + gpu_model": CatalogFilter(region="us-east-1", gpu_model="A100-40GB-PCIE"),
            "gpu_model only": CatalogFilter(gpu_model="H100-80GB-SXM"),
            "min_gpus + max_price + available": CatalogFilter(
                min_gpus=2, max_price_per_hour_micros=7_000_000, available=True
            ),
        }
        for label, query in filters.items():
            page, calls = counter.measure(lambda q=query: service.list_catalog(q, 50, None))
            rows.append(
                (f"catalog read: {label}", f"{sum(calls.values())} ({_fmt(calls)}), {len(page.items)} SKUs", "1")
            )
        page, calls = counter.measure(lambda: service.list_catalog(CatalogFilter(), 8, None))
        follow, calls2 = counter.measure(lambda: service.list_catalog(CatalogFilter(), 8, page.next_cursor))
        rows.append(
            (
                "catalog read: page 2 via cursor",
                f"{sum(calls2.values())} ({_fmt(calls2)}), {len(follow.items)} SKUs",
                "1",
            )
        )

        # Time: one catalog read through the service vs one bare boto3 Query of the same index and partition.
        def bare_query() -> Any:
            return client.query(
                TableName=TABLE,
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :p",
                ExpressionAttributeValues={":p": {"S": keys.CATALOG_PARTITION}},
                Limit=50,
            )

        def service_read() -> Any:
            return service.list_catalog(CatalogFilter(), 50, None)

        assert len(bare_query()["Items"]) == len(service_read().items)
        for fn in (bare_query, service_read):  # warm both paths
            _median_seconds(fn, 10)
        bare = _median_seconds(bare_query, TIMING_ROUNDS)
        ours = _median_seconds(service_read, TIMING_ROUNDS)
        rows.append(
            (
                "catalog read time / bare boto3 Query",
                f"{ours / bare:.2f}x ({ours * 1e3:.2f} ms vs {bare * 1e3:.2f} ms, median of {TIMING_ROUNDS}, moto)",
                "report",
            )
        )
        bootstrap.reset()
        get_settings.cache_clear()
    return rows


def main() -> None:
    from bench.table import print_table

    print_table("DynamoDB requests (in-process moto)", run(), ("use case", "measured", "target"))


if __name__ == "__main__":
    main()
