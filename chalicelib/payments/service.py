"""Payment use cases: checkout (top-up by card), the provider's webhook, refunds and disputes.

Exactly once, whatever the provider does: each provider event id is remembered once its effect
is done (a redelivery is answered without doing anything), and the effect itself is idempotent
on its own, because every ledger entry's id is derived from the provider's ids of the money
(``topup:<checkout session>``, ``refund:<refund>``, ``dispute:<dispute>``). A redelivery after
the marker failed to be written, ten concurrent deliveries of one event, a refund the admin API
made and the provider then reports: each moves the money once. Events may come in any order:
a payment is found from the metadata we put on the provider's objects, whichever event comes
first, and nothing depends on another event having come before.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.billing.models import DISPUTE, REFUND, TOPUP
from chalicelib.billing.service import BillingService
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.payments.models import (
    ABANDONED,
    CREATING,
    PAID,
    STRIPE,
    VIA_API,
    VIA_PROVIDER,
    CheckoutRequest,
    Payment,
    PaymentIntentLinked,
    ProviderRefund,
    Refund,
    RefundAlreadyRecorded,
    cents_from_micros,
    derived_event_id,
    dispute_entry_id,
    micros_from_cents,
    refund_entry_id,
    topup_entry_id,
)
from chalicelib.payments.ports import PaymentGateway, PaymentReader, PaymentUnitOfWorkFactory

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


def _id(value: Any) -> str | None:
    """A provider reference that may come as an id or as an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _metadata(obj: dict[str, Any]) -> dict[str, str]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


