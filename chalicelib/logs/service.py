"""Logs use cases: agents ship batches of lines; members read their allocations' streams and
operators read a node agent's stream, a page at a time or following (a long poll).

A node writes only its own agent stream and the streams of allocations placed on it. Readers get
an opaque cursor that names the stream it belongs to and the store's position in it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.logs.models import (
    AGENT,
    AGENT_STREAM,
    ALLOCATION,
    IncomingLine,
    IngestReceipt,
    LogLimits,
    LogLine,
    LogPage,
    LogQuery,
    LogSlice,
    LogStream,
)
from chalicelib.logs.ports import AllocationDirectory, LogStore, NodeDirectory

logger = logging.getLogger(__name__)

# An allocation's node never changes: who may write its stream is remembered per container.
_OWNER_CACHE_SIZE = 4096


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class LogService:
    def __init__(
        self,
        store: LogStore,
        allocations: AllocationDirectory,
        nodes: NodeDirectory,
        clock: Clock,
        limits: LogLimits,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._allocations = allocations
        self._nodes = nodes
        self._clock = clock
        self._limits = limits
        self._sleep = sleep
        self._monotonic = monotonic
        self._node_of: dict[str, str] = {}

    @property
    def limits(self) -> LogLimits:
        return self._limits

    # Agents -------------------------------------------------------------------------------

    def ingest(self, node_id: str, lines: Sequence[IncomingLine]) -> IngestReceipt:
        """Store one batch of a node's lines, each stream's lines in time order (stable). The whole
        batch is checked before anything is written: a refused batch writes nothing."""
        limits = self._limits
        if not lines:
            raise errors.ValidationFailedError("A batch needs at least one line")
        if len(lines) > limits.batch_max_lines:
            raise errors.LogBatchTooLargeError(f"{len(lines)} lines; at most {limits.batch_max_lines} a batch")
        size = 0
        for line in lines:
            length = len(line.message.encode())
            if length > limits.line_max_bytes:
                raise errors.LogLineTooLongError(f"A line of {length} bytes; at most {limits.line_max_bytes}")
            size += length
        if size > limits.batch_max_bytes:
            raise errors.LogBatchTooLargeError(f"{size} bytes of lines; at most {limits.batch_max_bytes} a batch")
        now = _ms(self._clock.now())
        oldest, newest = now - limits.max_age_seconds * 1000, now + limits.max_future_seconds * 1000
        for line in lines:
            if not oldest <= line.time_ms <= newest:
                raise errors.LogTimeOutOfRangeError(
                    f"A line at {line.time_ms} ms is outside [{oldest}, {newest}] (now - "
                    f"{limits.max_age_seconds} s, now + {limits.max_future_seconds} s)"
                )
        by_stream: dict[str, list[LogLine]] = {}
        for line in lines:
            by_stream.setdefault(line.stream, []).append(LogLine(line.time_ms, line.message))
        if len(by_stream) > limits.batch_max_streams:
            raise errors.LogBatchTooLargeError(f"{len(by_stream)} streams; at most {limits.batch_max_streams} a batch")
        streams = [(self._writable(node_id, name), stream_lines) for name, stream_lines in by_stream.items()]
        for stream, stream_lines in streams:
            self._store.append(stream, sorted(stream_lines, key=lambda line: line.time_ms))
        return IngestReceipt(accepted=len(lines), streams=len(streams))

    def _writable(self, node_id: str, name: str) -> LogStream:
        if name == AGENT_STREAM:
            return LogStream(AGENT, node_id)
        owner = self._node_of.get(name)
        if owner is None:
            allocation = self._allocations.find(name)
            if allocation is not None:
                owner = allocation.node_id
                if len(self._node_of) >= _OWNER_CACHE_SIZE:
                    self._node_of.clear()
                self._node_of[name] = owner
        if owner != node_id:
            # Another node's allocation is as unknown to this node as one that does not exist.
            raise errors.AllocationNotFoundError(f"No allocation {name} on this node")
        return LogStream(ALLOCATION, name)

    # Readers ------------------------------------------------------------------------------

    def allocation_logs(self, org_id: str, allocation_id: str, query: LogQuery) -> LogPage:
        """An allocation's workload output (its startup script first). Another org's is not found."""
        allocation = self._allocations.find(allocation_id)
        if allocation is None or allocation.org_id != org_id:
            raise errors.AllocationNotFoundError()
        return self._page(LogStream(ALLOCATION, allocation_id), query)

    def node_logs(self, node_id: str, query: LogQuery) -> LogPage:
        """A node agent's own log, for operators."""
        self._nodes.get_node(node_id)
        return self._page(LogStream(AGENT, node_id), query)

    def _page(self, stream: LogStream, query: LogQuery) -> LogPage:
        since_ms, position = _since_ms(query.since), None
        if query.cursor is not None:
            since_ms, position = _decode_cursor(query.cursor, stream)
        deadline = self._monotonic() + self._limits.follow_wait_seconds
        while True:
            found: LogSlice = self._store.read(stream, since_ms, position, query.limit)
            position = found.position if found.position is not None else position
            remaining = deadline - self._monotonic()
            if found.lines or not query.follow or remaining <= 0:
                return LogPage(found.lines, _encode_cursor(stream, since_ms, position))
            self._sleep(min(self._limits.follow_poll_seconds, remaining))


def _since_ms(since: str | None) -> int | None:
    if since is None:
        return None
    try:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError as exc:
        raise errors.ValidationFailedError(f"since is not a time: {since!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, _ms(moment))


def _encode_cursor(stream: LogStream, since_ms: int | None, position: str | None) -> str:
    document = {"k": stream.kind, "s": stream.name, "t": since_ms, "p": position}
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, stream: LogStream) -> tuple[int | None, str | None]:
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise errors.InvalidCursorError() from exc
    if not isinstance(document, dict) or (document.get("k"), document.get("s")) != (stream.kind, stream.name):
        raise errors.InvalidCursorError("This cursor belongs to another log stream")
    since_ms, position = document.get("t"), document.get("p")
    if not (since_ms is None or type(since_ms) is int) or not (position is None or isinstance(position, str)):
        raise errors.InvalidCursorError()
    return since_ms, position
