"""Response bodies of the event feed routes (doc/openapi.yaml: EventFeedPage, PublicEvent)."""

from __future__ import annotations

from typing import Any

from chalicelib.feed.models import FeedPage


def feed_page_body(page: FeedPage) -> dict[str, Any]:
    # Each item is the public event's payload exactly as a webhook delivery carries it.
    return {"items": page.events, "next_cursor": page.next_cursor}
