"""The terminal gateway's event payloads (events/schemas/terminal.*.json) and audit snapshots."""

from __future__ import annotations

from typing import Any

from chalicelib.terminal.models import TerminalSession


def session_snapshot(s: TerminalSession) -> dict[str, Any]:
    return {
        "id": s.id,
        "allocation_id": s.allocation_id,
        "node_id": s.node_id,
        "kind": s.kind,
        "state": s.state,
        "created_at": s.created_at,
        "opened_at": s.opened_at,
        "closed_at": s.closed_at,
        "close_reason": s.close_reason,
    }


def session_event_data(s: TerminalSession) -> dict[str, Any]:
    return {"org_id": s.org_id, "user_id": s.user_id, "allocation_id": s.allocation_id, "session": session_snapshot(s)}


def open_terminal_payload(s: TerminalSession, url: str) -> dict[str, Any]:
    """The ``open_terminal`` command's payload (events/agent/open_terminal.payload.v1.json)."""
    return {
        "allocation_id": s.allocation_id,
        "session_id": s.id,
        "kind": s.kind,
        "url": url,
        "cols": s.cols,
        "rows": s.rows,
    }
