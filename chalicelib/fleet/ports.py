"""What fleet use cases need: storage, the node command queues, and short-lived queue credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.fleet.models import BootstrapToken, Heartbeat, NodeCredential
from chalicelib.inventory.models import Node, Sku, Slot


class FleetReader(Protocol):
    def get_sku(self, sku_id: str) -> Sku | None: ...

    def get_bootstrap_token(self, token_id: str) -> BootstrapToken | None: ...

    def get_node_credential(self, node_id: str) -> NodeCredential | None: ...


class FleetUnitOfWork(Protocol):
    def add_bootstrap_token(self, token: BootstrapToken) -> None: ...

    def consume_bootstrap_token(self, token: BootstrapToken, node_id: str, at: str) -> None:
        """Mark the token used, only if it is still unused and unexpired at ``at``."""
        ...

    def add_node(self, node: Node, slots: tuple[Slot, ...], sku: Sku) -> None: ...

    def add_node_credential(self, credential: NodeCredential) -> None: ...

    def emit(self, event: DomainEvent) -> None: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


class HeartbeatStore(Protocol):
    def record(self, heartbeat: Heartbeat) -> None: ...

    def last_seen(self) -> list[tuple[str, str]]:
        """(node id, received_at) of every node that ever sent a heartbeat."""
        ...


class NodeQueues(Protocol):
    def ensure(self, node_id: str) -> tuple[str, str]:
        """Create (or find) the node's FIFO command queue; returns (url, arn)."""
        ...


class QueueCredentials(Protocol):
    def issue(self, node_id: str, queue_arn: str, ttl_seconds: int) -> dict[str, Any]: ...


FleetUnitOfWorkFactory = Callable[[], FleetUnitOfWork]
