"""Identity's event payloads and audit snapshots: one definition per shape.

The event payloads are contracts (events/schemas/common/{user,org,member,api_key}.json); an API
key's never carries its secret nor the secret's hash.
"""

from __future__ import annotations

from typing import Any

from chalicelib.identity.models import ApiKey, Membership, Org, User


def user_data(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name}


def org_data(org: Org) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "slug": org.slug}


def member_data(m: Membership) -> dict[str, Any]:
    """A membership beside its org id (the org is the event's subject)."""
    return {"user_id": m.user_id, "email": m.email, "name": m.name, "role": m.role, "joined_at": m.joined_at}


def member_audit(m: Membership) -> dict[str, Any]:
    return member_data(m)


def api_key_data(key: ApiKey) -> dict[str, Any]:
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


def api_key_audit(key: ApiKey) -> dict[str, Any]:
    return api_key_data(key)
