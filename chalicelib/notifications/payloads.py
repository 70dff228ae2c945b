"""What each notice says (subject, summary, facts), the in-app notification's API body, and the
preferences' API body. Amounts are integer micro-units formatted by ``format_money``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.notifications.models import (
    CATEGORIES,
    Notice,
    Notification,
    Preferences,
    format_duration,
    format_money,
)


@dataclass(frozen=True, slots=True)
class Content:
    title: str  # the email's subject (after the org's name) and the in-app entry's title
    summary: str  # one sentence: the in-app entry's body and the email's first paragraph
    facts: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""


def _money(data: dict[str, Any], name: str, currency: str) -> str:
    return format_money(int(data.get(name) or 0), currency)


def _allocations(data: dict[str, Any]) -> list[str]:
    ids = data.get("allocation_ids")
    if isinstance(ids, list):
        return [str(i) for i in ids]
    return [str(data["allocation_id"])] if data.get("allocation_id") else []


def content(notice: Notice, org_name: str) -> Content:
    d = notice.data
    currency = str(d.get("currency") or "USD")
    t = notice.type
    if t == "balance.low":
        balance, threshold = _money(d, "balance_micros", currency), _money(d, "threshold_micros", currency)
        return Content(
            f"Balance below {threshold}",
            f"The balance of {org_name} is {balance}, below the warning threshold of {threshold}.",
            [("Balance", balance), ("Threshold", threshold)],
            "Top up in the console to keep your allocations running.",
        )
    if t == "allocation.expiring":
        runway = format_duration(int(d.get("runway_seconds") or 0))
        facts = [("Runway", runway)]
        if "balance_micros" in d:
            facts.append(("Balance", _money(d, "balance_micros", currency)))
        if d.get("allocation_id"):
            facts.append(("Allocation", str(d["allocation_id"])))
        return Content(
            f"About {runway} of runway left",
            f"At the current spend, the balance of {org_name} lasts about {runway}.",
            facts,
            "Top up before it runs out: allocations are released when the balance reaches zero.",
        )
    if t == "balance.depleted":
        balance = _money(d, "balance_micros", currency)
        grace = format_duration(int(d.get("grace_seconds") or 0))
        return Content(
            "Balance depleted",
            f"The balance of {org_name} is {balance}. Running allocations are released in {grace} unless you top up.",
            [("Balance", balance), ("Grace period", grace), ("Depleted at", str(d.get("depleted_at") or notice.time))],
            "Top up now to keep your allocations.",
        )
    if t == "allocation.force_released":
        ids = _allocations(d)
        return Content(
            "Allocations released: balance depleted" if len(ids) != 1 else f"Allocation {ids[0]} released",
            f"{len(ids)} allocation(s) of {org_name} were released because the balance stayed at zero past the "
            "grace period.",
            [("Allocation", i) for i in ids],
            "Top up, then create new allocations; their disks were wiped.",
        )
    if t == "allocation.failed":
        allocation = str(d.get("allocation_id") or notice.subject)
        reason = str(d.get("reason") or "unknown")
        return Content(
            f"Allocation {allocation} failed",
            f"Allocation {allocation} of {org_name} could not be started: {reason}.",
            [("Allocation", allocation), ("Reason", reason)],
            "Nothing was charged for the time it did not run. Try again, or pick another SKU.",
        )
    if t == "payment.succeeded":
        amount = format_money(abs(int(d.get("amount_micros") or 0)), currency)
        return Content(
            f"Payment received: {amount}",
            f"{amount} was added to the balance of {org_name}.",
            [("Amount", amount), ("Description", str(d.get("description") or "")), ("Date", str(d.get("at") or ""))],
            "Thank you. This email is your receipt.",
        )
    if t == "payment.refunded":
        amount = format_money(abs(int(d.get("amount_micros") or 0)), currency)
        return Content(
            f"Refund issued: {amount}",
            f"{amount} was refunded to {org_name}'s payment method and taken from its balance.",
            [("Amount", amount), ("Description", str(d.get("description") or "")), ("Date", str(d.get("at") or ""))],
            "The refund reaches your card within 5 to 10 business days.",
        )
    # webhook.disabled
    found = d.get("webhook")
    webhook: dict[str, Any] = found if isinstance(found, dict) else {}
    url = str(webhook.get("url") or "")
    why = (
        "it answered 410 Gone"
        if d.get("reason") == "gone"
        else "every delivery to it failed for 5 days"
        if d.get("reason") == "failing"
        else str(d.get("reason") or "it failed")
    )
    return Content(
        "Webhook endpoint disabled",
        f"The webhook endpoint {url} of {org_name} was disabled because {why}.",
        [
            ("Endpoint", url),
            ("Description", str(webhook.get("description") or "")),
            ("Webhook", str(webhook.get("id") or "")),
        ],
        "Fix the receiver, enable the endpoint again, then recover what it missed (POST /v1/webhooks/{id}/recover).",
    )


def notification_body(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "category": n.category,
        "event_id": n.event_id,
        "event_type": n.event_type,
        "title": n.title,
        "body": n.body,
        "data": n.data,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "read": n.read_at is not None,
    }


def preferences_body(p: Preferences) -> dict[str, Any]:
    return {
        "email": {name: p.emails(name) for name in CATEGORIES},
        "categories": [
            {"name": c.name, "title": c.title, "email": p.emails(c.name), "mandatory": c.mandatory}
            for c in CATEGORIES.values()
        ],
        "updated_at": p.updated_at,
    }
