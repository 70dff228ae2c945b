"""In-memory terminal gateway: storage with DynamoDB's semantics (each write's condition raises the
same domain error as chalicelib.storage.terminal_repo), the WebSocket API's connections, the node
queues, and the allocations and node credentials other contexts serve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.fleet.models import NodeCredential
from chalicelib.provisioning.models import Allocation
from chalicelib.terminal.models import OPEN, RelayConnection, TerminalSession, Ticket
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


@dataclass
class TerminalStore(FakeStore):
    sessions: dict[str, TerminalSession] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    connections: dict[str, RelayConnection] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    transactions: int = 0


class FakeTerminalReader:
    def __init__(self, store: TerminalStore) -> None:
        self.s = store

    def get_session(self, session_id: str) -> TerminalSession | None:
        return self.s.sessions.get(session_id)

    def get_ticket(self, token_hash: str) -> Ticket | None:
        return self.s.tickets.get(token_hash)

    def get_connection(self, connection_id: str) -> RelayConnection | None:
        return self.s.connections.get(connection_id)

    def sessions_of_allocation(self, allocation_id: str) -> list[TerminalSession]:
        return [s for s in self.s.sessions.values() if s.allocation_id == allocation_id and s.state == OPEN]


class FakeTerminalUnitOfWork(FakeUnitOfWorkBase[TerminalStore]):
    def add_session(self, session: TerminalSession) -> None:
        self.ops.append(("add_session", session))

    def save_session(self, before: TerminalSession, after: TerminalSession) -> None:
        self.ops.append(("save_session", before, after))

    def add_ticket(self, ticket: Ticket) -> None:
        self.ops.append(("add_ticket", ticket))

    def consume_ticket(self, ticket: Ticket, at: str) -> None:
        self.ops.append(("consume_ticket", ticket, at))

    def add_connection(self, connection: RelayConnection) -> None:
        self.ops.append(("add_connection", connection))

    def remove_connection(self, connection_id: str) -> None:
        self.ops.append(("remove_connection", connection_id))

    def _apply(self, s: TerminalStore, op: Op) -> None:
        kind = op[0]
        if kind == "add_session":
            if op[1].id in s.sessions:
                raise errors.ConcurrentUpdateError()
            s.sessions[op[1].id] = op[1]
        elif kind == "save_session":
            before, after = op[1], op[2]
            stored = s.sessions.get(before.id)
            if stored is None or stored.version != before.version:
                raise errors.ConcurrentUpdateError()
            s.sessions[after.id] = after
        elif kind == "add_ticket":
            if op[1].token_hash in s.tickets:
                raise errors.ConcurrentUpdateError()
            s.tickets[op[1].token_hash] = op[1]
        elif kind == "consume_ticket":
            ticket, at = op[1], op[2]
            stored = s.tickets.get(ticket.token_hash)
            if stored is None or stored.used_at is not None or not stored.expires_at > at:
                raise errors.TerminalTicketInvalidError()
            s.tickets[ticket.token_hash] = Ticket(**{**_fields(stored), "used_at": at})
        elif kind == "add_connection":
            s.connections[op[1].connection_id] = op[1]
        elif kind == "remove_connection":
            s.connections.pop(op[1], None)
        else:
            raise AssertionError(f"unknown write {kind}")


def _fields(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in ticket.__slots__}  # type: ignore[attr-defined]


class FakeConnections:
    """The WebSocket API's connections: ``live`` ones receive frames, any other is gone."""

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.frames: dict[str, list[str]] = {}
        self.disconnected: list[str] = []

    def open(self, connection_id: str) -> str:
        self.live.add(connection_id)
        return connection_id

    def post(self, connection_id: str, data: str) -> bool:
        if connection_id not in self.live:
            return False
        self.frames.setdefault(connection_id, []).append(data)
        return True

    def disconnect(self, connection_id: str) -> bool:
        if connection_id not in self.live:
            return False
        self.live.discard(connection_id)
        self.disconnected.append(connection_id)
        return True

    def received(self, connection_id: str) -> list[str]:
        return self.frames.pop(connection_id, [])


class FakeCommandQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    def send(self, node_id: str, document: dict[str, Any], deduplication_id: str) -> None:
        self.sent.append((node_id, document, deduplication_id))


class FakeAllocations:
    def __init__(self) -> None:
        self.allocations: dict[str, Allocation] = {}

    def get(self, org_id: str, allocation_id: str) -> Allocation:
        found = self.allocations.get(allocation_id)
        if found is None or found.org_id != org_id:
            raise errors.AllocationNotFoundError()
        return found


class FakeNodes:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}  # node token -> node id

    def authenticate_node(self, presented: str) -> NodeCredential:
        node_id = self.tokens.get(presented)
        if node_id is None:
            raise errors.InvalidTokenError("The node token is not valid")
        return NodeCredential(node_id, "hash", "https://queue", "arn:aws:sqs:us-east-1:123456789012:q")
