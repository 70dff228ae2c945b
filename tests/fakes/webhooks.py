"""In-memory webhook storage with DynamoDB's semantics (each write's condition raises the error
chalicelib.storage.webhook_repo raises), and stand-ins for the queue, KMS, the HTTP sender and the
destination policy."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.webhooks.models import FAILED, PENDING, Attempt, Delivery, DeliveryTask, WebhookEndpoint
from chalicelib.webhooks.sending import HttpOutcome
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


@dataclass
class WebhookStore(FakeStore):
    endpoints: dict[tuple[str, str], WebhookEndpoint] = field(default_factory=dict)  # (org, id)
    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)  # (endpoint, id)
    due: dict[str, str] = field(default_factory=dict)  # delivery id -> due time
    attempts: dict[tuple[str, int], Attempt] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    transactions: int = 0


def _page(items: list[Any], limit: int, cursor: str | None) -> Page:
    start = int(cursor) if cursor else 0
    nxt = str(start + limit) if start + limit < len(items) else None
    return Page(items[start : start + limit], nxt)


class FakeWebhookReader:
    def __init__(self, store: WebhookStore) -> None:
        self.s = store

    def get_endpoint(self, org_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        return self.s.endpoints.get((org_id, endpoint_id))

    def list_endpoints(self, org_id: str, limit: int, cursor: str | None) -> Page:
        return _page(self.endpoints_of_org(org_id), limit, cursor)

    def endpoints_of_org(self, org_id: str) -> list[WebhookEndpoint]:
        return [e for (o, _), e in sorted(self.s.endpoints.items()) if o == org_id]

    def operator_endpoints(self) -> list[WebhookEndpoint]:
        return [e for _, e in sorted(self.s.endpoints.items()) if e.operator]

    def get_delivery(self, endpoint_id: str, delivery_id: str) -> Delivery | None:
        return self.s.deliveries.get((endpoint_id, delivery_id))

    def list_deliveries(self, endpoint_id: str, limit: int, cursor: str | None) -> Page:
        mine = [d for (e, _), d in sorted(self.s.deliveries.items(), reverse=True) if e == endpoint_id]
        return _page(mine, limit, cursor)

    def attempts(self, delivery_id: str) -> list[Attempt]:
        return [a for (d, _), a in sorted(self.s.attempts.items()) if d == delivery_id]

    def failed_deliveries_since(self, endpoint_id: str, since_delivery_id: str) -> list[Delivery]:
        return [
            d
            for (e, i), d in sorted(self.s.deliveries.items())
            if e == endpoint_id and i >= since_delivery_id and d.status == FAILED
        ]

    def due_deliveries(self, now: str, limit: int) -> list[Delivery]:
        due = sorted((at, i) for i, at in self.s.due.items() if at <= now)
        by_id = {d.id: d for d in self.s.deliveries.values()}
        return [by_id[i] for _, i in due if i in by_id and by_id[i].status == PENDING][:limit]


class FakeWebhookUnitOfWork(FakeUnitOfWorkBase[WebhookStore]):
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self.ops.append(("add_endpoint", endpoint))

    def update_endpoint(self, before: WebhookEndpoint, after: WebhookEndpoint) -> None:
        self.ops.append(("update_endpoint", before, after))

    def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        self.ops.append(("delete_endpoint", endpoint))

    def add_delivery(self, delivery: Delivery, due_at: str) -> None:
        self.ops.append(("add_delivery", delivery, due_at))

    def restart_delivery(self, before: Delivery, after: Delivery, due_at: str) -> None:
        self.ops.append(("restart_delivery", before, after, due_at))

    def claim_attempt(self, before: Delivery, after: Delivery, attempt: Attempt, lease_until: str) -> None:
        self.ops.append(("claim", before, after, attempt, lease_until))

    def record_attempt(self, delivery: Delivery, attempt: Attempt | None, due_at: str | None) -> None:
        self.ops.append(("record", delivery, attempt, due_at))

    def mark_failing(self, endpoint: WebhookEndpoint, since: str) -> None:
        self.ops.append(("mark_failing", endpoint, since))

    def clear_failing(self, endpoint: WebhookEndpoint) -> None:
        self.ops.append(("clear_failing", endpoint))

    def disable_endpoint(self, endpoint: WebhookEndpoint, after: WebhookEndpoint) -> None:
        self.ops.append(("disable", endpoint, after))

    def _apply(self, s: WebhookStore, op: Op) -> None:
        kind = op[0]
        if kind == "add_endpoint":
            e = op[1]
            if (e.org_id, e.id) in s.endpoints:
                raise errors.ConcurrentUpdateError()
            s.endpoints[(e.org_id, e.id)] = e
        elif kind == "update_endpoint":
            before, after = op[1], op[2]
            stored = s.endpoints.get((before.org_id, before.id))
            if stored is None or stored.version != before.version:
                raise errors.ConcurrentUpdateError()
            failing = None if after.enabled and not before.enabled else stored.failing_since
            s.endpoints[(after.org_id, after.id)] = replace(after, failing_since=failing)
        elif kind == "delete_endpoint":
            e = op[1]
            if (e.org_id, e.id) not in s.endpoints:
                raise errors.WebhookNotFoundError()
            del s.endpoints[(e.org_id, e.id)]
        elif kind == "add_delivery":
            d, due = op[1], op[2]
            if (d.endpoint_id, d.id) in s.deliveries:
                raise errors.DeliveryExistsError()
            s.deliveries[(d.endpoint_id, d.id)] = d
            s.due[d.id] = due
        elif kind == "restart_delivery":
            before, after, due = op[1], op[2], op[3]
            stored = s.deliveries.get((before.endpoint_id, before.id))
            if stored is None or stored.attempts != before.attempts:
                raise errors.ConcurrentUpdateError()
            s.deliveries[(after.endpoint_id, after.id)] = replace(
                stored,
                status=after.status,
                series_step=after.series_step,
                series_max=after.series_max,
                trigger=after.trigger,
                next_attempt_at=after.next_attempt_at or after.updated_at,
                updated_at=after.updated_at,
            )
            s.due[after.id] = due
        elif kind == "claim":
            before, after, attempt, lease = op[1], op[2], op[3], op[4]
            stored = s.deliveries.get((before.endpoint_id, before.id))
            if (attempt.delivery_id, attempt.number) in s.attempts:
                raise errors.AttemptClaimedError()
            if stored is None or stored.attempts != before.attempts or stored.status != PENDING:
                raise errors.AttemptClaimedError()
            s.attempts[(attempt.delivery_id, attempt.number)] = attempt
            s.deliveries[(after.endpoint_id, after.id)] = replace(
                stored, attempts=after.attempts, series_step=after.series_step, updated_at=after.updated_at
            )
            s.due[after.id] = lease
        elif kind == "record":
            d, attempt, due = op[1], op[2], op[3]
            stored = s.deliveries.get((d.endpoint_id, d.id))
            if stored is None or stored.attempts != d.attempts:
                raise errors.ConcurrentUpdateError()
            if attempt is not None:
                s.attempts[(attempt.delivery_id, attempt.number)] = attempt
            s.deliveries[(d.endpoint_id, d.id)] = replace(
                stored,
                status=d.status,
                updated_at=d.updated_at,
                next_attempt_at=d.next_attempt_at,
                last_status_code=d.last_status_code,
                last_error=d.last_error,
            )
            if due:
                s.due[d.id] = due
            else:
                s.due.pop(d.id, None)
        elif kind in ("mark_failing", "clear_failing"):
            e = op[1]
            stored = s.endpoints.get((e.org_id, e.id))
            if stored is None:
                raise errors.ConcurrentUpdateError()
            since = (stored.failing_since or op[2]) if kind == "mark_failing" else None
            s.endpoints[(e.org_id, e.id)] = replace(stored, failing_since=since)
        elif kind == "disable":
            before, after = op[1], op[2]
            stored = s.endpoints.get((before.org_id, before.id))
            if stored is None or not stored.enabled or stored.version != before.version:
                raise errors.ConcurrentUpdateError()
            s.endpoints[(after.org_id, after.id)] = replace(after, failing_since=None)
        else:
            raise AssertionError(f"unknown write {kind}")


@dataclass
class FakeDeliveryQueue:
    sent: list[tuple[DeliveryTask, int]] = field(default_factory=list)

    def send(self, tasks: list[DeliveryTask], delay_seconds: int = 0) -> None:
        self.sent.extend((t, delay_seconds) for t in tasks)

    def take(self) -> list[tuple[DeliveryTask, int]]:
        taken, self.sent = self.sent, []
        return taken


class FakeCipher:
    """Reversible, and bound to its context as KMS's encryption context binds a ciphertext."""

    def seal(self, secret: str, context: Mapping[str, str]) -> str:
        bound = "|".join(f"{k}={v}" for k, v in sorted(context.items()))
        return "sealed:" + base64.b64encode(f"{bound}#{secret}".encode()).decode()

    def open(self, sealed: str, context: Mapping[str, str]) -> str:
        bound, secret = base64.b64decode(sealed.removeprefix("sealed:")).decode().split("#", 1)
        if bound != "|".join(f"{k}={v}" for k, v in sorted(context.items())):
            raise ValueError("the ciphertext belongs to another endpoint")
        return secret


@dataclass
class SentRequest:
    url: str
    body: bytes
    headers: dict[str, str]


class FakeSender:
    """Answers each POST with the next scripted outcome (a status code or an HttpOutcome); 200 after."""

    def __init__(self, *script: int | HttpOutcome) -> None:
        self.script = list(script)
        self.requests: list[SentRequest] = []

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpOutcome:
        self.requests.append(SentRequest(url, body, dict(headers)))
        step = self.script.pop(0) if self.script else 200
        if isinstance(step, HttpOutcome):
            return step
        return HttpOutcome(status_code=step, latency_ms=12, body_prefix=f"status {step}")


class FakeDestinations:
    def __init__(self, refused: tuple[str, ...] = ()) -> None:
        self.refused = refused
        self.checked: list[str] = []

    def check(self, url: str) -> None:
        self.checked.append(url)
        if any(r in url for r in self.refused):
            raise errors.InvalidWebhookUrlError(f"{url} resolves to a refused address")
