"""Billing: the org's balance, burn and runway, its ledger, usage and statements, its spend cap;
the operator's billing policy and force-release."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.allocation_bodies import allocation_body
from chalicelib.api.billing_bodies import (
    balance_body,
    ledger_entry_body,
    policy_body,
    spend_cap_body,
    statement_body,
    usage_body,
    usage_row_body,
)
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import etag, if_match_version, list_reply, page_cursor, page_limit


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...], filename: str) -> Reply:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Reply(
        out.getvalue(),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def register(api: Api) -> None:
    @api.route("/v1/billing/balance", method="GET", action="billing:read")
    def get_balance(ctx: RequestContext) -> Reply:
        """Balance now (settled minus used since), burn rate of active allocations, runway."""
        return Reply(balance_body(bootstrap.billing_service().balance(ctx.me.org_id)))

    @api.route("/v1/billing/ledger", method="GET", action="billing:read", query=schemas.LedgerQuery)
    def list_ledger(ctx: RequestContext) -> Reply:
        """The org's ledger entries, newest first; ``format=csv`` exports the page as CSV."""
        q: schemas.LedgerQuery = ctx.query
        page = bootstrap.billing_service().ledger(ctx.me.org_id, page_limit(ctx), page_cursor(ctx), q.since, q.until)
        entries = [ledger_entry_body(e) for e in page.items]
        if q.format == "csv":
            columns = ("at", "id", "kind", "wallet_delta_micros", "currency", "allocation_id", "description")
            return _csv(entries, columns, "ledger.csv")
        return list_reply(entries, page.next_cursor)

    @api.route("/v1/billing/usage", method="GET", action="billing:read", query=schemas.UsageQuery)
    def get_usage(ctx: RequestContext) -> Reply:
        """Seconds and charges per allocation and per day (default: the last 30 days)."""
        q: schemas.UsageQuery = ctx.query
        today = bootstrap.clock.now()
        until = q.until or today.strftime("%Y-%m-%d")
        since = q.since or (today - timedelta(days=30)).strftime("%Y-%m-%d")
        usage = bootstrap.billing_service().usage(ctx.me.org_id, since, until)
        if q.format == "csv":
            rows = [usage_row_body(r) for r in usage.rows]
            return _csv(rows, ("day", "allocation_id", "sku_id", "seconds", "micros"), "usage.csv")
        return Reply(usage_body(usage))

    @api.route("/v1/billing/statements/{month}", method="GET", action="billing:read")
    def get_statement(ctx: RequestContext, month: str) -> Reply:
        """The org's statement for a calendar month (UTC): opening, movements by kind, closing."""
        return Reply(statement_body(bootstrap.billing_service().statement(ctx.me.org_id, month)))

    @api.route("/v1/billing/spend-cap", method="GET", action="billing:read")
    def get_spend_cap(ctx: RequestContext) -> Reply:
        """The org's daily spend cap (null: none)."""
        return Reply(spend_cap_body(bootstrap.billing_service().spend_cap(ctx.me.org_id)))

    @api.route("/v1/billing/spend-cap", method="PUT", action="billing:spend_cap", body=schemas.SpendCapBody)
    def set_spend_cap(ctx: RequestContext) -> Reply:
        """Set (or clear, with null) the org's daily spend cap; new allocations stop at it."""
        cap = bootstrap.billing_service().set_spend_cap(ctx.actor, ctx.body.daily_cap_micros)
        return Reply(spend_cap_body(cap))

    @api.route("/v1/admin/billing-policy", method="GET", action="admin:billing_policy:read")
    def admin_get_billing_policy(ctx: RequestContext) -> Reply:
        """The billing policy in force (runway, grace, thresholds, welcome credit, checkout bounds)."""
        policy = bootstrap.billing_service().policy()
        return Reply(policy_body(policy), headers=etag(policy.version))

    @api.route(
        "/v1/admin/billing-policy", method="PATCH", action="admin:billing_policy:update", body=schemas.BillingPolicyBody
    )
    def admin_update_billing_policy(ctx: RequestContext) -> Reply:
        """Change the billing policy (If-Match with the ETag guards against lost updates)."""
        changes = ctx.body.model_dump(exclude_none=True)
        policy = bootstrap.billing_service().set_policy(ctx.actor, changes, if_match_version(ctx))
        return Reply(policy_body(policy), headers=etag(policy.version))

    @api.route(
        "/v1/admin/allocations/{allocation_id}/force-release",
        method="POST",
        action="admin:allocations:force_release",
        body=schemas.ForceReleaseBody,
    )
    def admin_force_release(ctx: RequestContext, allocation_id: str) -> Reply:
        """Release any org's allocation (abuse, a failing host); audited."""
        allocation = bootstrap.provisioning_service().force_release(ctx.actor, allocation_id, ctx.body.reason)
        return Reply(allocation_body(allocation), status=202)
