"""Stripe: customers, Checkout Sessions, refunds, and the verification of its webhooks.

``StripeGateway`` calls Stripe with the ``stripe`` library, imported inside the methods so that
routes that never touch payments do not pay for it at cold start. ``LocalStripeGateway`` is the
local stage's Stripe: it makes ids up without any network, and plays the customer paying by
sending the webhook the ``checkout.session.completed`` event Stripe would send, signed the way
Stripe signs. Both verify webhooks with the same code (the ``stripe`` library's own).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.core import errors
from chalicelib.core.ids import ulid
from chalicelib.payments.models import MICROS_PER_CENT, CheckoutRequest, CheckoutSession, Payment, ProviderRefund

logger = logging.getLogger(__name__)

SecretSource = Callable[[], str]
# The Stripe API version the payloads below follow (the account's webhook endpoint should match).
LOCAL_API_VERSION = "2024-06-20"


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

    def verify_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        return verify_event(payload, signature, self._webhook_secret(), self._tolerance)


class LocalStripeGateway:
    """The local stage's Stripe: no network, ids made up (``cs_local_...``), refunds idempotent
    per key for the life of the process, and webhooks delivered the way Stripe delivers them."""

    def __init__(self, webhook_secret: SecretSource, *, tolerance_seconds: int) -> None:
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds
        self._lock = threading.Lock()
        self._refunds: dict[str, ProviderRefund] = {}

    def create_customer(self, org_id: str, *, idempotency_key: str) -> str:
        # Derived from the key, as Stripe answers a repeated key with the first customer.
        return "cus_local_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]

    def create_checkout_session(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession:
        session_id = "cs_local_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        # Where the customer would pay: locally, a dev route that pays at once.
        url = f"{request.api_base_url}/v1/dev/stripe/checkout/{session_id}/complete"
        return CheckoutSession(id=session_id, url=url, payment_intent_id=None)

    def create_refund(
        self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        with self._lock:
            if idempotency_key not in self._refunds:
                refund_id = f"re_local_{ulid().lower()}"
                self._refunds[idempotency_key] = ProviderRefund(refund_id, amount_cents, "succeeded", payment_intent_id)
            return self._refunds[idempotency_key]

    def list_refunds(self, charge_id: str) -> list[ProviderRefund]:
        return []  # local events always embed their refunds

    def payment_intent_metadata(self, payment_intent_id: str) -> dict[str, str]:
        return {}

    def verify_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        return verify_event(payload, signature, self._webhook_secret(), self._tolerance)

    # The customer pays ---------------------------------------------------------------------

    @staticmethod
    def payment_intent_for(checkout_session_id: str) -> str:
        return "pi_local_" + checkout_session_id.removeprefix("cs_local_")

    def checkout_completed_event(self, payment: Payment) -> dict[str, Any]:
        """The ``checkout.session.completed`` event Stripe sends once the customer paid."""
        assert payment.checkout_session_id is not None
        metadata = {"org_id": payment.org_id, "payment_id": payment.id, "amount_micros": str(payment.amount_micros)}
        cents = payment.amount_micros // MICROS_PER_CENT
        session = {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "amount_subtotal": cents,
            "amount_total": cents,
            "client_reference_id": payment.org_id,
            "currency": payment.currency.lower(),
            "customer": payment.customer_id,
            "livemode": False,
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": self.payment_intent_for(payment.checkout_session_id),
            "payment_status": "paid",
            "status": "complete",
            "url": None,
        }
        return {
            "id": f"evt_local_{ulid().lower()}",
            "object": "event",
            "api_version": LOCAL_API_VERSION,
            "created": int(time.time()),
            "data": {"object": session},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "checkout.session.completed",
        }

    def complete_checkout(self, payment: Payment, webhook_url: str) -> dict[str, Any]:
        event = self.checkout_completed_event(payment)
        payload = json.dumps(event, indent=2).encode()
        status, body = deliver(webhook_url, payload, signature_header(payload, self._webhook_secret()))
        return {
            "event_id": event["id"],
            "type": event["type"],
            "checkout_session_id": payment.checkout_session_id,
            "payment_intent_id": event["data"]["object"]["payment_intent"],
            "webhook_status": status,
            "webhook_response": body,
        }


def deliver(url: str, payload: bytes, signature: str, timeout: float = 10) -> tuple[int, Any]:
    """POST a signed event to a webhook endpoint as Stripe does; (status, JSON body or text)."""
    request = urllib.request.Request(  # noqa: S310 - the local API's own URL
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError as exc:
        raise errors.PaymentsUnavailableError(f"The webhook could not be delivered: {exc}") from exc
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")
