"""What payment use cases need from the payment provider, from billing and from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.audit.models import Actor, AuditRecord
from chalicelib.billing.models import BillingPolicy, LedgerEntry, Wallet
from chalicelib.billing.ports import BillingUnitOfWork
from chalicelib.core.events import DomainEvent
from chalicelib.payments.models import (
    CheckoutPaid,
    CheckoutRequest,
    CheckoutSession,
    Payment,
    ProviderEvent,
    ProviderRefund,
    Refund,
)


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

    def verify_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent:
        """The event, parsed, if ``signature`` (the Stripe-Signature header) signs ``payload`` with
        the webhook secret within the tolerance; INVALID_SIGNATURE otherwise. A type payments does
        not act on is an ``UnhandledEvent``; a handled type without what it must carry is
        VALIDATION_ERROR."""
        ...


class CheckoutPayer(Protocol):
    """Plays the customer paying a checkout. Only a stage without real customers has one (the
    local cloud's Stripe); elsewhere the customer pays on the provider's page."""

    def pay(self, payment: Payment, webhook_url: str) -> CheckoutPaid:
        """Send ``webhook_url`` the provider's signed event that ``payment``'s checkout was paid."""
        ...


class WalletCredits(Protocol):
    """Billing, as payments needs it: the org's wallet, and ledger entries for the money a payment
    moves, written into the payment's own transaction (``ledger``, see PaymentUnitOfWork)."""

    def wallet(self, org_id: str) -> Wallet:
        """The org's wallet, opened on first use."""
        ...

    def policy(self) -> BillingPolicy: ...

    def set_stripe_customer(self, org_id: str, customer_id: str) -> None: ...

    def freeze(self, org_id: str, reason: str | None) -> None: ...

    def post_credit(
        self,
        ledger: BillingUnitOfWork,
        org_id: str,
        entry_id: str,
        kind: str,
        amount_micros: int,
        *,
        description: str,
        cause: dict[str, Any] | None = None,
        actor: Actor | None = None,
    ) -> LedgerEntry:
        """Add to ``ledger`` the entry (LEDGER_ENTRY_EXISTS at commit when its id was posted
        before), the wallet's balance change, billing's event and (``actor``) its audit record."""
        ...

    def check_alerts(self, org_id: str) -> None:
        """After the balance moved: announce thresholds crossed, depletion or its end."""
        ...


class PaymentReader(Protocol):
    def get(self, payment_id: str) -> Payment | None: ...

    def find(self, provider: str, reference: str) -> Payment | None:
        """The payment a provider id (Checkout Session, PaymentIntent) belongs to."""
        ...

    def refunds(self, payment_id: str) -> list[Refund]: ...

    def webhook_processed(self, provider: str, event_id: str) -> bool: ...


class PaymentUnitOfWork(Protocol):
    """One transaction. Several changes of one payment in it are one write of the payment."""

    def create_payment(self, payment: Payment) -> None: ...

    def open_checkout(self, payment: Payment, session: CheckoutSession, *, set_status: bool = True) -> None:
        """The Checkout Session is created: remember its id and URL, file the payment under it and
        (``set_status``) open it, if it is still being created (ConcurrentUpdate otherwise)."""
        ...

    def abandon(self, payment_id: str) -> None: ...

    def link_payment_intent(self, payment: Payment, payment_intent_id: str) -> None:
        """File the payment under its PaymentIntent (PaymentIntentLinked if another payment is)."""
        ...

    def mark_paid(self, payment_id: str, paid_micros: int, at: str) -> None:
        """Paid, unless it is paid already (ConcurrentUpdate)."""
        ...

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

    def mark_webhook(self, provider: str, event_id: str, event_type: str, outcome: str, at: str) -> None:
        """The provider's event is processed (ConcurrentUpdate if it was marked before)."""
        ...

    def ledger(self) -> BillingUnitOfWork:
        """Billing's writes, sent with this transaction (they commit with it, never alone)."""
        ...

    def emit(self, event: DomainEvent) -> Any: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


PaymentUnitOfWorkFactory = Callable[[], PaymentUnitOfWork]
