"""Event feed use cases: append each public event to its feed once; read a feed from a cursor,
long-polling when nothing is new.

Appends come from functions.event_feed (EventFeedQueue, the public events' internal types); the
store gives each entry the feed's next sequence number in the transaction that writes it, so the
order is total per feed and a cursor never skips an entry that committed late.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.core.public_events import (
    CUSTOMER_EVENT_TYPES,
    OPERATOR_EVENT_TYPES,
    known_pattern,
    matches,
    public_event,
)
from chalicelib.feed.models import PLATFORM_FEED, FeedLimits, FeedPage, decode_cursor, encode_cursor
from chalicelib.feed.ports import EventFeedStore

logger = logging.getLogger(__name__)


class EventFeedService:
    def __init__(
        self,
        store: EventFeedStore,
        clock: Clock,
        limits: FeedLimits,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._clock = clock
        self._limits = limits
        self._sleep = sleep
        self._monotonic = monotonic

    # Appending ----------------------------------------------------------------------------

    def append(self, envelope: Mapping[str, Any]) -> int | None:
        """Append the public event ``envelope`` stands for to its feed (the org's, or the
        platform's for operator events). Its sequence number; None when the envelope is not
        public, or was appended before (a redelivery)."""
        event = public_event(envelope)
        if event is None:
            return None
        feed = PLATFORM_FEED if event.operator_only else event.org_id
        if feed is None:
            logger.warning("public event without an org", extra={"event_id": event.id, "type": event.type})
            return None
        expires_at = self._clock.now() + timedelta(seconds=self._limits.retention_seconds)
        return self._store.append(feed, event, expires_at)

    # Reading ------------------------------------------------------------------------------

    def read(
        self, feed: str, after: str | None, types: Iterable[str] | None, limit: int, wait_seconds: int
    ) -> FeedPage:
        """The feed's events after the cursor ``after`` (from the oldest retained one without),
        of ``types`` only (names or ``allocation.*`` patterns), oldest first; waits up to
        ``wait_seconds`` (capped) for one when none is there yet."""
        position = decode_cursor(after, feed) if after is not None else 0
        wanted = self._types(feed, types)
        wait = max(0, min(wait_seconds, self._limits.wait_max_seconds))
        deadline = self._monotonic() + wait
        while True:
            entries, position = self._store.read(feed, position, wanted, limit)
            remaining = deadline - self._monotonic()
            if entries or remaining <= 0:
                return FeedPage([e.body for e in entries], encode_cursor(feed, position))
            self._sleep(min(self._limits.poll_seconds, remaining))

    @staticmethod
    def _types(feed: str, patterns: Iterable[str] | None) -> frozenset[str] | None:
        if patterns is None:
            return None
        allowed = OPERATOR_EVENT_TYPES if feed == PLATFORM_FEED else CUSTOMER_EVENT_TYPES
        asked = [p for p in patterns if p]
        if not asked:
            return None
        unknown = [p for p in asked if not known_pattern(p, operator=feed == PLATFORM_FEED)]
        if unknown:
            raise errors.ValidationFailedError(f"Unknown event types: {', '.join(unknown)}")
        chosen = frozenset(t for t in allowed if any(matches(p, t) for p in asked))
        if not chosen:
            raise errors.ValidationFailedError(f"No event of this feed has the types {', '.join(asked)}")
        return chosen
