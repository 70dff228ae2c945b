"""One page of a listing and the opaque cursor to the next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    next_cursor: str | None
