"""The logs store on CloudWatch Logs: one log group per kind of stream (allocations, node agents),
one stream per allocation and per node, named by its id. The groups (and their retention) are the
template's; streams are created on their first lines."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.logs.models import AGENT, LogLine, LogSlice, LogStream

# GetLogEvents answers at most 10,000 events; PutLogEvents refuses an empty message.
_MAX_READ = 10_000
_EMPTY_LINE = " "


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
        try:
            client.put_log_events(logGroupName=group, logStreamName=stream.name, logEvents=events)
        except client.exceptions.ResourceNotFoundException:
            # The stream's first lines: create it (a concurrent batch may have done so) and put again.
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_stream(logGroupName=group, logStreamName=stream.name)
            client.put_log_events(logGroupName=group, logStreamName=stream.name, logEvents=events)

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
