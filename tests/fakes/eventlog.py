"""The event history's store in memory, with DynamoEventLog's semantics: an envelope is filed once
under its (subject, time, event id) item key, a redelivery is refused by the item's condition, and a
subject's history reads oldest first in pages."""

from __future__ import annotations

import copy
import threading
from typing import Any

from chalicelib.eventlog.models import HistoryPage


class FakeEventLog:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], dict[str, Any]] = {}  # (subject, time, event id)
        self.lock = threading.Lock()

    def append(self, envelope: dict[str, Any]) -> bool:
        key = (envelope["subject"], envelope["time"], envelope["id"])
        with self.lock:
            if key in self.items:
                return False
            self.items[key] = copy.deepcopy(envelope)
        return True

    def history(self, subject: str, limit: int, cursor: str | None) -> HistoryPage:
        mine = [e for (s, _, _), e in sorted(self.items.items()) if s == subject]
        start = int(cursor) if cursor else 0
        nxt = str(start + limit) if start + limit < len(mine) else None
        return HistoryPage(mine[start : start + limit], nxt)

    def envelopes(self) -> list[dict[str, Any]]:
        return list(self.items.values())
