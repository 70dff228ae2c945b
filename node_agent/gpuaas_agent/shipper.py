"""Ships log lines to the control plane (``POST /v1/agent/logs``) in bounded batches, off the command loop.

Two kinds of stream: an allocation's (named by its id: its startup script's output, the agent's notes about
its workload) and the agent's own (``agent``: its logging records, through :class:`ShippingHandler`).

- ``emit`` never blocks on the network: it appends to an in-memory buffer of at most ``max_buffer_lines``
  lines. When the buffer is full the oldest line is dropped and counted per stream; the next batch of that
  stream starts with a marker line ``[gpuaas-agent] dropped N lines``, so a reader sees where lines are missing.
- A thread sends a batch every ``flush_interval`` seconds (sooner once a batch is full): at most
  ``max_batch_lines`` lines, ``max_batch_bytes`` bytes of messages and ``max_batch_streams`` streams, and at most
  ``max_body_bytes`` of JSON in all (the API's body limit); a line is cut to ``max_line_bytes``. The defaults are
  the control plane's default limits.
- A batch that could not be sent (unreachable, 5xx, 429) is kept and sent again after a backoff with full
  jitter (capped); meanwhile new lines keep going into the bounded buffer. A batch refused as too large (413) is
  split in two; one refused for any other reason is dropped, and the lines lost are counted.
"""

from __future__ import annotations

import json
import logging
import random
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gpuaas_agent.control_plane import ApiError, Backoff, Unreachable

logger = logging.getLogger(__name__)

AGENT_STREAM = "agent"
TRUNCATED = " [gpuaas-agent: line truncated]"
MARKER = "[gpuaas-agent]"

Send = Callable[[dict[str, Any]], object]


@dataclass(frozen=True, slots=True)
class Line:
    stream: str
    time_ms: int
    message: str

    def document(self) -> dict[str, Any]:
        return {"stream": self.stream, "time_ms": self.time_ms, "message": self.message}

    @property
    def size(self) -> int:
        """What the line counts against the control plane's batch limit: its message's UTF-8 bytes."""
        return len(self.message.encode())

    @property
    def wire_size(self) -> int:
        """Its bytes in the request body (JSON escapes and non-ASCII characters take more than the text)."""
        return len(json.dumps(self.document())) + 2


@dataclass
class ShipperStats:
    sent_lines: int = 0
    sent_batches: int = 0
    dropped_lines: int = 0  # the buffer was full: oldest lines were dropped (and marked)
    rejected_lines: int = 0  # the control plane refused their batch for good
    failed_attempts: int = 0
    dropped_by_stream: dict[str, int] = field(default_factory=dict)


