"""The event history: every delivered event filed under its subject, readable per resource.

It consumes the bus through its own queue (EventsArchiveRule -> EventsArchiveQueue), so it
sees exactly what any other consumer sees. Recording is idempotent by event id: a redelivered
message has no second effect.
"""

from __future__ import annotations

from typing import Any

from chalicelib.eventlog.models import HistoryPage
from chalicelib.eventlog.ports import EventLogStore


class EventLogService:
    def __init__(self, store: EventLogStore) -> None:
        self._store = store

    def record(self, envelope: dict[str, Any]) -> bool:
        for field in ("id", "type", "subject", "time"):
            if not isinstance(envelope.get(field), str) or not envelope[field]:
                raise ValueError(f"Event envelope lacks {field!r}")
        return self._store.append(envelope)

    def history(self, subject: str, limit: int, cursor: str | None) -> HistoryPage:
        return self._store.history(subject, limit, cursor)
