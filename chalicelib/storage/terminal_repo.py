"""DynamoDB side of the terminal gateway: sessions, one-time tickets and WebSocket connections.

Each is one item with a TTL: a ticket lives a day past its expiry (a used one is refused by its
``used_at`` long before), a connection as long as API Gateway keeps a connection and a little more,
a session as long as it can stay idle after its last change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.storage import keys
from chalicelib.storage.table import (
    TableItem,
    TerminalConnectionItem,
    TerminalSessionItem,
    TerminalTicketItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork
from chalicelib.terminal.models import OPEN, RelayConnection, TerminalSession, Ticket

_TICKET_KEPT_AFTER_EXPIRY = timedelta(days=1)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def session_from(i: TerminalSessionItem) -> TerminalSession:
    return TerminalSession(
        id=i.id,
        org_id=i.org_id,
        user_id=i.user_id,
        allocation_id=i.allocation_id,
        node_id=i.node_id,
        kind=i.kind,
        cols=int(i.cols),
        rows=int(i.rows),
        state=i.state,
        created_at=i.created_at,
        updated_at=i.updated_at,
        role=i.role,
        via=i.via,
        version=int(i.version),
        client_connection_id=i.client_connection_id,
        agent_connection_id=i.agent_connection_id,
        idle_since=i.idle_since,
        opened_at=i.opened_at,
        closed_at=i.closed_at,
        close_reason=i.close_reason,
    )


class DynamoTerminalReader:
    def __init__(self) -> None:
        bind_table()

    def get_session(self, session_id: str) -> TerminalSession | None:
        item = get_item(TerminalSessionItem, keys.terminal_session(session_id), consistent=True)
        return session_from(item) if item else None

    def get_ticket(self, token_hash: str) -> Ticket | None:
        i = get_item(TerminalTicketItem, keys.terminal_ticket(token_hash), consistent=True)
        if i is None:
            return None
        return Ticket(
            token_hash=token_hash,
            session_id=i.session_id,
            org_id=i.org_id,
            user_id=i.user_id,
            role=i.role,
            allocation_id=i.allocation_id,
            expires_at=i.expires_at,
            via=i.via,
            api_key_id=i.api_key_id,
            used_at=i.used_at,
        )

    def get_connection(self, connection_id: str) -> RelayConnection | None:
        i = get_item(TerminalConnectionItem, keys.terminal_connection(connection_id), consistent=True)
        return RelayConnection(i.connection_id, i.session_id, i.side, i.connected_at) if i else None

    def sessions_of_allocation(self, allocation_id: str) -> list[TerminalSession]:
        return [
            session_from(i)
            for i in TableItem.gsi1.query(keys.terminal_sessions_of_allocation(allocation_id))
            if isinstance(i, TerminalSessionItem)
        ]


class DynamoTerminalUnitOfWork(DynamoUnitOfWork):
    def __init__(self, clock: Clock, *, idle_seconds: int, connection_ttl_seconds: int) -> None:
        super().__init__(clock)
        self._idle = timedelta(seconds=idle_seconds)
        self._connection_ttl = timedelta(seconds=connection_ttl_seconds)

    def _session_item(self, s: TerminalSession) -> TerminalSessionItem:
        pk, sk = keys.terminal_session(s.id)
        is_open = s.state == OPEN
        return TerminalSessionItem(
            PK=pk,
            SK=sk,
            GSI1PK=keys.terminal_sessions_of_allocation(s.allocation_id) if is_open else None,
            GSI1SK=s.id if is_open else None,
            id=s.id,
            org_id=s.org_id,
            user_id=s.user_id,
            allocation_id=s.allocation_id,
            node_id=s.node_id,
            kind=s.kind,
            cols=s.cols,
            rows=s.rows,
            state=s.state,
            created_at=s.created_at,
            updated_at=s.updated_at,
            role=s.role,
            via=s.via,
            version=s.version,
            client_connection_id=s.client_connection_id,
            agent_connection_id=s.agent_connection_id,
            idle_since=s.idle_since,
            opened_at=s.opened_at,
            closed_at=s.closed_at,
            close_reason=s.close_reason,
            # A connected session is written again at least at every reconnect (API Gateway ends a
            # connection after 2 hours); an idle one may be resumed until the idle limit.
            ttl=_at(s.updated_at) + self._connection_ttl + self._idle,
        )

    def add_session(self, session: TerminalSession) -> None:
        self.put(
            self._session_item(session),
            condition=TerminalSessionItem.PK.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )

    def save_session(self, before: TerminalSession, after: TerminalSession) -> None:
        self.put(
            self._session_item(after),
            condition=TerminalSessionItem.version == before.version,
            error=errors.ConcurrentUpdateError,
        )

    def add_ticket(self, ticket: Ticket) -> None:
        pk, sk = keys.terminal_ticket(ticket.token_hash)
        item = TerminalTicketItem(
            PK=pk,
            SK=sk,
            session_id=ticket.session_id,
            org_id=ticket.org_id,
            user_id=ticket.user_id,
            role=ticket.role,
            via=ticket.via,
            api_key_id=ticket.api_key_id,
            allocation_id=ticket.allocation_id,
            expires_at=ticket.expires_at,
            ttl=_at(ticket.expires_at) + _TICKET_KEPT_AFTER_EXPIRY,
        )
        self.put(item, condition=TerminalTicketItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def consume_ticket(self, ticket: Ticket, at: str) -> None:
        pk, sk = keys.terminal_ticket(ticket.token_hash)
        # Single use even when two connections race with the same ticket: only one update holds.
        self.update(
            TerminalTicketItem(PK=pk, SK=sk),
            [TerminalTicketItem.used_at.set(at)],
            condition=TerminalTicketItem.PK.exists()
            & TerminalTicketItem.used_at.does_not_exist()
            & (TerminalTicketItem.expires_at > at),
            error=errors.TerminalTicketInvalidError,
        )

    def add_connection(self, connection: RelayConnection) -> None:
        pk, sk = keys.terminal_connection(connection.connection_id)
        item = TerminalConnectionItem(
            PK=pk,
            SK=sk,
            connection_id=connection.connection_id,
            session_id=connection.session_id,
            side=connection.side,
            connected_at=connection.connected_at,
            ttl=_at(connection.connected_at) + self._connection_ttl,
        )
        self.put(item)

    def remove_connection(self, connection_id: str) -> None:
        pk, sk = keys.terminal_connection(connection_id)
        self.delete(TerminalConnectionItem(PK=pk, SK=sk))
