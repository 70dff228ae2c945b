"""The fakes' shared commit keeps DynamoDB's promises: all or nothing, once, and nothing for nothing."""

from __future__ import annotations

import pytest

from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.sshkeys.models import SshKey
from tests.fakes.sshkeys import FakeSshKeyUnitOfWork, SshKeyStore

pytestmark = pytest.mark.unit


def key(key_id: str, fingerprint: str) -> SshKey:
    return SshKey(key_id, "usr_1", key_id, "ssh-ed25519", "ssh-ed25519 AAAA", "", fingerprint, "2025-01-31T12:00:00Z")


def event(n: int) -> DomainEvent:
    return DomainEvent("ssh_key.added", f"key_{n}", {}, "sshkeys")


def test_a_failed_write_leaves_no_trace_of_the_others():
    store = SshKeyStore()
    first = FakeSshKeyUnitOfWork(store)
    first.add_ssh_key(key("key_1", "fp1"))
    first.commit()
    second = FakeSshKeyUnitOfWork(store)
    second.add_ssh_key(key("key_2", "fp2"))
    second.emit(event(2))
    second.add_ssh_key(key("key_3", "fp1"))  # the fingerprint is taken: the whole unit fails
    with pytest.raises(errors.SshKeyExistsError):
        second.commit()
    assert list(store.keys) == [("usr_1", "key_1")] and store.outbox == [] and store.transactions == 1


def test_a_unit_of_work_commits_once_and_an_empty_or_uncommitted_one_writes_nothing():
    store = SshKeyStore()
    FakeSshKeyUnitOfWork(store).commit()
    FakeSshKeyUnitOfWork(store).add_ssh_key(key("key_1", "fp1"))  # never committed
    assert store.transactions == 0 and store.keys == {}
    uow = FakeSshKeyUnitOfWork(store)
    uow.emit(event(1))
    uow.commit()
    with pytest.raises(RuntimeError):
        uow.commit()
    assert len(store.outbox) == 1 and store.transactions == 1
