"""Settlement: what one settled allocation-minute costs, and one full sweep on the local cloud.

1. Per allocation-minute, on an in-process moto (as ``bench/dynamodb_requests.py``): ``MINUTE_ALLOCATIONS``
   active allocations, each settled one minute before, are settled once more with
   ``BillingService.settle(allocation_id, period_end)``. Every botocore call is counted by operation and
   each call is timed. The baseline, interleaved round by round on the same moto: ONE bare boto3
   ``TransactWriteItems`` with the same five writes (the settlement's own request, captured and replayed
   on a twin meter: the meter's cursor, the ledger entry, the wallet ADD, the usage ADD, the daily
   spend ADD), i.e. the one request settlement cannot do without.

2. One full sweep on the local cloud (``LocalCloud``, pollers manual, as the e2e tests drive it):
   ``SWEEP_ALLOCATIONS`` open meters, ``SWEEP_PER_ORG`` per org, written straight into the table
   (BatchWriteItem of ``meter_item(Meter(...))``; one wallet per org through ``BillingService.wallet``),
   each settled one minute before; then ``BillingSweepFunction`` is invoked (it reads the 16 shards and
   queues the batches on SQS) and ``cloud.drain()`` runs the settle Lambda over every batch. The sum of
   the usage ledger entries is checked against the sum computed from each meter's start and the period
   end. 10,000 allocations take ~5.5 minutes here, so the default is what fits in ~2 minutes and 10,000
   is extrapolated, saying so (``--allocations 10000`` runs it).

moto's ``TransactWriteItems`` backs up (deep-copies) the whole table before every transaction, for its
rollback; localcloud copies it once per transaction instead of once per item, but the copy still grows
with the table: at 10,000 meters it is ~1 s, so 10,000 settlements (40,000+ items by the end) would take
hours, all of it moto's copy. Both parts here back up only the items the transaction names (their
pre-images, and the stream's length): the same rollback, the same results, checked once per run by a
transaction that is cancelled on purpose. What the copy would have cost is measured and reported.
Nothing here asserts on time; AWS numbers differ (see the notes the bench prints).
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import os
import statistics
import sys
import time
import types
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.common import percentile

MINUTE_ALLOCATIONS = 200
MINUTE_ORGS = 10
MINUTE_WARMUP = 10
# 10,000 is the target; on a 2-core machine the local cloud settles ~30 allocations/s (~33 ms each at
# 500, 1,000, 2,000 and 3,500 allocations; a real 10,000 took 303 s, 30 ms each), so 10,000 does not
# fit in ~2 minutes. The default run is the largest round number that does, and 10,000 is extrapolated
# from it (and said so); ``python -m bench.settlement --allocations 10000`` runs the real thing.
SWEEP_TARGET = 10_000
SWEEP_ALLOCATIONS = 3_500
SWEEP_PER_ORG = 100
# Enough that an org's minute (100 allocations at these prices) never crosses a low-balance
# threshold: every settlement is the steady case (no alert write).
WELCOME_CREDIT = 100_000_000
PRICES = (2_490_000, 1_290_000, 3_990_000, 749_000)
DRAIN_TIMEOUT_S = 1800.0
MINUTE_HEADER = ("what", "measured")
SWEEP_HEADER = ("what", "measured")


def minute_title() -> str:
    return (
        f"Settlement per allocation-minute: BillingService.settle over {MINUTE_ALLOCATIONS} allocations, "
        "in-process moto (ratio to one bare 5-item TransactWriteItems on the same moto)"
    )


def sweep_title(allocations: int = SWEEP_ALLOCATIONS) -> str:
    return (
        f"Settlement sweep of {allocations:,} active allocations on the local cloud, pollers manual "
        "(BillingSweepFunction invoked, then drain() runs the settle Lambda over every batch)"
    )


# -- helpers ---------------------------------------------------------------------------------------


def _fmt(calls: Counter[str]) -> str:
    return ", ".join(f"{op} x{n}" for op, n in sorted(calls.items())) or "none"


def _allocation(prefix: str, i: int) -> str:
    return f"alloc_{prefix}{i:08d}"


def _iso(moment: datetime) -> str:
    from chalicelib.core.clock import isoformat

    return isoformat(moment)


@dataclass(frozen=True)
class Plan:
    """An active allocation settled up to one minute before ``period_end``."""

    allocation_id: str
    org_id: str
    price: int
    started_ms: int  # epoch milliseconds

    def meter(self, period_end_ms: int) -> Any:
        from chalicelib.billing.models import Meter, charge_for

        settled = (period_end_ms - 60_000 - self.started_ms) // 1000
        started = datetime.fromtimestamp(self.started_ms / 1000, UTC)
        return Meter(
            allocation_id=self.allocation_id,
            org_id=self.org_id,
            sku_id="sku_bench",
            price_per_hour_micros=self.price,
            currency="USD",
            started_at=_iso(started),
            settled_seconds=settled,
            settled_micros=charge_for(self.price, settled),
        )

    def expected_micros(self, period_end_ms: int) -> int:
        """Computed here from the start and the period end alone (integer milliseconds)."""
        before = (period_end_ms - 60_000 - self.started_ms) // 1000
        after = (period_end_ms - self.started_ms) // 1000
        return self.price * after // 3600 - self.price * before // 3600


def _plans(prefix: str, orgs: int, per_org: int, period_end_ms: int) -> list[Plan]:
    """Starts spread over the hour before the last settlement, at odd milliseconds."""
    return [
        Plan(
            allocation_id=_allocation(prefix, i),
            org_id=f"org_bench_{i % orgs:04d}",
            price=PRICES[i % len(PRICES)],
            started_ms=period_end_ms - 60_000 - 1000 * (1 + (i * 37) % 3600) - (i * 7919) % 1000,
        )
        for i in range(orgs * per_org)
    ]


def _write_meters(plans: list[Plan], period_end_ms: int) -> None:
    from chalicelib.storage.billing_repo import meter_item
    from chalicelib.storage.table import MeterItem

    with MeterItem.batch_write() as batch:
        for plan in plans:
            batch.save(meter_item(plan.meter(period_end_ms)))


# -- moto's transaction backup ---------------------------------------------------------------------


@dataclass
class Backup:
    """What backing transactions up cost: pre-images taken, or whole tables copied."""

    mode: str
    transactions: int = 0
    seconds: float = 0.0
    rollbacks: int = 0


@contextmanager
def _transaction_backup() -> Iterator[Backup]:
    """Within the block, moto's ``TransactWriteItems`` backs up only the items the transaction names
    (their pre-images and the length of the table's stream, restored if the transaction is cancelled)
    instead of the whole table (which localcloud's patch copies once per transaction). moto itself
    rolls back by putting the backup table in place of the table; here the "backup" it is handed is
    the table itself (a no-op) and the pre-images are put back instead. Safe because transactions
    never interleave: localcloud serialises every DynamoDB request, and the in-process moto of part 1
    runs one request at a time."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    installed = models.DynamoDBBackend.transact_write_items  # localcloud's copy-once, where installed
    original = getattr(installed, "__wrapped__", installed)  # moto's own, under localcloud's wrapper
    stats = Backup("touched")

    def identity(obj: Any, memo: Any = None) -> Any:
        if memo is None and isinstance(obj, Table):
            return obj
        return copy.deepcopy(obj, memo)

    def touched(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        began = time.perf_counter()
        try:
            undo, streams = _pre_images(backend, transact_items)
        except Exception:  # a malformed request: let moto refuse it, with a full backup
            return installed(backend, transact_items)
        stats.transactions += 1
        stats.seconds += time.perf_counter() - began
        models.copy = types.SimpleNamespace(deepcopy=identity)  # type: ignore[attr-defined]
        try:
            return original(backend, transact_items)
        except BaseException:
            _restore(undo, streams)
            stats.rollbacks += 1
            raise
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    models.DynamoDBBackend.transact_write_items = touched  # type: ignore[method-assign]
    try:
        yield stats
    finally:
        models.DynamoDBBackend.transact_write_items = installed  # type: ignore[method-assign]


def _pre_images(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    undo: list[tuple[Any, Any, Any, Any]] = []
    tables: dict[int, Any] = {}
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue  # moto refuses it before writing anything
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        hash_key, range_key = backend.get_keys_value(table, key)
        current = table.get_item(hash_key, range_key)
        undo.append((table, hash_key, range_key, copy.deepcopy(current)))  # updates mutate items in place
        tables[id(table)] = table
    streams = [(t, len(t.stream_shard.items)) for t in tables.values() if t.stream_shard is not None]
    return undo, streams


def _restore(undo: list[Any], streams: list[Any]) -> None:
    for table, hash_key, range_key, item in reversed(undo):
        if table.has_range_key:
            bucket = table.items[hash_key]
            if item is None:
                bucket.pop(range_key, None)
            else:
                bucket[range_key] = item
            if not bucket:
                del table.items[hash_key]
        elif item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    for table, length in streams:
        del table.stream_shard.items[length:]


def _check_rollback(client: Any, table: str, backup: Backup) -> str:
    """A transaction cancelled on purpose (an update and a put, then a failed condition) must leave
    the items and the stream exactly as they were."""
    from moto.dynamodb.models import dynamodb_backends

    def moto_table() -> Any:
        for regions in dynamodb_backends.values():
            for backend in regions.values():
                if table in backend.tables:
                    return backend.tables[table]
        raise LookupError(table)

    key_a = {"PK": {"S": "BENCH#rollback"}, "SK": {"S": "A"}}
    key_b = {"PK": {"S": "BENCH#rollback"}, "SK": {"S": "B"}}
    client.put_item(TableName=table, Item={**key_a, "v": {"N": "1"}})
    stream_before = len(moto_table().stream_shard.items)
    rollbacks = backup.rollbacks
    try:
        client.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": table, "Key": key_a, "UpdateExpression": "SET v = :v",
                            "ExpressionAttributeValues": {":v": {"N": "2"}}}},
                {"Put": {"TableName": table, "Item": {**key_b, "v": {"N": "3"}}}},
                {"ConditionCheck": {"TableName": table, "Key": {"PK": {"S": "BENCH#rollback"}, "SK": {"S": "C"}},
                                    "ConditionExpression": "attribute_exists(PK)"}},
            ]
        )  # fmt: skip
        cancelled = False
    except client.exceptions.TransactionCanceledException:
        cancelled = True
    a = client.get_item(TableName=table, Key=key_a, ConsistentRead=True).get("Item", {})
    b = client.get_item(TableName=table, Key=key_b, ConsistentRead=True).get("Item")
    stream_after = len(moto_table().stream_shard.items)
    client.delete_item(TableName=table, Key=key_a)
    ok = (
        cancelled
        and a.get("v") == {"N": "1"}
        and b is None
        and stream_after == stream_before
        and backup.rollbacks == rollbacks + (backup.mode == "touched")
    )
    if not ok:
        raise RuntimeError(f"rollback self-check failed: cancelled={cancelled} a={a} b={b} "
                           f"stream {stream_before}->{stream_after}")  # fmt: skip
    return "ok (a cancelled update + put left the items and the stream as they were)"


