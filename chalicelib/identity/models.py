"""Identity: users, orgs (tenants), memberships with roles, sessions and API keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Org roles, strongest first. "operator" is not an org role: it is a platform flag on the user.
OWNER, ADMIN, MEMBER, BILLING, VIEWER = "owner", "admin", "member", "billing", "viewer"
ORG_ROLES = (OWNER, ADMIN, MEMBER, BILLING, VIEWER)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str
    created_at: str
    operator: bool = False
    default_org_id: str | None = None
    # Sessions started before this moment are dead ("sign out everywhere").
    sessions_not_before: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name}


@dataclass(frozen=True, slots=True)
class Org:
    id: str
    name: str
    slug: str
    created_at: str
    owner_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "slug": self.slug}


@dataclass(frozen=True, slots=True)
class Membership:
    org_id: str
    user_id: str
    role: str
    joined_at: str
    email: str = ""
    name: str = ""
    org_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "joined_at": self.joined_at,
        }


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """What a verified OIDC token says about its subject."""

    issuer: str
    subject: str
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class SessionFamily:
    """A chain of refresh tokens from one sign-in; reuse of a spent token kills the whole chain."""

    id: str
    user_id: str
    org_id: str
    created_at: str
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class RefreshToken:
    token_hash: str
    family_id: str
    user_id: str
    org_id: str
    expires_at: str
    used: bool = False


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: str
    org_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "user_id": self.user_id,
            "org_id": self.org_id,
        }


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    prefix: str
    name: str
    org_id: str
    created_by: str
    role: str
    scopes: tuple[str, ...]
    created_at: str
    secret_hash: str = field(repr=False, default="")
    expires_at: str | None = None
    revoked_at: str | None = None
    last_used_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "name": self.name,
            "scopes": list(self.scopes),
            "role": self.role,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "last_used_at": self.last_used_at,
        }
