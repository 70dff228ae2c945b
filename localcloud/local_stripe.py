"""The local stage's Stripe: no network, ids made up (``cs_local_...``), refunds idempotent per key
for the life of the process, and a customer who pays by having the webhook sent the
``checkout.session.completed`` event Stripe would send, signed the way Stripe signs.

The local cloud names this module in ``GPUAAS_PAYMENT_STAND_IN``; the composition root then wires
``gateway(...)`` as the payment gateway and ``checkout_payer(...)`` as the payer of checkouts
(unless a Stripe key is configured: then the real Stripe, in test mode, is used). The server's code
never imports it. Webhooks are verified and parsed with the Stripe adapter's own functions.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from chalicelib.adapters.stripe_gateway import parse_event, signature_header, verify_event
from chalicelib.core import errors
from chalicelib.core.ids import ulid
from chalicelib.payments.models import (
    MICROS_PER_CENT,
    CheckoutPaid,
    CheckoutRequest,
    CheckoutSession,
    Payment,
    ProviderEvent,
    ProviderRefund,
)

SecretSource = Callable[[], str]
# The Stripe API version the payloads below follow (the account's webhook endpoint should match).
LOCAL_API_VERSION = "2024-06-20"


class LocalStripeGateway:
    """What the payment use cases ask Stripe, answered locally."""

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

    def verify_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent:
        return parse_event(verify_event(payload, signature, self._webhook_secret(), self._tolerance))


def payment_intent_for(checkout_session_id: str) -> str:
    """The PaymentIntent the local Stripe pays a checkout with."""
    return "pi_local_" + checkout_session_id.removeprefix("cs_local_")


def checkout_completed_event(payment: Payment) -> dict[str, Any]:
    """The ``checkout.session.completed`` event Stripe sends once the customer paid."""
    if payment.checkout_session_id is None:
        raise errors.PaymentNotFoundError("The payment has no checkout to pay")
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
        "payment_intent": payment_intent_for(payment.checkout_session_id),
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


class LocalCheckoutPayer:
    """The customer paying a local checkout: Stripe's signed event, delivered over HTTP."""

    def __init__(self, webhook_secret: SecretSource) -> None:
        self._webhook_secret = webhook_secret

    def pay(self, payment: Payment, webhook_url: str) -> CheckoutPaid:
        event = checkout_completed_event(payment)
        payload = json.dumps(event, indent=2).encode()
        status, body = deliver(webhook_url, payload, signature_header(payload, self._webhook_secret()))
        return CheckoutPaid(
            event_id=event["id"],
            type=event["type"],
            checkout_session_id=payment.checkout_session_id,
            payment_intent_id=event["data"]["object"]["payment_intent"],
            webhook_status=status,
            webhook_response=body,
        )


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


# What the composition root wires where this module is named as the stage's stand-in ---------------


def gateway(webhook_secret: SecretSource, *, tolerance_seconds: int) -> LocalStripeGateway:
    return LocalStripeGateway(webhook_secret, tolerance_seconds=tolerance_seconds)


def checkout_payer(webhook_secret: SecretSource) -> LocalCheckoutPayer:
    return LocalCheckoutPayer(webhook_secret)
