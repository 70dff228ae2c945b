"""Notifications' API bodies (doc/openapi.yaml NotificationList, NotificationPreferences, ...)."""

from __future__ import annotations

from typing import Any

from chalicelib.notifications.models import Feed, IssuedStreamTicket
from chalicelib.notifications.payloads import notification_body


def feed_body(feed: Feed) -> dict[str, Any]:
    return {
        "items": [notification_body(n) for n in feed.items],
        "next_cursor": feed.next_cursor,
        "unread_count": feed.unread_count,
    }


def stream_ticket_body(issued: IssuedStreamTicket) -> dict[str, Any]:
    return {"ticket": issued.ticket, "url": issued.url, "expires_at": issued.expires_at}
