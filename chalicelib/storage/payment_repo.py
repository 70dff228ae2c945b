"""DynamoDB side of payments: payments, the provider ids that point at them, refunds, and the
markers of provider events already processed.

Access patterns (every one a GetItem or one partition's Query, strongly consistent):
- a payment by id:                         PAYMENT#<payment id> / PAYMENT
- a payment by a provider id (cs_, pi_):   PAYREF#stripe#<provider id> / PAYREF -> payment id
- a payment's refunds:                     PAYMENT#<payment id> / begins_with REFUND#
- was this provider event processed:       WEBHOOK#stripe#<event id> / WEBHOOK (TTL)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.core.events import DomainEvent
from chalicelib.core.settings import get_settings
from chalicelib.payments.models import (
    ABANDONED,
    CREATING,
    FAILED,
    OPEN,
    PAID,
    STRIPE,
    CheckoutSession,
    Payment,
    PaymentIntentLinked,
    Refund,
    RefundAlreadyRecorded,
)
from chalicelib.storage import keys
from chalicelib.storage.billing_repo import DynamoBillingUnitOfWork
from chalicelib.storage.table import (
    PaymentItem,
    PaymentRefItem,
    RefundItem,
    TableItem,
    WebhookItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork


def _payment(item: PaymentItem) -> Payment:
    return Payment(
        id=item.id,
        org_id=item.org_id,
        provider=item.provider,
        currency=item.currency,
        amount_micros=int(item.amount_micros),
        status=item.status,
        created_at=item.created_at,
        refunded_micros=int(item.refunded_micros or 0),
        paid_micros=None if item.paid_micros is None else int(item.paid_micros),
        customer_id=item.customer_id,
        checkout_session_id=item.checkout_session_id,
        checkout_url=item.checkout_url,
        payment_intent_id=item.payment_intent_id,
        paid_at=item.paid_at,
        failure=item.failure,
    )


def _refund(item: RefundItem) -> Refund:
    return Refund(
        id=item.id,
        payment_id=item.payment_id,
        org_id=item.org_id,
        amount_micros=int(item.amount_micros),
        currency=item.currency,
        status=item.status,
        source=item.source,
        created_at=item.created_at,
        reason=item.reason,
    )


class DynamoPaymentReader:
    def __init__(self) -> None:
        bind_table()

    def get(self, payment_id: str) -> Payment | None:
        item = get_item(PaymentItem, keys.payment(payment_id), consistent=True)
        return _payment(item) if item else None

    def find(self, provider: str, reference: str) -> Payment | None:
        ref = get_item(PaymentRefItem, keys.payment_ref(provider, reference), consistent=True)
        return self.get(ref.payment_id) if ref else None

    def refunds(self, payment_id: str) -> list[Refund]:
        items = TableItem.query(
            keys.payment_partition(payment_id),
            range_key_condition=TableItem.SK.startswith(keys.payment_refunds_prefix()),
            consistent_read=True,
        )
        return [_refund(i) for i in items if isinstance(i, RefundItem)]

    def webhook_processed(self, provider: str, event_id: str) -> bool:
        return get_item(WebhookItem, keys.processed_webhook(provider, event_id), consistent=True) is not None


@dataclass(slots=True)
class _PaymentChange:
    actions: list[Action]
    condition: Condition | None
    error: type[errors.AppError] | None


class _LedgerInTransaction(DynamoBillingUnitOfWork):
    """Billing's own writes (billing_repo builds its items), sent with a payment's transaction."""

    def __init__(self, host: DynamoUnitOfWork, clock: Clock) -> None:
        super().__init__(clock)
        self._host = host

    def put(
        self, item: Model, *, condition: Condition | None = None, error: type[errors.AppError] | None = None
    ) -> None:
        self._host.put(item, condition=condition, error=error)

    def update(
        self,
        item: Model,
        actions: Sequence[Action],
        *,
        condition: Condition | None = None,
        error: type[errors.AppError] | None = None,
    ) -> None:
        self._host.update(item, actions, condition=condition, error=error)

    def delete(
        self, item: Model, *, condition: Condition | None = None, error: type[errors.AppError] | None = None
    ) -> None:
        self._host.delete(item, condition=condition, error=error)

    def check(
        self, model: type[Model], key: tuple[str, str], condition: Condition, error: type[errors.AppError]
    ) -> None:
        self._host.check(model, key, condition, error)

    def emit(self, event: DomainEvent) -> None:
        self._host.emit(event)

    def audit(self, entry: AuditRecord) -> None:
        self._host.audit(entry)

    def commit(self) -> None:
        raise RuntimeError("Billing's writes in a payment's transaction commit with the payment")


class DynamoPaymentUnitOfWork(DynamoUnitOfWork):
    """A payment's writes (and billing's, through ``ledger()``) in one TransactWriteItems.

    A transaction may write an item once, so the changes of one payment (paid and filed under
    its PaymentIntent, say) are sent as one UpdateItem: their actions together, under all their
    conditions; when those name different errors, a failure is CONCURRENT_UPDATE (read again)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self._changes: dict[str, _PaymentChange] = {}

    @staticmethod
    def _key(payment_id: str) -> dict[str, Any]:
        pk, sk = keys.payment(payment_id)
        return {"PK": pk, "SK": sk}

    def _change(
        self,
        payment_id: str,
        actions: list[Action],
        condition: Condition | None = None,
        error: type[errors.AppError] | None = None,
    ) -> None:
        change = self._changes.get(payment_id)
        if change is None:
            self._changes[payment_id] = _PaymentChange(list(actions), condition, error)
            return
        change.actions.extend(actions)
        if condition is not None:
            change.condition = condition if change.condition is None else change.condition & condition
        if error is not None and change.error not in (None, error):
            error = errors.ConcurrentUpdateError
        change.error = error or change.error

    def ledger(self) -> DynamoBillingUnitOfWork:
        return _LedgerInTransaction(self, self._clock)

    def commit(self) -> None:
        for payment_id, change in self._changes.items():
            self.update(
                PaymentItem(**self._key(payment_id)), change.actions, condition=change.condition, error=change.error
            )
        self._changes = {}
        super().commit()

    def _ref(self, reference: str, payment_id: str, error: type[errors.AppError]) -> None:
        pk, sk = keys.payment_ref(STRIPE, reference)
        item = PaymentRefItem(PK=pk, SK=sk, payment_id=payment_id)
        self.put(
            item,
            condition=PaymentRefItem.PK.does_not_exist() | (PaymentRefItem.payment_id == payment_id),
            error=error,
        )

    def create_payment(self, payment: Payment) -> None:
        item = PaymentItem(
            **self._key(payment.id),
            id=payment.id,
            org_id=payment.org_id,
            provider=payment.provider,
            currency=payment.currency,
            amount_micros=payment.amount_micros,
            refunded_micros=payment.refunded_micros,
            status=payment.status,
            customer_id=payment.customer_id,
            created_at=payment.created_at,
        )
        self.put(item, condition=PaymentItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def open_checkout(self, payment: Payment, session: CheckoutSession, *, set_status: bool = True) -> None:
        self._ref(session.id, payment.id, errors.ConcurrentUpdateError)
        actions: list[Action] = [
            PaymentItem.checkout_session_id.set(session.id),
            PaymentItem.checkout_url.set(session.url),
        ]
        self._change(
            payment.id,
            [*actions, PaymentItem.status.set(OPEN)] if set_status else actions,
            # An early event may have marked it paid (or failed) already: only "creating" opens.
            PaymentItem.status == CREATING if set_status else PaymentItem.PK.exists(),
            errors.ConcurrentUpdateError,
        )

    def abandon(self, payment_id: str) -> None:
        self._change(
            payment_id,
            [PaymentItem.status.set(ABANDONED)],
            PaymentItem.status == CREATING,
            errors.ConcurrentUpdateError,
        )

    def link_payment_intent(self, payment: Payment, payment_intent_id: str) -> None:
        self._ref(payment_intent_id, payment.id, PaymentIntentLinked)
        self._change(
            payment.id,
            [PaymentItem.payment_intent_id.set(payment_intent_id)],
            PaymentItem.PK.exists()
            & (PaymentItem.payment_intent_id.does_not_exist() | (PaymentItem.payment_intent_id == payment_intent_id)),
            PaymentIntentLinked,
        )

    def mark_paid(self, payment_id: str, paid_micros: int, at: str) -> None:
        self._change(
            payment_id,
            [PaymentItem.status.set(PAID), PaymentItem.paid_micros.set(paid_micros), PaymentItem.paid_at.set(at)],
            # Paid once: a concurrent event that paid it first has credited the wallet too.
            PaymentItem.PK.exists() & (PaymentItem.status != PAID),
            errors.ConcurrentUpdateError,
        )

    def mark_failed(self, payment_id: str, failure: dict[str, Any], event_id: str) -> None:
        self._change(
            payment_id,
            [
                PaymentItem.status.set(FAILED),
                PaymentItem.failure.set(failure),
                PaymentItem.failed_event_id.set(event_id),
            ],
            PaymentItem.PK.exists() & (PaymentItem.status != PAID),
            errors.ConcurrentUpdateError,
        )

    def reserve_refund(self, payment_id: str, micros: int, paid_micros: int) -> None:
        self._change(
            payment_id,
            [PaymentItem.refunded_micros.add(micros)],
            (PaymentItem.paid_micros == paid_micros) & (PaymentItem.refunded_micros <= paid_micros - micros),
            errors.RefundExceedsPaymentError,
        )

    def release_refund(self, payment_id: str, micros: int) -> None:
        self._change(payment_id, [PaymentItem.refunded_micros.add(-micros)])

    def record_refund(self, refund: Refund, *, reserved: bool) -> None:
        pk, sk = keys.payment_refund(refund.payment_id, refund.id)
        item = RefundItem(
            PK=pk,
            SK=sk,
            id=refund.id,
            payment_id=refund.payment_id,
            org_id=refund.org_id,
            amount_micros=refund.amount_micros,
            currency=refund.currency,
            status=refund.status,
            source=refund.source,
            reason=refund.reason,
            created_at=refund.created_at,
        )
        # The refund id is the refund: its second report is refused, never counted twice.
        self.put(item, condition=RefundItem.PK.does_not_exist(), error=RefundAlreadyRecorded)
        if not reserved:
            self._change(
                refund.payment_id,
                [PaymentItem.refunded_micros.add(refund.amount_micros)],
                PaymentItem.PK.exists(),
                errors.PaymentNotFoundError,
            )

    def mark_webhook(self, provider: str, event_id: str, event_type: str, outcome: str, at: str) -> None:
        pk, sk = keys.processed_webhook(provider, event_id)
        now = self._clock.now()
        item = WebhookItem(
            PK=pk,
            SK=sk,
            event_type=event_type,
            received_at=at,
            outcome=outcome,
            ttl=now + timedelta(seconds=get_settings().webhook_retention_seconds),
        )
        self.put(item, condition=WebhookItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)
