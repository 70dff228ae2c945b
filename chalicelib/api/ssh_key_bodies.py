"""SSH keys' API response body (doc/openapi.yaml SshKey)."""

from __future__ import annotations

from typing import Any

from chalicelib.sshkeys.models import SshKey


def ssh_key_body(key: SshKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "type": key.key_type,
        "public_key": key.public_key,
        "comment": key.comment,
        "fingerprint": key.fingerprint,
        "created_at": key.created_at,
    }
