"""Health, the event history, and (local stage only) the development OIDC issuer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.identity_bodies import session_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import list_reply, page_cursor, page_limit
from chalicelib.core.settings import get_settings


class EventsQuery(schemas.PageQuery):
    subject: Annotated[str, Field(pattern=r"^[a-z_]+_[0-9a-z]{26}$")]


def register(api: Api) -> None:
    @api.route("/v1/health", method="GET", action="health:read")
    def health(ctx: RequestContext) -> Reply:
        """Liveness: the API answers (it does not touch DynamoDB, so it stays cheap)."""
        return Reply({"status": "ok", "stage": get_settings().stage})

    @api.route("/v1/admin/events", method="GET", action="admin:events:read", query=EventsQuery)
    def admin_list_events(ctx: RequestContext) -> Reply:
        """Delivered events about one resource, oldest first."""
        page = bootstrap.event_log_service().history(ctx.query.subject, page_limit(ctx), page_cursor(ctx))
        return list_reply(page.items, page.next_cursor)


def register_dev_issuer(api: Api) -> None:
    """Only in the local stage: the routes do not exist anywhere else."""
    from chalicelib.auth import dev_issuer

    @api.route("/v1/dev/.well-known/openid-configuration", method="GET", action="dev:issuer")
    def dev_discovery(ctx: RequestContext) -> Reply:
        """OIDC discovery document of the local development issuer."""
        return Reply(dev_issuer.discovery())

    @api.route("/v1/dev/.well-known/jwks.json", method="GET", action="dev:issuer")
    def dev_jwks(ctx: RequestContext) -> Reply:
        """Public keys of the local development issuer."""
        return Reply(dev_issuer.jwks())

    @api.route("/v1/dev/token", method="POST", action="dev:token", body=schemas.DevTokenBody)
    def dev_token(ctx: RequestContext) -> Reply:
        """Sign in as any user, in any org (created on demand), with any role (local stage only).

        Returns a real GPUaaS session plus the dev issuer's OIDC ID token for the same user, which
        `POST /v1/auth/token` accepts like any configured issuer's.
        """
        body: schemas.DevTokenBody = ctx.body
        tokens = bootstrap.identity_service().dev_sign_in(
            dev_issuer.dev_identity(body.user), org_slug=body.org, role=body.role
        )
        id_token = dev_issuer.issue_id_token(body.user, bootstrap.clock)
        return Reply({**session_body(tokens), "id_token": id_token}, headers={"Cache-Control": "no-store"})
