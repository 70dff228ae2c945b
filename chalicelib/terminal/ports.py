"""What the terminal gateway needs: its storage, the WebSocket API's connections, the node command
queues, and (from other contexts) the allocation a session is for and the node an agent is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.fleet.models import NodeCredential
from chalicelib.provisioning.models import Allocation
from chalicelib.terminal.models import RelayConnection, TerminalSession, Ticket


class TerminalReader(Protocol):
    def get_session(self, session_id: str) -> TerminalSession | None:
        """Strongly consistent: connects and frames decide on the latest pairing."""
        ...

    def get_ticket(self, token_hash: str) -> Ticket | None: ...

    def get_connection(self, connection_id: str) -> RelayConnection | None: ...

    def sessions_of_allocation(self, allocation_id: str) -> list[TerminalSession]:
        """The allocation's open sessions (the sessions index)."""
        ...


class TerminalUnitOfWork(Protocol):
    def add_session(self, session: TerminalSession) -> None: ...

    def save_session(self, before: TerminalSession, after: TerminalSession) -> None:
        """Write ``after`` only if the stored session is still ``before`` (same version)."""
        ...

    def add_ticket(self, ticket: Ticket) -> None: ...

    def consume_ticket(self, ticket: Ticket, at: str) -> None:
        """Mark the ticket used, only if it is unused and not expired at ``at``
        (else TERMINAL_TICKET_INVALID): a ticket opens one connection, once."""
        ...

    def add_connection(self, connection: RelayConnection) -> None: ...

    def remove_connection(self, connection_id: str) -> None:
        """Forget a connection (a no-op when it is already gone)."""
        ...

    def emit(self, event: DomainEvent) -> None: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


TerminalUnitOfWorkFactory = Callable[[], TerminalUnitOfWork]


class PeerConnections(Protocol):
    """The WebSocket API's @connections management API."""

    def post(self, connection_id: str, data: str) -> bool:
        """Send one text frame; False when the connection is gone."""
        ...

    def disconnect(self, connection_id: str) -> bool:
        """Close the connection; False when it was gone already."""
        ...


class CommandQueue(Protocol):
    """The node's command queue (the same FIFO queue provisioning sends its commands to)."""

    def send(self, node_id: str, document: dict[str, Any], deduplication_id: str) -> None: ...


# What terminal needs from provisioning (implemented by chalicelib.provisioning.service.ProvisioningService).


class Allocations(Protocol):
    def get(self, org_id: str, allocation_id: str) -> Allocation:
        """The org's allocation; ALLOCATION_NOT_FOUND for another org's or an unknown one."""
        ...


# What terminal needs from fleet (implemented by chalicelib.fleet.service.FleetService).


class NodeAuthenticator(Protocol):
    def authenticate_node(self, presented: str) -> NodeCredential:
        """The node a node token belongs to; INVALID_TOKEN otherwise."""
        ...
