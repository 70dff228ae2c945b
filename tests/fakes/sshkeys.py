"""In-memory SSH key storage with DynamoDB's semantics: a unit of work applies all or nothing, and
each write's condition raises the same domain error as chalicelib.storage.ssh_key_repo."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.sshkeys.models import SshKey


@dataclass
class SshKeyStore:
    keys: dict[tuple[str, str], SshKey] = field(default_factory=dict)  # (user, key id)
    fingerprints: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, fingerprint) -> key id
    outbox: list[DomainEvent] = field(default_factory=list)
    transactions: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def state(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "lock"}


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


class FakeSshKeyUnitOfWork:
    def __init__(self, store: SshKeyStore) -> None:
        self.s = store
        self.ops: list[tuple[str, Any]] = []
        self.committed = False

    def add_ssh_key(self, key: SshKey) -> None:
        self.ops.append(("add", key))

    def delete_ssh_key(self, key: SshKey) -> None:
        self.ops.append(("delete", key))

    def emit(self, event: DomainEvent) -> None:
        self.ops.append(("event", event))

    def commit(self) -> None:
        if self.committed:
            raise RuntimeError("A unit of work commits once")
        if not self.ops:
            return
        with self.s.lock:
            scratch = copy.deepcopy(self.s.state())
            for kind, value in self.ops:
                _apply(scratch, kind, value)
            scratch["transactions"] += 1
            self.s.__dict__.update(scratch)
        self.committed = True


def _apply(s: dict[str, Any], kind: str, value: Any) -> None:
    if kind == "add":
        claim = (value.user_id, value.fingerprint)
        if claim in s["fingerprints"]:
            raise errors.SshKeyExistsError()
        if (value.user_id, value.id) in s["keys"]:
            raise errors.ConcurrentUpdateError()
        s["fingerprints"][claim] = value.id
        s["keys"][(value.user_id, value.id)] = value
    elif kind == "delete":
        if (value.user_id, value.id) not in s["keys"]:
            raise errors.SshKeyNotFoundError()
        if s["fingerprints"].get((value.user_id, value.fingerprint)) != value.id:
            raise errors.ConcurrentUpdateError()
        del s["keys"][(value.user_id, value.id)]
        del s["fingerprints"][(value.user_id, value.fingerprint)]
    elif kind == "event":
        s["outbox"].append(value)
    else:
        raise AssertionError(f"unknown write {kind}")
