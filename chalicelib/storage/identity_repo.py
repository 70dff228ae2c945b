"""DynamoDB side of identity: users, orgs, memberships, sessions, API keys."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import UpdateError

from chalicelib.core import errors
from chalicelib.core.page import Page
from chalicelib.identity.models import OWNER, ApiKey, Membership, Org, RefreshToken, SessionFamily, User
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import (
    ApiKeyItem,
    MembershipItem,
    OrgItem,
    RefreshTokenItem,
    SessionItem,
    TableItem,
    UniqueItem,
    UserItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork


def user_from(i: UserItem) -> User:
    return User(
        id=i.id,
        email=i.email,
        name=i.name,
        created_at=i.created_at,
        operator=bool(i.operator),
        default_org_id=i.default_org_id,
        sessions_not_before=i.sessions_not_before or "",
    )


def membership_from(i: MembershipItem) -> Membership:
    return Membership(i.org_id, i.user_id, i.role, i.joined_at, i.email or "", i.name or "", i.org_name or "")


def api_key_from(i: ApiKeyItem) -> ApiKey:
    return ApiKey(
        id=i.id,
        prefix=i.prefix,
        name=i.name,
        org_id=i.org_id,
        created_by=i.created_by,
        role=i.role,
        scopes=tuple(i.scopes or ()),
        created_at=i.created_at,
        secret_hash=i.secret_hash,
        expires_at=i.expires_at,
        revoked_at=i.revoked_at,
        last_used_at=i.last_used_at,
    )


def user_item(user: User) -> UserItem:
    pk, sk = keys.user(user.id)
    return UserItem(
        PK=pk,
        SK=sk,
        id=user.id,
        email=user.email,
        name=user.name,
        operator=user.operator,
        default_org_id=user.default_org_id,
        sessions_not_before=user.sessions_not_before,
        created_at=user.created_at,
    )


def membership_item(m: Membership) -> MembershipItem:
    pk, sk = keys.membership(m.org_id, m.user_id)
    return MembershipItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.orgs_of_user(m.user_id),
        GSI1SK=m.org_id,
        org_id=m.org_id,
        user_id=m.user_id,
        role=m.role,
        joined_at=m.joined_at,
        email=m.email,
        name=m.name,
        org_name=m.org_name,
    )


def org_item(org: Org) -> OrgItem:
    pk, sk = keys.org(org.id)
    return OrgItem(
        PK=pk, SK=sk, id=org.id, name=org.name, slug=org.slug, owner_count=org.owner_count, created_at=org.created_at
    )


def org_from(i: OrgItem) -> Org:
    return Org(i.id, i.name, i.slug, i.created_at, int(i.owner_count))


def session_item(family: SessionFamily, expires_at: str) -> SessionItem:
    pk, sk = keys.session(family.id)
    return SessionItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.sessions_of_user(family.user_id),
        GSI1SK=family.id,
        id=family.id,
        user_id=family.user_id,
        org_id=family.org_id,
        revoked=family.revoked,
        created_at=family.created_at,
        ttl=_expiry(expires_at),
    )


def session_from(i: SessionItem) -> SessionFamily:
    return SessionFamily(i.id, i.user_id, i.org_id, i.created_at, bool(i.revoked))


def refresh_token_item(token: RefreshToken) -> RefreshTokenItem:
    pk, sk = keys.refresh_token(token.token_hash)
    return RefreshTokenItem(
        PK=pk,
        SK=sk,
        family_id=token.family_id,
        user_id=token.user_id,
        org_id=token.org_id,
        expires_at=token.expires_at,
        used=token.used,
        ttl=_expiry(token.expires_at),
    )


def refresh_token_from(token_hash: str, i: RefreshTokenItem) -> RefreshToken:
    return RefreshToken(token_hash, i.family_id, i.user_id, i.org_id, i.expires_at, bool(i.used))


def api_key_item(key: ApiKey) -> ApiKeyItem:
    pk, sk = keys.api_key(key.id)
    return ApiKeyItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.api_keys_of_org(key.org_id),
        GSI1SK=key.id,
        GSI2PK=keys.api_keys_of_creator(key.org_id, key.created_by),
        GSI2SK=key.id,
        id=key.id,
        prefix=key.prefix,
        name=key.name,
        org_id=key.org_id,
        created_by=key.created_by,
        role=key.role,
        scopes=list(key.scopes),
        secret_hash=key.secret_hash,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


class DynamoIdentityReader:
    def __init__(self) -> None:
        bind_table()

    def user_for_identity(self, issuer: str, subject: str) -> str | None:
        item = get_item(UniqueItem, keys.identity_claim(issuer, subject), consistent=True)
        return item.owner_id if item else None

    def get_user(self, user_id: str) -> User | None:
        item = get_item(UserItem, keys.user(user_id), consistent=True)
        return user_from(item) if item else None

    def get_org(self, org_id: str) -> Org | None:
        i = get_item(OrgItem, keys.org(org_id), consistent=True)
        return org_from(i) if i else None

    def org_by_slug(self, slug: str) -> Org | None:
        claim = get_item(UniqueItem, keys.org_slug_claim(slug), consistent=True)
        return self.get_org(claim.owner_id) if claim else None

    def get_membership(self, org_id: str, user_id: str) -> Membership | None:
        item = get_item(MembershipItem, keys.membership(org_id, user_id), consistent=True)
        return membership_from(item) if item else None

    def list_members(self, org_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.org_partition(org_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(
            TableItem.query,
            partition,
            range_key_condition=TableItem.SK.startswith(keys.MEMBER_PREFIX),
            limit=limit,
            start_key=start,
        )
        return Page([membership_from(i) for i in items if isinstance(i, MembershipItem)], encode_cursor(last))

    def memberships_of(self, user_id: str) -> list[Membership]:
        return [
            membership_from(i)
            for i in TableItem.gsi1.query(keys.orgs_of_user(user_id))
            if isinstance(i, MembershipItem)
        ]

    def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        i = get_item(RefreshTokenItem, keys.refresh_token(token_hash), consistent=True)
        return refresh_token_from(token_hash, i) if i else None

    def get_family(self, family_id: str) -> SessionFamily | None:
        i = get_item(SessionItem, keys.session(family_id), consistent=True)
        return session_from(i) if i else None

    def get_api_key(self, key_id: str) -> ApiKey | None:
        # Eventually consistent on purpose: this is the one read on every API-key request. A key
        # revoked a moment ago may pass for the replication lag (well under a second).
        item = get_item(ApiKeyItem, keys.api_key(key_id))
        return api_key_from(item) if item else None

    def list_api_keys(self, org_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.api_keys_of_org(org_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK", "GSI1PK", "GSI1SK"), partition=("GSI1PK", partition))
        items, last = query_page(TableItem.gsi1.query, partition, limit=limit, start_key=start)
        return Page([api_key_from(i) for i in items if isinstance(i, ApiKeyItem)], encode_cursor(last))

    def api_keys_of(self, org_id: str, user_id: str) -> list[ApiKey]:
        return [
            api_key_from(i)
            for i in TableItem.gsi2.query(keys.api_keys_of_creator(org_id, user_id))
            if isinstance(i, ApiKeyItem)
        ]


class DynamoApiKeyToucher:
    def touch(self, key_id: str, at: str, older_than: str) -> None:
        pk, sk = keys.api_key(key_id)
        try:
            ApiKeyItem(PK=pk, SK=sk).update(
                actions=[ApiKeyItem.last_used_at.set(at)],
                condition=ApiKeyItem.PK.exists()
                & (ApiKeyItem.last_used_at.does_not_exist() | (ApiKeyItem.last_used_at < older_than)),
            )
        except UpdateError as exc:
            # Another request recorded a use within the window: nothing to do.
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise


class DynamoIdentityUnitOfWork(DynamoUnitOfWork):
    def add_user(self, user: User, issuer: str, subject: str) -> None:
        pk, sk = keys.identity_claim(issuer, subject)
        self.put(
            UniqueItem(PK=pk, SK=sk, owner_id=user.id),
            condition=UniqueItem.PK.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )
        self.put(user_item(user), condition=UserItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def update_user(self, before: User, after: User) -> None:
        pk, sk = keys.user(after.id)
        self.update(
            UserItem(PK=pk, SK=sk),
            [UserItem.operator.set(after.operator), UserItem.sessions_not_before.set(after.sessions_not_before)],
            condition=UserItem.PK.exists(),
            error=errors.UserNotFoundError,
        )

    def add_org(self, org: Org) -> None:
        pk, sk = keys.unique("org_slug", org.slug)
        self.put(
            UniqueItem(PK=pk, SK=sk, owner_id=org.id),
            condition=UniqueItem.PK.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )
        self.put(org_item(org), condition=OrgItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def add_membership(self, membership: Membership, *, counted: bool = False) -> None:
        self.put(
            membership_item(membership),
            condition=MembershipItem.PK.does_not_exist(),
            error=errors.MemberExistsError,
        )
        # One transaction cannot touch the org item twice: a new org is written with its count.
        if membership.role == OWNER and not counted:
            self._owner_delta(membership.org_id, +1)

    def change_role(self, before: Membership, after: Membership) -> None:
        pk, sk = keys.membership(after.org_id, after.user_id)
        self.update(
            MembershipItem(PK=pk, SK=sk),
            [MembershipItem.role.set(after.role)],
            condition=MembershipItem.role == before.role,
            error=errors.ConcurrentUpdateError,
        )
        if before.role == OWNER and after.role != OWNER:
            self._owner_delta(after.org_id, -1)
        elif after.role == OWNER and before.role != OWNER:
            self._owner_delta(after.org_id, +1)

    def remove_membership(self, membership: Membership) -> None:
        pk, sk = keys.membership(membership.org_id, membership.user_id)
        self.delete(
            MembershipItem(PK=pk, SK=sk),
            condition=MembershipItem.role == membership.role,
            error=errors.ConcurrentUpdateError,
        )
        if membership.role == OWNER:
            self._owner_delta(membership.org_id, -1)

    def _owner_delta(self, org_id: str, delta: int) -> None:
        pk, sk = keys.org(org_id)
        # Losing an owner is allowed only while another remains; the count lives on the org item,
        # so two concurrent demotions cannot both pass.
        condition = OrgItem.PK.exists() if delta > 0 else (OrgItem.owner_count > 1)
        self.update(
            OrgItem(PK=pk, SK=sk),
            [OrgItem.owner_count.add(delta)],
            condition=condition,
            error=errors.OrgNotFoundError if delta > 0 else errors.LastOwnerError,
        )

    def add_session(self, family: SessionFamily, token: RefreshToken) -> None:
        self.put(
            session_item(family, token.expires_at),
            condition=SessionItem.PK.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )
        self._put_refresh(token)

    def rotate(self, spent: RefreshToken, fresh: RefreshToken) -> None:
        pk, sk = keys.refresh_token(spent.token_hash)
        self.update(
            RefreshTokenItem(PK=pk, SK=sk),
            [RefreshTokenItem.used.set(True)],
            condition=RefreshTokenItem.used == False,  # noqa: E712 - a pynamodb condition, not a comparison
            error=errors.ConcurrentUpdateError,
        )
        fpk, fsk = keys.session(spent.family_id)
        self.check(SessionItem, (fpk, fsk), SessionItem.revoked == False, errors.InvalidTokenError)  # noqa: E712
        self._put_refresh(fresh)

    def revoke_family(self, family: SessionFamily) -> None:
        pk, sk = keys.session(family.id)
        self.update(
            SessionItem(PK=pk, SK=sk),
            [SessionItem.revoked.set(True)],
            condition=SessionItem.PK.exists(),
            error=errors.InvalidTokenError,
        )

    def add_api_key(self, key: ApiKey) -> None:
        self.put(api_key_item(key), condition=ApiKeyItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def revoke_api_key(self, key: ApiKey, at: str) -> None:
        pk, sk = keys.api_key(key.id)
        self.update(
            ApiKeyItem(PK=pk, SK=sk),
            [ApiKeyItem.revoked_at.set(at)],
            condition=ApiKeyItem.revoked_at.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )

    def _put_refresh(self, token: RefreshToken) -> None:
        condition = RefreshTokenItem.PK.does_not_exist()
        self.put(refresh_token_item(token), condition=condition, error=errors.ConcurrentUpdateError)


def _expiry(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
