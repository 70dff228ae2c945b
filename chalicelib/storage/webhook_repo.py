"""DynamoDB side of customer webhooks.

- endpoints: in their org's partition (``ORG#<org>`` / ``WHEP#<id>``); operators' also on GSI2
  (``WHEP#OPERATORS``), where the fan-out of node.* events finds them;
- deliveries: in their endpoint's partition (``WHEP#<id>`` / ``WHDLV#<dlv>``; ids sort by event
  time), pending ones on GSI1 (``WHDLV#DUE`` / ``<due time>#<dlv>``) for the retry sweeper;
- attempts: in their delivery's partition (``WHDLV#<dlv>`` / ``ATTEMPT#<nnn>``).
Deliveries and attempts expire (TTL) after the configured retention (30 days).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import errors
from chalicelib.core.page import Page
from chalicelib.core.settings import get_settings
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import (
    TableItem,
    WebhookAttemptItem,
    WebhookDeliveryItem,
    WebhookEndpointItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork
from chalicelib.webhooks.models import PENDING, Attempt, Delivery, WebhookEndpoint

_DUE_PAGE = 100


def webhook_endpoint_from(i: WebhookEndpointItem) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=i.id,
        org_id=i.org_id,
        url=i.url,
        event_types=tuple(str(t) for t in (i.event_types or [])),
        description=i.description or "",
        enabled=bool(i.enabled),
        operator=bool(i.operator),
        sealed_secret=i.sealed_secret,
        created_by=i.created_by,
        created_at=i.created_at,
        updated_at=i.updated_at,
        version=int(i.version),
        previous_sealed_secret=i.previous_sealed_secret,
        previous_secret_expires_at=i.previous_secret_expires_at,
        disabled_reason=i.disabled_reason,
        failing_since=i.failing_since,
    )


def webhook_endpoint_item(e: WebhookEndpoint) -> WebhookEndpointItem:
    pk, sk = keys.webhook_endpoint(e.org_id, e.id)
    return WebhookEndpointItem(
        PK=pk,
        SK=sk,
        GSI2PK=keys.OPERATOR_WEBHOOKS_PARTITION if e.operator else None,
        GSI2SK=e.id if e.operator else None,
        id=e.id,
        org_id=e.org_id,
        url=e.url,
        event_types=list(e.event_types),
        description=e.description,
        enabled=e.enabled,
        operator=e.operator,
        sealed_secret=e.sealed_secret,
        previous_sealed_secret=e.previous_sealed_secret,
        previous_secret_expires_at=e.previous_secret_expires_at,
        disabled_reason=e.disabled_reason,
        failing_since=e.failing_since,
        created_by=e.created_by,
        created_at=e.created_at,
        updated_at=e.updated_at,
        version=e.version,
    )


def webhook_delivery_from(i: WebhookDeliveryItem) -> Delivery:
    return Delivery(
        id=i.id,
        endpoint_id=i.endpoint_id,
        org_id=i.org_id,
        event_id=i.event_id,
        event_type=i.event_type,
        payload=dict(i.payload or {}),
        status=i.status,
        attempts=int(i.attempts),
        series_step=int(i.series_step),
        series_max=int(i.series_max),
        trigger=i.trigger,
        created_at=i.created_at,
        updated_at=i.updated_at,
        next_attempt_at=i.next_attempt_at,
        last_status_code=int(i.last_status_code) if i.last_status_code is not None else None,
        last_error=i.last_error,
    )


def webhook_delivery_item(d: Delivery, due_at: str | None) -> WebhookDeliveryItem:
    pk, sk = keys.webhook_delivery(d.endpoint_id, d.id)
    return WebhookDeliveryItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.WEBHOOK_DUE_PARTITION if due_at else None,
        GSI1SK=keys.webhook_due_sort_key(due_at, d.id) if due_at else None,
        ttl=_expiry(d.created_at),
        id=d.id,
        endpoint_id=d.endpoint_id,
        org_id=d.org_id,
        event_id=d.event_id,
        event_type=d.event_type,
        payload=d.payload,
        status=d.status,
        attempts=d.attempts,
        series_step=d.series_step,
        series_max=d.series_max,
        trigger=d.trigger,
        created_at=d.created_at,
        updated_at=d.updated_at,
        next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
    )


def webhook_attempt_from(i: WebhookAttemptItem) -> Attempt:
    return Attempt(
        delivery_id=i.delivery_id,
        number=int(i.number),
        trigger=i.trigger,
        status=i.status,
        started_at=i.started_at,
        finished_at=i.finished_at,
        status_code=int(i.status_code) if i.status_code is not None else None,
        latency_ms=int(i.latency_ms) if i.latency_ms is not None else None,
        response=i.response or "",
        error=i.error,
        detail=i.detail,
    )


def webhook_attempt_item(a: Attempt) -> WebhookAttemptItem:
    pk, sk = keys.webhook_attempt(a.delivery_id, a.number)
    return WebhookAttemptItem(
        PK=pk,
        SK=sk,
        ttl=_expiry(a.started_at),
        delivery_id=a.delivery_id,
        number=a.number,
        trigger=a.trigger,
        status=a.status,
        started_at=a.started_at,
        finished_at=a.finished_at,
        status_code=a.status_code,
        latency_ms=a.latency_ms,
        response=a.response,
        error=a.error,
        detail=a.detail,
    )


def _expiry(stamp: str) -> datetime:
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return at + timedelta(seconds=get_settings().webhook_delivery_ttl_seconds)


class DynamoWebhooks:
    def __init__(self) -> None:
        bind_table()

    def get_endpoint(self, org_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        item = get_item(WebhookEndpointItem, keys.webhook_endpoint(org_id, endpoint_id), consistent=True)
        return webhook_endpoint_from(item) if item else None

    def list_endpoints(self, org_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.org_partition(org_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(
            TableItem.query,
            partition,
            range_key_condition=TableItem.SK.startswith(keys.WEBHOOK_ENDPOINT_PREFIX),
            limit=limit,
            start_key=start,
        )
        found = [webhook_endpoint_from(i) for i in items if isinstance(i, WebhookEndpointItem)]
        return Page(found, encode_cursor(last))

    def endpoints_of_org(self, org_id: str) -> list[WebhookEndpoint]:
        found = TableItem.query(
            keys.org_partition(org_id), range_key_condition=TableItem.SK.startswith(keys.WEBHOOK_ENDPOINT_PREFIX)
        )
        return [webhook_endpoint_from(i) for i in found if isinstance(i, WebhookEndpointItem)]

    def operator_endpoints(self) -> list[WebhookEndpoint]:
        found = TableItem.gsi2.query(keys.OPERATOR_WEBHOOKS_PARTITION)
        return [webhook_endpoint_from(i) for i in found if isinstance(i, WebhookEndpointItem)]

    def get_delivery(self, endpoint_id: str, delivery_id: str) -> Delivery | None:
        item = get_item(WebhookDeliveryItem, keys.webhook_delivery(endpoint_id, delivery_id), consistent=True)
        return webhook_delivery_from(item) if item else None

    def list_deliveries(self, endpoint_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.webhook_deliveries(endpoint_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(
            TableItem.query,
            partition,
            range_key_condition=TableItem.SK.startswith(keys.WEBHOOK_DELIVERY_PREFIX),
            limit=limit,
            start_key=start,
            scan_index_forward=False,
        )
        found = [webhook_delivery_from(i) for i in items if isinstance(i, WebhookDeliveryItem)]
        return Page(found, encode_cursor(last))

    def attempts(self, delivery_id: str) -> list[Attempt]:
        found = TableItem.query(
            keys.webhook_attempts(delivery_id),
            range_key_condition=TableItem.SK.startswith(keys.WEBHOOK_ATTEMPT_PREFIX),
            consistent_read=True,
        )
        return [webhook_attempt_from(i) for i in found if isinstance(i, WebhookAttemptItem)]

    def failed_deliveries_since(self, endpoint_id: str, since_delivery_id: str) -> list[Delivery]:
        found = TableItem.query(
            keys.webhook_deliveries(endpoint_id),
            range_key_condition=TableItem.SK.between(
                keys.webhook_delivery_sort_key(since_delivery_id), keys.webhook_delivery_sort_key("~")
            ),
            filter_condition=WebhookDeliveryItem.status == "failed",
        )
        return [webhook_delivery_from(i) for i in found if isinstance(i, WebhookDeliveryItem)]

    def due_deliveries(self, now: str, limit: int) -> list[Delivery]:
        found = TableItem.gsi1.query(
            keys.WEBHOOK_DUE_PARTITION,
            range_key_condition=TableItem.GSI1SK <= keys.webhook_due_until(now),  # noqa: SIM300
            limit=limit,
            page_size=min(limit, _DUE_PAGE),
        )
        return [webhook_delivery_from(i) for i in found if isinstance(i, WebhookDeliveryItem) and i.status == PENDING]


class DynamoWebhookUnitOfWork(DynamoUnitOfWork):
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        item = webhook_endpoint_item(endpoint)
        self.put(item, condition=WebhookEndpointItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def update_endpoint(self, before: WebhookEndpoint, after: WebhookEndpoint) -> None:
        item = webhook_endpoint_item(after)
        e = WebhookEndpointItem
        actions: list[Any] = [
            e.url.set(after.url),
            e.event_types.set(list(after.event_types)),
            e.description.set(after.description),
            e.enabled.set(after.enabled),
            e.sealed_secret.set(after.sealed_secret),
            e.version.set(after.version),
            e.updated_at.set(after.updated_at),
        ]
        for attribute, value in (
            (e.previous_sealed_secret, after.previous_sealed_secret),
            (e.previous_secret_expires_at, after.previous_secret_expires_at),
            (e.disabled_reason, after.disabled_reason),
        ):
            actions.append(attribute.set(value) if value is not None else attribute.remove())
        if after.enabled and not before.enabled:
            actions.append(e.failing_since.remove())
        self.update(item, actions, condition=e.version == before.version, error=errors.ConcurrentUpdateError)

    def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        pk, sk = keys.webhook_endpoint(endpoint.org_id, endpoint.id)
        self.delete(
            WebhookEndpointItem(PK=pk, SK=sk),
            condition=WebhookEndpointItem.PK.exists(),
            error=errors.WebhookNotFoundError,
        )

    def add_delivery(self, delivery: Delivery, due_at: str) -> None:
        self.put(
            webhook_delivery_item(delivery, due_at),
            condition=WebhookDeliveryItem.PK.does_not_exist(),
            error=errors.DeliveryExistsError,
        )

    def restart_delivery(self, before: Delivery, after: Delivery, due_at: str) -> None:
        d = WebhookDeliveryItem
        self.update(
            webhook_delivery_item(after, due_at),
            [
                d.status.set(after.status),
                d.series_step.set(after.series_step),
                d.series_max.set(after.series_max),
                d.trigger.set(after.trigger),
                d.next_attempt_at.set(after.next_attempt_at or after.updated_at),
                d.updated_at.set(after.updated_at),
                d.GSI1PK.set(keys.WEBHOOK_DUE_PARTITION),
                d.GSI1SK.set(keys.webhook_due_sort_key(due_at, after.id)),
            ],
            condition=d.attempts == before.attempts,
            error=errors.ConcurrentUpdateError,
        )

    def claim_attempt(self, before: Delivery, after: Delivery, attempt: Attempt, lease_until: str) -> None:
        self.put(
            webhook_attempt_item(attempt),
            condition=WebhookAttemptItem.PK.does_not_exist(),
            error=errors.AttemptClaimedError,
        )
        d = WebhookDeliveryItem
        self.update(
            webhook_delivery_item(after, lease_until),
            [
                d.attempts.set(after.attempts),
                d.series_step.set(after.series_step),
                d.updated_at.set(after.updated_at),
                # Until the outcome is recorded, the due time is the lease: a worker that dies
                # mid-attempt leaves the delivery for the sweeper, not stuck.
                d.GSI1PK.set(keys.WEBHOOK_DUE_PARTITION),
                d.GSI1SK.set(keys.webhook_due_sort_key(lease_until, after.id)),
            ],
            condition=(d.attempts == before.attempts) & (d.status == PENDING),
            error=errors.AttemptClaimedError,
        )

    def record_attempt(self, delivery: Delivery, attempt: Attempt | None, due_at: str | None) -> None:
        if attempt is not None:
            self.put(webhook_attempt_item(attempt))
        d = WebhookDeliveryItem
        actions: list[Any] = [
            d.status.set(delivery.status),
            d.updated_at.set(delivery.updated_at),
            d.next_attempt_at.set(delivery.next_attempt_at) if delivery.next_attempt_at else d.next_attempt_at.remove(),
            d.last_status_code.set(delivery.last_status_code)
            if delivery.last_status_code is not None
            else d.last_status_code.remove(),
            d.last_error.set(delivery.last_error) if delivery.last_error else d.last_error.remove(),
        ]
        if due_at:
            actions += [
                d.GSI1PK.set(keys.WEBHOOK_DUE_PARTITION),
                d.GSI1SK.set(keys.webhook_due_sort_key(due_at, delivery.id)),
            ]
        else:
            actions += [d.GSI1PK.remove(), d.GSI1SK.remove()]
        self.update(
            webhook_delivery_item(delivery, due_at),
            actions,
            condition=d.attempts == delivery.attempts,
            error=errors.ConcurrentUpdateError,
        )

    def mark_failing(self, endpoint: WebhookEndpoint, since: str) -> None:
        e = WebhookEndpointItem
        self.update(
            webhook_endpoint_item(endpoint),
            [e.failing_since.set(e.failing_since | since)],
            condition=e.PK.exists(),
            error=errors.ConcurrentUpdateError,
        )

    def clear_failing(self, endpoint: WebhookEndpoint) -> None:
        e = WebhookEndpointItem
        self.update(
            webhook_endpoint_item(endpoint),
            [e.failing_since.remove()],
            condition=e.PK.exists(),
            error=errors.ConcurrentUpdateError,
        )

    def disable_endpoint(self, endpoint: WebhookEndpoint, after: WebhookEndpoint) -> None:
        e = WebhookEndpointItem
        self.update(
            webhook_endpoint_item(after),
            [
                e.enabled.set(False),
                e.disabled_reason.set(after.disabled_reason or ""),
                e.failing_since.remove(),
                e.version.set(after.version),
                e.updated_at.set(after.updated_at),
            ],
            condition=(e.enabled == True) & (e.version == endpoint.version),  # noqa: E712 - a DynamoDB condition
            error=errors.ConcurrentUpdateError,
        )
