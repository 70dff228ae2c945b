"""A DynamoDB-stream event source mapping with Lambda's semantics, polled through the Streams API.

What Lambda does and this reproduces:
- batches of up to BatchSize records per shard, in order; FilterCriteria applied first (records that
  match no filter are dropped and still advance the checkpoint);
- ``{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}``: checkpoint just before the lowest
  failed sequence number and retry from there; an empty or unknown identifier fails the whole batch;
- a raised exception fails the whole batch; with BisectBatchOnFunctionError the batch is split in
  half for the retry (splits do not count as retries);
- after MaximumRetryAttempts the batch is sent to the OnFailure destination (an SQS queue) as an
  invocation record and the checkpoint moves past it.
Differences: retries are immediate (Lambda backs off); one shard (moto has one per table).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from moto.events.models import EventPattern

from localcloud.lambda_runtime import FunctionError, LambdaRuntime
from localcloud.template import StreamMapping

if TYPE_CHECKING:
    from moto.events.utils import EventMessageType

log = logging.getLogger("localcloud.stream")


def _jsonable(value: Any) -> Any:
    """Undo botocore's parsing so the record looks like Lambda's JSON event (bytes -> base64, dates -> epoch)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return value


@dataclass
class _ShardState:
    checkpoint: str | None = None  # last sequence number done with (processed, filtered or given up)
    failed_attempts: int = 0
    retry_from: str | None = None  # the first sequence number of the batch being retried
    bisect_limit: int | None = None


class StreamPoller:
    def __init__(
        self,
        mapping: StreamMapping,
        stream_arn: str,
        region: str,
        streams_client: Any,
        sqs_client: Any,
        runtime: LambdaRuntime,
        on_failure_queue_url: str | None,
    ) -> None:
        self.mapping = mapping
        self.stream_arn = stream_arn
        self.region = region
        self._streams = streams_client
        self._sqs = sqs_client
        self._runtime = runtime
        self._on_failure_queue_url = on_failure_queue_url
        self._patterns = [EventPattern.load(p) for p in mapping.filter_patterns]
        self._shards: dict[str, _ShardState] = {}
        self._lock = threading.Lock()  # one batch at a time per mapping, as Lambda does per shard
        self.last_failed = False

    # -- reading ----------------------------------------------------------------------------------
    def _shard_ids(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def _read(self, shard_id: str, state: _ShardState, limit: int) -> list[dict[str, Any]]:
        if state.checkpoint is None:
            iterator = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=self.mapping.starting_position
            )
        else:
            iterator = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn,
                ShardId=shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=state.checkpoint,
            )
        records = self._streams.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)["Records"]
        return [self._as_lambda_record(r) for r in records]

    def _as_lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        record = _jsonable(record)
        record["awsRegion"] = self.region
        record["eventSourceARN"] = self.stream_arn
        record.setdefault("eventSource", "aws:dynamodb")
        record.setdefault("eventVersion", "1.1")
        return record

    def _matches(self, record: dict[str, Any]) -> bool:
        # Lambda's FilterCriteria use EventBridge's pattern syntax over the stream record; moto's matcher
        # reads any JSON object, though its hint names the EventBridge event's shape.
        event = cast("EventMessageType", record)
        return not self._patterns or any(p.matches_event(event) for p in self._patterns)

    def pending(self) -> bool:
        """True while the stream holds records this mapping has not finished with."""
        with self._lock:
            for shard_id in self._shard_ids():
                state = self._shards.setdefault(shard_id, _ShardState())
                if self._read(shard_id, state, 1):
                    return True
            return False

    # -- processing -------------------------------------------------------------------------------
    def poll_once(self) -> int:
        """Process at most one batch per shard. Returns how many records were read."""
        with self._lock:
            total = 0
            for shard_id in self._shard_ids():
                state = self._shards.setdefault(shard_id, _ShardState())
                total += self._process_shard(shard_id, state)
            return total

    def _process_shard(self, shard_id: str, state: _ShardState) -> int:
        # Lambda reads BatchSize records, then filters; filtered-out records are simply consumed.
        limit = state.bisect_limit or self.mapping.batch_size
        records = self._read(shard_id, state, limit)
        self.last_failed = False
        if not records:
            return 0
        batch = [r for r in records if self._matches(r)]
        if not batch:
            self._advance(state, records[-1]["dynamodb"]["SequenceNumber"])
            return len(records)
        # Records before the first match were filtered: done with them.
        failed_from = self._invoke(batch)
        self.last_failed = failed_from is not None
        if failed_from is None:
            self._advance(state, records[-1]["dynamodb"]["SequenceNumber"])
            return len(records)
        self._handle_failure(shard_id, state, records, batch, failed_from)
        return len(records)

    def _invoke(self, batch: list[dict[str, Any]]) -> int | None:
        """Index in ``batch`` from which records must be retried, or None when all succeeded."""
        try:
            result = self._runtime.invoke(self.mapping.function_id, {"Records": batch})
        except FunctionError as exc:
            log.warning("stream batch failed in %s: %s", self.mapping.function_id, exc)
            return 0 if not self.mapping.bisect_on_error else -1
        if not self.mapping.report_batch_item_failures or not isinstance(result, dict):
            return None
        failures = result.get("batchItemFailures") or []
        if not failures:
            return None
        positions = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(batch)}
        indexes = []
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in positions:
                return 0  # Lambda treats a malformed response as a failure of the whole batch
            indexes.append(positions[identifier])
        return min(indexes)

    def _handle_failure(
        self,
        shard_id: str,
        state: _ShardState,
        records: list[dict[str, Any]],
        batch: list[dict[str, Any]],
        failed_from: int,
    ) -> None:
        if failed_from == -1:  # exception with bisect: retry the first half, without counting a retry
            failed_from = 0
            if len(batch) > 1:
                state.bisect_limit = max(1, len(records) // 2)
                return
        first_failed = batch[failed_from]["dynamodb"]["SequenceNumber"]
        # Everything before the first failed record is done (checkpoint), the rest is retried.
        before = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) < int(first_failed)]
        if before:
            self._advance(state, before[-1]["dynamodb"]["SequenceNumber"])
        if state.retry_from != first_failed:
            state.retry_from, state.failed_attempts = first_failed, 0
        state.failed_attempts += 1
        max_retries = self.mapping.maximum_retry_attempts
        if max_retries >= 0 and state.failed_attempts > max_retries:
            failed = batch[failed_from:]
            self._send_to_on_failure(shard_id, failed)
            self._advance(state, records[-1]["dynamodb"]["SequenceNumber"])

    def _advance(self, state: _ShardState, sequence_number: str) -> None:
        state.checkpoint = sequence_number
        state.failed_attempts = 0
        state.retry_from = None
        state.bisect_limit = None

    def _send_to_on_failure(self, shard_id: str, failed: list[dict[str, Any]]) -> None:
        log.error(
            "%s gave up on %d stream records after %d retries",
            self.mapping.function_id,
            len(failed),
            self.mapping.maximum_retry_attempts,
        )
        if not self._on_failure_queue_url:
            return
        # The shape of Lambda's OnFailure invocation record for stream sources.
        record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self._runtime.context_for(self.mapping.function_id).invoked_function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.mapping.maximum_retry_attempts + 1,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": failed[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": failed[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": failed[0]["dynamodb"].get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": failed[-1]["dynamodb"].get("ApproximateCreationDateTime"),
                "batchSize": len(failed),
                "streamArn": self.stream_arn,
            },
        }
        self._sqs.send_message(QueueUrl=self._on_failure_queue_url, MessageBody=json.dumps(record))
