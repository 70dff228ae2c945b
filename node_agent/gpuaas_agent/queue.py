"""The node's own SQS FIFO command queue, read with short-lived credentials scoped to it.

The credentials come from the control plane (``POST /v1/agent/credentials``) and are refreshed before they
expire; the boto3 client is rebuilt whenever they rotate. The agent only receives, deletes and extends the
visibility of messages; it cannot send to any queue or read any other.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from gpuaas_agent.logs import log
from gpuaas_agent.timeutil import parse, utcnow

logger = logging.getLogger(__name__)

WAIT_TIME_SECONDS = 20
_CREDENTIAL_ERRORS = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"}


@dataclass(frozen=True)
class QueueCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime
    queue_url: str
    region: str
    endpoint_url: str | None = None

    @classmethod
    def from_response(cls, document: dict[str, Any]) -> QueueCredentials:
        return cls(
            access_key_id=document["access_key_id"],
            secret_access_key=document["secret_access_key"],
            session_token=document["session_token"],
            expiration=parse(document["expiration"]),
            queue_url=document["queue_url"],
            region=document["region"],
            endpoint_url=document.get("endpoint_url"),
        )


class CredentialSource:
    """Queue credentials from the control plane, refreshed ``margin`` before they expire."""

    def __init__(
        self,
        fetch: Callable[[], dict[str, Any]],
        margin_seconds: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._fetch = fetch
        self._margin = margin_seconds
        self._clock = clock
        self._current: QueueCredentials | None = None
        self._lock = threading.Lock()

    def get(self) -> QueueCredentials:
        with self._lock:
            current = self._current
            if current is None or (current.expiration - self._clock()).total_seconds() <= self._margin:
                current = self._current = QueueCredentials.from_response(self._fetch())
                log(logger, "queue_credentials_issued", expiration=current.expiration.isoformat())
            return current

    def invalidate(self) -> None:
        with self._lock:
            self._current = None


@dataclass(frozen=True)
class Message:
    body: str
    receipt_handle: str
    message_id: str
    receive_count: int

    def json(self) -> Any:
        return json.loads(self.body)


class CommandQueue:
    def __init__(self, credentials: CredentialSource, client_factory: Callable[..., Any] = boto3.client) -> None:
        self._credentials = credentials
        self._client_factory = client_factory
        self._client: Any = None
        self._client_key: tuple[str, str | None, str] | None = None
        self._lock = threading.Lock()

    def _sqs(self) -> tuple[Any, str]:
        creds = self._credentials.get()
        with self._lock:
            key = (creds.session_token, creds.endpoint_url, creds.region)
            if self._client is None or key != self._client_key:
                self._client = self._client_factory(
                    "sqs",
                    region_name=creds.region,
                    aws_access_key_id=creds.access_key_id,
                    aws_secret_access_key=creds.secret_access_key,
                    aws_session_token=creds.session_token,
                    endpoint_url=creds.endpoint_url,
                    config=Config(retries={"mode": "standard", "max_attempts": 3}, read_timeout=WAIT_TIME_SECONDS + 10),
                )
                self._client_key = key
            return self._client, creds.queue_url

    def _call(self, operation: str, **kwargs: Any) -> Any:
        for attempt in range(2):
            client, queue_url = self._sqs()
            try:
                return getattr(client, operation)(QueueUrl=queue_url, **kwargs)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in _CREDENTIAL_ERRORS and attempt == 0:
                    log(logger, "queue_credentials_rejected", logging.WARNING, code=code)
                    self._credentials.invalidate()
                    continue
                raise
        raise AssertionError("unreachable")

    def receive(self, wait_seconds: int = WAIT_TIME_SECONDS) -> list[Message]:
        """Long-poll for at most one command."""
        response = self._call(
            "receive_message",
            MaxNumberOfMessages=1,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
        )
        return [
            Message(
                body=m["Body"],
                receipt_handle=m["ReceiptHandle"],
                message_id=m["MessageId"],
                receive_count=int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
            )
            for m in response.get("Messages", [])
        ]

    def delete(self, message: Message) -> None:
        self._call("delete_message", ReceiptHandle=message.receipt_handle)

    def set_visibility(self, message: Message, seconds: int) -> None:
        self._call("change_message_visibility", ReceiptHandle=message.receipt_handle, VisibilityTimeout=seconds)
