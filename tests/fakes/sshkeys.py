"""In-memory SSH key storage with DynamoDB's semantics: a unit of work applies all or nothing, and
each write's condition raises the same domain error as chalicelib.storage.ssh_key_repo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.sshkeys.models import SshKey
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


@dataclass
class SshKeyStore(FakeStore):
    keys: dict[tuple[str, str], SshKey] = field(default_factory=dict)  # (user, key id)
    fingerprints: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, fingerprint) -> key id
    outbox: list[DomainEvent] = field(default_factory=list)
    transactions: int = 0


class FakeSshKeyReader:
    def __init__(self, store: SshKeyStore) -> None:
        self.s = store

    def get(self, user_id: str, key_id: str) -> SshKey | None:
        return self.s.keys.get((user_id, key_id))

    def list(self, user_id: str, limit: int, cursor: str | None) -> Page:
        mine = [k for (u, _), k in sorted(self.s.keys.items()) if u == user_id]
        start = int(cursor) if cursor else 0
        nxt = str(start + limit) if start + limit < len(mine) else None
        return Page(mine[start : start + limit], nxt)


class FakeSshKeyUnitOfWork(FakeUnitOfWorkBase[SshKeyStore]):
    def add_ssh_key(self, key: SshKey) -> None:
        self.ops.append(("add", key))

    def delete_ssh_key(self, key: SshKey) -> None:
        self.ops.append(("delete", key))

    def _apply(self, s: SshKeyStore, op: Op) -> None:
        _write(s, op[0], op[1])


def _write(s: SshKeyStore, kind: str, value: Any) -> None:
    if kind == "add":
        claim = (value.user_id, value.fingerprint)
        if claim in s.fingerprints:
            raise errors.SshKeyExistsError()
        if (value.user_id, value.id) in s.keys:
            raise errors.ConcurrentUpdateError()
        s.fingerprints[claim] = value.id
        s.keys[(value.user_id, value.id)] = value
    elif kind == "delete":
        if (value.user_id, value.id) not in s.keys:
            raise errors.SshKeyNotFoundError()
        if s.fingerprints.get((value.user_id, value.fingerprint)) != value.id:
            raise errors.ConcurrentUpdateError()
        del s.keys[(value.user_id, value.id)]
        del s.fingerprints[(value.user_id, value.fingerprint)]
    else:
        raise AssertionError(f"unknown write {kind}")
