"""Identity routes: sessions, who-am-I, members, API keys and the audit trail."""

from __future__ import annotations

from dataclasses import replace

from chalicelib import bootstrap
from chalicelib.api import schemas
from chalicelib.api.identity_bodies import api_key_body, me_body, member_body, new_api_key_body, session_body
from chalicelib.api.routing import Api, Reply, RequestContext
from chalicelib.api.views import list_reply, page_cursor, page_limit
from chalicelib.audit.models import AuditQuery
from chalicelib.auth import policy
from chalicelib.core import errors


def _audit_query(q: schemas.AuditQueryParams) -> AuditQuery:
    return AuditQuery(actor=q.actor, action=q.action, target=q.target, since=q.since, until=q.until)


def register(api: Api) -> None:
    # Sessions -----------------------------------------------------------------------------

    @api.route("/v1/auth/token", method="POST", action="auth:token", body=schemas.TokenBody)
    def auth_token(ctx: RequestContext) -> Reply:
        """Exchange an OIDC token for a session, or refresh one (the refresh token rotates)."""
        body: schemas.TokenBody = ctx.body
        identity = bootstrap.identity_service()
        if body.grant_type == schemas.TOKEN_EXCHANGE:
            from chalicelib.auth.tokens import verify_oidc_token

            tokens = identity.sign_in(verify_oidc_token(body.subject_token or ""), org_id=body.org_id)
        else:
            tokens = identity.refresh(body.refresh_token or "", org_id=body.org_id)
        return Reply(session_body(tokens), headers={"Cache-Control": "no-store"})

    @api.route("/v1/auth/jwks.json", method="GET", action="auth:keys")
    def auth_jwks(ctx: RequestContext) -> Reply:
        """Public keys that verify GPUaaS access tokens."""
        return Reply(bootstrap.session_tokens().jwks())

    @api.route("/v1/auth/logout", method="POST", action="auth:logout", body=schemas.LogoutBody)
    def auth_logout(ctx: RequestContext) -> Reply:
        """End this session: its refresh tokens stop working."""
        me = ctx.me
        bootstrap.identity_service().logout(
            session_id=me.session_id, refresh_token=ctx.body.refresh_token, user_id=me.user_id
        )
        return Reply(None, status=204)

    @api.route("/v1/auth/logout-all", method="POST", action="auth:logout")
    def auth_logout_all(ctx: RequestContext) -> Reply:
        """Sign out everywhere: every session of this user stops refreshing."""
        bootstrap.identity_service().logout_everywhere(ctx.me.user_id, ctx.actor)
        return Reply(None, status=204)

    @api.route("/v1/me", method="GET", action="me:read")
    def me(ctx: RequestContext) -> Reply:
        """The caller, the org this request acts in, and their other orgs."""
        p = ctx.me
        body = me_body(bootstrap.identity_service().me(p.user_id, p.org_id))
        body["auth"] = p.via
        if p.api_key_id:
            # An API key acts with the role and scopes it was given, never more.
            body["role"], body["operator"], body["api_key_id"] = p.role, False, p.api_key_id
        return Reply(body)

    # Members ------------------------------------------------------------------------------

    @api.route("/v1/members", method="GET", action="members:read", query=schemas.PageQuery)
    def list_members(ctx: RequestContext) -> Reply:
        """Members of the org and their roles."""
        page = bootstrap.identity_service().list_members(ctx.me.org_id, page_limit(ctx), page_cursor(ctx))
        return list_reply([member_body(m) for m in page.items], page.next_cursor)

    @api.route("/v1/members", method="POST", action="members:write", body=schemas.AddMemberBody, idempotent=True)
    def add_member(ctx: RequestContext) -> Reply:
        """Add a user (who has signed in once) to the org with a role."""
        member = bootstrap.identity_service().add_member(ctx.actor, ctx.body.user_id, ctx.body.role)
        return Reply(member_body(member), status=201)

    @api.route("/v1/members/{user_id}", method="PATCH", action="members:write", body=schemas.ChangeRoleBody)
    def change_member_role(ctx: RequestContext, user_id: str) -> Reply:
        """Change a member's role (the last owner cannot be demoted)."""
        member = bootstrap.identity_service().change_role(ctx.actor, user_id, ctx.body.role)
        return Reply(member_body(member))

    @api.route("/v1/members/{user_id}", method="DELETE", action="members:write")
    def remove_member(ctx: RequestContext, user_id: str) -> Reply:
        """Remove a member (the last owner cannot be removed); their API keys are revoked."""
        bootstrap.identity_service().remove_member(ctx.actor, user_id)
        return Reply(None, status=204)

    # API keys -----------------------------------------------------------------------------

    @api.route("/v1/api-keys", method="GET", action="api_keys:read", query=schemas.PageQuery)
    def list_api_keys(ctx: RequestContext) -> Reply:
        """The org's API keys (never their secrets)."""
        page = bootstrap.identity_service().list_api_keys(ctx.me.org_id, page_limit(ctx), page_cursor(ctx))
        return list_reply([api_key_body(k) for k in page.items], page.next_cursor)

    # Not idempotent on purpose: a replayed answer would have to be stored, and the secret must
    # exist nowhere but in this one response. A client that lost the response revokes and retries.
    @api.route("/v1/api-keys", method="POST", action="api_keys:write", body=schemas.CreateApiKeyBody)
    def create_api_key(ctx: RequestContext) -> Reply:
        """Create an API key; the secret is in this response and nowhere else, ever."""
        body: schemas.CreateApiKeyBody = ctx.body
        bad = [s for s in body.scopes if not policy.valid_scope(s)]
        if bad:
            raise errors.ValidationFailedError(f"Unknown or session-only scopes: {', '.join(bad)}")
        key, secret = bootstrap.identity_service().create_api_key(
            ctx.actor, name=body.name, scopes=tuple(dict.fromkeys(body.scopes)), expires_in_days=body.expires_in_days
        )
        return Reply(new_api_key_body(key, secret), status=201, headers={"Cache-Control": "no-store"})

    @api.route("/v1/api-keys/{key_id}/revoke", method="POST", action="api_keys:write")
    def revoke_api_key(ctx: RequestContext, key_id: str) -> Reply:
        """Revoke an API key: it stops working at once."""
        key = bootstrap.identity_service().revoke_api_key(ctx.actor, key_id)
        return Reply(api_key_body(key))

    # Audit --------------------------------------------------------------------------------

    @api.route("/v1/audit", method="GET", action="audit:read", query=schemas.AuditQueryParams)
    def list_audit(ctx: RequestContext) -> Reply:
        """The org's audit trail, newest first."""
        query = _audit_query(ctx.query)
        page = bootstrap.audit_service().org_trail(ctx.me.org_id, query, page_limit(ctx), page_cursor(ctx))
        return list_reply(page.items, page.next_cursor)

    @api.route("/v1/admin/audit", method="GET", action="admin:audit:read", query=schemas.AdminAuditQueryParams)
    def admin_list_audit(ctx: RequestContext) -> Reply:
        """The platform's audit trail (every org), newest first; filter by org_id."""
        q: schemas.AdminAuditQueryParams = ctx.query
        query = replace(_audit_query(q), org_id=q.org_id)
        page = bootstrap.audit_service().platform_trail(query, page_limit(ctx), page_cursor(ctx))
        return list_reply(page.items, page.next_cursor)
