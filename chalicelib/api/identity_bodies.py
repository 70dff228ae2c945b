"""Identity's API response bodies (doc/openapi.yaml): sessions, who-am-I, members, API keys."""

from __future__ import annotations

from typing import Any

from chalicelib.identity.models import ApiKey, Me, Membership, SessionTokens, User


def session_body(tokens: SessionTokens) -> dict[str, Any]:
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "user_id": tokens.user_id,
        "org_id": tokens.org_id,
    }


def user_body(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name}


def me_body(me: Me) -> dict[str, Any]:
    return {
        "user": user_body(me.user),
        "org": {"id": me.current.org_id, "name": me.current.org_name},
        "role": me.current.role,
        "operator": me.user.operator,
        "orgs": [{"id": m.org_id, "name": m.org_name, "role": m.role} for m in me.memberships],
    }


def member_body(m: Membership) -> dict[str, Any]:
    return {"user_id": m.user_id, "email": m.email, "name": m.name, "role": m.role, "joined_at": m.joined_at}


def api_key_body(key: ApiKey) -> dict[str, Any]:
    """Never the secret nor its hash: the secret exists only in the response that created it."""
    return {
        "id": key.id,
        "prefix": key.prefix,
        "name": key.name,
        "scopes": list(key.scopes),
        "role": key.role,
        "created_by": key.created_by,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


def new_api_key_body(key: ApiKey, secret: str) -> dict[str, Any]:
    return {**api_key_body(key), "secret": secret}
