"""Identity use cases over the in-memory fakes: who-am-I, members and their roles, the last owner,
API keys that follow their creator's role."""

from __future__ import annotations

import pytest

from chalicelib.audit.models import Actor
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


def person(name: str) -> VerifiedIdentity:
    return VerifiedIdentity(issuer="https://idp.example", subject=name, email=f"{name}@example.com", name=name)


class World:
    def __init__(self) -> None:
        self.store = IdentityStore()
        self.clock = FakeClock()
        self.service = IdentityService(
            FakeIdentityReader(self.store),
            lambda: FakeIdentityUnitOfWork(self.store),
            FakeSigner(),
            FakeApiKeyToucher(self.store),
            self.clock,
            access_ttl_seconds=900,
            refresh_ttl_seconds=3600,
            api_key_touch_seconds=60,
            api_key_max_ttl_days=30,
        )
        owner = self.service.sign_in(person("olga"))
        self.org_id = owner.org_id
        self.owner = Actor(owner.user_id, owner.org_id, "owner", False, "req")
        self.bob = self.service.sign_in(person("bob")).user_id

    def actor(self, user_id: str, role: str) -> Actor:
        return Actor(user_id, self.org_id, role, False, "req")


@pytest.fixture
def world() -> World:
    return World()


def test_me_names_the_org_the_request_acts_in_and_every_other(world):
    world.service.add_member(world.owner, world.bob, "member")
    me = world.service.me(world.bob, world.org_id)
    assert me.user.id == world.bob and me.current.org_id == world.org_id and me.current.role == "member"
    assert sorted(m.role for m in me.memberships) == ["member", "owner"]  # his own org, and Olga's
    with pytest.raises(errors.ForbiddenError):
        world.service.me(world.bob, "org_other")
    with pytest.raises(errors.UserNotFoundError):
        world.service.me("usr_nobody", world.org_id)


def test_adding_a_member_writes_the_membership_its_event_and_its_audit_record(world):
    member = world.service.add_member(world.owner, world.bob, "admin")
    assert world.store.members[(world.org_id, world.bob)] == member
    event = world.store.outbox[-1]
    assert event.type == "member.added"
    assert event.data == {
        "org_id": world.org_id,
        "member": {"user_id": world.bob, "email": "bob@example.com", "name": "bob", "role": "admin",
                   "joined_at": member.joined_at},
    }  # fmt: skip
    (record,) = world.store.audit
    assert record.action == "members:write" and record.before is None and record.after == event.data["member"]
    with pytest.raises(errors.MemberExistsError):
        world.service.add_member(world.owner, world.bob, "viewer")
    with pytest.raises(errors.UserNotFoundError):
        world.service.add_member(world.owner, "usr_never_signed_in", "viewer")


def test_only_an_owner_grants_or_takes_the_owner_role(world):
    world.service.add_member(world.owner, world.bob, "admin")
    admin = world.actor(world.bob, "admin")
    with pytest.raises(errors.ForbiddenError):
        world.service.change_role(admin, world.owner.user_id, "member")
    with pytest.raises(errors.ForbiddenError):
        world.service.add_member(admin, world.service.sign_in(person("carol")).user_id, "owner")


def test_the_last_owner_can_neither_leave_nor_be_demoted(world):
    with pytest.raises(errors.LastOwnerError):
        world.service.change_role(world.owner, world.owner.user_id, "admin")
    with pytest.raises(errors.LastOwnerError):
        world.service.remove_member(world.owner, world.owner.user_id)
    assert world.store.members[(world.org_id, world.owner.user_id)].role == "owner"
    world.service.add_member(world.owner, world.bob, "owner")
    assert world.store.orgs[world.org_id].owner_count == 2
    world.service.change_role(world.owner, world.owner.user_id, "admin")  # another owner remains
    assert world.store.orgs[world.org_id].owner_count == 1


def test_a_member_who_loses_a_role_loses_the_keys_that_carry_it(world):
    world.service.add_member(world.owner, world.bob, "admin")
    bob = world.actor(world.bob, "admin")
    key, _ = world.service.create_api_key(bob, name="ci", scopes=("read",), expires_in_days=7)
    world.service.change_role(world.owner, world.bob, "admin")  # no change: nothing happens
    assert world.store.api_keys[key.id].revoked_at is None
    world.service.change_role(world.owner, world.bob, "viewer")
    assert world.store.api_keys[key.id].revoked_at is not None
    assert world.store.event_types()[-2:] == ["api_key.revoked", "member.role_changed"]


def test_a_removed_member_loses_every_key(world):
    world.service.add_member(world.owner, world.bob, "member")
    bob = world.actor(world.bob, "member")
    keys = [world.service.create_api_key(bob, name=n, scopes=("read",), expires_in_days=7)[0] for n in "ab"]
    world.service.remove_member(world.owner, world.bob)
    assert all(world.store.api_keys[k.id].revoked_at is not None for k in keys)
    assert (world.org_id, world.bob) not in world.store.members
    assert world.store.event_types()[-1] == "member.removed"


def test_revoking_a_key_is_once_and_only_within_its_org(world):
    key, secret = world.service.create_api_key(world.owner, name="ci", scopes=("read",), expires_in_days=7)
    created = world.store.outbox[-1]
    assert created.type == "api_key.created" and "secret_hash" not in created.data["api_key"]
    assert secret not in repr(world.store.state())
    outsider = Actor(world.bob, "org_other", "owner", False, "req")
    with pytest.raises(errors.ApiKeyNotFoundError):
        world.service.revoke_api_key(outsider, key.id)
    revoked = world.service.revoke_api_key(world.owner, key.id)
    assert world.service.revoke_api_key(world.owner, key.id) == revoked  # again: nothing new
    assert world.store.event_types().count("api_key.revoked") == 1
    assert [k.id for k in world.service.list_api_keys(world.org_id, 10, None).items] == [key.id]


def test_a_refused_unit_of_work_leaves_no_trace(world):
    before = world.store.state()
    uow = FakeIdentityUnitOfWork(world.store)
    uow.add_org(world.store.orgs[world.org_id])  # the slug is taken
    uow.emit(world.store.outbox[0])
    with pytest.raises(errors.ConcurrentUpdateError):
        uow.commit()
    assert world.store.state() == before
