"""The CloudWatch Logs adapter on the local cloud's moto: streams created on their first lines, pages that follow
the forward token, the end of a stream that stays put, a stream not written yet, and lines over 24 hours put
in more than one call."""

from __future__ import annotations

import time

import pytest

from chalicelib.adapters.cloudwatch_logs import CloudWatchLogStore
from chalicelib.logs.models import AGENT, ALLOCATION, LogLine, LogStream

pytestmark = pytest.mark.integration

ALC = LogStream(ALLOCATION, "alc_" + "a" * 26)


def test_append_then_read_in_pages_and_at_the_end(cloud):
    store = CloudWatchLogStore()
    now = int(time.time() * 1000)
    store.append(ALC, [LogLine(now + i, f"line {i}") for i in range(5)] + [LogLine(now + 5, "")])
    described = cloud.client("logs").describe_log_streams(logGroupName=cloud.resources.log_groups["AllocationLogGroup"])
    assert [s["logStreamName"] for s in described["logStreams"]] == [ALC.name]

    messages, position = [], None
    for _ in range(3):
        found = store.read(ALC, None, position, 2)
        messages += [line.message for line in found.lines]
        position = found.position
    assert messages == ["line 0", "line 1", "line 2", "line 3", "line 4", " "]  # an empty line is stored as one space
    end = store.read(ALC, None, position, 2)
    assert end.lines == () and end.position == position
    store.append(ALC, [LogLine(now + 6, "more")])
    assert [line.message for line in store.read(ALC, None, position, 2).lines] == ["more"]
    assert [line.message for line in store.read(ALC, now + 4, None, 10).lines] == ["line 4", " ", "more"]


def test_a_stream_not_written_yet_reads_empty_and_kinds_have_their_own_groups(cloud):
    store = CloudWatchLogStore()
    assert store.read(LogStream(AGENT, "node_" + "b" * 26), None, None, 10).lines == ()
    now = int(time.time() * 1000)
    store.append(LogStream(AGENT, "node_" + "b" * 26), [LogLine(now, "agent line")])
    agents = cloud.client("logs").describe_log_streams(logGroupName=cloud.resources.log_groups["AgentLogGroup"])
    assert [s["logStreamName"] for s in agents["logStreams"]] == ["node_" + "b" * 26]
    assert store.read(ALC, None, None, 10).lines == ()


def test_lines_spanning_more_than_a_day_are_put_in_calls_cloudwatch_takes(cloud):
    store = CloudWatchLogStore()
    now = int(time.time() * 1000)
    day = 24 * 3600 * 1000
    store.append(
        ALC, [LogLine(now - 2 * day, "two days ago"), LogLine(now - day // 2, "this morning"), LogLine(now, "now")]
    )
    assert [line.message for line in store.read(ALC, None, None, 10).lines] == ["two days ago", "this morning", "now"]
