"""Payments domain: top-ups paid through the payment provider (Stripe Checkout), their refunds
and disputes.

A payment is our record of one checkout: which org, how much was asked, paid and refunded. The
money itself moves only in the billing ledger, under entry ids derived from the provider's ids
(``topup:<checkout session>``, ``refund:<refund>``, ``dispute:<dispute>``), so a replayed or
out-of-order provider event can never move it twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.core import errors

STRIPE = "stripe"

# Stripe amounts are in the currency's minor unit (cents); ours are micro-units.
MICROS_PER_CENT = 10_000

# Payment statuses.
CREATING = "creating"  # recorded, the provider's checkout not created yet
OPEN = "open"  # the customer can pay
PAID = "paid"
FAILED = "failed"  # an attempt failed; the customer may still pay with another method
ABANDONED = "abandoned"  # the provider refused to create the checkout

# Where a refund was first heard of.
VIA_API = "api"
VIA_PROVIDER = "provider"

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def micros_from_cents(cents: int) -> int:
    return int(cents) * MICROS_PER_CENT


def cents_from_micros(micros: int) -> int:
    if micros % MICROS_PER_CENT:
        raise errors.ValidationFailedError("amount_micros must be a whole number of cents (a multiple of 10000)")
    return micros // MICROS_PER_CENT


def derived_event_id(source: str) -> str:
    """An ``evt_`` id derived from ``source`` (a provider event id): a redelivery of the same
    provider event yields the same outbox event, which the outbox refuses to write twice."""
    value = int.from_bytes(hashlib.sha256(source.encode()).digest()[:16], "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "evt_" + "".join(reversed(chars))


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    org_id: str
    provider: str
    currency: str
    amount_micros: int
    status: str
    created_at: str
    refunded_micros: int = 0
    paid_micros: int | None = None
    customer_id: str | None = None
    checkout_session_id: str | None = None
    checkout_url: str | None = None
    payment_intent_id: str | None = None
    paid_at: str | None = None
    failure: dict[str, Any] | None = None

    @property
    def refundable_micros(self) -> int:
        """What is left to refund: what was paid less what was refunded (or is being refunded)."""
        if self.paid_micros is None:
            return 0
        return max(0, self.paid_micros - self.refunded_micros)


@dataclass(frozen=True, slots=True)
class Refund:
    id: str  # the provider's refund id
    payment_id: str
    org_id: str
    amount_micros: int
    currency: str
    status: str
    source: str  # VIA_API | VIA_PROVIDER
    created_at: str
    reason: str | None = None

    @property
    def ledger_entry_id(self) -> str:
        return refund_entry_id(self.id)


def topup_entry_id(checkout_session_id: str) -> str:
    return f"topup:{checkout_session_id}"


def refund_entry_id(refund_id: str) -> str:
    return f"refund:{refund_id}"


def dispute_entry_id(dispute_id: str) -> str:
    return f"dispute:{dispute_id}"


# What the provider is asked and answers -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    payment_id: str
    org_id: str
    customer_id: str
    amount_micros: int
    currency: str
    success_url: str
    cancel_url: str
    # The API's own base URL (the local provider points its checkout page there).
    api_base_url: str = ""

    @property
    def amount_cents(self) -> int:
        return cents_from_micros(self.amount_micros)

    @property
    def metadata(self) -> dict[str, str]:
        """Set on the Checkout Session and on its PaymentIntent (whose charges copy it), so that
        every later event about the money names the payment and the org."""
        return {"org_id": self.org_id, "payment_id": self.payment_id, "amount_micros": str(self.amount_micros)}


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str
    payment_intent_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    id: str
    amount_cents: int
    status: str  # pending | succeeded | failed | canceled | requires_action
    payment_intent_id: str | None = None

    @property
    def amount_micros(self) -> int:
        return micros_from_cents(self.amount_cents)

    @property
    def counts(self) -> bool:
        """Money has left (or is leaving) the customer's payment."""
        return self.status in ("pending", "succeeded", "requires_action")


class RefundAlreadyRecorded(errors.ConcurrentUpdateError):
    """The refund id is recorded already (the provider's event and the admin API met)."""


class PaymentIntentLinked(errors.ConcurrentUpdateError):
    """The PaymentIntent id is linked to a payment already."""


# What the provider reports (its webhook events, parsed by the gateway) ---------------------------


@dataclass(frozen=True, slots=True)
class CheckoutCompleted:
    """A Checkout Session completed (``checkout.session.completed``) or its delayed payment
    succeeded (``checkout.session.async_payment_succeeded``)."""

    event_id: str
    type: str
    checkout_session_id: str
    metadata: dict[str, str]
    payment_intent_id: str | None
    client_reference_id: str | None
    currency: str | None
    payment_mode: bool  # a one-off payment (not a subscription or a setup)
    paid: bool  # false for a delayed method: the money is not there yet
    amount_cents: int | None


@dataclass(frozen=True, slots=True)
class PaymentFailed:
    """An attempt to pay failed (``payment_intent.payment_failed``)."""

    event_id: str
    type: str
    payment_intent_id: str
    metadata: dict[str, str]
    failure_code: str | None
    failure_message: str | None


@dataclass(frozen=True, slots=True)
class ChargeRefunded:
    """Part or all of a charge was refunded (``charge.refunded``). ``refunds`` is None when the
    event does not carry the whole list (recent API versions no longer embed it)."""

    event_id: str
    type: str
    charge_id: str
    payment_intent_id: str | None
    metadata: dict[str, str]
    refunds: tuple[ProviderRefund, ...] | None


@dataclass(frozen=True, slots=True)
class DisputeOpened:
    """The customer disputed a charge (``charge.dispute.created``)."""

    event_id: str
    type: str
    dispute_id: str
    payment_intent_id: str | None
    charge_id: str | None
    metadata: dict[str, str]
    amount_cents: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class UnhandledEvent:
    """A verified event of a type payments does not act on."""

    event_id: str
    type: str


ProviderEvent = CheckoutCompleted | PaymentFailed | ChargeRefunded | DisputeOpened | UnhandledEvent


# What the use cases answer -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckoutOpened:
    payment_id: str
    checkout_session_id: str
    url: str
    amount_micros: int
    currency: str


@dataclass(frozen=True, slots=True)
class WebhookReceipt:
    """What the provider is answered for one event (``outcome`` is also kept with its marker)."""

    outcome: str


@dataclass(frozen=True, slots=True)
class RefundMade:
    refund: Refund
    checkout_session_id: str | None
    payment_intent_id: str | None


@dataclass(frozen=True, slots=True)
class CheckoutPaid:
    """Local stage: the provider's event sent for a paid checkout, and what the webhook answered."""

    event_id: str
    type: str
    checkout_session_id: str | None
    payment_intent_id: str
    webhook_status: int
    webhook_response: Any
