"""The logs use cases over in-memory fakes: a batch is checked whole against the limits and the node's own
streams before anything is stored; readers page with an opaque cursor tied to its stream, from ``since``,
and a follow waits (without sleeping for real) until lines arrive or its time is up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.core import errors
from chalicelib.logs.models import AGENT, ALLOCATION, IncomingLine, LogLimits, LogQuery, LogStream
from chalicelib.logs.service import LogService
from tests.fakes.clock import FakeClock
from tests.fakes.logs import FakeAllocationDirectory, FakeLogStore, FakeNodeDirectory, FakeOwnedAllocation

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
ALC, OTHER = "alc_" + "a" * 26, "alc_" + "b" * 26
LIMITS = LogLimits(
    batch_max_lines=5,
    batch_max_bytes=40,
    line_max_bytes=16,
    batch_max_streams=2,
    max_age_seconds=3600,
    max_future_seconds=60,
    follow_wait_seconds=10,
    follow_poll_seconds=1,
)


class World:
    def __init__(self) -> None:
        self.store = FakeLogStore()
        self.allocations = FakeAllocationDirectory(
            {ALC: FakeOwnedAllocation("org_1", "node_1"), OTHER: FakeOwnedAllocation("org_2", "node_2")}
        )
        self.nodes = FakeNodeDirectory({"node_1", "node_2"})
        self.clock = FakeClock(NOW)
        self.elapsed = 0.0
        self.sleeps: list[float] = []
        # Lines an agent ships while a reader waits: (at elapsed seconds, node, lines).
        self.arrivals: list[tuple[float, str, list[IncomingLine]]] = []
        self.service = LogService(
            self.store,
            self.allocations,
            self.nodes,
            self.clock,
            LIMITS,
            sleep=self.sleep,
            monotonic=lambda: self.elapsed,
        )

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds
        for arrival in [a for a in self.arrivals if a[0] <= self.elapsed]:
            self.arrivals.remove(arrival)
            self.service.ingest(arrival[1], arrival[2])


def line(message: str, stream: str = ALC, at: int = NOW_MS) -> IncomingLine:
    return IncomingLine(stream, at, message)


@pytest.fixture
def w() -> World:
    return World()


def test_a_batch_is_stored_per_stream_in_time_order(w):
    receipt = w.service.ingest("node_1", [line("b", at=NOW_MS + 2), line("hello", "agent"), line("a", at=NOW_MS + 1)])
    assert (receipt.accepted, receipt.streams) == (3, 2)
    assert w.store.messages(LogStream(ALLOCATION, ALC)) == ["a", "b"]
    assert w.store.messages(LogStream(AGENT, "node_1")) == ["hello"]


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([line(str(i)) for i in range(6)], errors.LogBatchTooLargeError),  # more lines than the limit
        ([line("x" * 16)] * 3, errors.LogBatchTooLargeError),  # 48 bytes of messages > 40
        ([line("é" * 9)], errors.LogLineTooLongError),  # 18 bytes in UTF-8 > 16
        ([line("a"), line("b", "agent"), line("c", "alc_" + "c" * 26)], errors.LogBatchTooLargeError),  # 3 streams
        ([line("old", at=NOW_MS - 3600_001)], errors.LogTimeOutOfRangeError),
        ([line("ahead", at=NOW_MS + 60_001)], errors.LogTimeOutOfRangeError),
        ([line("ok"), line("theirs", OTHER)], errors.AllocationNotFoundError),  # another node's allocation
        ([line("ghost", "alc_" + "z" * 26)], errors.AllocationNotFoundError),  # no such allocation
        ([], errors.ValidationFailedError),
    ],
)
def test_a_batch_that_breaks_a_rule_is_refused_whole_and_stores_nothing(w, lines, error):
    with pytest.raises(error):
        w.service.ingest("node_1", lines)
    assert w.store.streams == {} and w.store.appends == 0


def test_the_limits_themselves_are_fine(w):
    lines = [line("x" * 8) for _ in range(5)]  # 5 lines, 40 bytes, one stream
    assert w.service.ingest("node_1", lines).accepted == 5
    w.service.ingest("node_1", [line("x" * 16, at=NOW_MS - 3600_000), line("y", at=NOW_MS + 60_000)])
    assert len(w.store.messages(LogStream(ALLOCATION, ALC))) == 7


def test_the_owner_of_an_allocation_is_looked_up_once(w):
    for _ in range(3):
        w.service.ingest("node_1", [line("a")])
    assert w.allocations.lookups == 1
    with pytest.raises(errors.AllocationNotFoundError):
        w.service.ingest("node_2", [line("not yours")])  # remembered owner still checked
    assert w.allocations.lookups == 1


def test_readers_page_through_a_stream_with_its_cursor(w):
    w.service.ingest("node_1", [line(m, at=NOW_MS + i) for i, m in enumerate("abcde")])
    messages, cursor = [], None
    for _ in range(3):
        page = w.service.allocation_logs("org_1", ALC, LogQuery(limit=2, cursor=cursor))
        messages += [x.message for x in page.lines]
        cursor = page.next_cursor
    assert messages == list("abcde")
    end = w.service.allocation_logs("org_1", ALC, LogQuery(limit=2, cursor=cursor))
    assert end.lines == () and end.next_cursor == cursor  # at the end it stays put
    w.service.ingest("node_1", [line("f", at=NOW_MS + 9)])
    assert [x.message for x in w.service.allocation_logs("org_1", ALC, LogQuery(limit=2, cursor=cursor)).lines] == ["f"]


def test_since_keeps_later_lines_and_the_cursor_remembers_it(w):
    w.service.ingest("node_1", [line("early", at=NOW_MS - 1000), line("late", at=NOW_MS), line("later", at=NOW_MS + 1)])
    page = w.service.allocation_logs("org_1", ALC, LogQuery(limit=1, since="2026-11-26T12:00:00Z"))
    assert [x.message for x in page.lines] == ["late"]
    rest = w.service.allocation_logs("org_1", ALC, LogQuery(limit=5, cursor=page.next_cursor, since="2000-01-01"))
    assert [x.message for x in rest.lines] == ["later"]
    day = w.service.allocation_logs("org_1", ALC, LogQuery(limit=5, since="2026-11-26"))
    assert [x.message for x in day.lines] == ["early", "late", "later"]
    with pytest.raises(errors.ValidationFailedError):
        w.service.allocation_logs("org_1", ALC, LogQuery(limit=5, since="2026-11-31"))


def test_another_orgs_allocation_is_not_found_and_cursors_belong_to_their_stream(w):
    with pytest.raises(errors.AllocationNotFoundError):
        w.service.allocation_logs("org_2", ALC, LogQuery(limit=5))
    with pytest.raises(errors.AllocationNotFoundError):
        w.service.allocation_logs("org_1", "alc_" + "z" * 26, LogQuery(limit=5))
    theirs = w.service.allocation_logs("org_2", OTHER, LogQuery(limit=5)).next_cursor
    node = w.service.node_logs("node_1", LogQuery(limit=5)).next_cursor
    for cursor in (theirs, node, "garbage!", "e30", "W10"):  # e30 = {}, W10 = []
        with pytest.raises(errors.InvalidCursorError):
            w.service.allocation_logs("org_1", ALC, LogQuery(limit=5, cursor=cursor))


def test_follow_waits_until_lines_arrive_and_answers_at_once(w):
    w.arrivals.append((3.0, "node_1", [line("arrived")]))
    page = w.service.allocation_logs("org_1", ALC, LogQuery(limit=5, follow=True))
    assert [x.message for x in page.lines] == ["arrived"]
    assert w.elapsed == 3.0 and w.sleeps == [1, 1, 1]


def test_follow_gives_up_after_its_wait_with_the_same_cursor(w):
    w.service.ingest("node_1", [line("seen")])
    cursor = w.service.allocation_logs("org_1", ALC, LogQuery(limit=5)).next_cursor
    page = w.service.allocation_logs("org_1", ALC, LogQuery(limit=5, cursor=cursor, follow=True))
    assert page.lines == () and page.next_cursor == cursor
    assert w.elapsed == 10 and sum(w.sleeps) == 10


def test_without_follow_an_empty_read_answers_at_once(w):
    assert w.service.allocation_logs("org_1", ALC, LogQuery(limit=5)).lines == ()
    assert w.sleeps == []


def test_operators_read_a_nodes_agent_stream_and_an_unknown_node_is_not_found(w):
    w.service.ingest("node_1", [line("registered", "agent")])
    w.service.ingest("node_2", [line("other", "agent")])
    assert [x.message for x in w.service.node_logs("node_1", LogQuery(limit=5)).lines] == ["registered"]
    with pytest.raises(errors.NodeNotFoundError):
        w.service.node_logs("node_9", LogQuery(limit=5))


def test_the_adapter_cuts_a_streams_lines_into_calls_cloudwatch_takes():
    from chalicelib.adapters.cloudwatch_logs import put_calls

    day = 24 * 3600 * 1000
    events = [{"timestamp": t, "message": "m"} for t in (0, 1, day - 1, day, day + 5, 3 * day)]
    assert [[e["timestamp"] for e in call] for call in put_calls(events)] == [
        [0, 1, day - 1],
        [day, day + 5],
        [3 * day],
    ]
    many = [{"timestamp": 0, "message": "x" * 100_000} for _ in range(25)]  # 25 x ~100 KB: over 1 MiB
    assert [len(call) for call in put_calls(many)] == [10, 10, 5]
    assert [len(call) for call in put_calls([{"timestamp": 0, "message": ""}] * 10_001)] == [10_000, 1]
