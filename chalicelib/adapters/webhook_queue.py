"""The webhook delivery queue: one message per attempt to make, held by SQS up to 15 minutes."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.webhooks.models import DeliveryTask

_SQS_BATCH = 10  # SendMessageBatch takes at most ten messages
MAX_DELAY_SECONDS = 900  # SQS's own limit on DelaySeconds


class SqsDeliveryQueue:
    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=get_settings().region)

    @cached_property
    def _url(self) -> str:
        settings = get_settings()
        if settings.webhook_delivery_queue_url:
            return settings.webhook_delivery_queue_url
        name = f"gpuaas-{settings.stage}-webhook-delivery"
        return str(self._client.get_queue_url(QueueName=name)["QueueUrl"])

    def send(self, tasks: list[DeliveryTask], delay_seconds: int = 0) -> None:
        delay = max(0, min(delay_seconds, MAX_DELAY_SECONDS))
        for start in range(0, len(tasks), _SQS_BATCH):
            chunk = tasks[start : start + _SQS_BATCH]
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": json.dumps(t.document(), separators=(",", ":")),
                    "DelaySeconds": delay,
                }
                for i, t in enumerate(chunk)
            ]
            failed = self._client.send_message_batch(QueueUrl=self._url, Entries=entries).get("Failed", [])
            if failed:
                # Raise: the caller's message is retried; a duplicate attempt is refused by its claim.
                raise RuntimeError(f"{len(failed)} webhook deliveries were not queued: {failed[0]}")
