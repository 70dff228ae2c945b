from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.audit.models import Actor
from chalicelib.core import errors
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

ACTOR = Actor(user_id="usr_a", org_id="org_a", role="member", operator=False, request_id="req")


@pytest.fixture
def world():
    clock = FakeClock()
    store = IdentityStore()
    toucher = FakeApiKeyToucher(store)
    service = IdentityService(
        FakeIdentityReader(store),
        lambda: FakeIdentityUnitOfWork(store),
        signer=FakeSigner(),
        toucher=toucher,
        clock=clock,
        access_ttl_seconds=900,
        refresh_ttl_seconds=86400,
        api_key_touch_seconds=60,
        api_key_max_ttl_days=30,
    )
    return service, store, clock, toucher


def test_a_key_is_stored_as_a_hash_and_authenticates_with_its_secret(world):
    service, store, _, toucher = world
    key, secret = service.create_api_key(ACTOR, name="ci", scopes=("read",), expires_in_days=7)
    assert secret.startswith(key.prefix + "_")
    stored = store.api_keys[key.id]
    # The secret part may itself contain "_": cut it after the prefix, not at the last underscore.
    assert secret[len(key.prefix) + 1 :] not in repr(stored) and stored.secret_hash
    found, _ = service.authenticate_api_key(secret)
    assert (found.id, found.role, found.scopes) == (key.id, "member", ("read",))
    assert toucher.touched == [key.id]


def test_expired_revoked_wrong_and_malformed_keys_are_refused(world):
    service, store, clock, _ = world
    key, secret = service.create_api_key(ACTOR, name="ci", scopes=("read",), expires_in_days=1)
    with pytest.raises(errors.InvalidTokenError):
        service.authenticate_api_key(secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    for malformed in ["", "gpk_", "gpk_x_y", secret + "x", "Bearer " + secret]:
        with pytest.raises(errors.InvalidTokenError):
            service.authenticate_api_key(malformed)
    clock.advance(timedelta(days=1, seconds=1).total_seconds())
    with pytest.raises(errors.InvalidTokenError, match="expired"):
        service.authenticate_api_key(secret)
    store.api_keys[key.id] = replace(store.api_keys[key.id], revoked_at="2026-11-26T12:00:00.000Z", expires_at=None)
    with pytest.raises(errors.InvalidTokenError, match="revoked"):
        service.authenticate_api_key(secret)


def test_key_lifetime_is_bounded_by_policy(world):
    service, _, _, _ = world
    for days in (0, 31):
        with pytest.raises(errors.ValidationFailedError):
            service.create_api_key(ACTOR, name="ci", scopes=("read",), expires_in_days=days)
    key, _ = service.create_api_key(ACTOR, name="ci", scopes=("read",), expires_in_days=None)
    assert key.expires_at is not None


def test_last_used_is_written_at_most_once_per_window(world):
    service, store, clock, toucher = world
    key, secret = service.create_api_key(ACTOR, name="ci", scopes=("read",), expires_in_days=7)
    service.authenticate_api_key(secret)
    store.api_keys[key.id] = replace(store.api_keys[key.id], last_used_at="2026-11-26T12:00:00.000Z")
    service.authenticate_api_key(secret)
    assert toucher.touched == [key.id]
    clock.advance(61)
    service.authenticate_api_key(secret)
    assert toucher.touched == [key.id, key.id]
