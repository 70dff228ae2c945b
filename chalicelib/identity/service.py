"""Identity use cases: sign-in and sessions, orgs and members, API keys.

Sessions: a short-lived access JWT signed by the platform, and an opaque refresh token stored
only as a hash. Every refresh spends the token and issues a new one in the same family; a spent
token presented again means it leaked, so the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id, ulid
from chalicelib.core.page import Page
from chalicelib.identity.models import (
    ORG_ROLES,
    OWNER,
    ApiKey,
    Me,
    Membership,
    Org,
    RefreshToken,
    SessionFamily,
    SessionTokens,
    User,
    VerifiedIdentity,
)
from chalicelib.identity.payloads import api_key_audit, api_key_data, member_audit, member_data, org_data, user_data
from chalicelib.identity.ports import (
    AccessTokenSigner,
    ApiKeyToucher,
    IdentityReader,
    IdentityUnitOfWork,
    IdentityUnitOfWorkFactory,
)

CONTEXT = "identity"
REFRESH_PREFIX = "gpr_"
API_KEY_PREFIX = "gpk_"
_API_KEY_RE = re.compile(r"^gpk_([0-9a-z]{16})_([A-Za-z0-9_-]{43})$")
_REFRESH_RE = re.compile(r"^gpr_[A-Za-z0-9_-]{43}$")


def _event(event_type: str, subject: str, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent(type=event_type, subject=subject, data=data, context=CONTEXT)


def token_hash(secret: str) -> str:
    # The secrets are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class IdentityService:
    def __init__(
        self,
        reader: IdentityReader,
        unit_of_work: IdentityUnitOfWorkFactory,
        signer: AccessTokenSigner,
        toucher: ApiKeyToucher,
        clock: Clock,
        *,
        access_ttl_seconds: int,
        refresh_ttl_seconds: int,
        api_key_touch_seconds: int,
        api_key_max_ttl_days: int,
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._signer = signer
        self._toucher = toucher
        self._clock = clock
        self._access_ttl = access_ttl_seconds
        self._refresh_ttl = refresh_ttl_seconds
        self._touch_every = api_key_touch_seconds
        self._max_key_days = api_key_max_ttl_days

    def _now(self) -> datetime:
        return self._clock.now()

    # Sign-in and sessions -------------------------------------------------------------------

    def sign_in(self, identity: VerifiedIdentity, *, org_id: str | None = None) -> SessionTokens:
        """Exchange a verified OIDC identity for a session; the first sign-in creates the user and an org."""
        user_id = self._reader.user_for_identity(identity.issuer, identity.subject)
        user = self._reader.get_user(user_id) if user_id else None
        if user is None:
            user = self._sign_up(identity)
        membership = self._membership_for_session(user, org_id)
        return self._start_session(user, membership)

    def dev_sign_in(self, identity: VerifiedIdentity, *, org_slug: str, role: str) -> SessionTokens:
        """Local stage only: sign in as anyone, in any org (created on demand), with any role.

        ``role`` is an org role, or "operator" for the platform operator (who is also an owner of
        the org, so that the session has an org to act in like every other).
        """
        user_id = self._reader.user_for_identity(identity.issuer, identity.subject)
        user = self._reader.get_user(user_id) if user_id else None
        now = isoformat(self._now())
        uow = self._uow()
        operator = role == "operator"
        org_role = OWNER if operator else role
        if user is None:
            user = User(id=new_id("usr"), email=identity.email, name=identity.name, created_at=now, operator=operator)
            uow.add_user(user, identity.issuer, identity.subject)
            uow.emit(_event("user.created", user.id, {"user": user_data(user)}))
        elif user.operator != operator:
            updated = replace(user, operator=operator)
            uow.update_user(user, updated)
            user = updated
        org = self._reader.org_by_slug(org_slug)
        new_org = org is None
        if org is None:
            org = Org(
                id=new_id("org"), name=org_slug, slug=org_slug, created_at=now, owner_count=int(org_role == OWNER)
            )
            uow.add_org(org)
            uow.emit(_event("org.created", org.id, {"org": org_data(org), "created_by": user.id}))
        membership = self._reader.get_membership(org.id, user.id)
        wanted = Membership(org.id, user.id, org_role, now, user.email, user.name, org.name)
        if membership is None:
            uow.add_membership(wanted, counted=new_org)
            uow.emit(_event("member.added", org.id, {"org_id": org.id, "member": member_data(wanted)}))
        elif membership.role != org_role:
            wanted = replace(membership, role=org_role)
            uow.change_role(membership, wanted)
            uow.emit(
                _event(
                    "member.role_changed",
                    org.id,
                    {"org_id": org.id, "user_id": user.id, "from": membership.role, "to": org_role},
                )
            )
        else:
            wanted = membership
        uow.commit()
        return self._start_session(user, wanted)

    def refresh(self, refresh_token: str, *, org_id: str | None = None) -> SessionTokens:
        if not _REFRESH_RE.match(refresh_token or ""):
            raise errors.InvalidTokenError("The refresh token is not valid")
        token = self._reader.get_refresh_token(token_hash(refresh_token))
        now = self._now()
        if token is None or token.expires_at <= isoformat(now):
            raise errors.InvalidTokenError("The refresh token is not valid or has expired")
        family = self._reader.get_family(token.family_id)
        user = self._reader.get_user(token.user_id)
        if family is None or family.revoked or user is None or family.created_at < user.sessions_not_before:
            raise errors.InvalidTokenError("This session has been signed out")
        if token.used:
            # A spent token is back: someone holds a copy. Kill every token of the family.
            self._revoke(family, reason="refresh_token_reused")
            raise errors.InvalidTokenError("This refresh token was already used; the session has been revoked")
        membership = self._reader.get_membership(org_id or token.org_id, user.id)
        if membership is None:
            raise (
                errors.OrgNotFoundError()
                if org_id
                else errors.InvalidTokenError("You are no longer a member of this org")
            )
        fresh_secret, fresh = self._new_refresh_token(family, user.id, membership.org_id, now)
        uow = self._uow()
        uow.rotate(token, fresh)
        try:
            uow.commit()
        except errors.ConcurrentUpdateError as exc:
            # Another refresh spent the same token first: that is a reuse too.
            self._revoke(family, reason="refresh_token_reused")
            raise errors.InvalidTokenError("This refresh token was already used; the session has been revoked") from exc
        access = self._signer.sign(
            user=user,
            org_id=membership.org_id,
            role=membership.role,
            session_id=family.id,
            ttl_seconds=self._access_ttl,
        )
        return SessionTokens(access, fresh_secret, self._access_ttl, user.id, membership.org_id)

    def logout(self, *, session_id: str | None, refresh_token: str | None, user_id: str) -> None:
        family = None
        if refresh_token and _REFRESH_RE.match(refresh_token):
            token = self._reader.get_refresh_token(token_hash(refresh_token))
            family = self._reader.get_family(token.family_id) if token else None
        if family is None and session_id:
            family = self._reader.get_family(session_id)
        if family is not None and family.user_id == user_id and not family.revoked:
            self._revoke(family, reason="logout")

    def logout_everywhere(self, user_id: str, actor: Actor) -> None:
        user = self._require_user(user_id)
        now = isoformat(self._now())
        uow = self._uow()
        uow.update_user(user, replace(user, sessions_not_before=now))
        uow.emit(_event("session.revoked", user.id, {"user_id": user.id, "scope": "all", "reason": "logout_all"}))
        uow.audit(record("auth:logout", user.id, actor, now, before=None, after={"sessions_not_before": now}))
        uow.commit()

    def _sign_up(self, identity: VerifiedIdentity) -> User:
        now = isoformat(self._now())
        user = User(id=new_id("usr"), email=identity.email, name=identity.name, created_at=now)
        org = Org(
            id=new_id("org"),
            name=f"{identity.name or identity.email}'s org",
            slug=user.id,
            created_at=now,
            owner_count=1,
        )
        user = replace(user, default_org_id=org.id)
        owner = Membership(org.id, user.id, OWNER, now, user.email, user.name, org.name)
        uow = self._uow()
        uow.add_user(user, identity.issuer, identity.subject)
        uow.add_org(org)
        uow.add_membership(owner, counted=True)
        uow.emit(_event("user.created", user.id, {"user": user_data(user)}))
        uow.emit(_event("org.created", org.id, {"org": org_data(org), "created_by": user.id}))
        uow.emit(_event("member.added", org.id, {"org_id": org.id, "member": member_data(owner)}))
        uow.commit()
        return user

    def _membership_for_session(self, user: User, org_id: str | None) -> Membership:
        if org_id:
            membership = self._reader.get_membership(org_id, user.id)
            if membership is None:
                raise errors.OrgNotFoundError()
            return membership
        memberships = self._reader.memberships_of(user.id)
        if not memberships:
            raise errors.ForbiddenError("You are not a member of any org")
        preferred = [m for m in memberships if m.org_id == user.default_org_id]
        return (preferred or memberships)[0]

    def _start_session(self, user: User, membership: Membership) -> SessionTokens:
        now = self._now()
        family = SessionFamily(id=new_id("ses"), user_id=user.id, org_id=membership.org_id, created_at=isoformat(now))
        secret, token = self._new_refresh_token(family, user.id, membership.org_id, now)
        uow = self._uow()
        uow.add_session(family, token)
        uow.commit()
        access = self._signer.sign(
            user=user,
            org_id=membership.org_id,
            role=membership.role,
            session_id=family.id,
            ttl_seconds=self._access_ttl,
        )
        return SessionTokens(access, secret, self._access_ttl, user.id, membership.org_id)

    def _new_refresh_token(
        self, family: SessionFamily, user_id: str, org_id: str, now: datetime
    ) -> tuple[str, RefreshToken]:
        secret = REFRESH_PREFIX + secrets.token_urlsafe(32)
        expires = isoformat(now + timedelta(seconds=self._refresh_ttl))
        return secret, RefreshToken(token_hash(secret), family.id, user_id, org_id, expires)

    def _revoke(self, family: SessionFamily, *, reason: str) -> None:
        uow = self._uow()
        uow.revoke_family(family)
        uow.emit(
            _event("session.revoked", family.user_id, {"user_id": family.user_id, "scope": family.id, "reason": reason})
        )
        uow.commit()

    def _require_user(self, user_id: str) -> User:
        user = self._reader.get_user(user_id)
        if user is None:
            raise errors.UserNotFoundError()
        return user

    # Who am I ---------------------------------------------------------------------------------

    def me(self, user_id: str, org_id: str) -> Me:
        user = self._require_user(user_id)
        memberships = self._reader.memberships_of(user_id)
        current = next((m for m in memberships if m.org_id == org_id), None)
        if current is None:
            raise errors.ForbiddenError("You are no longer a member of this org")
        return Me(user=user, current=current, memberships=tuple(memberships))

    # Members ----------------------------------------------------------------------------------

    def list_members(self, org_id: str, limit: int, cursor: str | None) -> Page:
        return self._reader.list_members(org_id, limit, cursor)

    def add_member(self, actor: Actor, user_id: str, role: str) -> Membership:
        self._may_grant(actor, role)
        user = self._reader.get_user(user_id)
        if user is None:
            raise errors.UserNotFoundError(f"No user {user_id}; they must sign in once first")
        if self._reader.get_membership(actor.org_id, user_id) is not None:
            raise errors.MemberExistsError()
        org = self._reader.get_org(actor.org_id)
        if org is None:
            raise errors.OrgNotFoundError()
        now = isoformat(self._now())
        member = Membership(org.id, user.id, role, now, user.email, user.name, org.name)
        uow = self._uow()
        uow.add_membership(member)
        uow.emit(_event("member.added", org.id, {"org_id": org.id, "member": member_data(member)}))
        uow.audit(record("members:write", user.id, actor, now, before=None, after=member_audit(member)))
        uow.commit()
        return member

    def change_role(self, actor: Actor, user_id: str, role: str) -> Membership:
        before = self._member(actor.org_id, user_id)
        self._may_grant(actor, role)
        self._may_grant(actor, before.role)  # an admin can neither make nor unmake an owner
        if before.role == role:
            return before
        after = replace(before, role=role)
        now = isoformat(self._now())
        uow = self._uow()
        uow.change_role(before, after)
        self._revoke_keys_beyond(uow, actor, user_id, role, now)
        uow.emit(
            _event(
                "member.role_changed",
                actor.org_id,
                {"org_id": actor.org_id, "user_id": user_id, "from": before.role, "to": role},
            )
        )
        uow.audit(record("members:write", user_id, actor, now, before=member_audit(before), after=member_audit(after)))
        uow.commit()
        return after

    def remove_member(self, actor: Actor, user_id: str) -> None:
        before = self._member(actor.org_id, user_id)
        self._may_grant(actor, before.role)
        now = isoformat(self._now())
        uow = self._uow()
        uow.remove_membership(before)
        self._revoke_keys_beyond(uow, actor, user_id, None, now)
        uow.emit(
            _event("member.removed", actor.org_id, {"org_id": actor.org_id, "user_id": user_id, "role": before.role})
        )
        uow.audit(record("members:write", user_id, actor, now, before=member_audit(before), after=None))
        uow.commit()

    def _revoke_keys_beyond(
        self, uow: IdentityUnitOfWork, actor: Actor, user_id: str, role: str | None, now: str
    ) -> None:
        """A key carries its creator's role: when the creator loses that role (or the org), so does the key."""
        for key in self._reader.api_keys_of(actor.org_id, user_id):
            if key.revoked_at is None and (role is None or ORG_ROLES.index(key.role) < ORG_ROLES.index(role)):
                self._revoke_key(uow, actor, key, now)

    @staticmethod
    def _revoke_key(uow: IdentityUnitOfWork, actor: Actor, key: ApiKey, now: str) -> ApiKey:
        """The revocation, its event and its audit record, in the caller's unit of work."""
        after = replace(key, revoked_at=now)
        uow.revoke_api_key(key, now)
        uow.emit(_event("api_key.revoked", key.id, {"org_id": key.org_id, "api_key": api_key_data(after)}))
        uow.audit(record("api_keys:write", key.id, actor, now, before=api_key_audit(key), after=api_key_audit(after)))
        return after

    def _member(self, org_id: str, user_id: str) -> Membership:
        member = self._reader.get_membership(org_id, user_id)
        if member is None:
            raise errors.MemberNotFoundError()
        return member

    @staticmethod
    def _may_grant(actor: Actor, role: str) -> None:
        if role == OWNER and actor.role != OWNER:
            raise errors.ForbiddenError("Only an owner can grant or take away the owner role")

    # API keys ---------------------------------------------------------------------------------

    def create_api_key(
        self, actor: Actor, *, name: str, scopes: tuple[str, ...], expires_in_days: int | None
    ) -> tuple[ApiKey, str]:
        days = self._max_key_days if expires_in_days is None else expires_in_days
        if not 1 <= days <= self._max_key_days:
            raise errors.ValidationFailedError(f"expires_in_days must be between 1 and {self._max_key_days}")
        now = self._now()
        prefix = ulid().lower()[-16:]
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            id=f"key_{prefix}",
            prefix=f"{API_KEY_PREFIX}{prefix}",
            name=name,
            org_id=actor.org_id,
            created_by=actor.user_id,
            # A key never holds more than its creator: it carries the creator's org role.
            role=actor.role,
            scopes=scopes,
            created_at=isoformat(now),
            expires_at=isoformat(now + timedelta(days=days)),
            secret_hash=token_hash(secret),
        )
        uow = self._uow()
        uow.add_api_key(key)
        uow.emit(_event("api_key.created", key.id, {"org_id": key.org_id, "api_key": api_key_data(key)}))
        uow.audit(record("api_keys:write", key.id, actor, key.created_at, before=None, after=api_key_audit(key)))
        uow.commit()
        return key, f"{key.prefix}_{secret}"

    def list_api_keys(self, org_id: str, limit: int, cursor: str | None) -> Page:
        return self._reader.list_api_keys(org_id, limit, cursor)

    def revoke_api_key(self, actor: Actor, key_id: str) -> ApiKey:
        key = self._reader.get_api_key(key_id)
        if key is None or key.org_id != actor.org_id:
            raise errors.ApiKeyNotFoundError()
        if key.revoked_at is not None:
            return key
        uow = self._uow()
        after = self._revoke_key(uow, actor, key, isoformat(self._now()))
        uow.commit()
        return after

    def authenticate_api_key(self, presented: str) -> tuple[ApiKey, User]:
        """The key and its creator for a presented secret; one read, plus a throttled last-used write."""
        match = _API_KEY_RE.match(presented)
        if match is None:
            raise errors.InvalidTokenError("The API key is malformed")
        key = self._reader.get_api_key(f"key_{match.group(1)}")
        now = self._now()
        if key is None or not hmac.compare_digest(key.secret_hash, token_hash(match.group(2))):
            raise errors.InvalidTokenError("The API key is not valid")
        if key.revoked_at is not None:
            raise errors.InvalidTokenError("The API key has been revoked")
        if key.expires_at is not None and key.expires_at <= isoformat(now):
            raise errors.InvalidTokenError("The API key has expired")
        if key.last_used_at is None or key.last_used_at < isoformat(now - timedelta(seconds=self._touch_every)):
            self._toucher.touch(key.id, isoformat(now), isoformat(now - timedelta(seconds=self._touch_every)))
        creator = User(id=key.created_by, email="", name="", created_at=key.created_at)
        return key, creator
