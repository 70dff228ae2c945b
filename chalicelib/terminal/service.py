"""Terminal gateway use cases (doc/terminal.md): tickets for customers, the WebSocket API's
``$connect`` / ``$default`` / ``$disconnect`` for both sides of a session, and closing the sessions
of an allocation that leaves ``active``.

The relay keeps no stream state: a session item names the connection of each side, and a frame is
forwarded to the other side's connection as it came. Every change of a session is one transaction,
conditional on its version; calls to the WebSocket API (frames, disconnects) come after the commit.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors
from chalicelib.core.agent_commands import command_document
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.core.retry import retry_on_conflict
from chalicelib.provisioning.models import ACTIVE
from chalicelib.terminal import payloads
from chalicelib.terminal.models import (
    AGENT,
    CLIENT,
    CLOSE,
    FORWARDED,
    KINDS,
    OPEN,
    PING,
    PONG,
    SESSION_PREFIX,
    TICKET_PREFIX,
    ConnectRequest,
    IssuedTicket,
    RelayConnection,
    TerminalRequest,
    TerminalSession,
    Ticket,
    close_frame,
    error_frame,
    frame,
    peer_frame,
    ticket_hash,
)
from chalicelib.terminal.ports import (
    Allocations,
    CommandQueue,
    NodeAuthenticator,
    PeerConnections,
    TerminalReader,
    TerminalUnitOfWorkFactory,
)

CONTEXT = "terminal"
# Audit actions are in the policy's `resource:verb` form (the audit API filters on it); the events are
# terminal.opened and terminal.closed.
AUDIT_OPEN = "terminal:open"
AUDIT_CLOSE = "terminal:close"
OPEN_TERMINAL = "open_terminal"
_ROUNDS = 5

logger = logging.getLogger(__name__)


def _event(event_type: str, session: TerminalSession) -> DomainEvent:
    return DomainEvent(type=event_type, subject=session.id, data=payloads.session_event_data(session), context=CONTEXT)


class TerminalService:
    def __init__(
        self,
        reader: TerminalReader,
        unit_of_work: TerminalUnitOfWorkFactory,
        connections: PeerConnections,
        queue: CommandQueue,
        clock: Clock,
        *,
        allocations: Allocations,
        nodes: NodeAuthenticator,
        url: str,
        ticket_ttl_seconds: int,
        idle_seconds: int,
        frame_max_bytes: int,
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._connections = connections
        self._queue = queue
        self._clock = clock
        self._allocations = allocations
        self._nodes = nodes
        self._url = url
        self._ticket_ttl = timedelta(seconds=ticket_ttl_seconds)
        self._idle = timedelta(seconds=idle_seconds)
        self._frame_max_bytes = frame_max_bytes

    # Customers: tickets ----------------------------------------------------------------------

    def open(self, request: TerminalRequest) -> IssuedTicket:
        """A one-time ticket for a new session of an active allocation, or to resume one's own session."""
        allocation = self._allocations.get(request.org_id, request.allocation_id)
        if allocation.state != ACTIVE:
            raise errors.InvalidAllocationStateError(
                f"A terminal needs an active allocation; this one is {allocation.state}"
            )
        now = self._clock.now()
        at = isoformat(now)
        uow = self._uow()
        if request.session_id is not None:
            session = self._reader.get_session(request.session_id)
            if (
                session is None
                or session.org_id != request.org_id
                or session.user_id != request.user_id
                or session.allocation_id != allocation.id
            ):
                raise errors.TerminalSessionNotFoundError()
            if not self._is_open(session, now):
                raise errors.TerminalSessionClosedError()
        else:
            if request.kind not in KINDS:
                raise errors.ValidationFailedError(f"kind must be one of {', '.join(KINDS)}")
            session = TerminalSession(
                id=new_id(SESSION_PREFIX),
                org_id=request.org_id,
                user_id=request.user_id,
                allocation_id=allocation.id,
                node_id=allocation.node_id,
                kind=request.kind,
                cols=request.cols,
                rows=request.rows,
                state=OPEN,
                created_at=at,
                updated_at=at,
                role=request.role,
                via=request.via,
                idle_since=at,
            )
            uow.add_session(session)
        secret = TICKET_PREFIX + secrets.token_urlsafe(32)
        expires_at = isoformat(now + self._ticket_ttl)
        uow.add_ticket(
            Ticket(
                token_hash=ticket_hash(secret),
                session_id=session.id,
                org_id=request.org_id,
                user_id=request.user_id,
                role=request.role,
                allocation_id=allocation.id,
                expires_at=expires_at,
                via=request.via,
                api_key_id=request.api_key_id,
            )
        )
        uow.commit()
        return IssuedTicket(session.id, secret, self._url, expires_at, session.kind)

    # The WebSocket API ----------------------------------------------------------------------

    def connect(self, request: ConnectRequest) -> RelayConnection:
        """``$connect``: the agent's side with its node token, the client's with a ticket. Raises to refuse."""
        if request.role == AGENT:
            return self._connect_agent(request)
        if request.role not in (None, CLIENT):
            raise errors.ValidationFailedError("role must be client or agent")
        return self._connect_client(request)

    def _connect_client(self, request: ConnectRequest) -> RelayConnection:
        if not request.ticket:
            raise errors.TerminalTicketInvalidError("A client connects with ?ticket=")
        ticket = self._reader.get_ticket(ticket_hash(request.ticket))
        now = self._clock.now()
        at = isoformat(now)
        if ticket is None or ticket.used_at is not None or ticket.expires_at <= at:
            raise errors.TerminalTicketInvalidError()
        actor = Actor(
            user_id=ticket.user_id,
            org_id=ticket.org_id,
            role=ticket.role,
            operator=False,
            request_id=request.request_id,
            via=ticket.via,
            api_key_id=ticket.api_key_id,
        )
        connection = RelayConnection(request.connection_id, ticket.session_id, CLIENT, at)

        def attempt() -> tuple[TerminalSession, TerminalSession]:
            session = self._open_session(ticket.session_id, now)
            after = session.with_connection(CLIENT, request.connection_id, at)
            first = session.opened_at is None
            if first:
                after = replace(after, opened_at=at)
            uow = self._uow()
            uow.consume_ticket(ticket, at)
            uow.save_session(session, after)
            uow.add_connection(connection)
            if session.client_connection_id:
                uow.remove_connection(session.client_connection_id)
            if first:
                snapshot = payloads.session_snapshot(after)
                uow.audit(record(AUDIT_OPEN, session.id, actor, at, after=snapshot, org_id=session.org_id))
                uow.emit(_event("terminal.opened", after))
            uow.commit()
            return session, after

        before, after = retry_on_conflict(attempt, rounds=_ROUNDS)
        if before.client_connection_id:
            self._connections.disconnect(before.client_connection_id)
        if after.agent_connection_id is None:
            self._send_open_terminal(after, now)
        elif not self._connections.post(after.agent_connection_id, peer_frame("connected")):
            self._side_gone(after.id, AGENT, after.agent_connection_id)
        return connection

    def _connect_agent(self, request: ConnectRequest) -> RelayConnection:
        if not request.bearer:
            raise errors.UnauthenticatedError("An agent connects with its node token (Authorization: Bearer)")
        credential = self._nodes.authenticate_node(request.bearer)
        if not request.session_id:
            raise errors.TerminalSessionNotFoundError("An agent connects with ?session=")
        now = self._clock.now()
        at = isoformat(now)
        connection = RelayConnection(request.connection_id, request.session_id, AGENT, at)
        session_id = request.session_id

        def attempt() -> tuple[TerminalSession, TerminalSession]:
            session = self._reader.get_session(session_id)
            if session is None:
                raise errors.TerminalSessionNotFoundError()
            if session.node_id != credential.node_id:
                raise errors.ForbiddenError("This session's allocation is not on this node")
            if not self._is_open(session, now):
                raise errors.TerminalSessionClosedError()
            after = session.with_connection(AGENT, request.connection_id, at)
            uow = self._uow()
            uow.save_session(session, after)
            uow.add_connection(connection)
            if session.agent_connection_id:
                uow.remove_connection(session.agent_connection_id)
            uow.commit()
            return session, after

        before, after = retry_on_conflict(attempt, rounds=_ROUNDS)
        if before.agent_connection_id:
            self._connections.disconnect(before.agent_connection_id)
        if after.client_connection_id and not self._connections.post(
            after.client_connection_id, peer_frame("connected")
        ):
            self._side_gone(after.id, CLIENT, after.client_connection_id)
        return connection

    def frame(self, connection_id: str, body: str, request_id: str) -> None:
        """``$default``: answer a ping, forward any other frame to the peer, close on ``close``."""
        if len(body.encode()) > self._frame_max_bytes:
            message = f"A frame holds at most {self._frame_max_bytes} bytes; split the data"
            self._connections.post(connection_id, error_frame(errors.FrameTooLargeError.code, message))
            return
        try:
            message_type = _frame_type(body)
        except errors.InvalidFrameError as exc:
            self._connections.post(connection_id, error_frame(exc.code, exc.message))
            return
        if message_type == PING:
            self._connections.post(connection_id, frame(PONG))
            return
        connection = self._reader.get_connection(connection_id)
        session = self._reader.get_session(connection.session_id) if connection else None
        if (
            connection is None
            or session is None
            or session.state != OPEN
            or session.connection_of(connection.side) != connection_id
        ):
            closed = errors.TerminalSessionClosedError()
            self._connections.post(connection_id, error_frame(closed.code, closed.message))
            self._connections.disconnect(connection_id)
            return
        if message_type == CLOSE:
            reason = str(json.loads(body).get("reason") or "closed")[:200]
            self._close(session.id, reason, self._actor_of(session, connection.side, request_id), sent_by=connection)
            return
        peer = session.peer_of(connection.side)
        if peer is not None and self._connections.post(peer, body):
            return
        if peer is not None:
            self._side_gone(session.id, _other(connection.side), peer)
        self._connections.post(connection_id, peer_frame("disconnected"))

    def disconnect(self, connection_id: str) -> None:
        """``$disconnect``: forget the connection and tell the peer (a replaced connection tells nobody)."""
        connection = self._reader.get_connection(connection_id)
        if connection is None:
            return
        peer = self._side_gone(connection.session_id, connection.side, connection_id)
        if peer is not None:
            self._connections.post(peer, peer_frame("disconnected"))

    # Allocations leaving active -------------------------------------------------------------

    def close_allocation(self, allocation_id: str, request_id: str) -> int:
        """Close every open session of the allocation and disconnect both sides. Returns how many."""
        closed = 0
        actor = Actor.system(request_id)
        for session in self._reader.sessions_of_allocation(allocation_id):
            if session.state == OPEN and self._close(session.id, "allocation_ended", actor):
                closed += 1
        return closed

    # Helpers --------------------------------------------------------------------------------

    def _is_open(self, session: TerminalSession, now: datetime) -> bool:
        if session.state != OPEN:
            return False
        if session.idle_since is None:
            return True
        return datetime.fromisoformat(session.idle_since.replace("Z", "+00:00")) + self._idle > now

    def _open_session(self, session_id: str, now: datetime) -> TerminalSession:
        session = self._reader.get_session(session_id)
        if session is None or not self._is_open(session, now):
            raise errors.TerminalSessionClosedError()
        return session

    def _send_open_terminal(self, session: TerminalSession, now: datetime) -> None:
        command_id = new_id("cmd")
        # The client waits for the agent about as long as its ticket lived.
        document = command_document(command_id, OPEN_TERMINAL, session.node_id, now, now + self._ticket_ttl,
                                    payloads.open_terminal_payload(session, self._url))  # fmt: skip
        self._queue.send(session.node_id, document, command_id)

    def _side_gone(self, session_id: str, side: str, connection_id: str) -> str | None:
        """Forget ``connection_id`` as the ``side`` of the session; returns the peer's connection."""

        def attempt() -> str | None:
            session = self._reader.get_session(session_id)
            uow = self._uow()
            uow.remove_connection(connection_id)
            if session is None or session.state != OPEN or session.connection_of(side) != connection_id:
                uow.commit()
                return None
            uow.save_session(session, session.with_connection(side, None, isoformat(self._clock.now())))
            uow.commit()
            return session.peer_of(side)

        return retry_on_conflict(attempt, rounds=_ROUNDS)

    def _close(self, session_id: str, reason: str, actor: Actor, sent_by: RelayConnection | None = None) -> bool:
        at = isoformat(self._clock.now())

        def attempt() -> TerminalSession | None:
            session = self._reader.get_session(session_id)
            if session is None or session.state != OPEN:
                return None
            after = session.closed(at, reason)
            uow = self._uow()
            uow.save_session(session, after)
            for connection_id in (session.client_connection_id, session.agent_connection_id):
                if connection_id:
                    uow.remove_connection(connection_id)
            uow.audit(
                record(
                    AUDIT_CLOSE,
                    session.id,
                    actor,
                    at,
                    before=payloads.session_snapshot(session),
                    after=payloads.session_snapshot(after),
                    org_id=session.org_id,
                )
            )
            uow.emit(_event("terminal.closed", after))
            uow.commit()
            return session

        before = retry_on_conflict(attempt, rounds=_ROUNDS)
        if before is None:
            return False
        for connection_id in (before.client_connection_id, before.agent_connection_id):
            if connection_id is None:
                continue
            if sent_by is None or connection_id != sent_by.connection_id:
                self._connections.post(connection_id, close_frame(reason))
            self._connections.disconnect(connection_id)
        return True

    @staticmethod
    def _actor_of(session: TerminalSession, side: str, request_id: str) -> Actor:
        if side == AGENT:
            return Actor(
                user_id=session.node_id,
                org_id="platform",
                role="node",
                operator=False,
                request_id=request_id,
                via="node",
            )
        return Actor(
            user_id=session.user_id,
            org_id=session.org_id,
            role=session.role,
            operator=False,
            request_id=request_id,
            via=session.via,
        )


def _other(side: str) -> str:
    return AGENT if side == CLIENT else CLIENT


def _frame_type(body: str) -> str:
    try:
        message: Any = json.loads(body)
    except ValueError as exc:
        raise errors.InvalidFrameError("A frame is one JSON object") from exc
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise errors.InvalidFrameError("A frame is a JSON object with a type")
    message_type: str = message["type"]
    if message_type != PING and message_type not in FORWARDED:
        raise errors.InvalidFrameError(f"Unknown frame type {message_type[:32]!r}")
    return message_type