def block_stop_signals() -> None:
    """Stop signals belong to the main thread (they end its long poll): a helper thread never takes them."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})


def cut(message: str, max_bytes: int) -> str:
    """``message`` in at most ``max_bytes`` UTF-8 bytes (marked when it had to be cut)."""
    raw = message.encode("utf-8", "replace")
    if len(raw) <= max_bytes:
        return message
    keep = max(0, max_bytes - len(TRUNCATED.encode()))
    return raw[:keep].decode("utf-8", "ignore") + TRUNCATED


def dropped_marker(count: int) -> str:
    return f"{MARKER} dropped {count} line{'s' if count != 1 else ''}"


class LogShipper:
    def __init__(
        self,
        send: Send | None = None,
        *,
        max_buffer_lines: int = 10_000,
        max_batch_lines: int = 500,
        max_batch_bytes: int = 49_152,
        max_line_bytes: int = 8_192,
        max_batch_streams: int = 32,
        max_body_bytes: int = 61_440,
        flush_interval: float = 1.0,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.send = send
        self.max_buffer_lines = max_buffer_lines
        self.max_batch_lines = max_batch_lines
        self.max_batch_bytes = max_batch_bytes
        self.max_line_bytes = max_line_bytes
        self.max_batch_streams = max_batch_streams
        # The whole request must stay under the API's body limit (64 KiB by default), JSON and all.
        self.max_body_bytes = max_body_bytes
        self.flush_interval = flush_interval
        self.backoff = backoff or Backoff(base=1.0, cap=30.0, rng=rng)
        self.clock = clock
        self.stats = ShipperStats()
        self._buffer: deque[Line] = deque()
        self._dropped: dict[str, int] = {}
        self._pending: deque[list[Line]] = deque()  # batches taken but not yet accepted, oldest first
        self._failures = 0
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # Producers (any thread; never blocks on the network) -------------------------------------------------

    def emit(self, stream: str, message: str, time_ms: int | None = None) -> None:
        line = Line(stream, int(self.clock() * 1000) if time_ms is None else time_ms, cut(message, self.max_line_bytes))
        with self._lock:
            if len(self._buffer) >= self.max_buffer_lines:
                lost = self._buffer.popleft()
                self._dropped[lost.stream] = self._dropped.get(lost.stream, 0) + 1
                self.stats.dropped_lines += 1
                self.stats.dropped_by_stream[lost.stream] = self.stats.dropped_by_stream.get(lost.stream, 0) + 1
            self._buffer.append(line)
            if len(self._buffer) >= self.max_batch_lines:
                self._wake.notify()

    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer) + sum(len(b) for b in self._pending)

    # The sending side -------------------------------------------------------------------------------------

    def take_batch(self) -> list[Line]:
        """The next batch from the buffer (within every cap), with a marker first for each stream that lost
        lines; empty when there is nothing to send."""
        with self._lock:
            batch: list[Line] = []
            size = wire = 0
            streams: set[str] = set()
            markers: dict[str, Line] = {}
            while self._buffer:
                line = self._buffer[0]
                extra: Line | None = None
                if line.stream not in streams and self._dropped.get(line.stream):
                    extra = Line(line.stream, line.time_ms, dropped_marker(self._dropped[line.stream]))
                count = 1 + (extra is not None)
                added = line.size + (extra.size if extra else 0)
                added_wire = line.wire_size + (extra.wire_size if extra else 0)
                new_stream = line.stream not in streams
                if batch and (
                    len(batch) + count > self.max_batch_lines
                    or size + added > self.max_batch_bytes
                    or wire + added_wire > self.max_body_bytes
                    or (new_stream and len(streams) >= self.max_batch_streams)
                ):
                    break
                self._buffer.popleft()
                if extra is not None:
                    markers[line.stream] = extra
                    batch.append(extra)
                    del self._dropped[line.stream]
                batch.append(line)
                size += added
                wire += added_wire
                streams.add(line.stream)
            # Lines dropped from a stream that has nothing left in the buffer still get their marker.
            for stream, count in list(self._dropped.items()):
                if stream in markers or len(batch) >= self.max_batch_lines:
                    continue
                if stream not in streams and len(streams) >= self.max_batch_streams:
                    continue
                batch.append(Line(stream, int(self.clock() * 1000), dropped_marker(count)))
                streams.add(stream)
                del self._dropped[stream]
            return batch

    def send_pending(self) -> bool:
        """Send the oldest pending batch (taking one from the buffer first if none is pending). True when
        there was nothing to send or it was accepted; False when it must be sent again later."""
        assert self.send is not None, "start() the shipper with a sender first"
        with self._lock:
            pending = self._pending[0] if self._pending else None
        if pending is None:
            pending = self.take_batch()
            if not pending:
                return True
            with self._lock:
                self._pending.append(pending)
        batch = pending
        try:
            self.send({"lines": [line.document() for line in batch]})
        except Unreachable as exc:
            return self._failed(str(exc))
        except ApiError as exc:
            if exc.status == 429 or exc.status >= 500:
                return self._failed(str(exc))
            with self._lock:
                self._pending.popleft()
                # 413: the control plane's limits (LOG_BATCH_TOO_LARGE) or its body limit are lower than ours.
                if exc.status == 413 and len(batch) > 1:
                    half = len(batch) // 2
                    self._pending.appendleft(batch[half:])
                    self._pending.appendleft(batch[:half])
                    return False
            self.stats.rejected_lines += len(batch)
            logger.warning(
                "log_batch_rejected", extra={"fields": {"lines": len(batch), "status": exc.status, "code": exc.code}}
            )
            return True
        with self._lock:
            self._pending.popleft()
        self._failures = 0
        self.stats.sent_lines += len(batch)
        self.stats.sent_batches += 1
        return True

    def _failed(self, error: str) -> bool:
        self.stats.failed_attempts += 1
        delay = self.backoff.delay(min(self._failures, 10))
        self._failures += 1
        self._retry_at = time.monotonic() + delay
        logger.warning("log_batch_not_sent", extra={"fields": {"error": error, "retry_in_s": round(delay, 2)}})
        return False

    # The thread -------------------------------------------------------------------------------------------

    def start(self, send: Send | None = None) -> None:
        if send is not None:
            self.send = send
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        block_stop_signals()
        while not self._stop.is_set():
            with self._lock:
                wait = max(self.flush_interval, self._retry_at - time.monotonic())
                if len(self._buffer) < self.max_batch_lines or self._retry_at > time.monotonic():
                    self._wake.wait(timeout=wait)
            if self._stop.is_set():
                break
            if self._retry_at > time.monotonic():
                continue
            while self.send_pending() and self._has_full_batch():
                pass

    def _has_full_batch(self) -> bool:
        with self._lock:
            return len(self._buffer) >= self.max_batch_lines

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, then send what is left for up to ``timeout`` seconds (no backoff waits)."""
        self._stop.set()
        with self._lock:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            if self._thread.is_alive():
                return  # still in a send: a second sender would send its batch twice
            self._thread = None
        if self.send is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.buffered():
            if not self.send_pending():
                break


class ShippingHandler(logging.Handler):
    """The agent's logging records, formatted as its stderr lines are, into its own stream."""

    def __init__(self, shipper: LogShipper, formatter: logging.Formatter) -> None:
        super().__init__()
        self.shipper = shipper
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == __name__:
            return  # the shipper's own troubles stay on stderr: shipping them could feed on itself
        try:
            self.shipper.emit(AGENT_STREAM, self.format(record), int(record.created * 1000))
        except Exception:  # a log line must never break the agent
            self.handleError(record)
