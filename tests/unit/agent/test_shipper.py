"""The agent's log shipper: bounded batches, a bounded buffer that drops oldest and says so, retries with
backoff, a batch too large split in two, and producers that never wait on the network."""

from __future__ import annotations

import logging
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "node_agent") not in sys.path:  # works without `pip install -e ./node_agent` too
    sys.path.append(str(ROOT / "node_agent"))

from gpuaas_agent.control_plane import ApiError, Backoff, Unreachable  # noqa: E402
from gpuaas_agent.logs import JsonFormatter  # noqa: E402
from gpuaas_agent.shipper import TRUNCATED, LogShipper, ShippingHandler, cut  # noqa: E402

pytestmark = pytest.mark.unit

ALC = "alc_" + "a" * 26


class Recorder:
    """A control plane that answers as it is told: each call pops the next outcome (None = accepted)."""

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.batches: list[list[dict[str, Any]]] = []
        self.attempts = 0

    def __call__(self, document: dict[str, Any]) -> object:
        self.attempts += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.batches.append(document["lines"])
        return {"accepted": len(document["lines"])}

    def messages(self) -> list[str]:
        return [line["message"] for batch in self.batches for line in batch]


def shipper(send: Recorder | None = None, **limits: Any) -> LogShipper:
    clock = iter(range(1_000, 10**9)).__next__  # every emit one second later, in ms: times are distinct
    return LogShipper(send, clock=lambda: float(clock()), rng=random.Random(1), **limits)


def drain(s: LogShipper) -> None:
    while s.buffered():
        assert s.send_pending()


def test_batches_keep_every_cap_and_each_streams_order():
    send = Recorder()
    s = shipper(send, max_batch_lines=3, max_batch_bytes=10, max_batch_streams=2)
    for i in range(5):
        s.emit(ALC, f"a{i}")
    s.emit("agent", "x" * 9)
    s.emit("alc_" + "b" * 26, "b")
    drain(s)
    assert [len(b) for b in send.batches] == [3, 2, 2]  # lines; then bytes (4 + 9 > 10)
    assert send.messages() == ["a0", "a1", "a2", "a3", "a4", "x" * 9, "b"]
    for batch in send.batches:
        assert sum(len(line["message"]) for line in batch) <= 10 and len({line["stream"] for line in batch}) <= 2
    times = [line["time_ms"] for batch in send.batches for line in batch]
    assert times == sorted(times)
    for stream in (ALC, "agent", "alc_" + "c" * 26):  # three streams, two a batch
        s.emit(stream, "s")
    drain(s)
    assert [len(b) for b in send.batches[3:]] == [2, 1]


def test_a_line_is_cut_to_the_limit_in_whole_characters():
    assert cut("short", 64) == "short"
    long = cut("é" * 100, 64)
    assert len(long.encode()) <= 64 and long.endswith(TRUNCATED) and long.startswith("é")
    s = shipper(Recorder(), max_line_bytes=64)
    s.emit(ALC, "y" * 1000)
    assert len(s.take_batch()[0].message.encode()) <= 64


def test_a_full_buffer_drops_the_oldest_and_marks_where_lines_went_missing():
    send = Recorder()
    s = shipper(send, max_buffer_lines=4, max_batch_lines=10)
    for i in range(10):
        s.emit(ALC if i % 2 == 0 else "agent", f"line {i}")
    assert s.buffered() == 4 and s.stats.dropped_lines == 6
    assert s.stats.dropped_by_stream == {ALC: 3, "agent": 3}
    drain(s)
    assert send.messages() == [
        "[gpuaas-agent] dropped 3 lines",
        "line 6",
        "[gpuaas-agent] dropped 3 lines",
        "line 7",
        "line 8",
        "line 9",
    ]
    streams = [line["stream"] for line in send.batches[0]]
    assert streams == [ALC, ALC, "agent", "agent", ALC, "agent"]
    # The marker carries the time of the first line kept, so it sorts right before it.
    assert send.batches[0][0]["time_ms"] == send.batches[0][1]["time_ms"]
    # Once said, a drop is not repeated.
    s.emit(ALC, "later")
    drain(s)
    assert send.messages()[-1] == "later" and sum("dropped" in m for m in send.messages()) == 2


def test_a_stream_that_lost_everything_still_gets_its_marker():
    send = Recorder()
    s = shipper(send, max_buffer_lines=2)
    s.emit(ALC, "lost")
    s.emit("agent", "kept 1")
    s.emit("agent", "kept 2")
    drain(s)
    assert send.messages() == ["kept 1", "kept 2", "[gpuaas-agent] dropped 1 line"]
    assert send.batches[0][-1]["stream"] == ALC


