"""The terminal gateway's API response body (doc/openapi.yaml TerminalTicket)."""

from __future__ import annotations

from typing import Any

from chalicelib.terminal.models import IssuedTicket


def terminal_ticket_body(issued: IssuedTicket) -> dict[str, Any]:
    return {
        "session_id": issued.session_id,
        "ticket": issued.ticket,
        "url": issued.url,
        "expires_at": issued.expires_at,
        "kind": issued.kind,
    }
