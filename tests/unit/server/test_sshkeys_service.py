"""SSH key use cases over the in-memory fakes: one key per fingerprint and user, events, deletes."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.sshkeys.service import SshKeyService
from tests.fakes.clock import FakeClock
from tests.fakes.sshkeys import FakeSshKeyReader, FakeSshKeyUnitOfWork, SshKeyStore

pytestmark = pytest.mark.unit

ALICE = Actor(user_id="usr_alice", org_id="org_1", role="member", operator=False, request_id="req")
BOB = Actor(user_id="usr_bob", org_id="org_1", role="member", operator=False, request_id="req")


def public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.fixture
def world() -> tuple[SshKeyService, SshKeyStore]:
    store = SshKeyStore()
    service = SshKeyService(
        FakeSshKeyReader(store), lambda: FakeSshKeyUnitOfWork(store), FakeClock(), rsa_min_bits=2048
    )
    return service, store


def test_a_key_is_added_with_its_event_and_listed_for_its_owner_only(world):
    service, store = world
    key = service.add(ALICE, "laptop", public_key() + " alice@laptop")
    assert key.comment == "alice@laptop" and key.fingerprint.startswith("SHA256:")
    assert [k.id for k in service.list(ALICE.user_id, 10, None).items] == [key.id]
    assert service.list(BOB.user_id, 10, None).items == []
    (event,) = store.outbox
    assert event.type == "ssh_key.added" and event.subject == key.id
    assert event.data == {
        "user_id": ALICE.user_id,
        "ssh_key": {
            "id": key.id,
            "name": "laptop",
            "type": "ssh-ed25519",
            "public_key": key.public_key,
            "comment": "alice@laptop",
            "fingerprint": key.fingerprint,
            "created_at": key.created_at,
        },
    }


def test_the_same_key_twice_is_refused_for_one_user_and_writes_nothing(world):
    service, store = world
    line = public_key()
    service.add(ALICE, "one", line)
    with pytest.raises(errors.SshKeyExistsError):
        service.add(ALICE, "two", line + " again")
    assert len(store.keys) == 1 and len(store.outbox) == 1 and store.transactions == 1
    service.add(BOB, "bob's copy", line)  # another user may hold the same public key
    assert len(store.keys) == 2


def test_a_deleted_key_frees_its_fingerprint(world):
    service, store = world
    line = public_key()
    key = service.add(ALICE, "one", line)
    service.delete(ALICE, key.id)
    assert store.keys == {} and [e.type for e in store.outbox] == ["ssh_key.added", "ssh_key.deleted"]
    with pytest.raises(errors.SshKeyNotFoundError):
        service.delete(ALICE, key.id)
    service.add(ALICE, "again", line)


def test_nobody_deletes_another_users_key(world):
    service, store = world
    key = service.add(ALICE, "one", public_key())
    with pytest.raises(errors.SshKeyNotFoundError):
        service.delete(BOB, key.id)
    assert len(store.keys) == 1


def test_an_invalid_key_never_reaches_storage(world):
    service, store = world
    with pytest.raises(errors.ValidationFailedError):
        service.add(ALICE, "bad", "ssh-ed25519 not-base64!!")
    assert store.transactions == 0
