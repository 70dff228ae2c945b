"""SSH key use cases: a user adds, lists and deletes the public keys released to their slots."""

from __future__ import annotations

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.core.page import Page
from chalicelib.sshkeys.models import SshKey, parse_public_key
from chalicelib.sshkeys.payloads import ssh_key_data
from chalicelib.sshkeys.ports import SshKeyReader, SshKeyUnitOfWorkFactory


class SshKeyService:
    def __init__(
        self, store: SshKeyReader, unit_of_work: SshKeyUnitOfWorkFactory, clock: Clock, *, rsa_min_bits: int
    ) -> None:
        self._store = store
        self._uow = unit_of_work
        self._clock = clock
        self._rsa_min_bits = rsa_min_bits

    def add(self, actor: Actor, name: str, public_key: str) -> SshKey:
        parsed = parse_public_key(public_key, rsa_min_bits=self._rsa_min_bits)
        key = SshKey(
            id=new_id("ssh"),
            user_id=actor.user_id,
            name=name,
            key_type=parsed.key_type,
            public_key=parsed.public_key,
            comment=parsed.comment,
            fingerprint=parsed.fingerprint,
            created_at=isoformat(self._clock.now()),
        )
        uow = self._uow()
        uow.add_ssh_key(key)
        uow.emit(_event("ssh_key.added", key))
        uow.commit()
        return key

    def list(self, user_id: str, limit: int, cursor: str | None) -> Page:
        return self._store.list(user_id, limit, cursor)

    def delete(self, actor: Actor, key_id: str) -> None:
        key = self._store.get(actor.user_id, key_id)
        if key is None:
            raise errors.SshKeyNotFoundError()
        uow = self._uow()
        uow.delete_ssh_key(key)
        uow.emit(_event("ssh_key.deleted", key))
        uow.commit()


def _event(event_type: str, key: SshKey) -> DomainEvent:
    data = {"user_id": key.user_id, "ssh_key": ssh_key_data(key)}
    return DomainEvent(type=event_type, subject=key.id, data=data, context="sshkeys")
