"""The outbox relay's ports in memory: a bus that records (or refuses) publications, and the
once-per-event guard with Powertools idempotency's semantics (chalicelib.storage.idempotency): a
completed event id returns its first result without running again, a run that raised leaves no
record (so the redelivery runs it again), and an envelope without an id is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class PublishRefused(Exception):
    """What the fake bus raises for an event id it is told to refuse (EventBridge's FailedEntryCount)."""


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.refuse: set[str] = set()  # event ids the bus refuses, until removed

    def publish(self, envelope: dict[str, Any]) -> None:
        if envelope["id"] in self.refuse:
            raise PublishRefused(f"The bus refused {envelope['id']}")
        self.published.append(envelope)

    def types(self) -> list[str]:
        return [e["type"] for e in self.published]


class OncePerEvent:
    def __init__(self) -> None:
        self.completed: dict[str, Any] = {}  # event id -> the first run's result

    def __call__(self, fn: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
        def guarded(*, envelope: dict[str, Any]) -> Any:
            event_id = envelope.get("id")
            if not event_id:
                raise ValueError("No idempotency key: the envelope has no id")
            if event_id in self.completed:
                return self.completed[event_id]
            result = fn(envelope=envelope)
            self.completed[event_id] = result
            return result

        return guarded
