"""Session rules of the identity service, over the in-memory identity fakes."""

from __future__ import annotations

import pytest

from chalicelib.core import errors
from chalicelib.identity.models import VerifiedIdentity
from chalicelib.identity.service import IdentityService
from tests.fakes.clock import FakeClock
from tests.fakes.identity import (
    FakeApiKeyToucher,
    FakeIdentityReader,
    FakeIdentityUnitOfWork,
    FakeSigner,
    IdentityStore,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def world():
    store, clock = IdentityStore(), FakeClock()
    service = IdentityService(
        FakeIdentityReader(store),
        lambda: FakeIdentityUnitOfWork(store),
        FakeSigner(),
        toucher=FakeApiKeyToucher(store),
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
    assert store.event_types()[:3] == ["user.created", "org.created", "member.added"]
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
    assert "session.revoked" in store.event_types()


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
