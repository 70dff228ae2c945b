"""Payments: top-ups through Stripe Checkout, Stripe's webhook, the operator's refunds, and (local
stage only) paying a checkout without Stripe."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from pydantic import Field, model_validator

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.payments.models import CheckoutOpened, CheckoutPaid, RefundMade, WebhookReceipt

Url = Annotated[str, Field(min_length=8, max_length=2048, pattern=r"^https?://[^\s]+$")]
OrgId = Annotated[str, Field(pattern=r"^org_[0-9a-z]{26}$")]
PaymentId = Annotated[str, Field(pattern=r"^pay_[0-9a-z]{26}$")]
CheckoutSessionId = Annotated[str, Field(pattern=r"^cs_[A-Za-z0-9_]{1,250}$")]


class CheckoutBody(schemas.Body):
    amount_micros: schemas.Micros = Field(
        description="How much to add to the balance; a whole number of cents within the billing policy's bounds"
    )
    success_url: Url | None = None
    cancel_url: Url | None = None


class RefundBody(schemas.Body):
    org_id: OrgId
    checkout_session_id: CheckoutSessionId | None = None
    payment_id: PaymentId | None = None
    amount_micros: Annotated[int, Field(ge=1, le=schemas.JSON_SAFE_INT)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _one_payment(self) -> RefundBody:
        if (self.checkout_session_id is None) == (self.payment_id is None):
            raise ValueError("name the payment by exactly one of checkout_session_id and payment_id")
        return self


def api_base_url(ctx: RequestContext) -> str:
    """This API's own base URL, as the caller reached it."""
    scheme = (ctx.header("x-forwarded-proto") or "http").split(",")[0].strip()
    return f"{scheme}://{ctx.header('host') or 'localhost'}"


# Response bodies (doc/openapi.yaml) ---------------------------------------------------------------


def checkout_body(opened: CheckoutOpened) -> dict[str, Any]:
    return {
        "payment_id": opened.payment_id,
        "checkout_session_id": opened.checkout_session_id,
        "url": opened.url,
        "amount_micros": opened.amount_micros,
        "currency": opened.currency,
    }


def webhook_body(receipt: WebhookReceipt) -> dict[str, Any]:
    return {"received": True, "outcome": receipt.outcome}


def refund_body(made: RefundMade) -> dict[str, Any]:
    refund = made.refund
    return {
        "id": refund.id,
        "payment_id": refund.payment_id,
        "org_id": refund.org_id,
        "amount_micros": refund.amount_micros,
        "currency": refund.currency,
        "status": refund.status,
        "source": refund.source,
        "created_at": refund.created_at,
        "reason": refund.reason,
        "ledger_entry_id": refund.ledger_entry_id,
        "checkout_session_id": made.checkout_session_id,
        "payment_intent_id": made.payment_intent_id,
    }


def checkout_paid_body(paid: CheckoutPaid) -> dict[str, Any]:
    return {
        "event_id": paid.event_id,
        "type": paid.type,
        "checkout_session_id": paid.checkout_session_id,
        "payment_intent_id": paid.payment_intent_id,
        "webhook_status": paid.webhook_status,
        "webhook_response": paid.webhook_response,
    }


def register(api: Api) -> None:
    @api.route("/v1/billing/checkout", method="POST", action="billing:checkout", body=CheckoutBody, idempotent=True)
    def create_checkout(ctx: RequestContext) -> Reply:
        """Top up the balance by card: a Stripe Checkout page for the amount. The balance is
        credited when Stripe reports the payment, not before."""
        body: CheckoutBody = ctx.body
        opened = bootstrap.payments_service().checkout(
            ctx.me.org_id,
            body.amount_micros,
            success_url=body.success_url,
            cancel_url=body.cancel_url,
            api_base_url=api_base_url(ctx),
        )
        return Reply(checkout_body(opened), status=201)

    @api.route("/v1/webhooks/stripe", method="POST", action="webhooks:stripe", takes_raw_body=True)
    def stripe_webhook(ctx: RequestContext) -> Reply:
        """Stripe's events (checkout completed, payment failed, charge refunded, dispute opened),
        verified by their Stripe-Signature; each applied once, in any order."""
        receipt = bootstrap.payments_service().handle_webhook(ctx.raw_body, ctx.header("stripe-signature"))
        return Reply(webhook_body(receipt))

    @api.route("/v1/admin/refunds", method="POST", action="admin:refunds:create", body=RefundBody, idempotent=True)
    def admin_create_refund(ctx: RequestContext) -> Reply:
        """Refund part or all of an org's payment through Stripe and debit its balance (audited)."""
        body: RefundBody = ctx.body
        reference = body.payment_id or body.checkout_session_id or ""
        key = ctx.header("idempotency-key")
        # The same request sent again asks Stripe for the same refund, never for a second one.
        seed = f"{ctx.me.user_id}|{body.org_id}|{reference}|{key}" if key else ctx.request_id
        idempotency_key = "gpuaas-refund-" + hashlib.sha256(seed.encode()).hexdigest()[:40]
        made = bootstrap.payments_service().refund(
            ctx.actor, body.org_id, reference, body.amount_micros, body.reason, idempotency_key=idempotency_key
        )
        return Reply(refund_body(made), status=201)


def register_dev(api: Api) -> None:
    """Only in the local stage: the route does not exist anywhere else."""

    @api.route("/v1/dev/stripe/checkout/{session_id}/complete", method="POST", action="dev:stripe")
    def dev_complete_checkout(ctx: RequestContext, session_id: str) -> Reply:
        """Pay a checkout as the customer would (local stage only): the local cloud's Stripe sends
        the signed checkout.session.completed event to this API's webhook, over HTTP."""
        webhook_url = f"{api_base_url(ctx)}/v1/webhooks/stripe"
        return Reply(checkout_paid_body(bootstrap.payments_service().complete_local_checkout(session_id, webhook_url)))
