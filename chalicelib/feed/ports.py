"""What the event feed needs from storage (chalicelib.storage.feed_repo serves it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.core.public_events import PublicEvent
from chalicelib.feed.models import FeedEntry


class EventFeedStore(Protocol):
    def append(self, feed: str, event: PublicEvent, expires_at: datetime) -> int | None:
        """Store ``event`` as the feed's next entry, with the next sequence number, atomically;
        the number it got, or None when this event id was appended before."""
        ...

    def read(self, feed: str, after: int, types: frozenset[str] | None, limit: int) -> tuple[list[FeedEntry], int]:
        """Up to ``limit`` entries after sequence number ``after`` (of ``types`` only, when given),
        oldest first, and the last sequence number examined (``after`` when none was)."""
        ...
