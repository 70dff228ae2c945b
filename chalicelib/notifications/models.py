"""Notifications: what a person is told (by email and in the console's in-app feed) when something
happens to their org's money, allocations or webhooks.

A *notice* is one public event (chalicelib/core/public_events.py) or ``webhook.disabled`` seen by
the notifications consumer; it falls in one *category*, and each category names who receives it.
Each recipient gets at most one in-app notification and one email per event, however often the
event is delivered: both are keyed by (event id, recipient).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.identity.models import ADMIN, BILLING, OWNER

NOTIFICATION_PREFIX = "ntf"
STREAM_TICKET_PREFIX = "nst_"
WEBHOOK_DISABLED = "webhook.disabled"

# Categories -----------------------------------------------------------------------------------
BALANCE_LOW = "balance_low"
BALANCE_DEPLETED = "balance_depleted"
FORCE_RELEASED = "force_released"
ALLOCATION_FAILED = "allocation_failed"
PAYMENT_RECEIPT = "payment_receipt"
PAYMENT_REFUND = "payment_refund"
WEBHOOK_DISABLED_CATEGORY = "webhook_disabled"

# Who is told: the org's members with these roles, and (``creator``) the member who created the
# allocation the notice is about.
MONEY_ROLES = frozenset({OWNER, ADMIN, BILLING})
OWNERS = frozenset({OWNER})


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    title: str  # what the preferences page calls it
    roles: frozenset[str]
    creator: bool = False
    # Money-critical: the email is sent whatever the preferences say.
    mandatory: bool = False


CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category(BALANCE_LOW, "Low balance and runway warnings", MONEY_ROLES),
        Category(BALANCE_DEPLETED, "Balance depleted", MONEY_ROLES, mandatory=True),
        Category(FORCE_RELEASED, "Allocations force-released", OWNERS, creator=True, mandatory=True),
        Category(ALLOCATION_FAILED, "Allocation failed", OWNERS, creator=True),
        Category(PAYMENT_RECEIPT, "Payment receipts", MONEY_ROLES),
        Category(PAYMENT_REFUND, "Refunds", MONEY_ROLES),
        Category(WEBHOOK_DISABLED_CATEGORY, "Webhook endpoint disabled", OWNERS),
    )
}

# The public event types (and webhook.disabled) that notify, and their category.
CATEGORY_OF_TYPE: dict[str, str] = {
    "balance.low": BALANCE_LOW,
    "allocation.expiring": BALANCE_LOW,
    "balance.depleted": BALANCE_DEPLETED,
    "allocation.force_released": FORCE_RELEASED,
    "allocation.failed": ALLOCATION_FAILED,
    "payment.succeeded": PAYMENT_RECEIPT,
    "payment.refunded": PAYMENT_REFUND,
    WEBHOOK_DISABLED: WEBHOOK_DISABLED_CATEGORY,
}


@dataclass(frozen=True, slots=True)
class Notice:
    """One event that notifies: the public event's id, type, time, org and data."""

    event_id: str
    type: str
    time: str
    org_id: str
    subject: str
    data: dict[str, Any]

    @property
    def category(self) -> Category:
        return CATEGORIES[CATEGORY_OF_TYPE[self.type]]


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: str
    email: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Notification:
    """One entry of a user's in-app feed (in one org)."""

    id: str
    user_id: str
    org_id: str
    category: str
    event_id: str
    event_type: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: str
    read_at: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    items: list[Notification]
    next_cursor: str | None
    unread_count: int


@dataclass(frozen=True, slots=True)
class Preferences:
    """Which categories a user receives by email (every category is in the in-app feed)."""

    user_id: str
    email: dict[str, bool] = field(default_factory=dict)
    version: int = 0
    updated_at: str | None = None

    def emails(self, category: str) -> bool:
        if CATEGORIES[category].mandatory:
            return True
        return self.email.get(category, True)


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    # One-click unsubscribe (RFC 8058): the List-Unsubscribe URL; None for mandatory categories.
    unsubscribe_url: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StreamTicket:
    token_hash: str
    user_id: str
    org_id: str
    expires_at: str
    used_at: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedStreamTicket:
    ticket: str
    url: str
    expires_at: str


@dataclass(frozen=True, slots=True)
class Subscriber:
    """An open WebSocket connection of a signed-in console that receives a user's notifications."""

    connection_id: str
    user_id: str
    org_id: str
    connected_at: str


def notification_id(event_id: str) -> str:
    """The in-app notification's id: from the event's (time-ordered) id, so that the feed sorts by
    time and a redelivered event finds the entry it already wrote."""
    return f"{NOTIFICATION_PREFIX}_{event_id.partition('_')[2] or event_id}"


def format_money(micros: int, currency: str = "USD") -> str:
    """Integer micro-units as currency, rounded half away from zero to cents, never through float:
    ``format_money(9_987_360) == "$9.99"``, ``format_money(-304_640) == "-$0.30"``."""
    sign = "-" if micros < 0 else ""
    cents = (abs(int(micros)) + 5_000) // 10_000
    whole, frac = divmod(cents, 100)
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency.upper())
    amount = f"{whole:,}.{frac:02d}"
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency.upper()}"


def format_duration(seconds: int) -> str:
    """A runway as people say it: ``2 h 5 min``, ``45 min``, ``30 s``."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def is_stream_ticket(ticket: str | None) -> bool:
    """A notification stream ticket, rather than a terminal ticket (``tkt_...``)."""
    return ticket is not None and ticket.startswith(STREAM_TICKET_PREFIX)