class PaymentsService:
    def __init__(
        self,
        reader: PaymentReader,
        unit_of_work: PaymentUnitOfWorkFactory,
        gateway: PaymentGateway,
        billing: BillingService,
        clock: Clock,
        *,
        success_url: str = "",
        cancel_url: str = "",
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._gateway = gateway
        self._billing = billing
        self._clock = clock
        self._success_url = success_url
        self._cancel_url = cancel_url
        self._handlers: dict[str, Callable[[str, dict[str, Any]], str]] = {
            "checkout.session.completed": self._checkout_completed,
            "checkout.session.async_payment_succeeded": self._checkout_completed,
            "payment_intent.payment_failed": self._payment_failed,
            "charge.refunded": self._charge_refunded,
            "charge.dispute.created": self._dispute_created,
        }

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
    ) -> dict[str, Any]:
        """Open a provider checkout for ``amount_micros``; the wallet is credited when the
        provider reports the payment (webhook), never before."""
        cents_from_micros(amount_micros)
        policy = self._billing.policy()
        if not policy.checkout_min_micros <= amount_micros <= policy.checkout_max_micros:
            raise errors.ValidationFailedError(
                f"amount_micros must be between {policy.checkout_min_micros} and {policy.checkout_max_micros}"
            )
        wallet = self._billing.wallet(org_id)
        customer_id = wallet.stripe_customer_id
        if customer_id is None:
            # One customer per org: the provider's idempotency key makes concurrent first checkouts
            # (and a retry after the id failed to be stored) get the same customer.
            customer_id = self._gateway.create_customer(org_id, idempotency_key=f"gpuaas-customer-{org_id}")
            self._billing.set_stripe_customer(org_id, customer_id)
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
        # Recorded before the provider hears of it: whatever the provider reports later names a
        # payment we know.
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
            self._link(payment, session.payment_intent_id)
        return {
            "payment_id": payment.id,
            "checkout_session_id": session.id,
            "url": session.url,
            "amount_micros": amount_micros,
            "currency": wallet.currency,
        }

    def complete_local_checkout(self, checkout_session_id: str, webhook_url: str) -> dict[str, Any]:
        """Local stage: pay the checkout as the customer would, which makes the local provider
        send its signed event to the webhook like Stripe does."""
        complete = getattr(self._gateway, "complete_checkout", None)
        if complete is None:
            raise errors.ServiceUnavailableError("Checkouts are completed by the payment provider in this stage")
        payment = self._reader.find(STRIPE, checkout_session_id)
        if payment is None:
            raise errors.PaymentNotFoundError()
        return complete(payment, webhook_url)

    # Webhook ------------------------------------------------------------------------------

    def handle_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """Verify and apply one provider event. INVALID_SIGNATURE, with nothing read or written,
        unless the provider signed exactly these bytes recently."""
        event = self._gateway.verify_webhook(payload, signature)
        event_id, event_type = str(event["id"]), str(event["type"])
        handler = self._handlers.get(event_type)
        if handler is None:
            return {"received": True, "outcome": IGNORED}
        if self._reader.webhook_processed(STRIPE, event_id):
            return {"received": True, "outcome": DUPLICATE}
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict) or not _id(obj.get("id")):
            raise errors.ValidationFailedError("The event carries no object")
        outcome = handler(event_id, obj)
        # Only now that the effect is done: a failure before this line gets the event again.
        uow = self._uow()
        uow.mark_webhook(STRIPE, event_id, event_type, outcome, self._now())
        with contextlib.suppress(errors.ConcurrentUpdateError):
            uow.commit()  # a concurrent delivery of the same event marked it first
        logger.info("stripe event applied", extra={"event_id": event_id, "type": event_type, "outcome": outcome})
        return {"received": True, "outcome": outcome}

    def _checkout_completed(self, event_id: str, session: dict[str, Any]) -> str:
        session_id = str(session["id"])
        if session.get("mode") not in (None, "payment"):
            return IGNORED
        payment_intent = _id(session.get("payment_intent"))
        payment = self._payment_for(_metadata(session), payment_intent, checkout_session_id=session_id)
        if payment is None:
            return UNKNOWN_PAYMENT
        reference = session.get("client_reference_id")
        currency = str(session.get("currency") or payment.currency).upper()
        if (reference not in (None, payment.org_id)) or currency != payment.currency.upper():
            logger.error("checkout does not match its payment", extra={"event_id": event_id, "payment": payment.id})
            return MISMATCH
        if payment_intent:
            payment = self._link(payment, payment_intent)
        if session.get("payment_status") != "paid":
            return AWAITING_PAYMENT  # a delayed method: checkout.session.async_payment_succeeded follows
        amount = micros_from_cents(int(session["amount_total"]))
        posted = self._billing.credit(
            payment.org_id,
            topup_entry_id(session_id),
            TOPUP,
            amount,
            description=f"Top-up by card ({payment.id})",
            cause={
                "payment_id": payment.id,
                "checkout_session_id": session_id,
                "payment_intent_id": payment_intent,
                "provider_event_id": event_id,
            },
        )
        if payment.status != PAID:
            uow = self._uow()
            uow.mark_paid(payment.id, amount, self._now())
            uow.commit()
        return CREDITED if posted else ALREADY_CREDITED

    def _payment_failed(self, event_id: str, intent: dict[str, Any]) -> str:
        intent_id = str(intent["id"])
        payment = self._payment_for(_metadata(intent), intent_id)
        if payment is None:
            return UNKNOWN_PAYMENT
        payment = self._link(payment, intent_id)
        if payment.status == PAID:
            return IGNORED
        error = intent.get("last_payment_error") if isinstance(intent.get("last_payment_error"), dict) else {}
        code, message = error.get("decline_code") or error.get("code"), error.get("message")
        failure = {
            "code": str(code)[:200] if code else None,
            "message": str(message)[:2000] if message else None,
            "provider_event_id": event_id,
        }
        uow = self._uow()
        uow.mark_failed(payment.id, failure, event_id)
        uow.emit(
            DomainEvent(
                type="payment.failed",
                subject=payment.id,
                data={
                    "payment_id": payment.id,
                    "org_id": payment.org_id,
                    "amount_micros": payment.amount_micros,
                    "currency": payment.currency,
                    "checkout_session_id": payment.checkout_session_id,
                    "payment_intent_id": intent_id,
                    "failure_code": failure["code"],
                    "failure_message": failure["message"],
                },
                context=CONTEXT,
                # The same provider event is announced once, however often it is delivered.
                id=derived_event_id(f"{STRIPE}:{event_id}"),
            )
        )
        try:
            uow.commit()
        except errors.ConcurrentUpdateError:
            return DUPLICATE  # announced by a concurrent delivery, or paid meanwhile
        return RECORDED

    def _charge_refunded(self, event_id: str, charge: dict[str, Any]) -> str:
        payment_intent = _id(charge.get("payment_intent"))
        payment = self._payment_for(_metadata(charge), payment_intent)
        if payment is None:
            return UNKNOWN_PAYMENT
        if payment_intent:
            payment = self._link(payment, payment_intent)
        listed = charge.get("refunds")
        if isinstance(listed, dict) and isinstance(listed.get("data"), list) and not listed.get("has_more"):
            refunds = [
                ProviderRefund(str(r["id"]), int(r["amount"]), str(r.get("status") or "succeeded"), payment_intent)
                for r in listed["data"]
            ]
        else:
            refunds = self._gateway.list_refunds(str(charge["id"]))
        for refund in refunds:
            if refund.counts:
                self._apply_refund(payment, refund, source=VIA_PROVIDER, event_id=event_id)
        return REFUNDED

    def _dispute_created(self, event_id: str, dispute: dict[str, Any]) -> str:
        dispute_id = str(dispute["id"])
        payment_intent = _id(dispute.get("payment_intent"))
        payment = self._payment_for(_metadata(dispute), payment_intent)
        if payment is None:
            return UNKNOWN_PAYMENT
        if payment_intent:
            payment = self._link(payment, payment_intent)
        reason = f"dispute {dispute_id}"
        # Frozen first: new allocations stop even if the debit below has to be retried. A
        # redelivery finds it frozen already (an operator who lifted it is not overruled by a
        # redelivery of an event that was applied and marked).
        if self._billing.wallet(payment.org_id).frozen_reason != reason:
            self._billing.freeze(payment.org_id, reason)
        self._billing.credit(
            payment.org_id,
            dispute_entry_id(dispute_id),
            DISPUTE,
            -micros_from_cents(int(dispute["amount"])),
            description=f"Disputed payment {payment.id} ({dispute.get('reason') or 'no reason given'})",
            cause={
                "payment_id": payment.id,
                "dispute_id": dispute_id,
                "charge_id": _id(dispute.get("charge")),
                "payment_intent_id": payment_intent,
                "provider_event_id": event_id,
            },
        )
        return DISPUTED

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
    ) -> dict[str, Any]:
        """Refund part or all of an org's payment through the provider and debit the wallet
        (audited). ``reference``: our payment id or the Checkout Session id."""
        if amount_micros <= 0:
            raise errors.ValidationFailedError("amount_micros must be positive")
        cents = cents_from_micros(amount_micros)
        payment = self._reader.get(reference) if reference.startswith("pay_") else self._reader.find(STRIPE, reference)
        if payment is None or payment.org_id != org_id:
            raise errors.PaymentNotFoundError()
        if payment.paid_micros is None or payment.payment_intent_id is None:
            raise errors.RefundExceedsPaymentError("Nothing is paid on this payment yet")
        if amount_micros > payment.refundable_micros:
            raise errors.RefundExceedsPaymentError(
                f"{payment.refundable_micros} micros of this payment are left to refund"
            )
        # Counted before the provider is asked, so that concurrent refunds cannot exceed the payment.
        for attempt in range(_ROUNDS):
            uow = self._uow()
            uow.reserve_refund(payment.id, amount_micros, payment.paid_micros)
            try:
                uow.commit()
                break
            except errors.ConcurrentUpdateError:
                if attempt == _ROUNDS - 1:
                    raise  # REFUND_EXCEEDS_PAYMENT is not retried: it is the answer
        try:
            refund = self._gateway.create_refund(
                payment.payment_intent_id,
                cents,
                idempotency_key=idempotency_key,
                metadata={"org_id": org_id, "payment_id": payment.id, "reason": reason[:500]},
            )
            if not refund.counts:
                raise errors.PaymentsUnavailableError(f"The payment provider did not refund ({refund.status})")
        except Exception:
            uow = self._uow()
            uow.release_refund(payment.id, amount_micros)
            uow.commit()
            raise
        refund = ProviderRefund(refund.id, cents, refund.status, payment.payment_intent_id)
        recorded = self._apply_refund(payment, refund, source=VIA_API, reason=reason, actor=actor, reserved=True)
        return {
            **recorded.to_dict(),
            "checkout_session_id": payment.checkout_session_id,
            "payment_intent_id": payment.payment_intent_id,
        }

    def _apply_refund(
        self,
        payment: Payment,
        provider_refund: ProviderRefund,
        *,
        source: str,
        event_id: str | None = None,
        reason: str | None = None,
        actor: Actor | None = None,
        reserved: bool = False,
    ) -> Refund:
        """Record the refund on the payment (once per refund id) and debit the wallet (once per
        refund id), whichever of the admin API and the provider's event comes first."""
        refund = Refund(
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
        audit = None
        if actor is not None:
            audit = record(
                "admin:refunds:create",
                refund.id,
                actor,
                refund.created_at,
                before=payment.to_dict(),
                after=refund.to_dict(),
                org_id=payment.org_id,
            )
        uow = self._uow()
        uow.record_refund(refund, reserved=reserved)
        if audit is not None:
            uow.audit(audit)
        try:
            uow.commit()
        except RefundAlreadyRecorded:
            # The provider's event recorded (and counted) it first: give our reservation back.
            if reserved or audit is not None:
                uow = self._uow()
                if reserved:
                    uow.release_refund(payment.id, refund.amount_micros)
                if audit is not None:
                    uow.audit(audit)
                uow.commit()
        self._billing.credit(
            payment.org_id,
            refund_entry_id(refund.id),
            REFUND,
            -refund.amount_micros,
            description=f"Refund of payment {payment.id}" + (f": {reason}" if reason else ""),
            cause={
                "payment_id": payment.id,
                "refund_id": refund.id,
                "checkout_session_id": payment.checkout_session_id,
                "payment_intent_id": payment.payment_intent_id,
                "provider_event_id": event_id,
            },
            actor=actor,
        )
        return refund

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

    def _link(self, payment: Payment, payment_intent_id: str) -> Payment:
        """File the payment under its PaymentIntent (refunds and disputes name only that)."""
        if payment.payment_intent_id == payment_intent_id:
            return payment
        if payment.payment_intent_id is not None:
            logger.error("payment has another PaymentIntent", extra={"payment": payment.id})
            return payment
        uow = self._uow()
        uow.link_payment_intent(payment, payment_intent_id)
        with contextlib.suppress(PaymentIntentLinked):
            uow.commit()  # linked by a concurrent event
        return self._reader.get(payment.id) or payment
