"""What the event history needs from storage (chalicelib.storage.event_log_repo serves it)."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.eventlog.models import HistoryPage


class EventLogStore(Protocol):
    def append(self, envelope: dict[str, Any]) -> bool:
        """Store the envelope; False when this event id was stored before."""
        ...

    def history(self, subject: str, limit: int, cursor: str | None) -> HistoryPage: ...
