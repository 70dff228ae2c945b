"""The envelope of a command for a node's agent (events/agent/command.v1.json), built in one place for every
context that sends one: provisioning (provision, release, sync_keys) and the terminal gateway (open_terminal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.clock import isoformat

PROTOCOL_VERSION = 1


def command_document(
    command_id: str, kind: str, node_id: str, issued_at: datetime, expires_at: datetime, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "protocol_version": PROTOCOL_VERSION,
        "command_id": command_id,
        "type": kind,
        "node_id": node_id,
        "issued_at": isoformat(issued_at),
        "expires_at": isoformat(expires_at),
        "payload": payload,
    }
