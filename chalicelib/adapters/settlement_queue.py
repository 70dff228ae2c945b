"""The settlement fan-out queue: the minute sweep puts batches of allocation ids on it."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings

_SQS_BATCH = 10  # SendMessageBatch takes at most ten messages


class SqsSettlementQueue:
    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=get_settings().region)

    @cached_property
    def _url(self) -> str:
        settings = get_settings()
        if settings.settlement_queue_url:
            return settings.settlement_queue_url
        return str(self._client.get_queue_url(QueueName=f"gpuaas-{settings.stage}-settlement")["QueueUrl"])

    def send(self, messages: list[dict[str, Any]]) -> int:
        """Send every message; returns how many SQS requests it took."""
        requests = 0
        for start in range(0, len(messages), _SQS_BATCH):
            chunk = messages[start : start + _SQS_BATCH]
            entries = [{"Id": str(i), "MessageBody": json.dumps(m, separators=(",", ":"))} for i, m in enumerate(chunk)]
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            requests += 1
            failed = response.get("Failed", [])
            if failed:
                # Raise: the scheduled sweep is retried, and settling twice is harmless by design.
                raise RuntimeError(f"{len(failed)} settlement batches were not queued: {failed[0]}")
        return requests
