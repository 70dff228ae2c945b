"""DynamoDB side of SSH keys: a user's keys live in the user's partition."""

from __future__ import annotations

from chalicelib.core import errors
from chalicelib.core.page import Page
from chalicelib.sshkeys.models import SshKey
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import SshKeyItem, TableItem, UniqueItem, bind_table, get_item
from chalicelib.storage.unit_of_work import DynamoUnitOfWork


def ssh_key_from(i: SshKeyItem) -> SshKey:
    return SshKey(i.id, i.user_id, i.name, i.key_type, i.public_key, i.comment or "", i.fingerprint, i.created_at)


def ssh_key_item(key: SshKey) -> SshKeyItem:
    pk, sk = keys.ssh_key(key.user_id, key.id)
    return SshKeyItem(
        PK=pk,
        SK=sk,
        id=key.id,
        user_id=key.user_id,
        name=key.name,
        key_type=key.key_type,
        public_key=key.public_key,
        comment=key.comment,
        fingerprint=key.fingerprint,
        created_at=key.created_at,
    )


class DynamoSshKeys:
    def __init__(self) -> None:
        bind_table()

    def get(self, user_id: str, key_id: str) -> SshKey | None:
        item = get_item(SshKeyItem, keys.ssh_key(user_id, key_id), consistent=True)
        return ssh_key_from(item) if item else None

    def list(self, user_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.user_partition(user_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(
            TableItem.query,
            partition,
            range_key_condition=TableItem.SK.startswith(keys.SSH_KEY_PREFIX),
            limit=limit,
            start_key=start,
        )
        return Page([ssh_key_from(i) for i in items if isinstance(i, SshKeyItem)], encode_cursor(last))


class DynamoSshKeyUnitOfWork(DynamoUnitOfWork):
    def add_ssh_key(self, key: SshKey) -> None:
        upk, usk = keys.ssh_fingerprint_claim(key.user_id, key.fingerprint)
        self.put(
            UniqueItem(PK=upk, SK=usk, owner_id=key.id),
            condition=UniqueItem.PK.does_not_exist(),
            error=errors.SshKeyExistsError,
        )
        self.put(ssh_key_item(key), condition=SshKeyItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def delete_ssh_key(self, key: SshKey) -> None:
        pk, sk = keys.ssh_key(key.user_id, key.id)
        self.delete(SshKeyItem(PK=pk, SK=sk), condition=SshKeyItem.PK.exists(), error=errors.SshKeyNotFoundError)
        upk, usk = keys.ssh_fingerprint_claim(key.user_id, key.fingerprint)
        self.delete(
            UniqueItem(PK=upk, SK=usk), condition=UniqueItem.owner_id == key.id, error=errors.ConcurrentUpdateError
        )
