"""In-memory payments storage, billing's wallet port and a payment provider, with the semantics of
the real ones: a unit of work applies all of its writes or none (billing's ledger writes included,
as in chalicelib.storage.payment_repo), each write's condition maps to the same domain error as
there, and the provider answers a repeated idempotency key with its first answer."""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.audit.models import Actor, AuditRecord
from chalicelib.billing.models import (
    ADJUSTMENT,
    DISPUTE,
    DISPUTES,
    PROMOTION,
    PROMOTIONAL_CREDIT,
    REFUND,
    REFUNDS,
    REVENUE,
    STRIPE_CLEARING,
    TOPUP,
    USAGE,
    BillingPolicy,
    LedgerEntry,
    Wallet,
)
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.payments.models import (
    CREATING,
    FAILED,
    OPEN,
    PAID,
    CheckoutPaid,
    CheckoutRequest,
    CheckoutSession,
    Payment,
    PaymentIntentLinked,
    ProviderEvent,
    ProviderRefund,
    Refund,
    RefundAlreadyRecorded,
)
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op

_COUNTER = {TOPUP: STRIPE_CLEARING, REFUND: REFUNDS, PROMOTION: PROMOTIONAL_CREDIT, DISPUTE: DISPUTES}


@dataclass
class PaymentStore(FakeStore):
    """Payments' items and the wallets' (the one table both write in one transaction)."""

    payments: dict[str, Payment] = field(default_factory=dict)
    refs: dict[tuple[str, str], str] = field(default_factory=dict)
    refunds: dict[str, dict[str, Refund]] = field(default_factory=dict)
    markers: dict[tuple[str, str], str] = field(default_factory=dict)
    wallets: dict[str, Wallet] = field(default_factory=dict)
    entries: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    transactions: int = 0

    def balance(self, org_id: str) -> int:
        return self.wallets[org_id].balance_micros

    def entry_ids(self, org_id: str) -> list[str]:
        return sorted(e for o, e in self.entries if o == org_id)


class FakePaymentReader:
    def __init__(self, store: PaymentStore) -> None:
        self.s = store

    def get(self, payment_id: str) -> Payment | None:
        return self.s.payments.get(payment_id)

    def find(self, provider: str, reference: str) -> Payment | None:
        payment_id = self.s.refs.get((provider, reference))
        return self.s.payments.get(payment_id) if payment_id else None

    def refunds(self, payment_id: str) -> list[Refund]:
        return list(self.s.refunds.get(payment_id, {}).values())

    def webhook_processed(self, provider: str, event_id: str) -> bool:
        return (provider, event_id) in self.s.markers


class FakeLedger:
    """Billing's writes inside a payment's unit of work (what payment_repo's ledger() is)."""

    def __init__(self, uow: FakePaymentUnitOfWork) -> None:
        self._uow = uow

    def post(self, entry: LedgerEntry) -> None:
        self._uow.ops.append(("post", entry))

    def emit(self, event: DomainEvent) -> None:
        self._uow.emit(event)

    def audit(self, entry: AuditRecord) -> None:
        self._uow.audit(entry)

    def commit(self) -> None:
        raise RuntimeError("Billing's writes in a payment's transaction commit with the payment")

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"payments never asks billing to {name} in its transaction")


class FakePaymentUnitOfWork(FakeUnitOfWorkBase[PaymentStore]):
    def create_payment(self, payment: Payment) -> None:
        self.ops.append(("create", payment))

    def open_checkout(self, payment: Payment, session: CheckoutSession, *, set_status: bool = True) -> None:
        self.ops.append(("ref", session.id, payment.id, errors.ConcurrentUpdateError))
        self.ops.append(("open", payment.id, session, set_status))

    def abandon(self, payment_id: str) -> None:
        self.ops.append(("abandon", payment_id))

    def link_payment_intent(self, payment: Payment, payment_intent_id: str) -> None:
        self.ops.append(("ref", payment_intent_id, payment.id, PaymentIntentLinked))
        self.ops.append(("link", payment.id, payment_intent_id))

    def mark_paid(self, payment_id: str, paid_micros: int, at: str) -> None:
        self.ops.append(("paid", payment_id, paid_micros, at))

    def mark_failed(self, payment_id: str, failure: dict[str, Any], event_id: str) -> None:
        self.ops.append(("failed", payment_id, failure))

    def reserve_refund(self, payment_id: str, micros: int, paid_micros: int) -> None:
        self.ops.append(("reserve", payment_id, micros, paid_micros))

    def release_refund(self, payment_id: str, micros: int) -> None:
        self.ops.append(("release", payment_id, micros))

    def record_refund(self, refund: Refund, *, reserved: bool) -> None:
        self.ops.append(("refund", refund, reserved))

    def mark_webhook(self, provider: str, event_id: str, event_type: str, outcome: str, at: str) -> None:
        self.ops.append(("marker", (provider, event_id), outcome))

    def ledger(self) -> FakeLedger:
        return FakeLedger(self)

    def _apply(self, s: PaymentStore, op: Op) -> None:
        _write(s, op)


