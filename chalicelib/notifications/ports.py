"""What the notifications context needs from the rest of the platform (bootstrap wires them)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.notifications.models import (
    Email,
    Feed,
    Notification,
    Preferences,
    Recipient,
    StreamTicket,
    Subscriber,
)


class OrgDirectory(Protocol):
    """The org's name and its members, with their roles and email addresses (identity serves it)."""

    def org_name(self, org_id: str) -> str | None: ...

    def members(self, org_id: str) -> list[Recipient]: ...


class NotificationStore(Protocol):
    """Feeds, preferences, email claims, stream tickets and subscribers. Each method is one
    DynamoDB request or one transaction."""

    def add(self, notification: Notification) -> bool:
        """Write the entry and count it unread; False (and nothing written) when it exists."""
        ...

    def feed(self, org_id: str, user_id: str, limit: int, cursor: str | None) -> Feed: ...

    def get(self, org_id: str, user_id: str, notification_id: str) -> Notification | None: ...

    def mark_read(self, notification: Notification, at: str) -> bool:
        """Mark it read and count it down; False when it was already read."""
        ...

    def unread(self, org_id: str, user_id: str, limit: int) -> list[Notification]: ...

    def mark_all_read(self, notifications: list[Notification], at: str) -> int: ...

    def preferences(self, user_id: str) -> Preferences: ...

    def save_preferences(self, before: Preferences, after: Preferences, audit: AuditRecord | None) -> None:
        """Conditional on ``before.version``; raises ConcurrentUpdateError when it moved."""
        ...

    def claim_email(self, event_id: str, user_id: str, at: str) -> bool:
        """Claim the email of (event, user); False when it was sent (or is being sent) already."""
        ...

    def email_sent(self, event_id: str, user_id: str, at: str, message_id: str) -> None: ...

    def release_email(self, event_id: str, user_id: str) -> None:
        """Give the claim back after a failed send, so that the redelivery sends it."""
        ...

    def add_ticket(self, ticket: StreamTicket) -> None: ...

    def consume_ticket(self, token_hash: str, at: str) -> StreamTicket | None:
        """The ticket, now used; None when it is unknown, expired or used already."""
        ...

    def add_subscriber(self, subscriber: Subscriber) -> None: ...

    def subscribers(self, user_id: str, org_id: str) -> list[Subscriber]: ...

    def remove_subscriber(self, connection_id: str) -> bool: ...


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Send it; returns the provider's message id."""
        ...


class Connections(Protocol):
    """The WebSocket API's @connections API."""

    def post(self, connection_id: str, data: str) -> bool:
        """False when the connection is gone."""
        ...


class UnsubscribeSigner(Protocol):
    def sign(self, user_id: str, category: str) -> str: ...

    def verify(self, token: str) -> tuple[str, str]:
        """(user_id, category); raises UnsubscribeTokenInvalidError."""
        ...
