"""An SQS event source mapping with Lambda's semantics.

- receive up to BatchSize messages (all attributes), invoke the function with Lambda's SQS event;
- success: delete the batch; a raised exception: delete nothing; ``batchItemFailures``: delete all
  but the listed message ids (an unknown or empty id fails the whole batch, like Lambda);
- undeleted messages come back after the queue's visibility timeout and SQS itself (moto) moves them
  to the dead-letter queue after ``maxReceiveCount`` receives.
``retry_failed_after`` (tests only) shortens the wait by setting the failed messages' visibility, so
a test sees the redelivery without sleeping; the queue's configured VisibilityTimeout is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any

from localcloud.lambda_runtime import FunctionError, LambdaRuntime
from localcloud.template import QueueMapping

log = logging.getLogger("localcloud.sqs")
_SQS_MAX_BATCH = 10


class QueuePoller:
    def __init__(
        self,
        mapping: QueueMapping,
        queue_url: str,
        queue_arn: str,
        region: str,
        sqs_client: Any,
        runtime: LambdaRuntime,
        retry_failed_after: int | None = None,
    ) -> None:
        self.mapping = mapping
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self._sqs = sqs_client
        self._runtime = runtime
        self._retry_failed_after = retry_failed_after
        self._lock = threading.Lock()
        self.last_failed = False

    def counts(self) -> tuple[int, int]:
        """(visible, in flight) messages of the queue."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def _event_record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {k: v for k, v in message.get("Attributes", {}).items()}
        message_attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        }
        body = message["Body"]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": body,
            "attributes": attributes,
            "messageAttributes": message_attributes,
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.region,
        }

    def poll_once(self) -> int:
        """Receive and process one batch. Returns how many messages were received."""
        with self._lock:
            messages = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(self.mapping.batch_size, _SQS_MAX_BATCH),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            self.last_failed = False
            if not messages:
                return 0
            records = [self._event_record(m) for m in messages]
            failed_ids = self._invoke(records)
            self.last_failed = bool(failed_ids)
            by_id = {r["messageId"]: r for r in records}
            done = [r for r in records if r["messageId"] not in failed_ids]
            for start in range(0, len(done), _SQS_MAX_BATCH):
                chunk = done[start : start + _SQS_MAX_BATCH]
                self._sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
                )
            if failed_ids and self._retry_failed_after is not None:
                self._sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {
                            "Id": str(i),
                            "ReceiptHandle": by_id[message_id]["receiptHandle"],
                            "VisibilityTimeout": self._retry_failed_after,
                        }
                        for i, message_id in enumerate(sorted(failed_ids))
                    ],
                )
            return len(messages)

    def _invoke(self, records: list[dict[str, Any]]) -> set[str]:
        """Ids of the messages that failed (all of them when the function raised)."""
        all_ids = {r["messageId"] for r in records}
        try:
            result = self._runtime.invoke(self.mapping.function_id, {"Records": records})
        except FunctionError as exc:
            log.warning("queue batch failed in %s: %s", self.mapping.function_id, exc)
            return all_ids
        if not self.mapping.report_batch_item_failures or not isinstance(result, dict):
            return set()
        failed = set()
        for failure in result.get("batchItemFailures") or []:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in all_ids:
                return all_ids
            failed.add(identifier)
        return failed
