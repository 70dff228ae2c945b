"""What the SSH key use cases need from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.sshkeys.models import SshKey


class SshKeyReader(Protocol):
    def get(self, user_id: str, key_id: str) -> SshKey | None: ...

    def list(self, user_id: str, limit: int, cursor: str | None) -> Page: ...


class SshKeyUnitOfWork(Protocol):
    def add_ssh_key(self, key: SshKey) -> None:
        """Fails with SSH_KEY_EXISTS when the user already has a key with this fingerprint."""
        ...

    def delete_ssh_key(self, key: SshKey) -> None:
        """Fails with SSH_KEY_NOT_FOUND when the key is gone already."""
        ...

    def emit(self, event: DomainEvent) -> None: ...

    def commit(self) -> None: ...


SshKeyUnitOfWorkFactory = Callable[[], SshKeyUnitOfWork]
