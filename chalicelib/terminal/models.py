"""The terminal gateway's domain (doc/terminal.md): sessions that pair a customer's connection with
the node agent's, the one-time tickets that open the customer's side, and the relay's frames.

A session is ``open`` from its first ticket until either side sends ``close``, the allocation
leaves ``active`` or it has had no connection for the idle limit; then it is ``closed`` for good.
It holds at most one connection per side (``client``, ``agent``); a new connection of a side takes
the place of the old one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

SHELL = "shell"
SSH = "ssh"
KINDS = (SHELL, SSH)

CLIENT = "client"
AGENT = "agent"
SIDES = (CLIENT, AGENT)

OPEN = "open"
CLOSED = "closed"

TICKET_PREFIX = "tkt_"
SESSION_PREFIX = "trm"

# Frame types (doc/terminal.md, Frames). The relay reads only ``type``; the rest goes to the peer.
PING = "ping"
PONG = "pong"
CLOSE = "close"
PEER = "peer"
ERROR = "error"
FORWARDED = frozenset({"hello", "data", "ack", "resize", CLOSE})

# Why a session ended (the ``reason`` of the ``close`` frame the relay sends, and of the audit record).
ALLOCATION_ENDED = "allocation_ended"
IDLE = "idle"


def ticket_hash(ticket: str) -> str:
    """Tickets are stored only as this hash: a read of the table reveals no usable ticket."""
    return hashlib.sha256(ticket.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TerminalSession:
    id: str
    org_id: str
    user_id: str
    allocation_id: str
    node_id: str
    kind: str
    cols: int
    rows: int
    state: str
    created_at: str
    updated_at: str
    # The creator's role and how they signed in, for the audit trail of the session's end.
    role: str = "member"
    via: str = "session"
    version: int = 1
    client_connection_id: str | None = None
    agent_connection_id: str | None = None
    # When the last connection of either side went away (None while one is connected, or never was).
    idle_since: str | None = None
    # When the first client connection was made (then, once: audit `terminal:open`, event `terminal.opened`).
    opened_at: str | None = None
    closed_at: str | None = None
    close_reason: str | None = None

    def connection_of(self, side: str) -> str | None:
        return self.client_connection_id if side == CLIENT else self.agent_connection_id

    def peer_of(self, side: str) -> str | None:
        return self.agent_connection_id if side == CLIENT else self.client_connection_id

    def with_connection(self, side: str, connection_id: str | None, now: str) -> TerminalSession:
        after = (
            replace(self, client_connection_id=connection_id)
            if side == CLIENT
            else replace(self, agent_connection_id=connection_id)
        )
        idle_since = None if (after.client_connection_id or after.agent_connection_id) else now
        return replace(after, idle_since=idle_since, updated_at=now, version=self.version + 1)

    def closed(self, now: str, reason: str) -> TerminalSession:
        return replace(
            self,
            state=CLOSED,
            client_connection_id=None,
            agent_connection_id=None,
            closed_at=now,
            close_reason=reason,
            updated_at=now,
            version=self.version + 1,
        )


@dataclass(frozen=True, slots=True)
class Ticket:
    """A one-time pass to connect a session's client side: bound to the user, org, allocation and session."""

    token_hash: str
    session_id: str
    org_id: str
    user_id: str
    role: str
    allocation_id: str
    expires_at: str
    via: str = "session"
    api_key_id: str | None = None
    used_at: str | None = None


@dataclass(frozen=True, slots=True)
class RelayConnection:
    """One WebSocket connection of the gateway and the session side it is."""

    connection_id: str
    session_id: str
    side: str
    connected_at: str


@dataclass(frozen=True, slots=True)
class TerminalRequest:
    """What ``POST /v1/allocations/{id}/terminal`` asks: a new session, or a ticket to resume one."""

    org_id: str
    user_id: str
    role: str
    allocation_id: str
    via: str = "session"
    api_key_id: str | None = None
    kind: str = SHELL
    cols: int = 80
    rows: int = 24
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    session_id: str
    ticket: str
    url: str
    expires_at: str
    kind: str


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    """The parts of a WebSocket upgrade the relay decides on."""

    connection_id: str
    request_id: str
    ticket: str | None = None
    session_id: str | None = None
    role: str | None = None
    bearer: str | None = None


def frame(type_: str, **fields: Any) -> str:
    return json.dumps({"type": type_, **fields}, separators=(",", ":"))


def peer_frame(state: str) -> str:
    return frame(PEER, state=state)


def error_frame(code: str, message: str) -> str:
    return frame(ERROR, code=code, message=message)


def close_frame(reason: str) -> str:
    return frame(CLOSE, reason=reason)