def _table_copy_seconds(table: str) -> tuple[float, int]:
    """One deep copy of the table as moto makes it for a transaction's rollback, and its item count."""
    from moto.dynamodb.models import dynamodb_backends

    for regions in dynamodb_backends.values():
        for backend in regions.values():
            if table in backend.tables:
                found = backend.tables[table]
                items = sum(len(v) for v in found.items.values())
                began = time.perf_counter()
                copy.deepcopy(found)
                return time.perf_counter() - began, items
    raise LookupError(table)


# -- 1. per allocation-minute, in-process moto -----------------------------------------------------


class Calls:
    """botocore calls (operation, params, seconds) while ``active``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, float]] = []
        self.active = False

    @contextmanager
    def installed(self) -> Iterator[Calls]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        calls = self

        def recording(client: Any, operation_name: str, api_params: Any) -> Any:
            if not calls.active:
                return original(client, operation_name, api_params)
            began = time.perf_counter()
            try:
                return original(client, operation_name, api_params)
            finally:
                calls.calls.append((operation_name, api_params, time.perf_counter() - began))

        BaseClient._make_api_call = recording
        try:
            yield self
        finally:
            BaseClient._make_api_call = original

    def measure(self, fn: Callable[[], Any]) -> tuple[float, list[tuple[str, Any, float]]]:
        self.calls = []
        self.active = True
        try:
            began = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - began
        finally:
            self.active = False
        return elapsed, list(self.calls)


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    return value


def _per_minute() -> list[tuple[str, str]]:
    from bench.dynamodb_requests import TABLE, configure_env, create_table
    from bench.provisioning import _env, _forget_connections, _reset_moto

    configure_env()
    _reset_moto()
    import boto3
    from moto import mock_aws

    rows: list[tuple[str, str]] = []
    with (
        _env({"GPUAAS_WELCOME_CREDIT_MICROS": str(WELCOME_CREDIT)}),
        mock_aws(),
        Calls().installed() as calls,
        _transaction_backup() as backup,
    ):
        from chalicelib import bootstrap
        from chalicelib.billing.service import BillingService
        from chalicelib.core.settings import get_settings

        client = boto3.client("dynamodb")
        create_table(client)
        get_settings.cache_clear()
        bootstrap.reset()
        _forget_connections()
        billing = bootstrap.billing_service()
        checked = _check_rollback(client, TABLE, backup)

        period_end = BillingService.period_end(datetime.now(UTC))
        end_ms = int(period_end.timestamp() * 1000)
        count = MINUTE_WARMUP + MINUTE_ALLOCATIONS
        per_org = -(-count // MINUTE_ORGS)
        plans = _plans("s", MINUTE_ORGS, per_org, end_ms)[:count]
        # Twins: the same meters under other ids, for the bare transaction to move.
        twins = [Plan(_allocation("b", i), p.org_id, p.price, p.started_ms) for i, p in enumerate(plans)]
        for org in sorted({p.org_id for p in plans}):
            billing.wallet(org)
        _write_meters(plans + twins, end_ms)

        settle_s: list[float] = []
        bare_s: list[float] = []
        inner_twi_s: list[float] = []
        reads_s: list[float] = []
        per_call: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        sizes: Counter[int] = Counter()
        micros = expected = 0
        for i, (plan, twin) in enumerate(zip(plans, twins, strict=True)):
            result: dict[str, Any] = {}

            def settle(p: Plan = plan, out: dict[str, Any] = result) -> None:
                out["micros"] = billing.settle(p.allocation_id, period_end).micros

            elapsed, made = calls.measure(settle)
            [(twi, twi_s)] = [(params, s) for op, params, s in made if op == "TransactWriteItems"]
            params = _replace({k: v for k, v in twi.items() if k != "ClientRequestToken"},
                              plan.allocation_id, twin.allocation_id)  # fmt: skip
            began = time.perf_counter()
            client.transact_write_items(**params)
            bare = time.perf_counter() - began
            if i < MINUTE_WARMUP:
                continue
            settle_s.append(elapsed)
            bare_s.append(bare)
            inner_twi_s.append(twi_s)
            reads_s.append(sum(s for op, _, s in made if op != "TransactWriteItems"))
            ops = Counter(op for op, _, _ in made)
            per_call[_fmt(ops)] += 1
            totals.update(ops)
            sizes[len(twi["TransactItems"])] += 1
            micros += result["micros"]
            expected += plan.expected_micros(end_ms)
        copy_s, table_items = _table_copy_seconds(TABLE)
        bootstrap.reset()
        get_settings.cache_clear()

    n = len(settle_s)
    shapes = "; ".join(f"{calls_} ({k} of {n})" for calls_, k in per_call.most_common())
    requests = sum(totals.values()) / n
    p50_settle, p50_bare = statistics.median(settle_s), statistics.median(bare_s)
    rest = [s - t - r for s, t, r in zip(settle_s, inner_twi_s, reads_s, strict=True)]
    rows += [
        ("allocations settled (after warm-up)", f"{n} one-minute settlements ({MINUTE_WARMUP} warm-up ones before)"),
        ("DynamoDB requests per settle", shapes),
        (
            "  in all",
            f"{_fmt(totals)} = {requests:.2f} requests per allocation-minute; TWI items: "
            + ", ".join(f"{size} ({k}x)" for size, k in sorted(sizes.items())),
        ),
        ("baseline requests", "1 TransactWriteItems (5 items: meter Update, ledger Put, wallet/usage/spend Update)"),
        ("requests ratio", f"{requests:.2f}x ({requests - 1:.2f} reads per settle on top of the one TWI)"),
        (
            "time per settle",
            f"p50 {p50_settle * 1e3:.2f} ms, p90 {percentile(settle_s, 90) * 1e3:.2f} ms, "
            f"mean {statistics.fmean(settle_s) * 1e3:.2f} ms",
        ),
        (
            "  of which (p50s)",
            f"its TWI {statistics.median(inner_twi_s) * 1e3:.2f} ms, its reads {statistics.median(reads_s) * 1e3:.2f} "
            f"ms, the rest (domain code, building the request) {statistics.median(rest) * 1e3:.2f} ms",
        ),
        (
            "time per bare TWI (same 5 writes, twin meter)",
            f"p50 {p50_bare * 1e3:.2f} ms, p90 {percentile(bare_s, 90) * 1e3:.2f} ms, "
            f"mean {statistics.fmean(bare_s) * 1e3:.2f} ms",
        ),
        (
            "time ratio settle / bare TWI",
            f"p50 {p50_settle / p50_bare:.2f}x, mean {statistics.fmean(settle_s) / statistics.fmean(bare_s):.2f}x "
            f"(each settle, then its bare twin, round by round; {n} rounds)",
        ),
        (
            "charged",
            f"{micros} micros; expected from starts and period end: {expected} "
            f"({'equal' if micros == expected else 'DIFFERENT'})",
        ),
        (
            "moto's table backup (left out, both sides)",
            f"moto deep-copies the whole table before a TWI (once per item; localcloud: once per TWI): "
            f"{copy_s * 1e3:.0f} ms a copy at {table_items:,} items, which would swamp both sides; here the named "
            f"items' pre-images instead, {backup.seconds / max(1, backup.transactions) * 1e3:.2f} ms per TWI",
        ),
        ("rollback self-check", checked),
        (
            "what the times are",
            "in-process moto: no network, one request at a time; its TWI is ~9 ms of Python (parsing and "
            "validating five update expressions), a GetItem a few ms. On DynamoDB both are network round trips "
            "at other latencies: the request count (3 per allocation-minute, 1 of them the TWI) carries over, "
            "the time ratio does not",
        ),
    ]
    return rows


# -- 2. a full sweep on the local cloud ------------------------------------------------------------


@dataclass
class ServerLog:
    """DynamoDB requests moto's server handled (action, seconds) and Lambda invocations (seconds, SQS
    records, allocation ids in them)."""

    dynamodb: list[tuple[str, float]] = field(default_factory=list)
    lambdas: dict[str, list[tuple[float, int, int]]] = field(default_factory=dict)
    active: bool = False

    @contextmanager
    def installed(self, runtime: Any) -> Iterator[ServerLog]:
        from moto.dynamodb.responses import DynamoHandler

        from bench.provisioning import _patched
        from localcloud.moto_patches import DYNAMODB_LOCK

        log = self
        original_call = DynamoHandler.call_action
        original_invoke = runtime.invoke

        def dynamodb_call(handler: Any) -> Any:
            with DYNAMODB_LOCK:  # re-entrant; requests are serialised: no wait is timed
                began = time.perf_counter()
                try:
                    return original_call(handler)
                finally:
                    if log.active:
                        log.dynamodb.append((str(handler._get_action()), time.perf_counter() - began))

        def invoke(logical_id: str, event: Any) -> Any:
            began = time.perf_counter()
            try:
                return original_invoke(logical_id, event)
            finally:
                if log.active:
                    elapsed = time.perf_counter() - began
                    records = event.get("Records", []) if isinstance(event, dict) else []
                    ids = sum(len(json.loads(r.get("body") or "{}").get("allocation_ids", [])) for r in records)
                    log.lambdas.setdefault(logical_id, []).append((elapsed, len(records), ids))

        runtime.invoke = invoke  # the pollers call the runtime's invoke: this instance's, for the block
        try:
            with _patched(DynamoHandler, "call_action", dynamodb_call):
                yield self
        finally:
            del runtime.invoke


def _forget_idempotency_store() -> None:
    """The outbox relay's idempotency store (``persistence_layer``, cached per purpose and not cleared
    by ``bootstrap.reset()``) keeps the boto3 client of the first local cloud that used it: after an
    earlier bench's cloud it would call that one's (stopped) moto port, and every relay would fail."""
    module = sys.modules.get("chalicelib.storage.idempotency")
    if module is not None:
        module.persistence_layer.cache_clear()


@contextmanager
def _quiet_logs(quiet: Any) -> Iterator[None]:
    """The Lambdas' log handlers hold the stdout of the day they were made: the real one, or the
    (closed) devnull of an earlier bench that redirected it. For the block they write to ``quiet``."""
    import logging

    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    moved: list[tuple[logging.StreamHandler[Any], Any]] = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if (
                isinstance(handler, logging.StreamHandler)
                and not isinstance(handler, logging.FileHandler)
                and handler.stream not in (sys.stderr, sys.__stderr__)
            ):
                moved.append((handler, handler.stream))
                handler.stream = quiet
    try:
        yield
    finally:
        for handler, stream in moved:
            handler.stream = stream


def _scheduled_event(at: datetime) -> dict[str, Any]:
    from localcloud.scheduler import scheduled_event
    from localcloud.template import ACCOUNT_ID

    rule = f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/gpuaas-local-billing-sweep"
    return scheduled_event(rule, "us-east-1", ACCOUNT_ID, when=at)


def _usage_entries(client: Any, table: str) -> list[tuple[str, int]]:
    """(allocation_id, wallet delta) of every usage ledger entry, read straight from the table."""
    found: list[tuple[str, int]] = []
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="#t = :t AND kind = :k",
        ProjectionExpression="allocation_id, wallet_delta_micros",
        ExpressionAttributeNames={"#t": "type"},
        ExpressionAttributeValues={":t": {"S": "ledger_entry"}, ":k": {"S": "usage"}},
    )
    for page in pages:
        for item in page["Items"]:
            found.append((item["allocation_id"]["S"], int(item["wallet_delta_micros"]["N"])))
    return found


@dataclass
class SweepRun:
    n: int
    orgs: int
    at: datetime
    period_end: datetime
    result: dict[str, Any]
    sweep_s: float
    drain_s: float
    batches: int
    batch_size: int
    log: ServerLog
    backup: Backup
    transactions: int
    setup_s: float
    checked: str
    copy_before: tuple[float, int]
    copy_after: tuple[float, int]
    entries: list[tuple[str, int]]
    expected: int
    credit: int
    balances: int


def _sweep_run(n: int) -> SweepRun:
    from bench.provisioning import _forget_connections, _reset_moto
    from localcloud.cloud import LocalCloud

    orgs = -(-n // SWEEP_PER_ORG)
    # The Lambdas print their metrics (EMF) and logs to stdout, as on AWS: they would bury the tables.
    with (
        open(os.devnull, "w") as quiet,
        contextlib.redirect_stdout(quiet),
        _quiet_logs(quiet),
        warnings.catch_warnings(),
    ):
        # Powertools warns when an invocation (the relay's, on filtered records) published no metric.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        _reset_moto()
        cloud = LocalCloud(api_port=None, pollers="manual", retry_failed_after=0).start()
        try:
            from chalicelib import bootstrap
            from chalicelib.billing.service import BillingService
            from chalicelib.core.settings import get_settings

            bootstrap.reset()
            _forget_connections()
            _forget_idempotency_store()
            table = get_settings().table_name
            batch_size = get_settings().settlement_batch_size
            client = cloud.client("dynamodb")
            with _transaction_backup() as backup, ServerLog().installed(cloud.runtime) as log:
                checked = _check_rollback(client, table, backup)
                billing = bootstrap.billing_service()
                # The sweep's minute: its period ends at the floor; every meter was settled a minute before.
                at = datetime.now(UTC).replace(second=7, microsecond=0)
                period_end = BillingService.period_end(at)
                end_ms = int(period_end.timestamp() * 1000)
                plans = _plans("w", orgs, SWEEP_PER_ORG, end_ms)[:n]
                began = time.perf_counter()
                org_ids = sorted({p.org_id for p in plans})
                credit = sum(billing.wallet(org).balance_micros for org in org_ids)
                _write_meters(plans, end_ms)
                cloud.drain(timeout=DRAIN_TIMEOUT_S)  # the wallets' events and the meters' stream records
                setup_s = time.perf_counter() - began
                copy_before = _table_copy_seconds(table)
                transactions = backup.transactions

                gc.collect()
                gc.disable()  # a full pass walks moto's whole database, in whichever call it lands
                try:
                    log.active = True
                    t0 = time.perf_counter()
                    result = cloud.invoke("BillingSweepFunction", _scheduled_event(at))
                    t1 = time.perf_counter()
                    batches = cloud.drain(timeout=DRAIN_TIMEOUT_S)
                    t2 = time.perf_counter()
                    log.active = False
                finally:
                    gc.enable()
                transactions = backup.transactions - transactions
                copy_after = _table_copy_seconds(table)
                entries = _usage_entries(client, table)
                balances = sum(billing.wallet(org).balance_micros for org in org_ids)
            bootstrap.reset()
        finally:
            cloud.stop()
            _reset_moto()
            _forget_idempotency_store()
    return SweepRun(
        n=n,
        orgs=len(org_ids),
        at=at,
        period_end=period_end,
        result=result,
        sweep_s=t1 - t0,
        drain_s=t2 - t1,
        batches=batches,
        batch_size=batch_size,
        log=log,
        backup=backup,
        transactions=transactions,
        setup_s=setup_s,
        checked=checked,
        copy_before=copy_before,
        copy_after=copy_after,
        entries=entries,
        expected=sum(p.expected_micros(end_ms) for p in plans),
        credit=credit,
        balances=balances,
    )


def _sweep(n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    run = _sweep_run(n)
    total = run.sweep_s + run.drain_s
    per = total / n
    settles = run.log.lambdas.get("BillingSettleFunction", [])
    settle_s = sum(s for s, _, _ in settles)
    others = {fn: v for fn, v in run.log.lambdas.items() if fn not in ("BillingSettleFunction", "BillingSweepFunction")}
    actions = Counter(action for action, _ in run.log.dynamodb)
    seconds_by: Counter[str] = Counter()
    for action, seconds in run.log.dynamodb:
        seconds_by[action] += seconds
    moto_s = sum(seconds_by.values())
    per_invocation = [s / ids for s, _, ids in settles if ids]
    third = max(1, len(per_invocation) // 3)
    early, late = statistics.fmean(per_invocation[:third] or [0.0]), statistics.fmean(per_invocation[-third:] or [0.0])
    drift = late / early - 1 if early else 0.0
    charged = -sum(delta for _, delta in run.entries)
    ids = {allocation for allocation, _ in run.entries}
    equal = charged == run.expected and len(run.entries) == n and len(ids) == n
    rows = [
        (
            "allocations (open meters)",
            f"{n:,} ({run.orgs} orgs x {SWEEP_PER_ORG}), each settled 1 minute before; period end "
            f"{_iso(run.period_end)}",
        ),
        (
            "total: sweep invoke + drain",
            f"{total:.1f} s = {n / total:,.1f} allocations/s, {per * 1e3:.1f} ms per allocation (measured)",
        ),
        (
            "  BillingSweepFunction",
            f"{run.sweep_s:.2f} s: {run.result['meters']:,} meters read from 16 shards -> {run.result['batches']} "
            f"SQS messages of <= {run.batch_size} ids, in {run.result['sqs_requests']} SendMessageBatch requests",
        ),
        (
            "  drain",
            f"{run.drain_s:.1f} s: {len(settles)} settle Lambda invocations ({sum(r for _, r, _ in settles)} messages, "
            f"<= 10 each) took {settle_s:.1f} s; the other {run.drain_s - settle_s:.1f} s: SQS receive/delete and "
            f"the outbox stream poller reading and filtering the settlements' stream records "
            f"({run.batches} poller batches in all)"
            + "".join(
                f"; {fn}: {len(v)} invocations, {sum(s for s, _, _ in v):.1f} s" for fn, v in sorted(others.items())
            ),
        ),
        (
            "  settle Lambda per allocation",
            f"{settle_s / n * 1e3:.1f} ms; by invocation, first to last: "
            + ", ".join(f"{s * 1e3:.1f}" for s in per_invocation)
            + f" ms (last third vs first third: {drift:+.0%})",
        ),
        (
            "  moto DynamoDB server time",
            f"{moto_s:.1f} s of {total:.1f} s ("
            + ", ".join(f"{a} x{actions[a]:,} {seconds_by[a]:.1f} s" for a in sorted(actions))
            + f"): {actions.get('GetItem', 0) / n:.2f} GetItem + {actions.get('TransactWriteItems', 0) / n:.2f} TWI "
            "per allocation",
        ),
    ]
    if n != SWEEP_TARGET:
        rows.append(
            (
                f"{SWEEP_TARGET:,} allocations: EXTRAPOLATED",
                f"~{per * SWEEP_TARGET:.0f} s (~{per * SWEEP_TARGET / 60:.1f} min) = {SWEEP_TARGET:,} x "
                f"{per * 1e3:.1f} ms measured here at {n:,}, not run (it would not fit this bench's ~2 minutes); "
                + (
                    "linear: the per-allocation cost did not grow over the run (above)"
                    if drift <= 0.05
                    else f"linear, but the per-allocation cost grew {drift:+.0%} over the run (above), so it may take "
                    "somewhat longer"
                ),
            )
        )
    rows += [
        (
            "verification: usage ledger entries",
            f"{len(run.entries):,} entries for {len(ids):,} allocations, sum {charged:,} micros; computed from "
            f"each meter's start and the period end: {run.expected:,} micros -> {'EQUAL' if equal else 'DIFFERENT'}",
        ),
        (
            "verification: wallets",
            f"sum of balances {run.balances:,} = welcome credits {run.credit:,} - charged {charged:,}: "
            f"{'yes' if run.balances == run.credit - charged else 'NO'}",
        ),
        ("transactions cancelled and rolled back", f"{run.backup.rollbacks - 1} (the self-check's one aside)"),
    ]
    (copy_before, items_before), (copy_after, items_after) = run.copy_before, run.copy_after
    # What localcloud's own backup (one whole-table copy per transaction) would have added: the copy
    # grows with the table (and its stream), from its size before the sweep to its size after.
    copy_estimate = run.transactions * (copy_before + copy_after) / 2
    notes = [
        (
            "setup (not timed)",
            f"{run.orgs} wallets through BillingService.wallet, {n:,} meters by BatchWriteItem, "
            f"then a drain: {run.setup_s:.1f} s",
        ),
        ("rollback self-check", run.checked),
        (
            "moto's whole-table backup, left out",
            f"moto deep-copies the table before each TWI (localcloud: once per TWI): measured {copy_before:.2f} s at "
            f"{items_before:,} items before the sweep, {copy_after:.2f} s at {items_after:,} after, so ~"
            + (f"{copy_estimate / 60:.0f} min" if copy_estimate >= 120 else f"{copy_estimate:.0f} s")
            + f" more for these {run.transactions:,} TWIs (growing with N squared); "
            f"here the named items' pre-images instead: {run.backup.seconds:.1f} s in all. AWS has neither",
        ),
        (
            "what is serial here",
            "one process on 2 cores: drain() runs one settle invocation (<= 10 messages) at a time and moto "
            "serialises every DynamoDB request (localcloud's lock), each an HTTP round trip to the in-process "
            "moto server; garbage collector off while timed. On AWS the SQS event source runs settle "
            "invocations concurrently and DynamoDB serves requests in parallel at other latencies (a "
            "TransactWriteItems there is milliseconds; here ~8 ms is moto parsing its update expressions): "
            "these numbers are the local cloud's, not AWS's",
        ),
    ]
    return rows, notes


# -- entry -----------------------------------------------------------------------------------------


Rows = list[tuple[str, str]]


def run(allocations: int = SWEEP_ALLOCATIONS) -> tuple[Rows, Rows, Rows]:
    """(per allocation-minute rows, sweep rows, sweep notes)."""
    minute = _per_minute()
    sweep, notes = _sweep(allocations)
    return minute, sweep, notes


def main(argv: list[str] | None = None) -> None:
    import argparse

    from bench.table import print_table

    parser = argparse.ArgumentParser(prog="python -m bench.settlement", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--allocations", type=int, default=SWEEP_ALLOCATIONS, help="open meters in the sweep")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    minute, sweep, notes = run(args.allocations)
    print_table(minute_title(), minute, MINUTE_HEADER)
    print_table(sweep_title(args.allocations), sweep, SWEEP_HEADER)
    print_table("Settlement sweep: notes", notes, SWEEP_HEADER)
    print(f"\nbench finished in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
