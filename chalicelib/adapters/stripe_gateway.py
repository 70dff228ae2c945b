"""Stripe: customers, Checkout Sessions, refunds, and the verification of its webhooks.

``StripeGateway`` calls Stripe with the ``stripe`` library, imported inside the methods so that
routes that never touch payments do not pay for it at cold start. Stripe's JSON ends here: a
verified webhook is parsed into the typed events of ``chalicelib.payments.models`` (``parse_event``),
so the payment use cases never see a Stripe dict. The local cloud's stand-in for Stripe
(``localcloud/local_stripe.py``) verifies and parses with the same functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.core import errors
from chalicelib.payments.models import (
    ChargeRefunded,
    CheckoutCompleted,
    CheckoutRequest,
    CheckoutSession,
    DisputeOpened,
    PaymentFailed,
    ProviderEvent,
    ProviderRefund,
    UnhandledEvent,
)

logger = logging.getLogger(__name__)

SecretSource = Callable[[], str]


def verify_event(payload: bytes, signature: str | None, secret: str, tolerance_seconds: int) -> dict[str, Any]:
    """The event if Stripe-Signature ``signature`` signs ``payload`` with ``secret`` and is not
    older than the tolerance. INVALID_SIGNATURE otherwise, before anything else is looked at."""
    import stripe

    if not secret:
        # Our configuration is missing, not the sender's fault: 503 makes Stripe retry later.
        logger.error("no Stripe webhook secret is configured")
        raise errors.PaymentsUnavailableError("Webhooks cannot be verified now")
    try:
        stripe.Webhook.construct_event(payload, signature, secret, tolerance=tolerance_seconds)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise errors.InvalidSignatureError() from exc
    except json.JSONDecodeError as exc:  # signed, but not JSON
        raise errors.MalformedJsonError() from exc
    except (ValueError, AttributeError, TypeError, KeyError) as exc:  # signed JSON, but no event
        raise errors.ValidationFailedError("The body is not a Stripe event") from exc
    event = json.loads(payload)
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise errors.ValidationFailedError("The body is not a Stripe event")
    return event


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for ``payload``: HMAC-SHA256 of ``"<t>.<payload>"`` with the secret."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@contextlib.contextmanager
def _stripe_errors(*, refund: bool = False) -> Iterator[None]:
    """Stripe's exceptions as catalog errors."""
    import stripe

    try:
        yield
    except stripe.InvalidRequestError as exc:
        code = getattr(exc, "code", None)
        if refund and code in ("charge_already_refunded", "amount_too_large", "refund_amount_too_large"):
            raise errors.RefundExceedsPaymentError(exc.user_message or None) from exc
        logger.warning("Stripe refused a request", extra={"code": code, "stripe_message": str(exc)})
        raise errors.ValidationFailedError(
            f"The payment provider refused the request: {exc.user_message or code}"
        ) from exc
    except stripe.IdempotencyError as exc:
        raise errors.ConcurrentUpdateError("The same payment request is in progress; try again") from exc
    except stripe.StripeError as exc:
        # Unreachable, rate-limited, failing, or our key is wrong: say so and let the client retry.
        logger.error("Stripe is unavailable", extra={"error": type(exc).__name__, "stripe_message": str(exc)})
        raise errors.PaymentsUnavailableError() from exc


def _plain(obj: Any) -> dict[str, Any]:
    """A Stripe object as a plain dict (they are not dicts since stripe-python 13)."""
    to_dict = getattr(obj, "to_dict", None)
    return to_dict() if callable(to_dict) else dict(obj)


def _refund(obj: Any) -> ProviderRefund:
    refund = _plain(obj)
    intent = refund.get("payment_intent")
    return ProviderRefund(
        id=str(refund["id"]),
        amount_cents=int(refund["amount"]),
        status=str(refund.get("status") or "pending"),
        payment_intent_id=intent if isinstance(intent, str) else None,
    )


