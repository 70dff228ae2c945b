"""In-memory identity storage with DynamoDB's semantics: a unit of work applies all or nothing, and
each write's condition raises the same domain error as chalicelib.storage.identity_repo."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.identity.models import OWNER, ApiKey, Membership, Org, RefreshToken, SessionFamily, User
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


@dataclass
class IdentityStore(FakeStore):
    identities: dict[tuple[str, str], str] = field(default_factory=dict)  # (issuer, subject) -> user id
    users: dict[str, User] = field(default_factory=dict)
    orgs: dict[str, Org] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)  # slug -> org id
    members: dict[tuple[str, str], Membership] = field(default_factory=dict)  # (org, user)
    families: dict[str, SessionFamily] = field(default_factory=dict)
    tokens: dict[str, RefreshToken] = field(default_factory=dict)  # by hash
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    transactions: int = 0

    def event_types(self) -> list[str]:
        return [e.type for e in self.outbox]


def _page(items: list[Any], limit: int, cursor: str | None) -> Page:
    start = int(cursor) if cursor else 0
    nxt = str(start + limit) if start + limit < len(items) else None
    return Page(items[start : start + limit], nxt)


class FakeIdentityReader:
    def __init__(self, store: IdentityStore) -> None:
        self.s = store

    def user_for_identity(self, issuer: str, subject: str) -> str | None:
        return self.s.identities.get((issuer, subject))

    def get_user(self, user_id: str) -> User | None:
        return self.s.users.get(user_id)

    def get_org(self, org_id: str) -> Org | None:
        return self.s.orgs.get(org_id)

    def org_by_slug(self, slug: str) -> Org | None:
        org_id = self.s.slugs.get(slug)
        return self.s.orgs.get(org_id) if org_id else None

    def get_membership(self, org_id: str, user_id: str) -> Membership | None:
        return self.s.members.get((org_id, user_id))

    def list_members(self, org_id: str, limit: int, cursor: str | None) -> Page:
        members = [m for (o, _), m in sorted(self.s.members.items()) if o == org_id]
        return _page(members, limit, cursor)

    def memberships_of(self, user_id: str) -> list[Membership]:
        return [m for (o, u), m in sorted(self.s.members.items()) if u == user_id]

    def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        return self.s.tokens.get(token_hash)

    def get_family(self, family_id: str) -> SessionFamily | None:
        return self.s.families.get(family_id)

    def get_api_key(self, key_id: str) -> ApiKey | None:
        return self.s.api_keys.get(key_id)

    def list_api_keys(self, org_id: str, limit: int, cursor: str | None) -> Page:
        return _page(sorted((k for k in self.s.api_keys.values() if k.org_id == org_id), key=lambda k: k.id), limit,
                     cursor)  # fmt: skip

    def api_keys_of(self, org_id: str, user_id: str) -> list[ApiKey]:
        return [k for k in self.s.api_keys.values() if k.org_id == org_id and k.created_by == user_id]


class FakeApiKeyToucher:
    """Records each use it was asked to write (the real one is a conditional UpdateItem outside any
    transaction)."""

    def __init__(self, store: IdentityStore) -> None:
        self.s = store
        self.touched: list[str] = []

    def touch(self, key_id: str, at: str, older_than: str) -> None:
        self.touched.append(key_id)


class FakeSigner:
    def sign(self, *, user: User, org_id: str, role: str, session_id: str, ttl_seconds: int) -> str:
        return f"access:{user.id}:{org_id}:{role}:{session_id}"


class FakeIdentityUnitOfWork(FakeUnitOfWorkBase[IdentityStore]):
    def add_user(self, user: User, issuer: str, subject: str) -> None:
        self.ops.append(("user_new", user, issuer, subject))

    def update_user(self, before: User, after: User) -> None:
        self.ops.append(("user_update", after))

    def add_org(self, org: Org) -> None:
        self.ops.append(("org_new", org))

    def add_membership(self, membership: Membership, *, counted: bool = False) -> None:
        self.ops.append(("member_new", membership))
        if membership.role == OWNER and not counted:
            self.ops.append(("owners", membership.org_id, +1))

    def change_role(self, before: Membership, after: Membership) -> None:
        self.ops.append(("member_role", before, after))
        if before.role == OWNER and after.role != OWNER:
            self.ops.append(("owners", after.org_id, -1))
        elif after.role == OWNER and before.role != OWNER:
            self.ops.append(("owners", after.org_id, +1))

    def remove_membership(self, membership: Membership) -> None:
        self.ops.append(("member_delete", membership))
        if membership.role == OWNER:
            self.ops.append(("owners", membership.org_id, -1))

    def add_session(self, family: SessionFamily, token: RefreshToken) -> None:
        self.ops.append(("session_new", family))
        self.ops.append(("token_new", token))

    def rotate(self, spent: RefreshToken, fresh: RefreshToken) -> None:
        self.ops.append(("token_spend", spent))
        self.ops.append(("family_live", spent.family_id))
        self.ops.append(("token_new", fresh))

    def revoke_family(self, family: SessionFamily) -> None:
        self.ops.append(("family_revoke", family))

    def add_api_key(self, key: ApiKey) -> None:
        self.ops.append(("key_new", key))

    def revoke_api_key(self, key: ApiKey, at: str) -> None:
        self.ops.append(("key_revoke", key, at))

    def _apply(self, s: IdentityStore, op: Op) -> None:
        _write(s, op)


def _write(s: IdentityStore, op: Op) -> None:
    kind = op[0]
    if kind == "user_new":
        user, issuer, subject = op[1], op[2], op[3]
        if (issuer, subject) in s.identities or user.id in s.users:
            raise errors.ConcurrentUpdateError()
        s.identities[(issuer, subject)] = user.id
        s.users[user.id] = user
    elif kind == "user_update":
        after = op[1]
        current = s.users.get(after.id)
        if current is None:
            raise errors.UserNotFoundError()
        # The update writes these two fields only.
        s.users[after.id] = replace(current, operator=after.operator, sessions_not_before=after.sessions_not_before)
    elif kind == "org_new":
        org = op[1]
        if org.slug in s.slugs or org.id in s.orgs:
            raise errors.ConcurrentUpdateError()
        s.slugs[org.slug] = org.id
        s.orgs[org.id] = org
    elif kind == "member_new":
        m = op[1]
        if (m.org_id, m.user_id) in s.members:
            raise errors.MemberExistsError()
        s.members[(m.org_id, m.user_id)] = m
    elif kind == "member_role":
        before, after = op[1], op[2]
        current = s.members.get((after.org_id, after.user_id))
        if current is None or current.role != before.role:
            raise errors.ConcurrentUpdateError()
        s.members[(after.org_id, after.user_id)] = replace(current, role=after.role)
    elif kind == "member_delete":
        m = op[1]
        current = s.members.get((m.org_id, m.user_id))
        if current is None or current.role != m.role:
            raise errors.ConcurrentUpdateError()
        del s.members[(m.org_id, m.user_id)]
    elif kind == "owners":
        org_id, delta = op[1], op[2]
        org = s.orgs.get(org_id)
        if delta > 0 and org is None:
            raise errors.OrgNotFoundError()
        if delta < 0 and (org is None or org.owner_count <= 1):
            raise errors.LastOwnerError()
        s.orgs[org_id] = replace(org, owner_count=org.owner_count + delta)
    elif kind == "session_new":
        family = op[1]
        if family.id in s.families:
            raise errors.ConcurrentUpdateError()
        s.families[family.id] = family
    elif kind == "token_new":
        token = op[1]
        if token.token_hash in s.tokens:
            raise errors.ConcurrentUpdateError()
        s.tokens[token.token_hash] = token
    elif kind == "token_spend":
        spent = op[1]
        current = s.tokens.get(spent.token_hash)
        if current is None or current.used:
            raise errors.ConcurrentUpdateError()
        s.tokens[spent.token_hash] = replace(current, used=True)
    elif kind == "family_live":
        family = s.families.get(op[1])
        if family is None or family.revoked:
            raise errors.InvalidTokenError()
    elif kind == "family_revoke":
        family = op[1]
        if family.id not in s.families:
            raise errors.InvalidTokenError()
        s.families[family.id] = replace(s.families[family.id], revoked=True)
    elif kind == "key_new":
        key = op[1]
        if key.id in s.api_keys:
            raise errors.ConcurrentUpdateError()
        s.api_keys[key.id] = key
    elif kind == "key_revoke":
        key, at = op[1], op[2]
        current = s.api_keys.get(key.id)
        if current is None or current.revoked_at is not None:
            raise errors.ConcurrentUpdateError()
        s.api_keys[key.id] = replace(current, revoked_at=at)
    else:
        raise AssertionError(f"unknown write {kind}")
