"""What the outbox relay needs: a bus to publish on (chalicelib.adapters.eventbridge) and a guard
that runs a publication once per event id (chalicelib.storage.idempotency.once_per_event)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class EventPublisher(Protocol):
    def publish(self, envelope: dict[str, Any]) -> None: ...


# Decorates ``fn(envelope=...)`` so that it runs once per envelope id; a run that raised leaves no record.
Guard = Callable[[Callable[[dict[str, Any]], Any]], Callable[..., Any]]
