"""Customer webhooks: endpoints, their signing secrets and the delivery log (doc/webhooks.md)."""

from __future__ import annotations

from datetime import datetime

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import if_match_version, list_reply, page_cursor, page_limit
from chalicelib.api.webhook_bodies import delivery_body, delivery_view_body, webhook_body
from chalicelib.core import errors
from chalicelib.webhooks.models import EndpointChanges


def register(api: Api) -> None:
    @api.route("/v1/webhooks", method="POST", action="webhooks:write", body=schemas.CreateWebhookBody, idempotent=True)
    def create_webhook(ctx: RequestContext) -> Reply:
        """Create an endpoint; its signing secret is in this response only (a replay of the same
        Idempotency-Key returns the endpoint with a null secret)."""
        body: schemas.CreateWebhookBody = ctx.body
        endpoint, secret = bootstrap.webhook_service().create(
            ctx.actor, body.url, list(body.event_types), body.description, body.enabled
        )
        return Reply({**webhook_body(endpoint), "secret": None}, status=201, once={"secret": secret})

    @api.route("/v1/webhooks", method="GET", action="webhooks:read", query=schemas.PageQuery)
    def list_webhooks(ctx: RequestContext) -> Reply:
        """The org's webhook endpoints (never their secrets)."""
        page = bootstrap.webhook_service().list(ctx.me.org_id, page_limit(ctx), page_cursor(ctx))
        return list_reply([webhook_body(e) for e in page.items], page.next_cursor)

    @api.route("/v1/webhooks/{webhook_id}", method="GET", action="webhooks:read")
    def get_webhook(ctx: RequestContext, webhook_id: str) -> Reply:
        """One endpoint."""
        endpoint = bootstrap.webhook_service().get(ctx.me.org_id, webhook_id)
        return Reply(webhook_body(endpoint))

    @api.route("/v1/webhooks/{webhook_id}", method="PATCH", action="webhooks:write", body=schemas.UpdateWebhookBody)
    def update_webhook(ctx: RequestContext, webhook_id: str) -> Reply:
        """Change the URL, event types, description or enabled flag (If-Match guards lost updates).
        Enabling a disabled endpoint clears its reason and its failing clock."""
        body: schemas.UpdateWebhookBody = ctx.body
        changes = EndpointChanges(
            url=body.url,
            event_types=tuple(body.event_types) if body.event_types is not None else None,
            description=body.description,
            enabled=body.enabled,
        )
        endpoint = bootstrap.webhook_service().update(ctx.actor, webhook_id, changes, if_match_version(ctx))
        return Reply(webhook_body(endpoint))

    @api.route("/v1/webhooks/{webhook_id}", method="DELETE", action="webhooks:write")
    def delete_webhook(ctx: RequestContext, webhook_id: str) -> Reply:
        """Delete an endpoint; nothing more is sent to it."""
        bootstrap.webhook_service().delete(ctx.actor, webhook_id)
        return Reply(None, status=204)

    @api.route("/v1/webhooks/{webhook_id}/rotate", method="POST", action="webhooks:write", idempotent=True)
    def rotate_webhook_secret(ctx: RequestContext, webhook_id: str) -> Reply:
        """A new signing secret (in this response only); the old one keeps signing for 24 hours."""
        endpoint, secret = bootstrap.webhook_service().rotate(ctx.actor, webhook_id)
        return Reply({**webhook_body(endpoint), "secret": None}, once={"secret": secret})

    @api.route("/v1/webhooks/{webhook_id}/test", method="POST", action="webhooks:write", idempotent=True)
    def test_webhook(ctx: RequestContext, webhook_id: str) -> Reply:
        """Send a webhook.ping event to the endpoint now."""
        delivery = bootstrap.webhook_service().test(ctx.actor, webhook_id)
        return Reply(delivery_body(delivery), status=202)

    @api.route("/v1/webhooks/{webhook_id}/deliveries", method="GET", action="webhooks:read", query=schemas.PageQuery)
    def list_webhook_deliveries(ctx: RequestContext, webhook_id: str) -> Reply:
        """The endpoint's deliveries, newest first (30 days are kept)."""
        page = bootstrap.webhook_service().deliveries(ctx.me.org_id, webhook_id, page_limit(ctx), page_cursor(ctx))
        return list_reply([delivery_body(d) for d in page.items], page.next_cursor)

    @api.route("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}", method="GET", action="webhooks:read")
    def get_webhook_delivery(ctx: RequestContext, webhook_id: str, delivery_id: str) -> Reply:
        """One delivery with its payload and every attempt (status code, latency, first 1 KB of the response)."""
        view = bootstrap.webhook_service().delivery(ctx.me.org_id, webhook_id, delivery_id)
        return Reply(delivery_view_body(view))

    @api.route(
        "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        method="POST",
        action="webhooks:write",
        idempotent=True,
    )
    def redeliver_webhook_delivery(ctx: RequestContext, webhook_id: str, delivery_id: str) -> Reply:
        """Send a delivery again now (same webhook-id, so receivers can tell)."""
        delivery = bootstrap.webhook_service().redeliver(ctx.actor, webhook_id, delivery_id)
        return Reply(delivery_body(delivery), status=202)

    @api.route(
        "/v1/webhooks/{webhook_id}/recover",
        method="POST",
        action="webhooks:write",
        query=schemas.RecoverWebhookQuery,
        idempotent=True,
    )
    def recover_webhook(ctx: RequestContext, webhook_id: str) -> Reply:
        """Resend every delivery that failed since ``since`` (at most 14 days back)."""
        since = _moment(ctx.query.since)
        count = bootstrap.webhook_service().recover(ctx.actor, webhook_id, since)
        return Reply({"since": ctx.query.since, "deliveries": count}, status=202)


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise errors.ValidationFailedError("since is an RFC 3339 time such as 2026-12-01T00:00:00Z") from exc