def test_memory_stays_bounded_while_the_control_plane_is_down():
    send = Recorder(*[Unreachable("down")] * 50)
    s = shipper(send, max_buffer_lines=100, max_batch_lines=10)
    for i in range(1_000):
        s.emit(ALC, f"{i}")
        if i % 100 == 0:
            assert not s.send_pending()
    # The buffer holds at most 100 lines, plus the one batch being retried.
    assert s.buffered() <= 110 and s.stats.failed_attempts == 10 and s.stats.dropped_lines >= 890


def test_a_batch_that_failed_is_sent_again_first_after_a_growing_backoff():
    send = Recorder(Unreachable("down"), ApiError(503, {}), ApiError(429, {}))
    delays: list[float] = []

    class Recording(Backoff):
        def delay(self, attempt: int) -> float:
            delays.append(min(self.cap, self.base * 2**attempt))
            return super().delay(attempt)

    s = shipper(send, max_batch_lines=2, backoff=Recording(base=1.0, cap=30.0, rng=random.Random(2)))
    for m in ("a", "b", "c"):
        s.emit(ALC, m)
    assert [s.send_pending() for _ in range(3)] == [False, False, False]
    assert delays == [1.0, 2.0, 4.0]  # the ceilings of the full-jitter draws
    assert s.send_pending() and send.batches == [send.batches[0]] and send.messages() == ["a", "b"]
    assert s.send_pending() and send.messages() == ["a", "b", "c"]
    assert s.stats.failed_attempts == 3 and s.stats.sent_lines == 3


def test_a_batch_refused_as_too_large_is_split_and_one_refused_otherwise_is_dropped_and_counted():
    send = Recorder(ApiError(413, {"code": "LOG_BATCH_TOO_LARGE"}), None, None, ApiError(400, {"code": "X"}))
    s = shipper(send, max_batch_lines=4)
    for m in "abcd":
        s.emit(ALC, m)
    assert not s.send_pending()  # split: two halves now wait their turn
    assert s.send_pending() and s.send_pending()
    assert [[line["message"] for line in b] for b in send.batches] == [["a", "b"], ["c", "d"]]
    s.emit(ALC, "refused")
    assert s.send_pending()  # dropped for good: never sent again
    assert s.buffered() == 0 and s.stats.rejected_lines == 1 and send.attempts == 4


def test_emit_never_waits_for_a_hung_control_plane_and_stop_sends_the_rest():
    release = threading.Event()
    sent: list[str] = []

    def slow(document: dict[str, Any]) -> object:
        release.wait(5)
        sent.extend(line["message"] for line in document["lines"])
        return {}

    s = LogShipper(slow, flush_interval=0.01, max_batch_lines=5)
    s.start()
    s.emit(ALC, "first")
    time.sleep(0.1)  # the thread is now stuck in the slow send
    started = time.monotonic()
    for i in range(2_000):
        s.emit(ALC, f"{i}")
    assert time.monotonic() - started < 1.0
    release.set()
    s.stop(timeout=5)
    assert sent[0] == "first" and sent[-1] == "1999" and len(sent) == 2_001


def test_the_handler_ships_the_agents_records_but_not_the_shippers_own():
    s = shipper()
    handler = ShippingHandler(s, JsonFormatter())
    record = logging.LogRecord("gpuaas_agent.agent", logging.INFO, __file__, 1, "agent_started", None, None)
    record.fields = {"node_id": "node_1"}
    handler.emit(record)
    handler.emit(
        logging.LogRecord("gpuaas_agent.shipper", logging.WARNING, __file__, 1, "log_batch_not_sent", None, None)
    )
    batch = s.take_batch()
    assert [line.stream for line in batch] == ["agent"]
    assert '"event":"agent_started"' in batch[0].message and '"node_id":"node_1"' in batch[0].message
    assert batch[0].time_ms == int(record.created * 1000)


def test_a_batch_stays_under_the_apis_body_limit_json_and_all():
    import json

    send = Recorder()
    s = shipper(send)  # the defaults: 500 lines, 48 KiB of messages, 60 KiB of JSON
    for _ in range(500):
        s.emit(ALC, "\x01" * 90)  # 90 bytes of text, 540 bytes of JSON escapes each
    drain(s)
    assert len(send.batches) > 1
    for batch in send.batches:
        assert len(json.dumps({"lines": batch})) <= 61_440
    assert len(send.messages()) == 500


def test_a_413_for_the_body_is_split_too():
    send = Recorder(ApiError(413, {"code": "PAYLOAD_TOO_LARGE"}))
    s = shipper(send)
    for m in "ab":
        s.emit(ALC, m)
    assert not s.send_pending()
    drain(s)
    assert [[line["message"] for line in b] for b in send.batches] == [["a"], ["b"]]
