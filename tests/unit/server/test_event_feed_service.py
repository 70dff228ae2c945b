"""The event feed over the in-memory store: mapping to public events and feeds, once per event id,
order, types, the cursor and the long-poll (with an injected sleep: no real waiting)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core import errors
from chalicelib.feed.models import PLATFORM_FEED, FeedLimits, decode_cursor, encode_cursor
from chalicelib.feed.service import EventFeedService
from tests.fakes.clock import FakeClock
from tests.fakes.feed import FakeEventFeed

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).resolve().parents[3] / "events" / "samples"
ORG = "org_01m8697e3xwr9jvzy4vye9hy23"


def sample(event_type: str, **changes: Any) -> dict[str, Any]:
    envelope = copy.deepcopy(json.loads((SAMPLES / f"{event_type}.json").read_text()))
    envelope.update(changes)
    return envelope


class Sleeper:
    """Stands in for time.sleep and time.monotonic; ``during`` runs at the n-th sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.during: dict[int, Any] = {}

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        action = self.during.get(len(self.slept))
        if action:
            action()

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def feed() -> tuple[EventFeedService, FakeEventFeed, Sleeper]:
    store, sleeper = FakeEventFeed(), Sleeper()
    limits = FeedLimits(retention_seconds=30 * 86400, wait_max_seconds=20, poll_seconds=0.5)
    service = EventFeedService(store, FakeClock(), limits, sleep=sleeper.sleep, monotonic=sleeper.monotonic)
    return service, store, sleeper


def test_public_events_go_to_their_orgs_feed_once_and_internal_ones_nowhere(feed):
    service, store, _ = feed
    assert service.append(sample("allocation.requested")) == 1
    assert service.append(sample("allocation.requested")) is None  # redelivered
    assert service.append(sample("allocation.provisioning")) is None  # internal only
    assert service.append(sample("node.drained")) == 1  # the platform's feed
    assert set(store.feeds) == {ORG, PLATFORM_FEED}
    [entry] = store.feeds[ORG]
    assert entry.body["id"] == sample("allocation.requested")["id"] and entry.body["type"] == "allocation.requested"
    assert set(entry.body) == {"id", "type", "timestamp", "data"}


def test_a_read_follows_the_cursor_in_order_and_filters_by_type(feed):
    service, _, _ = feed
    for n, event_type in enumerate(["allocation.requested", "allocation.active", "billing.low_balance"]):
        service.append(sample(event_type, id=f"evt_01m8e14x4trehhrv8yn4pnsc{n:02d}"))
    first = service.read(ORG, None, None, 2, 0)
    assert [e["type"] for e in first.events] == ["allocation.requested", "allocation.active"]
    rest = service.read(ORG, first.next_cursor, None, 10, 0)
    assert [e["type"] for e in rest.events] == ["balance.low"]
    assert service.read(ORG, rest.next_cursor, None, 10, 0).events == []
    only = service.read(ORG, None, ["balance.*"], 10, 0)
    assert [e["type"] for e in only.events] == ["balance.low"] and only.next_cursor == rest.next_cursor


def test_a_wait_returns_as_soon_as_an_event_arrives_and_is_capped(feed):
    service, _, sleeper = feed
    sleeper.during[3] = lambda: service.append(sample("allocation.active"))
    page = service.read(ORG, None, None, 10, 20)
    assert [e["type"] for e in page.events] == ["allocation.active"] and sleeper.slept == [0.5, 0.5, 0.5]
    sleeper.slept.clear()
    empty = service.read(ORG, page.next_cursor, None, 10, 600)
    assert empty.events == [] and sum(sleeper.slept) == 20  # capped below API Gateway's 29 s
    assert empty.next_cursor == page.next_cursor


def test_bad_cursors_and_types_are_refused(feed):
    service, _, _ = feed
    for cursor in ("nope", "!!!", encode_cursor("org_01m8697e3xwr9jvzy4vye9hy99", 3), encode_cursor(ORG, -1)):
        with pytest.raises(errors.InvalidCursorError):
            service.read(ORG, cursor, None, 10, 0)
    with pytest.raises(errors.ValidationFailedError):
        service.read(ORG, None, ["allocation.exploded"], 10, 0)
    with pytest.raises(errors.ValidationFailedError):
        service.read(ORG, None, ["node.down"], 10, 0)  # an operator event is not in an org's feed
    assert decode_cursor(encode_cursor(ORG, 7), ORG) == 7


def test_entries_expire_after_the_retention(feed):
    service, store, _ = feed
    service.append(sample("allocation.active"))
    [expires] = store.expires.values()
    assert (expires - FakeClock().now()).days == 30
