"""Payment use cases: checkout (top-up by card), the provider's webhook, refunds and disputes.

Exactly once, whatever the provider does: the effect of a provider event (the payment's change,
the wallet's ledger entry, the event's announcement) and the marker that the event is processed
are one transaction, so a redelivery finds the marker and does nothing. The effect is idempotent
on its own as well, because every ledger entry's id is derived from the provider's ids of the
money (``topup:<checkout session>``, ``refund:<refund>``, ``dispute:<dispute>``): two events
about the same money (a resend under a new id, a refund the admin API made and the provider then
reports) move it once. Events may come in any order: a payment is found from the metadata we put
on the provider's objects, whichever event comes first, and nothing depends on another event
having come before.

The provider's JSON never gets here: the gateway hands over typed events (payments.models).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.audit.models import Actor, AuditRecord, record
from chalicelib.billing.models import DISPUTE, REFUND, TOPUP
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.core.retry import retry_on_conflict
from chalicelib.payments.models import (
    ABANDONED,
    CREATING,
    PAID,
    STRIPE,
    VIA_API,
    VIA_PROVIDER,
    ChargeRefunded,
    CheckoutCompleted,
    CheckoutOpened,
    CheckoutPaid,
    CheckoutRequest,
    DisputeOpened,
    Payment,
    PaymentFailed,
    PaymentIntentLinked,
    ProviderEvent,
    ProviderRefund,
    Refund,
    RefundAlreadyRecorded,
    RefundMade,
    UnhandledEvent,
    WebhookReceipt,
    cents_from_micros,
    derived_event_id,
    dispute_entry_id,
    micros_from_cents,
    refund_entry_id,
    topup_entry_id,
)
from chalicelib.payments.payloads import payment_failed_data, payment_record, refund_record
from chalicelib.payments.ports import (
    CheckoutPayer,
    PaymentGateway,
    PaymentReader,
    PaymentUnitOfWork,
    PaymentUnitOfWorkFactory,
    WalletCredits,
)

CONTEXT = "payments"
_ROUNDS = 5
logger = logging.getLogger(__name__)

# Outcomes of a webhook event (returned to the provider and kept with the event's marker).
CREDITED = "credited"
ALREADY_CREDITED = "already_credited"
AWAITING_PAYMENT = "awaiting_payment"
RECORDED = "recorded"
REFUNDED = "refunded"
DISPUTED = "disputed"
DUPLICATE = "duplicate"
IGNORED = "ignored"
UNKNOWN_PAYMENT = "unknown_payment"
MISMATCH = "mismatch"


@dataclass(slots=True)
class _Rounds:
    """What the lost rounds of one use case found out, and what the current round writes."""

    posted: set[str] = field(default_factory=set)  # ledger entries that turned out posted already
    recorded: set[str] = field(default_factory=set)  # refunds that turned out recorded already
    link: bool = True  # False once the PaymentIntent turned out filed under another payment
    posting: str | None = None
    refund: str | None = None
    org_id: str | None = None

    def next_round(self) -> None:
        self.posting = self.refund = self.org_id = None


_Stage = Callable[[PaymentUnitOfWork, _Rounds], str]


class PaymentsService:
    def __init__(
        self,
        reader: PaymentReader,
        unit_of_work: PaymentUnitOfWorkFactory,
        gateway: PaymentGateway,
        wallets: WalletCredits,
        clock: Clock,
        *,
        checkout_payer: CheckoutPayer | None = None,
        success_url: str = "",
        cancel_url: str = "",
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._gateway = gateway
        self._wallets = wallets
        self._clock = clock
        self._payer = checkout_payer
        self._success_url = success_url
        self._cancel_url = cancel_url

    def _now(self) -> str:
        return isoformat(self._clock.now())

    # Checkout -----------------------------------------------------------------------------

    def checkout(
        self,
        org_id: str,
        amount_micros: int,
        *,
        success_url: str | None = None,
        cancel_url: str | None = None,
        api_base_url: str = "",
    ) -> CheckoutOpened:
        """Open a provider checkout for ``amount_micros``; the wallet is credited when the
        provider reports the payment (webhook), never before.

        Three transactions, because the provider is called between them: the payment is recorded
        before the provider hears of it (whatever the provider reports later names a payment we
        know), and its Checkout Session is filed once the provider created it."""
        cents_from_micros(amount_micros)
        policy = self._wallets.policy()
        if not policy.checkout_min_micros <= amount_micros <= policy.checkout_max_micros:
            raise errors.ValidationFailedError(
                f"amount_micros must be between {policy.checkout_min_micros} and {policy.checkout_max_micros}"
            )
        wallet = self._wallets.wallet(org_id)
        customer_id = wallet.stripe_customer_id
        if customer_id is None:
            # One customer per org: the provider's idempotency key makes concurrent first checkouts
            # (and a retry after the id failed to be stored) get the same customer.
            customer_id = self._gateway.create_customer(org_id, idempotency_key=f"gpuaas-customer-{org_id}")
            self._wallets.set_stripe_customer(org_id, customer_id)
        payment = Payment(
            id=new_id("pay"),
            org_id=org_id,
            provider=STRIPE,
            currency=wallet.currency,
            amount_micros=amount_micros,
            status=CREATING,
            created_at=self._now(),
            customer_id=customer_id,
        )
        uow = self._uow()
        uow.create_payment(payment)
        uow.commit()
        request = CheckoutRequest(
            payment_id=payment.id,
            org_id=org_id,
            customer_id=customer_id,
            amount_micros=amount_micros,
            currency=wallet.currency,
            success_url=success_url or self._success_url,
            cancel_url=cancel_url or self._cancel_url,
            api_base_url=api_base_url,
        )
        try:
            session = self._gateway.create_checkout_session(request, idempotency_key=f"gpuaas-checkout-{payment.id}")
        except errors.AppError:
            uow = self._uow()
            uow.abandon(payment.id)
            with contextlib.suppress(errors.AppError):
                uow.commit()
            raise
        uow = self._uow()
        uow.open_checkout(payment, session)
        try:
            uow.commit()
        except errors.ConcurrentUpdateError:
            uow = self._uow()  # the provider reported on it already: keep the status it set
            uow.open_checkout(payment, session, set_status=False)
            uow.commit()
        if session.payment_intent_id:
            uow = self._uow()
            uow.link_payment_intent(payment, session.payment_intent_id)
            with contextlib.suppress(PaymentIntentLinked):
                uow.commit()  # linked by a concurrent event
        return CheckoutOpened(
            payment_id=payment.id,
            checkout_session_id=session.id,
            url=session.url,
            amount_micros=amount_micros,
            currency=wallet.currency,
        )

    def complete_local_checkout(self, checkout_session_id: str, webhook_url: str) -> CheckoutPaid:
        """Pay the checkout as the customer would, where a stage has a payer (the local cloud's
        provider, which then sends its signed event to the webhook like Stripe does)."""
        if self._payer is None:
            raise errors.ServiceUnavailableError("Checkouts are completed by the payment provider in this stage")
        payment = self._reader.find(STRIPE, checkout_session_id)
        if payment is None:
            raise errors.PaymentNotFoundError()
        return self._payer.pay(payment, webhook_url)

    # Webhook ------------------------------------------------------------------------------

    def handle_webhook(self, payload: bytes, signature: str | None) -> WebhookReceipt:
        """Verify and apply one provider event. INVALID_SIGNATURE, with nothing read or written,
        unless the provider signed exactly these bytes recently."""
        event = self._gateway.verify_webhook(payload, signature)
        if isinstance(event, UnhandledEvent):
            return WebhookReceipt(IGNORED)
        if self._reader.webhook_processed(STRIPE, event.event_id):
            return WebhookReceipt(DUPLICATE)
        if isinstance(event, CheckoutCompleted):
            outcome = self._checkout_completed(event)
        elif isinstance(event, PaymentFailed):
            outcome = self._payment_failed(event)
        elif isinstance(event, ChargeRefunded):
            outcome = self._charge_refunded(event)
        else:
            outcome = self._dispute_opened(event)
        logger.info("stripe event applied", extra={"event_id": event.event_id, "type": event.type, "outcome": outcome})
        return WebhookReceipt(outcome)

    def _with_marker(self, event: ProviderEvent, stage: _Stage) -> str:
        """The writes ``stage`` adds and the event's marker, in one transaction. A lost race reads
        again, the marker first: a concurrent delivery of the same event may have done it all."""
        rounds = _Rounds()
        first = True

        def attempt() -> str:
            nonlocal first
            rounds.next_round()
            if not first and self._reader.webhook_processed(STRIPE, event.event_id):
                return DUPLICATE
            first = False
            uow = self._uow()
            outcome = stage(uow, rounds)
            uow.mark_webhook(STRIPE, event.event_id, event.type, outcome, self._now())
            self._commit(uow, rounds)
            return outcome

        outcome = retry_on_conflict(attempt, rounds=_ROUNDS)
        if rounds.posting is not None and rounds.org_id is not None:
            self._wallets.check_alerts(rounds.org_id)
        return outcome

    @staticmethod
    def _commit(uow: PaymentUnitOfWork, rounds: _Rounds) -> None:
        """Commit; a condition that says what the next round must not write again becomes a
        conflict, after which the round reads again and leaves that write out."""
        try:
            uow.commit()
        except errors.LedgerEntryExistsError as exc:
            assert rounds.posting is not None
            rounds.posted.add(rounds.posting)  # posted by the other path to the same money
            raise errors.ConcurrentUpdateError() from exc
        except RefundAlreadyRecorded as exc:
            assert rounds.refund is not None
            rounds.recorded.add(rounds.refund)
            raise errors.ConcurrentUpdateError() from exc
        except PaymentIntentLinked as exc:
            logger.error("the PaymentIntent is filed under another payment")
            rounds.link = False
            raise errors.ConcurrentUpdateError() from exc

    def _checkout_completed(self, event: CheckoutCompleted) -> str:
        if not event.payment_mode:
            return self._with_marker(event, lambda uow, rounds: IGNORED)

        def stage(uow: PaymentUnitOfWork, rounds: _Rounds) -> str:
            payment = self._payment_for(
                event.metadata, event.payment_intent_id, checkout_session_id=event.checkout_session_id
            )
            if payment is None:
                return UNKNOWN_PAYMENT
            currency = (event.currency or payment.currency).upper()
            if event.client_reference_id not in (None, payment.org_id) or currency != payment.currency.upper():
                logger.error(
                    "checkout does not match its payment", extra={"event_id": event.event_id, "payment": payment.id}
                )
                return MISMATCH
            self._link(uow, rounds, payment, event.payment_intent_id)
            if not event.paid:
                return AWAITING_PAYMENT  # a delayed method: checkout.session.async_payment_succeeded follows
            if payment.status == PAID:
                return ALREADY_CREDITED  # paid and credited in one transaction, by an earlier event
            if event.amount_cents is None:
                raise errors.ValidationFailedError("The paid checkout carries no amount")
            amount = micros_from_cents(event.amount_cents)
            uow.mark_paid(payment.id, amount, self._now())
            posted = self._post(
                uow,
                rounds,
                payment.org_id,
                topup_entry_id(event.checkout_session_id),
                TOPUP,
                amount,
                description=f"Top-up by card ({payment.id})",
                cause={
                    "payment_id": payment.id,
                    "checkout_session_id": event.checkout_session_id,
                    "payment_intent_id": event.payment_intent_id,
                    "provider_event_id": event.event_id,
                },
            )
            return CREDITED if posted else ALREADY_CREDITED

        return self._with_marker(event, stage)

    def _payment_failed(self, event: PaymentFailed) -> str:
        def stage(uow: PaymentUnitOfWork, rounds: _Rounds) -> str:
            payment = self._payment_for(event.metadata, event.payment_intent_id)
            if payment is None:
                return UNKNOWN_PAYMENT
            self._link(uow, rounds, payment, event.payment_intent_id)
            if payment.status == PAID:
                return IGNORED
            code = event.failure_code[:200] if event.failure_code else None
            message = event.failure_message[:2000] if event.failure_message else None
            failure = {"code": code, "message": message, "provider_event_id": event.event_id}
            uow.mark_failed(payment.id, failure, event.event_id)
            uow.emit(
                DomainEvent(
                    type="payment.failed",
                    subject=payment.id,
                    data=payment_failed_data(payment, event.payment_intent_id, code, message),
                    context=CONTEXT,
                    # The same provider event is announced once, however often it is delivered.
                    id=derived_event_id(f"{STRIPE}:{event.event_id}"),
                )
            )
            return RECORDED

        return self._with_marker(event, stage)

    def _charge_refunded(self, event: ChargeRefunded) -> str:
        payment = self._payment_for(event.metadata, event.payment_intent_id)
        if payment is None:
            return self._with_marker(event, lambda uow, rounds: UNKNOWN_PAYMENT)
        listed = event.refunds if event.refunds is not None else tuple(self._gateway.list_refunds(event.charge_id))
        recorded = {r.id for r in self._reader.refunds(payment.id)}
        new = [
            ProviderRefund(r.id, r.amount_cents, r.status, event.payment_intent_id)
            for r in listed
            if r.counts and r.id not in recorded
        ]
        # A transaction writes the wallet once: each refund but the last is its own transaction
        # (applied once by its id), the last one goes with the marker.
        for refund in new[:-1]:
            self._apply_refund(
                payment, refund, source=VIA_PROVIDER, event_id=event.event_id, payment_intent_id=event.payment_intent_id
            )
        last = self._refund(payment, new[-1], source=VIA_PROVIDER) if new else None

        def stage(uow: PaymentUnitOfWork, rounds: _Rounds) -> str:
            self._link(uow, rounds, payment, event.payment_intent_id)
            if last is not None and last.id not in rounds.recorded:
                self._stage_refund(
                    uow,
                    rounds,
                    payment,
                    last,
                    reserved=False,
                    event_id=event.event_id,
                    payment_intent_id=event.payment_intent_id,
                )
            return REFUNDED

        return self._with_marker(event, stage)

    def _dispute_opened(self, event: DisputeOpened) -> str:
        payment = self._payment_for(event.metadata, event.payment_intent_id)
        if payment is None:
            return self._with_marker(event, lambda uow, rounds: UNKNOWN_PAYMENT)
        reason = f"dispute {event.dispute_id}"
        # Frozen first, in billing's own transaction (the freeze and the debit both write the
        # wallet, which one transaction writes once): new allocations stop even if the debit has
        # to be retried. A redelivery of an applied event never gets here (an operator who lifted
        # the freeze is not overruled by it).
        if self._wallets.wallet(payment.org_id).frozen_reason != reason:
            self._wallets.freeze(payment.org_id, reason)

        def stage(uow: PaymentUnitOfWork, rounds: _Rounds) -> str:
            self._link(uow, rounds, payment, event.payment_intent_id)
            self._post(
                uow,
                rounds,
                payment.org_id,
                dispute_entry_id(event.dispute_id),
                DISPUTE,
                -micros_from_cents(event.amount_cents),
                description=f"Disputed payment {payment.id} ({event.reason or 'no reason given'})",
                cause={
                    "payment_id": payment.id,
                    "dispute_id": event.dispute_id,
                    "charge_id": event.charge_id,
                    "payment_intent_id": event.payment_intent_id,
                    "provider_event_id": event.event_id,
                },
            )
            return DISPUTED

        return self._with_marker(event, stage)

    # Refunds ------------------------------------------------------------------------------

    def refund(
        self,
        actor: Actor,
        org_id: str,
        reference: str,
        amount_micros: int,
        reason: str,
        *,
        idempotency_key: str,
    ) -> RefundMade:
        """Refund part or all of an org's payment through the provider and debit the wallet
        (audited). ``reference``: our payment id or the Checkout Session id.

        Two transactions with the provider called between them: the amount is reserved on the
        payment before the provider is asked, so that concurrent refunds cannot exceed it; the
        refund, its debit and the audit record are written once the provider made it (or the
        reservation is given back when it did not)."""
        if amount_micros <= 0:
            raise errors.ValidationFailedError("amount_micros must be positive")
        cents = cents_from_micros(amount_micros)
        payment = self._reader.get(reference) if reference.startswith("pay_") else self._reader.find(STRIPE, reference)
        if payment is None or payment.org_id != org_id:
            raise errors.PaymentNotFoundError()
        paid_micros, payment_intent_id = payment.paid_micros, payment.payment_intent_id
        if paid_micros is None or payment_intent_id is None:
            raise errors.RefundExceedsPaymentError("Nothing is paid on this payment yet")
        if amount_micros > payment.refundable_micros:
            raise errors.RefundExceedsPaymentError(
                f"{payment.refundable_micros} micros of this payment are left to refund"
            )

        def reserve() -> None:
            uow = self._uow()
            uow.reserve_refund(payment.id, amount_micros, paid_micros)
            uow.commit()  # REFUND_EXCEEDS_PAYMENT is not retried: it is the answer

        retry_on_conflict(reserve, rounds=_ROUNDS)
        try:
            made = self._gateway.create_refund(
                payment_intent_id,
                cents,
                idempotency_key=idempotency_key,
                metadata={"org_id": org_id, "payment_id": payment.id, "reason": reason[:500]},
            )
            if not made.counts:
                raise errors.PaymentsUnavailableError(f"The payment provider did not refund ({made.status})")
        except Exception:
            uow = self._uow()
            uow.release_refund(payment.id, amount_micros)
            uow.commit()
            raise
        provider_refund = ProviderRefund(made.id, cents, made.status, payment_intent_id)
        recorded = self._apply_refund(payment, provider_refund, source=VIA_API, reason=reason, actor=actor)
        return RefundMade(recorded, payment.checkout_session_id, payment.payment_intent_id)

    def _refund(
        self, payment: Payment, provider_refund: ProviderRefund, *, source: str, reason: str | None = None
    ) -> Refund:
        return Refund(
            id=provider_refund.id,
            payment_id=payment.id,
            org_id=payment.org_id,
            amount_micros=provider_refund.amount_micros,
            currency=payment.currency,
            status=provider_refund.status,
            source=source,
            created_at=self._now(),
            reason=reason,
        )

    def _apply_refund(
        self,
        payment: Payment,
        provider_refund: ProviderRefund,
        *,
        source: str,
        event_id: str | None = None,
        payment_intent_id: str | None = None,
        reason: str | None = None,
        actor: Actor | None = None,
    ) -> Refund:
        """Record the refund on the payment and debit the wallet, in one transaction, once per
        refund id, whichever of the admin API (``actor``: reserved before, audited) and the
        provider's event comes first."""
        refund = self._refund(payment, provider_refund, source=source, reason=reason)
        reserved = actor is not None
        audit: AuditRecord | None = None
        if actor is not None:
            audit = record(
                "admin:refunds:create",
                refund.id,
                actor,
                refund.created_at,
                before=payment_record(payment),
                after=refund_record(refund),
                org_id=payment.org_id,
            )
        rounds = _Rounds()

        def attempt() -> None:
            rounds.next_round()
            uow = self._uow()
            if refund.id in rounds.recorded:
                # The provider's event recorded (and debited) it first: give our reservation back.
                if reserved:
                    uow.release_refund(payment.id, refund.amount_micros)
            else:
                self._stage_refund(
                    uow,
                    rounds,
                    payment,
                    refund,
                    reserved=reserved,
                    event_id=event_id,
                    payment_intent_id=payment_intent_id,
                    actor=actor,
                )
            if audit is not None:
                uow.audit(audit)
            self._commit(uow, rounds)

        retry_on_conflict(attempt, rounds=_ROUNDS)
        if rounds.posting is not None:
            self._wallets.check_alerts(payment.org_id)
        return refund

    def _stage_refund(
        self,
        uow: PaymentUnitOfWork,
        rounds: _Rounds,
        payment: Payment,
        refund: Refund,
        *,
        reserved: bool,
        event_id: str | None,
        payment_intent_id: str | None = None,
        actor: Actor | None = None,
    ) -> None:
        rounds.refund = refund.id
        uow.record_refund(refund, reserved=reserved)
        self._post(
            uow,
            rounds,
            payment.org_id,
            refund_entry_id(refund.id),
            REFUND,
            -refund.amount_micros,
            description=f"Refund of payment {payment.id}" + (f": {refund.reason}" if refund.reason else ""),
            cause={
                "payment_id": payment.id,
                "refund_id": refund.id,
                "checkout_session_id": payment.checkout_session_id,
                "payment_intent_id": payment.payment_intent_id or payment_intent_id,
                "provider_event_id": event_id,
            },
            actor=actor,
        )

    # Writes shared by the use cases ---------------------------------------------------------

    def _post(
        self,
        uow: PaymentUnitOfWork,
        rounds: _Rounds,
        org_id: str,
        entry_id: str,
        kind: str,
        amount_micros: int,
        *,
        description: str,
        cause: dict[str, str | None],
        actor: Actor | None = None,
    ) -> bool:
        """The wallet's ledger entry, through billing, in this transaction; False when an earlier
        round found it posted already."""
        if entry_id in rounds.posted:
            return False
        self._wallets.post_credit(
            uow.ledger(), org_id, entry_id, kind, amount_micros, description=description, cause=dict(cause), actor=actor
        )
        rounds.posting, rounds.org_id = entry_id, org_id
        return True

    def _link(self, uow: PaymentUnitOfWork, rounds: _Rounds, payment: Payment, payment_intent_id: str | None) -> None:
        """File the payment under its PaymentIntent (refunds and disputes name only that)."""
        if not payment_intent_id or payment.payment_intent_id == payment_intent_id or not rounds.link:
            return
        if payment.payment_intent_id is not None:
            logger.error("payment has another PaymentIntent", extra={"payment": payment.id})
            return
        uow.link_payment_intent(payment, payment_intent_id)

    # Lookups ------------------------------------------------------------------------------

    def _payment_for(
        self, metadata: dict[str, str], payment_intent: str | None, *, checkout_session_id: str | None = None
    ) -> Payment | None:
        """Our payment behind a provider object: from the metadata we set on the Checkout Session
        and its PaymentIntent (charges copy it), else from the provider ids filed so far."""
        payment: Payment | None = None
        payment_id = metadata.get("payment_id")
        if payment_id:
            payment = self._reader.get(payment_id)
        if payment is None and checkout_session_id:
            payment = self._reader.find(STRIPE, checkout_session_id)
        if payment is None and payment_intent:
            payment = self._reader.find(STRIPE, payment_intent)
            if payment is None and not payment_id:
                # A dispute carries no metadata of its own; its PaymentIntent does.
                found = self._gateway.payment_intent_metadata(payment_intent).get("payment_id")
                payment = self._reader.get(found) if found else None
        if payment is None:
            return None
        org_id = metadata.get("org_id")
        if org_id and org_id != payment.org_id:
            logger.error("provider metadata names another org", extra={"payment": payment.id})
            return None
        if payment.status == ABANDONED:
            logger.warning("provider event for an abandoned checkout", extra={"payment": payment.id})
        return payment
