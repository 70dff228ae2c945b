"""The event feed: an org's public events in order from a durable cursor, with a long-poll
(doc/webhooks.md, Event feed); operators read the platform's feed of fleet events."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.event_bodies import feed_page_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.feed.models import PLATFORM_FEED

_TYPE_LIST = r"^[a-z_*]+(\.[a-z_*]+)?(,[a-z_*]+(\.[a-z_*]+)?)*$"


class EventFeedQuery(schemas.Query):
    after: schemas.Cursor | None = None
    types: Annotated[str, Field(max_length=1000, pattern=_TYPE_LIST)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] | None = None
    wait: Annotated[int, Field(ge=0, le=600)] | None = None


def _read(ctx: RequestContext, feed: str) -> Reply:
    q: EventFeedQuery = ctx.query
    types = q.types.split(",") if q.types else None
    page = bootstrap.event_feed_service().read(feed, q.after, types, q.limit or 50, q.wait or 0)
    return Reply(feed_page_body(page))


def register(api: Api) -> None:
    @api.route("/v1/events", method="GET", action="events:read", query=EventFeedQuery)
    def list_events(ctx: RequestContext) -> Reply:
        """The org's public events after the cursor, oldest first; ``wait`` long-polls when none is new."""
        return _read(ctx, ctx.me.org_id)

    @api.route("/v1/admin/event-feed", method="GET", action="admin:event_feed:read", query=EventFeedQuery)
    def admin_list_platform_events(ctx: RequestContext) -> Reply:
        """The platform's public events (node.suspect, node.down, node.drained) after the cursor, oldest first."""
        return _read(ctx, PLATFORM_FEED)
