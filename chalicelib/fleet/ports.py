"""What fleet use cases need: storage, the node command queues, and short-lived queue credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chalicelib.audit.models import Actor, AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.fleet.models import BootstrapToken, Heartbeat, IssuedCredentials, NodeCredential
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
    def issue(self, node_id: str, queue_arn: str, ttl_seconds: int) -> IssuedCredentials:
        """Credentials that can receive, delete and change visibility on ``queue_arn`` only."""
        ...


FleetUnitOfWorkFactory = Callable[[], FleetUnitOfWork]


# What fleet needs from inventory (implemented by chalicelib.inventory.service.InventoryService).


class NodeStates(Protocol):
    def drain_node(self, actor: Actor, node_id: str, reason: str) -> object:
        """Take the node out of placement (a no-op when it is drained already)."""
        ...

    def set_node_health(self, node_id: str, health: str, last_heartbeat_at: str) -> object | None:
        """Record the node's health; None when it already had that health."""
        ...


# What fleet needs from provisioning (implemented by chalicelib.provisioning.service.ProvisioningService).


class NodeWorkloads(Protocol):
    def keep_alive(self, node_id: str) -> object:
        """The node is alive: the workflows waiting on its commands hear about it."""
        ...

    def node_down(self, node_id: str, at: str) -> object:
        """The node is down: its allocations stop being billed from ``at`` (idempotent)."""
        ...
