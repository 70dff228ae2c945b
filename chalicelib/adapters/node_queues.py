"""Per-node FIFO command queues, and STS credentials that can read only one of them."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.fleet.models import IssuedCredentials

# What an agent may do with its own queue, and nothing else: no SendMessage, no other queue.
AGENT_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)


def agent_session_policy(queue_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(AGENT_QUEUE_ACTIONS), "Resource": queue_arn}],
    }


class SqsNodeQueues:
    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=get_settings().region)

    def ensure(self, node_id: str) -> tuple[str, str]:
        settings = get_settings()
        name = f"{settings.node_queue_prefix}{node_id}.fifo"
        # CreateQueue with the same attributes is idempotent: a retried registration finds it.
        url = self._client.create_queue(
            QueueName=name,
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": "false",
                "VisibilityTimeout": "120",
                "MessageRetentionPeriod": "86400",
                "ReceiveMessageWaitTimeSeconds": "20",
            },
        )["QueueUrl"]
        arn = self._client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn


class StsQueueCredentials:
    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("sts", region_name=get_settings().region)

    def issue(self, node_id: str, queue_arn: str, ttl_seconds: int) -> IssuedCredentials:
        settings = get_settings()
        response = self._client.assume_role(
            RoleArn=settings.node_queue_role_arn,
            RoleSessionName=node_id[:64],
            Policy=json.dumps(agent_session_policy(queue_arn)),
            DurationSeconds=max(900, ttl_seconds),
        )
        creds = response["Credentials"]
        # The local cloud's agents reach its moto server; on AWS the SDK's default endpoint is right.
        import os

        endpoint = os.environ.get("AWS_ENDPOINT_URL") if settings.is_local else None
        return IssuedCredentials(
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=creds["Expiration"].isoformat().replace("+00:00", "Z"),
            endpoint_url=endpoint or None,
        )


class SqsCommandQueue:
    """Puts commands on a node's FIFO queue: one message group per node keeps them in order."""

    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("sqs", region_name=get_settings().region)

    @cached_property
    def _urls(self) -> dict[str, str]:
        return {}

    def send(self, node_id: str, document: dict[str, Any], deduplication_id: str) -> None:
        url = self._urls.get(node_id)
        if url is None:
            name = f"{get_settings().node_queue_prefix}{node_id}.fifo"
            url = self._urls[node_id] = self._client.get_queue_url(QueueName=name)["QueueUrl"]
        self._client.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(document, separators=(",", ":")),
            MessageGroupId=node_id,
            MessageDeduplicationId=deduplication_id,
        )
