"""In-memory event feed store: the same numbering and dedupe rules as chalicelib.storage.feed_repo."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.core.public_events import PublicEvent
from chalicelib.feed.models import FeedEntry


@dataclass
class FakeEventFeed:
    feeds: dict[str, list[FeedEntry]] = field(default_factory=dict)
    appended: dict[str, tuple[str, int]] = field(default_factory=dict)  # event id -> (feed, seq)
    expires: dict[str, datetime] = field(default_factory=dict)
    reads: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, feed: str, event: PublicEvent, expires_at: datetime) -> int | None:
        with self._lock:
            if event.id in self.appended:
                return None
            entries = self.feeds.setdefault(feed, [])
            seq = len(entries) + 1
            entries.append(FeedEntry(seq, event.id, event.type, event.payload()))
            self.appended[event.id] = (feed, seq)
            self.expires[event.id] = expires_at
            return seq

    def read(self, feed: str, after: int, types: frozenset[str] | None, limit: int) -> tuple[list[FeedEntry], int]:
        self.reads += 1
        found: list[FeedEntry] = []
        position = after
        for entry in self.feeds.get(feed, []):
            if entry.seq <= after:
                continue
            position = entry.seq
            if types is None or entry.type in types:
                found.append(entry)
            if len(found) >= limit:
                break
        return found, position
