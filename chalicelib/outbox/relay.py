"""The outbox relay: moves each committed outbox envelope to the event bus, once.

Delivery from the stream is at least once (a retried batch, a redelivered shard). The
publication is wrapped in an idempotency guard keyed by the event id, so a duplicate
delivery is acknowledged without a second publication; consumers are idempotent too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.outbox.ports import EventPublisher, Guard


def _no_guard(fn: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
    return fn


class OutboxRelay:
    def __init__(self, publisher: EventPublisher, once: Guard = _no_guard) -> None:
        self._publisher = publisher

        @once
        def publish_once(envelope: dict[str, Any]) -> dict[str, str]:
            self._publisher.publish(envelope)
            return {"published": envelope["id"]}

        self._publish_once = publish_once

    def relay(self, envelope: dict[str, Any]) -> None:
        if not envelope.get("id") or not envelope.get("type"):
            raise ValueError("An outbox record without an event id or type cannot be relayed")
        self._publish_once(envelope=envelope)
