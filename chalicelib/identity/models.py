"""Identity: users, orgs (tenants), memberships with roles, sessions and API keys."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True)
class Org:
    id: str
    name: str
    slug: str
    created_at: str
    owner_count: int = 0


@dataclass(frozen=True, slots=True)
class Membership:
    org_id: str
    user_id: str
    role: str
    joined_at: str
    email: str = ""
    name: str = ""
    org_name: str = ""


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


@dataclass(frozen=True, slots=True)
class Me:
    """Who is asking: the user, the membership the request acts in, and every org they belong to."""

    user: User
    current: Membership
    memberships: tuple[Membership, ...]
