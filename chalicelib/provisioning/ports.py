"""What provisioning use cases need: storage, the node command queues and the workflows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.inventory.models import Node, OsImage, Sku, Slot
from chalicelib.provisioning.models import Allocation, Command
from chalicelib.sshkeys.models import SshKey


class AllocationReader(Protocol):
    def get_sku(self, sku_id: str) -> Sku | None: ...

    def get_os_image(self, image_id: str) -> OsImage | None: ...

    def get_node(self, node_id: str) -> Node | None: ...

    def free_slots(self, sku_id: str) -> list[Slot]:
        """Free slots of placeable nodes of the SKU (the free-slot index)."""
        ...

    def ssh_keys(self, user_id: str) -> list[SshKey]: ...

    def get_allocation(self, allocation_id: str) -> Allocation | None:
        """Strongly consistent: workflow steps decide on what they read."""
        ...

    def list_allocations(self, org_id: str, state: str | None, limit: int, cursor: str | None) -> Page: ...

    def allocation_events(self, allocation_id: str, limit: int, cursor: str | None) -> Page: ...

    def allocations_on_node(self, node_id: str) -> list[Allocation]: ...

    def get_command(self, command_id: str) -> Command | None: ...

    def commands_in_flight(self, node_id: str) -> list[Command]: ...


class Metering(Protocol):
    """Billing's meter of an allocation, written in provisioning's transaction (the meter starts
    and stops exactly with the state change that causes it). Billing's storage implements it."""

    def open_meter(self, allocation: Allocation) -> None:
        """Start per-second metering of an allocation that just became active."""
        ...

    def end_meter(self, allocation_id: str, at: str) -> None:
        """Stop metering at ``at`` (or keep an earlier end); a no-op for an allocation never metered."""
        ...


class AllocationUnitOfWork(Protocol):
    def claim(self, allocation: Allocation, slots: tuple[Slot, ...]) -> None:
        """Claim ``slots`` (each only if still free and placeable), take them off the SKU's free
        count (only if that many are free) and add the allocation."""
        ...

    def save(self, before: Allocation, after: Allocation) -> None:
        """Write ``after`` only if the stored allocation is still ``before`` (same version)."""
        ...

    def free_slots(self, allocation: Allocation, node: Node) -> None:
        """Give the allocation's slots back: into the free-slot index and the SKU's free count when
        the node takes new work, only free otherwise (the node's state must still be ``node``'s)."""
        ...

    def hold_slots_for_wipe(self, allocation: Allocation) -> None:
        """Keep the slots out of the pool until the agent confirms their wipe."""
        ...

    def add_command(self, command: Command) -> None: ...

    @property
    def meters(self) -> Metering:
        """Billing's meter writes, in this same transaction."""
        ...

    def emit(self, event: DomainEvent) -> None: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


class CommandStore(Protocol):
    """Single-item conditional writes on a command (no transaction needed: each is one item)."""

    def attach_token(self, command_id: str, task_token: str, document: dict[str, Any]) -> Command:
        """Store the waiting task's token and the document about to be sent, unless a result is
        already in (then CommandAlreadyReported)."""
        ...

    def record_result(self, command_id: str, result: dict[str, Any], at: str) -> Command:
        """Store the agent's result once (else CommandAlreadyReported); returns the command as it
        is now, with the token of the task that waits for it."""
        ...

    def drop_in_flight(self, command_id: str) -> None: ...


class CommandQueue(Protocol):
    def send(self, node_id: str, document: dict[str, Any], deduplication_id: str) -> None: ...


class Workflows(Protocol):
    def start(self, workflow: str, name: str, payload: dict[str, Any]) -> None:
        """Start ``workflow`` ("provision" or "release") once per ``name``."""
        ...

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        """Resume the task; False when it no longer waits (timed out, or its execution ended)."""
        ...

    def fail(self, task_token: str, error: str, cause: str) -> bool: ...

    def heartbeat(self, task_token: str) -> bool: ...


AllocationUnitOfWorkFactory = Callable[[], AllocationUnitOfWork]


# What provisioning needs from billing (implemented by chalicelib.billing.service.BillingService).


class BillingAdmission(Protocol):
    def check_can_start(self, org_id: str, price_per_hour_micros: int) -> None:
        """Raise when the org cannot pay for a new allocation at this price (INSUFFICIENT_FUNDS,
        SPEND_CAP_REACHED, ACCOUNT_FROZEN); return when it can."""
        ...


class UsageSettlement(Protocol):
    def settle(self, allocation_id: str, until: datetime) -> object:
        """Bill the allocation's metered use up to ``until`` (idempotent: a second call bills nothing)."""
        ...
