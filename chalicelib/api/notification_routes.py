"""Notifications: the signed-in user's in-app feed, email preferences, the live stream's ticket,
and the unauthenticated unsubscribe link of every email."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.notification_bodies import feed_body, stream_ticket_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import page_cursor, page_limit
from chalicelib.notifications.payloads import notification_body, preferences_body


def register(api: Api) -> None:
    @api.route("/v1/notifications", method="GET", action="notifications:read", query=schemas.PageQuery)
    def list_notifications(ctx: RequestContext) -> Reply:
        """Your in-app notifications in this org, newest first, with how many are unread."""
        me = ctx.me
        feed = bootstrap.notification_service().feed(me.org_id, me.user_id, page_limit(ctx), page_cursor(ctx))
        return Reply(feed_body(feed))

    @api.route("/v1/notifications/read-all", method="POST", action="notifications:write")
    def read_all_notifications(ctx: RequestContext) -> Reply:
        """Mark every notification of yours in this org read."""
        me = ctx.me
        marked = bootstrap.notification_service().mark_all_read(me.org_id, me.user_id)
        return Reply({"marked": marked, "unread_count": 0})

    @api.route("/v1/notifications/{notification_id}/read", method="POST", action="notifications:write")
    def read_notification(ctx: RequestContext, notification_id: str) -> Reply:
        """Mark one notification read (again is a no-op)."""
        me = ctx.me
        found = bootstrap.notification_service().mark_read(me.org_id, me.user_id, notification_id)
        return Reply(notification_body(found))

    # Not idempotent on purpose: the ticket's secret exists only in this response.
    @api.route("/v1/notifications/stream-ticket", method="POST", action="notifications:read")
    def notification_stream_ticket(ctx: RequestContext) -> Reply:
        """A one-time ticket (valid for a minute) to receive your new notifications over the WebSocket API."""
        me = ctx.me
        issued = bootstrap.notification_service().open_stream(me.org_id, me.user_id)
        return Reply(stream_ticket_body(issued), status=201, headers={"Cache-Control": "no-store"})

    @api.route("/v1/me/notifications/preferences", method="GET", action="notifications:read")
    def get_notification_preferences(ctx: RequestContext) -> Reply:
        """Which notification categories you receive by email."""
        return Reply(preferences_body(bootstrap.notification_service().preferences(ctx.me.user_id)))

    @api.route(
        "/v1/me/notifications/preferences",
        method="PUT",
        action="notifications:write",
        body=schemas.NotificationPreferencesBody,
    )
    def put_notification_preferences(ctx: RequestContext) -> Reply:
        """Turn categories on or off by email; money-critical ones cannot be turned off."""
        body: schemas.NotificationPreferencesBody = ctx.body
        return Reply(preferences_body(bootstrap.notification_service().set_preferences(ctx.actor, body.email)))

    @api.route(
        "/v1/notifications/unsubscribe",
        method="GET",
        action="notifications:unsubscribe",
        query=schemas.UnsubscribeQuery,
    )
    def unsubscribe_link(ctx: RequestContext) -> Reply:
        """The link in an email: turns the token's category off for its user, without signing in."""
        _, category = bootstrap.notification_service().unsubscribe(ctx.query.token)
        return Reply({"category": category, "email": False})

    @api.route(
        "/v1/notifications/unsubscribe",
        method="POST",
        action="notifications:unsubscribe",
        query=schemas.UnsubscribeQuery,
        takes_raw_body=True,
    )
    def unsubscribe(ctx: RequestContext) -> Reply:
        """One-click unsubscribe (RFC 8058): turns the token's category off for its user, without signing in."""
        _, category = bootstrap.notification_service().unsubscribe(ctx.query.token)
        return Reply({"category": category, "email": False})
