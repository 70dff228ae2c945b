"""Billing's event payloads and audit snapshots: one definition per shape.

Event payloads are contracts (events/schemas/billing.*.json); audit snapshots are what the audit
trail keeps as a change's before and after.
"""

from __future__ import annotations

from typing import Any

from chalicelib.billing.models import BillingPolicy, Drift, LedgerEntry, SpendCap


def ledger_entry_data(entry: LedgerEntry) -> dict[str, Any]:
    """A credit or debit as billing.credited / billing.debited carry it (beside the org id)."""
    return {
        "entry_id": entry.id,
        "kind": entry.kind,
        "amount_micros": entry.wallet_delta,
        "currency": entry.currency,
        "at": entry.at,
        "description": entry.description,
        # A ledger entry is never changed (a correction is another entry): its version is always 1.
        "version": 1,
    }


def ledger_entry_audit(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "org_id": entry.org_id,
        "kind": entry.kind,
        "lines": [{"account": line.account, "amount_micros": line.amount_micros} for line in entry.lines],
        "currency": entry.currency,
        "at": entry.at,
        "description": entry.description,
        "allocation_id": entry.allocation_id,
        "cause": dict(entry.cause),
        "wallet_delta_micros": entry.wallet_delta,
    }


def policy_data(policy: BillingPolicy) -> dict[str, Any]:
    """The whole policy (events/schemas/common/billing.json#/$defs/policy): event and audit alike."""
    return {
        "min_runway_seconds": policy.min_runway_seconds,
        "grace_seconds": policy.grace_seconds,
        "low_balance_thresholds_micros": list(policy.low_balance_thresholds_micros),
        "welcome_credit_micros": policy.welcome_credit_micros,
        "checkout_min_micros": policy.checkout_min_micros,
        "checkout_max_micros": policy.checkout_max_micros,
        "currency": policy.currency,
        "runway_warning_seconds": policy.runway_warning_seconds,
        "version": policy.version,
    }


def spend_cap_audit(cap: SpendCap) -> dict[str, Any]:
    return {
        "org_id": cap.org_id,
        "daily_cap_micros": cap.daily_cap_micros,
        "updated_at": cap.updated_at,
        "updated_by": cap.updated_by,
    }


def drift_data(drift: Drift) -> dict[str, Any]:
    """billing.drift_detected's payload; the reconciliation's report lists the same."""
    return {
        "org_id": drift.org_id,
        "balance_micros": drift.balance_micros,
        "ledger_total_micros": drift.ledger_total_micros,
        "drift_micros": drift.drift_micros,
    }
