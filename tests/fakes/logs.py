"""In-memory fakes of the logs context's ports: a store of streams with CloudWatch's reading semantics
(lines in time order, a forward position that stays put at the end), and the owners of allocations and nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.core import errors
from chalicelib.logs.models import LogLine, LogSlice, LogStream


@dataclass
class FakeLogStore:
    streams: dict[LogStream, list[LogLine]] = field(default_factory=dict)
    appends: int = 0
    reads: int = 0

    def append(self, stream: LogStream, lines: Sequence[LogLine]) -> None:
        self.appends += 1
        stored = self.streams.setdefault(stream, [])
        stored.extend(lines)
        stored.sort(key=lambda line: line.time_ms)  # stable: equal times keep their order

    def read(self, stream: LogStream, since_ms: int | None, position: str | None, limit: int) -> LogSlice:
        self.reads += 1
        if stream not in self.streams:
            return LogSlice((), position)
        lines = [line for line in self.streams[stream] if since_ms is None or line.time_ms >= since_ms]
        start = int(position) if position is not None else 0
        page = lines[start : start + limit]
        return LogSlice(tuple(page), str(start + len(page)))

    def messages(self, stream: LogStream) -> list[str]:
        return [line.message for line in self.streams.get(stream, [])]


@dataclass(frozen=True)
class FakeOwnedAllocation:
    org_id: str
    node_id: str


@dataclass
class FakeAllocationDirectory:
    allocations: dict[str, FakeOwnedAllocation] = field(default_factory=dict)
    lookups: int = 0

    def find(self, allocation_id: str) -> FakeOwnedAllocation | None:
        self.lookups += 1
        return self.allocations.get(allocation_id)


@dataclass
class FakeNodeDirectory:
    nodes: set[str] = field(default_factory=set)

    def get_node(self, node_id: str) -> object:
        if node_id not in self.nodes:
            raise errors.NodeNotFoundError()
        return node_id
