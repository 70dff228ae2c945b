"""Payments as the audit trail and the event bus see them: each has its own mapper, so that a field
added to a model reaches neither unless a mapper says so (events/schemas fixes the event's shape)."""

from __future__ import annotations

from typing import Any

from chalicelib.payments.models import Payment, Refund


def payment_record(payment: Payment) -> dict[str, Any]:
    """A payment as an audit record holds it (``before`` of a refund)."""
    return {
        "id": payment.id,
        "org_id": payment.org_id,
        "provider": payment.provider,
        "currency": payment.currency,
        "amount_micros": payment.amount_micros,
        "status": payment.status,
        "created_at": payment.created_at,
        "refunded_micros": payment.refunded_micros,
        "paid_micros": payment.paid_micros,
        "customer_id": payment.customer_id,
        "checkout_session_id": payment.checkout_session_id,
        "checkout_url": payment.checkout_url,
        "payment_intent_id": payment.payment_intent_id,
        "paid_at": payment.paid_at,
        "failure": payment.failure,
    }


def refund_record(refund: Refund) -> dict[str, Any]:
    """A refund as an audit record holds it (``after`` of a refund)."""
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
    }


def payment_failed_data(
    payment: Payment, payment_intent_id: str, failure_code: str | None, failure_message: str | None
) -> dict[str, Any]:
    """The data of ``payment.failed`` (events/schemas/payment.failed.json)."""
    return {
        "payment_id": payment.id,
        "org_id": payment.org_id,
        "amount_micros": payment.amount_micros,
        "currency": payment.currency,
        "checkout_session_id": payment.checkout_session_id,
        "payment_intent_id": payment_intent_id,
        "failure_code": failure_code,
        "failure_message": failure_message,
    }
