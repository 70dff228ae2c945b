"""Billing's API response bodies (doc/openapi.yaml): one function per representation."""

from __future__ import annotations

from typing import Any

from chalicelib.billing.models import (
    Balance,
    BillingPolicy,
    LedgerEntry,
    SpendCap,
    Statement,
    UsageReport,
    UsageRow,
)
from chalicelib.billing.payloads import ledger_entry_audit, policy_data, spend_cap_audit


def balance_body(b: Balance) -> dict[str, Any]:
    w = b.wallet
    return {
        "org_id": w.org_id,
        "currency": w.currency,
        "balance_micros": b.balance_micros,
        "depleted_at": w.depleted_at,
        "frozen": w.frozen_reason is not None,
        "frozen_reason": w.frozen_reason,
        "settled_balance_micros": b.settled_balance_micros,
        "unsettled_usage_micros": b.unsettled_usage_micros,
        "burn_rate_per_hour_micros": b.burn_rate_per_hour_micros,
        "runway_seconds": b.runway_seconds,
        "active_allocations": b.active_allocations,
        "as_of": b.as_of,
    }


def ledger_entry_body(entry: LedgerEntry) -> dict[str, Any]:
    # The API shows an entry whole, exactly as the audit trail keeps it.
    return ledger_entry_audit(entry)


def usage_row_body(row: UsageRow) -> dict[str, Any]:
    return {
        "day": row.day,
        "allocation_id": row.allocation_id,
        "sku_id": row.sku_id,
        "seconds": row.seconds,
        "micros": row.micros,
    }


def usage_body(u: UsageReport) -> dict[str, Any]:
    return {
        "from": u.since_day,
        "to": u.until_day,
        "rows": [usage_row_body(r) for r in u.rows],
        "by_day": [{"day": d.day, "seconds": d.seconds, "micros": d.micros} for d in u.by_day],
        "by_allocation": [
            {"allocation_id": a.allocation_id, "sku_id": a.sku_id, "seconds": a.seconds, "micros": a.micros}
            for a in u.by_allocation
        ],
        "total_seconds": u.total_seconds,
        "total_micros": u.total_micros,
    }


def statement_body(s: Statement) -> dict[str, Any]:
    return {
        "org_id": s.org_id,
        "month": s.month,
        "currency": s.currency,
        "opening_balance_micros": s.opening_balance_micros,
        "movements_micros": dict(s.movements_micros),
        "closing_balance_micros": s.closing_balance_micros,
        "entries": [ledger_entry_body(e) for e in s.entries],
    }


def spend_cap_body(cap: SpendCap) -> dict[str, Any]:
    return spend_cap_audit(cap)


def policy_body(policy: BillingPolicy) -> dict[str, Any]:
    return policy_data(policy)
