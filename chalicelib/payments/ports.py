"""What payment use cases need from the payment provider and from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.payments.models import CheckoutRequest, CheckoutSession, Payment, ProviderRefund, Refund


class PaymentGateway(Protocol):
    """The payment provider (Stripe). Its errors arrive as catalog errors: PAYMENTS_UNAVAILABLE
    when it cannot be reached, VALIDATION_ERROR or REFUND_EXCEEDS_PAYMENT when it refuses."""

    def create_customer(self, org_id: str, *, idempotency_key: str) -> str: ...

    def create_checkout_session(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession: ...

    def create_refund(
        self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund: ...

    def list_refunds(self, charge_id: str) -> list[ProviderRefund]:
        """Every refund of a charge (events of recent API versions no longer embed them)."""
        ...

    def payment_intent_metadata(self, payment_intent_id: str) -> dict[str, str]: ...

    def verify_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, as a plain dict, if ``signature`` (the Stripe-Signature header) signs
        ``payload`` with the webhook secret within the tolerance; INVALID_SIGNATURE otherwise."""
        ...


class CheckoutSimulator(Protocol):
    """The local stage's provider also plays the customer paying (no network, no Stripe)."""

    def complete_checkout(self, payment: Payment, webhook_url: str) -> dict[str, Any]:
        """Build the provider's ``checkout.session.completed`` event for ``payment``, sign it with
        the webhook secret and deliver it to ``webhook_url`` over HTTP; what happened."""
        ...


class PaymentReader(Protocol):
    def get(self, payment_id: str) -> Payment | None: ...

    def find(self, provider: str, reference: str) -> Payment | None:
        """The payment a provider id (Checkout Session, PaymentIntent) belongs to."""
        ...

    def refunds(self, payment_id: str) -> list[Refund]: ...

    def webhook_processed(self, provider: str, event_id: str) -> bool: ...


class PaymentUnitOfWork(Protocol):
    def create_payment(self, payment: Payment) -> None: ...

    def open_checkout(self, payment: Payment, session: CheckoutSession, *, set_status: bool = True) -> None:
        """The Checkout Session is created: remember its id and URL, file the payment under it and
        (``set_status``) open it, if it is still being created (ConcurrentUpdate otherwise)."""
        ...

    def abandon(self, payment_id: str) -> None: ...

    def link_payment_intent(self, payment: Payment, payment_intent_id: str) -> None:
        """File the payment under its PaymentIntent (once; PaymentIntentLinked if it already is)."""
        ...

    def mark_paid(self, payment_id: str, paid_micros: int, at: str) -> None: ...

    def mark_failed(self, payment_id: str, failure: dict[str, Any], event_id: str) -> None: ...

    def reserve_refund(self, payment_id: str, micros: int, paid_micros: int) -> None:
        """Count ``micros`` as refunded if the refunds then do not exceed ``paid_micros``
        (REFUND_EXCEEDS_PAYMENT otherwise)."""
        ...

    def release_refund(self, payment_id: str, micros: int) -> None: ...

    def record_refund(self, refund: Refund, *, reserved: bool) -> None:
        """The refund (RefundAlreadyRecorded when its id is recorded); counted as refunded on the
        payment unless its amount was reserved before."""
        ...

    def mark_webhook(self, provider: str, event_id: str, event_type: str, outcome: str, at: str) -> None: ...

    def emit(self, event: DomainEvent) -> Any: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


PaymentUnitOfWorkFactory = Callable[[], PaymentUnitOfWork]