def _payment(s: PaymentStore, payment_id: str, error: type[errors.AppError]) -> Payment:
    payment = s.payments.get(payment_id)
    if payment is None:
        raise error()
    return payment


def _write(s: PaymentStore, op: Op) -> None:
    kind = op[0]
    if kind == "create":
        if op[1].id in s.payments:
            raise errors.ConcurrentUpdateError()
        s.payments[op[1].id] = op[1]
    elif kind == "ref":
        _, reference, payment_id, error = op
        if s.refs.get(("stripe", reference), payment_id) != payment_id:
            raise error()
        s.refs[("stripe", reference)] = payment_id
    elif kind == "open":
        _, payment_id, session, set_status = op
        payment = _payment(s, payment_id, errors.ConcurrentUpdateError)
        if set_status and payment.status != CREATING:
            raise errors.ConcurrentUpdateError()
        s.payments[payment_id] = replace(
            payment,
            checkout_session_id=session.id,
            checkout_url=session.url,
            status=OPEN if set_status else payment.status,
        )
    elif kind == "abandon":
        payment = _payment(s, op[1], errors.ConcurrentUpdateError)
        if payment.status != CREATING:
            raise errors.ConcurrentUpdateError()
        s.payments[op[1]] = replace(payment, status="abandoned")
    elif kind == "link":
        payment = _payment(s, op[1], PaymentIntentLinked)
        if payment.payment_intent_id not in (None, op[2]):
            raise PaymentIntentLinked()
        s.payments[op[1]] = replace(payment, payment_intent_id=op[2])
    elif kind == "paid":
        payment = _payment(s, op[1], errors.ConcurrentUpdateError)
        if payment.status == PAID:
            raise errors.ConcurrentUpdateError()
        s.payments[op[1]] = replace(payment, status=PAID, paid_micros=op[2], paid_at=op[3])
    elif kind == "failed":
        payment = _payment(s, op[1], errors.ConcurrentUpdateError)
        if payment.status == PAID:
            raise errors.ConcurrentUpdateError()
        s.payments[op[1]] = replace(payment, status=FAILED, failure=op[2])
    elif kind == "reserve":
        _, payment_id, micros, paid_micros = op
        payment = _payment(s, payment_id, errors.RefundExceedsPaymentError)
        if payment.paid_micros != paid_micros or payment.refunded_micros > paid_micros - micros:
            raise errors.RefundExceedsPaymentError()
        s.payments[payment_id] = replace(payment, refunded_micros=payment.refunded_micros + micros)
    elif kind == "release":
        payment = s.payments[op[1]]
        s.payments[op[1]] = replace(payment, refunded_micros=payment.refunded_micros - op[2])
    elif kind == "refund":
        _, refund, reserved = op
        recorded = s.refunds.setdefault(refund.payment_id, {})
        if refund.id in recorded:
            raise RefundAlreadyRecorded()
        recorded[refund.id] = refund
        if not reserved:
            payment = _payment(s, refund.payment_id, errors.PaymentNotFoundError)
            s.payments[payment.id] = replace(payment, refunded_micros=payment.refunded_micros + refund.amount_micros)
    elif kind == "marker":
        if op[1] in s.markers:
            raise errors.ConcurrentUpdateError()
        s.markers[op[1]] = op[2]
    elif kind == "post":
        entry: LedgerEntry = op[1]
        if (entry.org_id, entry.id) in s.entries:
            raise errors.LedgerEntryExistsError()
        wallet = s.wallets.get(entry.org_id)
        if wallet is None:
            raise errors.ConcurrentUpdateError()
        s.entries[(entry.org_id, entry.id)] = entry
        s.wallets[entry.org_id] = replace(wallet, balance_micros=wallet.balance_micros + entry.wallet_delta)
    else:
        raise AssertionError(kind)


