"""How fleet's objects leave the domain other than through the API: audit snapshots."""

from __future__ import annotations

from typing import Any

from chalicelib.fleet.models import BootstrapToken


def bootstrap_token_audit(token: BootstrapToken) -> dict[str, Any]:
    """A bootstrap token as the audit trail keeps it: never its secret's hash."""
    return {
        "id": token.id,
        "sku_id": token.sku_id,
        "created_by": token.created_by,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "used_at": token.used_at,
        "node_id": token.node_id,
    }
