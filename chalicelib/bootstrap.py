"""Wires real adapters into the use cases (tests wire fakes into the same services)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.core.clock import SystemClock

if TYPE_CHECKING:
    from chalicelib.eventlog.service import EventLogService
    from chalicelib.inventory.service import InventoryService
    from chalicelib.outbox.relay import OutboxRelay

clock = SystemClock()


@cache
def inventory_service() -> InventoryService:
    from chalicelib.inventory.service import InventoryService
    from chalicelib.storage.inventory_repo import DynamoInventoryReader, DynamoInventoryUnitOfWork

    return InventoryService(DynamoInventoryReader(), lambda: DynamoInventoryUnitOfWork(clock), clock)


@cache
def outbox_relay() -> OutboxRelay:
    from chalicelib.adapters.eventbridge import EventBridgePublisher
    from chalicelib.adapters.idempotency import once_per_event
    from chalicelib.outbox.relay import OutboxRelay

    return OutboxRelay(EventBridgePublisher(), once=once_per_event("outbox-relay"))


@cache
def event_log_service() -> EventLogService:
    from chalicelib.eventlog.service import EventLogService
    from chalicelib.storage.event_log_repo import DynamoEventLog

    return EventLogService(DynamoEventLog())


def reset() -> None:
    """Forget wired services (tests that change settings call this)."""
    for factory in (inventory_service, outbox_relay, event_log_service):
        factory.cache_clear()