class StripeGateway:
    """Stripe itself. The API key and the webhook secret are read on first use."""

    def __init__(
        self, api_key: SecretSource, webhook_secret: SecretSource, *, tolerance_seconds: int, product_name: str = ""
    ) -> None:
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds
        self._product_name = product_name or "GPUaaS prepaid credit"

    def _key(self) -> str:
        key = self._api_key()
        if not key:
            logger.error("no Stripe API key is configured")
            raise errors.PaymentsUnavailableError("Payments are not configured")
        return key

    def create_customer(self, org_id: str, *, idempotency_key: str) -> str:
        import stripe

        with _stripe_errors():
            customer = stripe.Customer.create(
                api_key=self._key(),
                idempotency_key=idempotency_key,
                description=f"GPUaaS org {org_id}",
                metadata={"org_id": org_id},
            )
        return str(_plain(customer)["id"])

    def create_checkout_session(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession:
        import stripe

        if not request.success_url or not request.cancel_url:
            raise errors.ValidationFailedError("success_url and cancel_url are required (no default is configured)")
        with _stripe_errors():
            session = stripe.checkout.Session.create(
                api_key=self._key(),
                idempotency_key=idempotency_key,
                mode="payment",
                customer=request.customer_id,
                client_reference_id=request.org_id,
                line_items=[
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": request.currency.lower(),
                            "unit_amount": request.amount_cents,
                            "product_data": {"name": self._product_name},
                        },
                    }
                ],
                metadata=request.metadata,
                payment_intent_data={"metadata": request.metadata},
                success_url=request.success_url,
                cancel_url=request.cancel_url,
            )
        data = _plain(session)
        intent = data.get("payment_intent")
        return CheckoutSession(
            id=str(data["id"]), url=str(data["url"]), payment_intent_id=intent if isinstance(intent, str) else None
        )

    def create_refund(
        self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        import stripe

        with _stripe_errors(refund=True):
            refund = stripe.Refund.create(
                api_key=self._key(),
                idempotency_key=idempotency_key,
                payment_intent=payment_intent_id,
                amount=amount_cents,
                metadata=metadata,
            )
        return _refund(refund)

    def list_refunds(self, charge_id: str) -> list[ProviderRefund]:
        import stripe

        with _stripe_errors():
            page = stripe.Refund.list(api_key=self._key(), charge=charge_id, limit=100)
            return [_refund(r) for r in page.auto_paging_iter()]

    def payment_intent_metadata(self, payment_intent_id: str) -> dict[str, str]:
        import stripe

        with _stripe_errors():
            intent = stripe.PaymentIntent.retrieve(payment_intent_id, api_key=self._key())
        metadata = _plain(intent).get("metadata") or {}
        return {str(k): str(v) for k, v in dict(metadata).items()}

    def verify_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent:
        return parse_event(verify_event(payload, signature, self._webhook_secret(), self._tolerance))


# Stripe's events, parsed -------------------------------------------------------------------------


def _id(value: Any) -> str | None:
    """A Stripe reference that may come as an id or as an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _metadata(obj: dict[str, Any]) -> dict[str, str]:
    metadata = obj.get("metadata")
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def _cents(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.ValidationFailedError(f"The event's {obj.get('object') or 'object'} carries no {name}")
    return value


def _checkout_completed(event_id: str, event_type: str, session: dict[str, Any]) -> CheckoutCompleted:
    paid = session.get("payment_status") == "paid"
    return CheckoutCompleted(
        event_id=event_id,
        type=event_type,
        checkout_session_id=str(session["id"]),
        metadata=_metadata(session),
        payment_intent_id=_id(session.get("payment_intent")),
        client_reference_id=_text(session.get("client_reference_id")),
        currency=_text(session.get("currency")),
        payment_mode=session.get("mode") in (None, "payment"),
        paid=paid,
        amount_cents=_cents(session, "amount_total") if paid else None,
    )


def _payment_failed(event_id: str, event_type: str, intent: dict[str, Any]) -> PaymentFailed:
    error = intent.get("last_payment_error")
    error = error if isinstance(error, dict) else {}
    return PaymentFailed(
        event_id=event_id,
        type=event_type,
        payment_intent_id=str(intent["id"]),
        metadata=_metadata(intent),
        failure_code=_text(error.get("decline_code") or error.get("code")),
        failure_message=_text(error.get("message")),
    )


def _charge_refunded(event_id: str, event_type: str, charge: dict[str, Any]) -> ChargeRefunded:
    payment_intent = _id(charge.get("payment_intent"))
    listed = charge.get("refunds")
    refunds: tuple[ProviderRefund, ...] | None = None
    if isinstance(listed, dict) and isinstance(listed.get("data"), list) and not listed.get("has_more"):
        refunds = tuple(
            ProviderRefund(str(r["id"]), _cents(r, "amount"), str(r.get("status") or "succeeded"), payment_intent)
            for r in listed["data"]
            if isinstance(r, dict) and _id(r.get("id"))
        )
    return ChargeRefunded(
        event_id=event_id,
        type=event_type,
        charge_id=str(charge["id"]),
        payment_intent_id=payment_intent,
        metadata=_metadata(charge),
        refunds=refunds,
    )


def _dispute_opened(event_id: str, event_type: str, dispute: dict[str, Any]) -> DisputeOpened:
    return DisputeOpened(
        event_id=event_id,
        type=event_type,
        dispute_id=str(dispute["id"]),
        payment_intent_id=_id(dispute.get("payment_intent")),
        charge_id=_id(dispute.get("charge")),
        metadata=_metadata(dispute),
        amount_cents=_cents(dispute, "amount"),
        reason=_text(dispute.get("reason")),
    )


_PARSERS: dict[str, Callable[[str, str, dict[str, Any]], ProviderEvent]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_opened,
}


def parse_event(event: dict[str, Any]) -> ProviderEvent:
    """A verified Stripe event as payments knows it; VALIDATION_ERROR when a handled type lacks
    what it must carry."""
    event_id, event_type = str(event["id"]), str(event["type"])
    parser = _PARSERS.get(event_type)
    if parser is None:
        return UnhandledEvent(event_id, event_type)
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not _id(obj.get("id")):
        raise errors.ValidationFailedError("The event carries no object")
    return parser(event_id, event_type, obj)
