"""The logs store on CloudWatch Logs: one log group per kind of stream (allocations, node agents),
one stream per allocation and per node, named by its id. The groups (and their retention) are the
template's; streams are created on their first lines."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.logs.models import AGENT, LogLine, LogSlice, LogStream

# GetLogEvents answers at most 10,000 events. PutLogEvents refuses an empty message, and takes at most
# 10,000 events and 1 MiB (each event's UTF-8 message plus 26 bytes) spanning at most 24 hours a call.
_MAX_READ = 10_000
_EMPTY_LINE = " "
_PUT_MAX_EVENTS = 10_000
_PUT_MAX_BYTES = 1_048_576
_EVENT_OVERHEAD = 26
_PUT_MAX_SPAN_MS = 24 * 3600 * 1000 - 1

logger = logging.getLogger(__name__)


def put_calls(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``events`` (in time order) cut into the chunks one PutLogEvents call takes."""
    calls: list[list[dict[str, Any]]] = []
    size = 0
    for event in events:
        cost = len(event["message"].encode()) + _EVENT_OVERHEAD
        current = calls[-1] if calls else None
        if (
            current is None
            or len(current) >= _PUT_MAX_EVENTS
            or size + cost > _PUT_MAX_BYTES
            or event["timestamp"] - current[0]["timestamp"] > _PUT_MAX_SPAN_MS
        ):
            calls.append([event])
            size = cost
        else:
            current.append(event)
            size += cost
    return calls


class CloudWatchLogStore:
    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("logs", region_name=get_settings().region)

    @staticmethod
    def _group(stream: LogStream) -> str:
        settings = get_settings()
        return settings.agent_log_group if stream.kind == AGENT else settings.allocation_log_group

    def append(self, stream: LogStream, lines: Sequence[LogLine]) -> None:
        if not lines:
            return
        events = [{"timestamp": line.time_ms, "message": line.message or _EMPTY_LINE} for line in lines]
        group = self._group(stream)
        client = self._client
        for call in put_calls(events):
            try:
                response = client.put_log_events(logGroupName=group, logStreamName=stream.name, logEvents=call)
            except client.exceptions.ResourceNotFoundException:
                # The stream's first lines: create it (a concurrent batch may have done so) and put again.
                with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                    client.create_log_stream(logGroupName=group, logStreamName=stream.name)
                response = client.put_log_events(logGroupName=group, logStreamName=stream.name, logEvents=call)
            rejected = response.get("rejectedLogEventsInfo")
            if rejected:
                # Older than the group's retention, or too far ahead: CloudWatch kept the rest.
                logger.warning("log events rejected", extra={"log_stream": stream.name, "rejected": rejected})

    def read(self, stream: LogStream, since_ms: int | None, position: str | None, limit: int) -> LogSlice:
        request: dict[str, Any] = {
            "logGroupName": self._group(stream),
            "logStreamName": stream.name,
            "startFromHead": True,
            "limit": max(1, min(limit, _MAX_READ)),
        }
        if since_ms is not None:
            request["startTime"] = since_ms
        if position is not None:
            request["nextToken"] = position
        client = self._client
        try:
            response = client.get_log_events(**request)
        except client.exceptions.ResourceNotFoundException:
            return LogSlice((), position)  # nothing written to this stream yet
        lines = tuple(LogLine(int(e["timestamp"]), str(e["message"])) for e in response.get("events", []))
        return LogSlice(lines, response.get("nextForwardToken") or position)
