"""Log lines, the streams they belong to, the limits a batch must keep, and the pages readers get."""

from __future__ import annotations

from dataclasses import dataclass

# The two kinds of stream: an allocation's workload output, and a node agent's own log.
ALLOCATION = "allocation"
AGENT = "agent"
# What an agent names its own stream in a batch (an allocation's stream is named by its id).
AGENT_STREAM = "agent"


@dataclass(frozen=True, slots=True)
class LogStream:
    """One stream: ``kind`` says which log group, ``name`` is the allocation id or the node id."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class LogLine:
    time_ms: int
    message: str


@dataclass(frozen=True, slots=True)
class IncomingLine:
    """A line as an agent sends it: ``stream`` is ``agent`` or one of its allocations' ids."""

    stream: str
    time_ms: int
    message: str


@dataclass(frozen=True, slots=True)
class LogLimits:
    """What one batch may hold (settings), and how long a follow waits for new lines."""

    batch_max_lines: int
    batch_max_bytes: int
    line_max_bytes: int
    batch_max_streams: int
    max_age_seconds: int
    max_future_seconds: int
    follow_wait_seconds: float
    follow_poll_seconds: float


@dataclass(frozen=True, slots=True)
class LogSlice:
    """What the store returned: the lines, and its own position after them (None: from the start)."""

    lines: tuple[LogLine, ...]
    position: str | None


@dataclass(frozen=True, slots=True)
class LogQuery:
    limit: int
    cursor: str | None = None
    # RFC 3339 (or a day): lines from then on; a cursor, which remembers it, takes precedence.
    since: str | None = None
    follow: bool = False


@dataclass(frozen=True, slots=True)
class LogPage:
    """Lines oldest first, and the cursor to the lines written after them (never None: a stream
    has no end, so an empty page means "nothing newer yet")."""

    lines: tuple[LogLine, ...]
    next_cursor: str


@dataclass(frozen=True, slots=True)
class IngestReceipt:
    accepted: int
    streams: int
