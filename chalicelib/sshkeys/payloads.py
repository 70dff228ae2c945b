"""SSH keys' event payload (events/schemas/common/ssh_key.json): a public key, never a private one."""

from __future__ import annotations

from typing import Any

from chalicelib.sshkeys.models import SshKey


def ssh_key_data(key: SshKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "type": key.key_type,
        "public_key": key.public_key,
        "comment": key.comment,
        "fingerprint": key.fingerprint,
        "created_at": key.created_at,
    }
