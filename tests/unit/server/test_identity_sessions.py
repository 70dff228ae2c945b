"""Session rules of the identity service, over an in-memory store with the same conditions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import errors
from chalicelib.identity.models import VerifiedIdentity
from chalicelib.identity.service import IdentityService
from tests.fakes.clock import FakeClock

pytestmark = pytest.mark.unit


class Store:
    def __init__(self) -> None:
        self.identities: dict = {}
        self.users: dict = {}
        self.orgs: dict = {}
        self.members: dict = {}
        self.families: dict = {}
        self.tokens: dict = {}
        self.events: list = []

    # reader
    def user_for_identity(self, issuer, subject):
        return self.identities.get((issuer, subject))

    def get_user(self, user_id):
        return self.users.get(user_id)

    def get_org(self, org_id):
        return self.orgs.get(org_id)

    def get_membership(self, org_id, user_id):
        return self.members.get((org_id, user_id))

    def memberships_of(self, user_id):
        return [m for (_, u), m in self.members.items() if u == user_id]

    def get_refresh_token(self, token_hash):
        return self.tokens.get(token_hash)

    def get_family(self, family_id):
        return self.families.get(family_id)


class Uow:
    """Applies all writes at commit, checking the same conditions DynamoDB would."""

    def __init__(self, s: Store) -> None:
        self.s = s
        self.ops: list = []

    def add_user(self, user, issuer, subject):
        self.ops.append(
            lambda: (self.s.identities.__setitem__((issuer, subject), user.id), self.s.users.__setitem__(user.id, user))
        )

    def update_user(self, before, after):
        self.ops.append(lambda: self.s.users.__setitem__(after.id, after))

    def add_org(self, org):
        self.ops.append(lambda: self.s.orgs.__setitem__(org.id, org))

    def add_membership(self, m, *, counted=False):
        self.ops.append(lambda: self.s.members.__setitem__((m.org_id, m.user_id), m))

    def add_session(self, family, token):
        self.ops.append(
            lambda: (self.s.families.__setitem__(family.id, family), self.s.tokens.__setitem__(token.token_hash, token))
        )

    def rotate(self, spent, fresh):
        def apply():
            current = self.s.tokens[spent.token_hash]
            if current.used:
                raise errors.ConcurrentUpdateError()
            if self.s.families[spent.family_id].revoked:
                raise errors.InvalidTokenError()
            self.s.tokens[spent.token_hash] = replace(current, used=True)
            self.s.tokens[fresh.token_hash] = fresh

        self.ops.append(apply)

    def revoke_family(self, family):
        self.ops.append(lambda: self.s.families.__setitem__(family.id, replace(family, revoked=True)))

    def emit(self, event):
        self.ops.append(lambda: self.s.events.append(event.type))

    def audit(self, entry):
        pass

    def commit(self):
        for op in self.ops:
            op()


class Signer:
    def sign(self, *, user, org_id, role, session_id, ttl_seconds):
        return f"access:{user.id}:{org_id}:{role}:{session_id}"


@pytest.fixture
def world():
    store, clock = Store(), FakeClock()
    service = IdentityService(
        store,
        lambda: Uow(store),
        Signer(),
        toucher=None,
        clock=clock,
        access_ttl_seconds=900,
        refresh_ttl_seconds=3600,
        api_key_touch_seconds=60,
        api_key_max_ttl_days=30,
    )
    return service, store, clock


ALICE = VerifiedIdentity(issuer="https://idp.example", subject="alice-1", email="alice@example.com", name="Alice")


def test_first_sign_in_creates_user_org_and_ownership_once(world):
    service, store, _ = world
    first = service.sign_in(ALICE)
    assert store.members[(first.org_id, first.user_id)].role == "owner"
    assert store.events[:3] == ["user.created", "org.created", "member.added"]
    second = service.sign_in(ALICE)
    assert (second.user_id, second.org_id) == (first.user_id, first.org_id)
    assert len(store.users) == 1 and len(store.orgs) == 1


def test_refresh_rotates_and_replay_kills_the_family(world):
    service, store, _ = world
    session = service.sign_in(ALICE)
    rotated = service.refresh(session.refresh_token)
    assert rotated.refresh_token != session.refresh_token
    with pytest.raises(errors.InvalidTokenError, match="already used"):
        service.refresh(session.refresh_token)
    with pytest.raises(errors.InvalidTokenError):
        service.refresh(rotated.refresh_token)
    assert "session.revoked" in store.events


def test_expired_and_malformed_refresh_tokens_are_refused(world):
    service, _, clock = world
    session = service.sign_in(ALICE)
    for bad in ["", "gpr_short", session.refresh_token + "x"]:
        with pytest.raises(errors.InvalidTokenError):
            service.refresh(bad)
    clock.advance(3601)
    with pytest.raises(errors.InvalidTokenError, match="expired"):
        service.refresh(session.refresh_token)


def test_sign_out_everywhere_ends_every_session(world):
    service, _, clock = world
    one, two = service.sign_in(ALICE), service.sign_in(ALICE)
    clock.advance(1)
    from chalicelib.audit.models import Actor

    service.logout_everywhere(one.user_id, Actor(one.user_id, one.org_id, "owner", False, "req"))
    for session in (one, two):
        with pytest.raises(errors.InvalidTokenError, match="signed out"):
            service.refresh(session.refresh_token)
    clock.advance(1)
    fresh = service.sign_in(ALICE)
    assert service.refresh(fresh.refresh_token).user_id == one.user_id


def test_a_removed_member_cannot_refresh_into_the_org(world):
    service, store, _ = world
    session = service.sign_in(ALICE)
    del store.members[(session.org_id, session.user_id)]
    with pytest.raises(errors.InvalidTokenError, match="no longer a member"):
        service.refresh(session.refresh_token)
