"""What the webhook use cases need from storage, the delivery queue, the key service and HTTP."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.webhooks.models import Attempt, Delivery, DeliveryTask, WebhookEndpoint

# The HTTP side's ports live with the outcome type they share with the SSRF guard (sending.py).
from chalicelib.webhooks.sending import DestinationPolicy, WebhookSender

__all__ = [
    "DeliveryQueue",
    "DestinationPolicy",
    "SecretCipher",
    "WebhookReader",
    "WebhookSender",
    "WebhookUnitOfWork",
    "WebhookUnitOfWorkFactory",
]


class WebhookReader(Protocol):
    def get_endpoint(self, org_id: str, endpoint_id: str) -> WebhookEndpoint | None: ...

    def list_endpoints(self, org_id: str, limit: int, cursor: str | None) -> Page: ...

    def endpoints_of_org(self, org_id: str) -> list[WebhookEndpoint]:
        """Every endpoint of the org (one query; an org has few)."""
        ...

    def operator_endpoints(self) -> list[WebhookEndpoint]:
        """Every endpoint a platform operator created (they alone receive node.* events)."""
        ...

    def get_delivery(self, endpoint_id: str, delivery_id: str) -> Delivery | None: ...

    def list_deliveries(self, endpoint_id: str, limit: int, cursor: str | None) -> Page:
        """Newest first."""
        ...

    def attempts(self, delivery_id: str) -> list[Attempt]:
        """Oldest first."""
        ...

    def failed_deliveries_since(self, endpoint_id: str, since_delivery_id: str) -> list[Delivery]:
        """The endpoint's failed deliveries whose id sorts at or after ``since_delivery_id``."""
        ...

    def due_deliveries(self, now: str, limit: int) -> list[Delivery]:
        """Pending deliveries whose due time (next attempt, or a lost message's grace) is past."""
        ...


class WebhookUnitOfWork(Protocol):
    def add_endpoint(self, endpoint: WebhookEndpoint) -> None: ...

    def update_endpoint(self, before: WebhookEndpoint, after: WebhookEndpoint) -> None:
        """Fails with CONCURRENT_UPDATE when the stored endpoint is no longer at ``before.version``."""
        ...

    def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Fails with WEBHOOK_NOT_FOUND when it is gone already."""
        ...

    def add_delivery(self, delivery: Delivery, due_at: str) -> None:
        """Fails with DeliveryExistsError when the endpoint has a delivery of this event."""
        ...

    def restart_delivery(self, before: Delivery, after: Delivery, due_at: str) -> None:
        """A new series on an existing delivery (redeliver, recover); fails with CONCURRENT_UPDATE
        when an attempt was made meanwhile."""
        ...

    def claim_attempt(self, before: Delivery, after: Delivery, attempt: Attempt, lease_until: str) -> None:
        """Fails with AttemptClaimedError unless the delivery is pending at ``before.attempts``
        attempts and the attempt has no item yet: of two messages for one attempt, one sends."""
        ...

    def record_attempt(self, delivery: Delivery, attempt: Attempt | None, due_at: str | None) -> None:
        """The outcome of a claimed attempt and the delivery's next state (``due_at``: when the
        retry is due; None once the delivery is settled)."""
        ...

    def mark_failing(self, endpoint: WebhookEndpoint, since: str) -> None:
        """Start the endpoint's failing clock unless it runs already."""
        ...

    def clear_failing(self, endpoint: WebhookEndpoint) -> None: ...

    def disable_endpoint(self, endpoint: WebhookEndpoint, after: WebhookEndpoint) -> None:
        """Fails with CONCURRENT_UPDATE when the endpoint is disabled already (one event, once)."""
        ...

    def emit(self, event: DomainEvent) -> None: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


WebhookUnitOfWorkFactory = Callable[[], WebhookUnitOfWork]


class DeliveryQueue(Protocol):
    def send(self, tasks: list[DeliveryTask], delay_seconds: int = 0) -> None:
        """Queue the tasks; SQS holds them ``delay_seconds`` (at most 900) before a worker sees them."""
        ...


class SecretCipher(Protocol):
    """Seals signing secrets at rest (KMS on every stage); ``context`` binds a sealed secret to
    its endpoint, so a ciphertext copied onto another endpoint does not open."""

    def seal(self, secret: str, context: Mapping[str, str]) -> str: ...

    def open(self, sealed: str, context: Mapping[str, str]) -> str: ...