class FakeWallets:
    """Billing's side of payments (chalicelib.payments.ports.WalletCredits) over the same store."""

    def __init__(self, store: PaymentStore, clock: Clock, policy: BillingPolicy | None = None) -> None:
        self.s = store
        self._clock = clock
        self._policy = policy or BillingPolicy()
        self.alerts: list[str] = []

    def wallet(self, org_id: str) -> Wallet:
        with self.s.lock:
            if org_id not in self.s.wallets:
                self.s.wallets[org_id] = Wallet(
                    org_id=org_id, currency=self._policy.currency, balance_micros=0, created_at=self._now()
                )
                self.s.transactions += 1
            return self.s.wallets[org_id]

    def policy(self) -> BillingPolicy:
        return self._policy

    def set_stripe_customer(self, org_id: str, customer_id: str) -> None:
        self.wallet(org_id)
        with self.s.lock:
            self.s.wallets[org_id] = replace(self.s.wallets[org_id], stripe_customer_id=customer_id)
            self.s.transactions += 1

    def freeze(self, org_id: str, reason: str | None) -> None:
        self.wallet(org_id)
        with self.s.lock:
            self.s.wallets[org_id] = replace(self.s.wallets[org_id], frozen_reason=reason)
            self.s.transactions += 1

    def post_credit(
        self,
        ledger: Any,
        org_id: str,
        entry_id: str,
        kind: str,
        amount_micros: int,
        *,
        description: str,
        cause: dict[str, Any] | None = None,
        actor: Actor | None = None,
    ) -> LedgerEntry:
        counter = _COUNTER.get(kind, REVENUE if kind in (USAGE, ADJUSTMENT) else None)
        assert counter is not None, kind
        wallet = self.wallet(org_id)
        entry = LedgerEntry.wallet_against(
            entry_id,
            org_id,
            kind,
            amount_micros,
            counter,
            currency=wallet.currency,
            at=self._now(),
            description=description,
            cause=cause,
        )
        ledger.post(entry)
        event_type = "billing.credited" if amount_micros >= 0 else "billing.debited"
        ledger.emit(DomainEvent(type=event_type, subject=org_id, data={"entry_id": entry_id}, context="billing"))
        return entry

    def check_alerts(self, org_id: str) -> None:
        self.alerts.append(org_id)

    def _now(self) -> str:
        return isoformat(self._clock.now())


class FakeGateway:
    """Stripe as the use cases see it. ``sign(event)`` gives the payload and signature under which
    ``verify_webhook`` hands the typed event back; anything else is INVALID_SIGNATURE."""

    SIGNATURE = "t=1,v1=fake"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[bytes, ProviderEvent] = {}
        self._refunds: dict[str, ProviderRefund] = {}
        self._ids = itertools.count(1)
        self.charge_refunds: dict[str, list[ProviderRefund]] = {}
        self.intent_metadata: dict[str, dict[str, str]] = {}
        self.customers: list[str] = []
        self.refund_calls = 0
        self.fail_checkout: errors.AppError | None = None
        self.fail_refund: errors.AppError | None = None

    def sign(self, event: ProviderEvent) -> tuple[bytes, str]:
        payload = repr(event).encode()
        self._events[payload] = event
        return payload, self.SIGNATURE

    def create_customer(self, org_id: str, *, idempotency_key: str) -> str:
        self.customers.append(org_id)
        return "cus_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]

    def create_checkout_session(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession:
        if self.fail_checkout is not None:
            raise self.fail_checkout
        session_id = "cs_test_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
        return CheckoutSession(id=session_id, url=f"https://checkout.example/{session_id}")

    def create_refund(
        self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        with self._lock:
            self.refund_calls += 1
            if self.fail_refund is not None:
                raise self.fail_refund
            if idempotency_key not in self._refunds:
                refund = ProviderRefund(f"re_{next(self._ids)}", amount_cents, "succeeded", payment_intent_id)
                self._refunds[idempotency_key] = refund
            return self._refunds[idempotency_key]

    def list_refunds(self, charge_id: str) -> list[ProviderRefund]:
        return list(self.charge_refunds.get(charge_id, []))

    def payment_intent_metadata(self, payment_intent_id: str) -> dict[str, str]:
        return dict(self.intent_metadata.get(payment_intent_id, {}))

    def verify_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent:
        event = self._events.get(payload)
        if signature != self.SIGNATURE or event is None:
            raise errors.InvalidSignatureError()
        return event


class FakeCheckoutPayer:
    """Records who paid what; the test delivers the event itself."""

    def __init__(self) -> None:
        self.paid: list[tuple[str, str]] = []

    def pay(self, payment: Payment, webhook_url: str) -> CheckoutPaid:
        self.paid.append((payment.id, webhook_url))
        return CheckoutPaid("evt_paid", "checkout.session.completed", payment.checkout_session_id, "pi_x", 200, {})
