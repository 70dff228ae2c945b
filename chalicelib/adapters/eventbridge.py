"""Publishes CloudEvents envelopes to the EventBridge bus (detail-type = event type)."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from chalicelib.core import errors
from chalicelib.core.settings import get_settings


class PublishFailed(errors.ServiceUnavailableError):
    pass


class EventBridgePublisher:
    def __init__(self, bus_name: str | None = None) -> None:
        self._bus_name = bus_name or get_settings().event_bus_name

    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("events", region_name=get_settings().region)

    def publish(self, envelope: dict[str, Any]) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "EventBusName": self._bus_name,
                    "Source": envelope["source"],
                    "DetailType": envelope["type"],
                    "Detail": json.dumps(envelope, separators=(",", ":")),
                    "Resources": [],
                }
            ]
        )
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise PublishFailed(f"EventBridge refused {envelope['id']}: {entry.get('ErrorCode')}")
