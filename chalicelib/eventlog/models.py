"""The event history's page: envelopes of one subject, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
