"""In-memory provisioning storage and adapters with DynamoDB's and Step Functions' semantics: a
unit of work applies all of its writes or none (each condition raising the same domain error as
chalicelib.storage.allocation_repo), commands take one result, and a task token resumes once.
Also the billing ports provisioning calls (admission, settlement)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.inventory.models import SKU_ACTIVE, SLOT_CLAIMED, SLOT_FREE, Node, OsImage, Sku, Slot
from chalicelib.provisioning.models import FINAL_STATES, SLOT_WIPE_PENDING, Allocation, Command
from chalicelib.sshkeys.models import SshKey
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


@dataclass
class FakeMeter:
    allocation_id: str
    started_at: str
    ends_at: str | None = None


@dataclass
class ProvisioningStore(FakeStore):
    skus: dict[str, Sku] = field(default_factory=dict)
    images: dict[str, OsImage] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    slots: dict[tuple[str, int], Slot] = field(default_factory=dict)
    ssh_keys: dict[str, list[SshKey]] = field(default_factory=dict)
    allocations: dict[str, Allocation] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)
    meters: dict[str, FakeMeter] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    transactions: int = 0

    def add_node(self, node: Node, slots: tuple[Slot, ...]) -> None:
        """Seed a node and its (free) slots, with the SKU's counters, as inventory would."""
        self.nodes[node.id] = replace(node, slots=())
        for slot in slots:
            self.slots[(slot.node_id, slot.index)] = slot
        sku = self.skus[node.sku_id]
        self.skus[sku.id] = replace(
            sku, total_slots=sku.total_slots + len(slots), free_slots=sku.free_slots + len(slots)
        )

    def events(self, allocation_id: str | None = None) -> list[str]:
        return [e.type for e in self.outbox if allocation_id is None or e.subject == allocation_id]


class FakeAllocationReader:
    def __init__(self, store: ProvisioningStore) -> None:
        self.s = store

    def get_sku(self, sku_id: str) -> Sku | None:
        return self.s.skus.get(sku_id)

    def get_os_image(self, image_id: str) -> OsImage | None:
        return self.s.images.get(image_id)

    def get_node(self, node_id: str) -> Node | None:
        node = self.s.nodes.get(node_id)
        if node is None:
            return None
        slots = tuple(sorted((s for s in self.s.slots.values() if s.node_id == node_id), key=lambda s: s.index))
        return replace(node, slots=slots)

    def free_slots(self, sku_id: str) -> list[Slot]:
        return [
            s
            for s in sorted(self.s.slots.values(), key=lambda s: (s.node_id, s.index))
            if s.sku_id == sku_id and s.state == SLOT_FREE and self.s.nodes[s.node_id].placeable
        ]

    def ssh_keys(self, user_id: str) -> list[SshKey]:
        return list(self.s.ssh_keys.get(user_id, []))

    def get_allocation(self, allocation_id: str) -> Allocation | None:
        return self.s.allocations.get(allocation_id)

    def list_allocations(self, org_id: str, state: str | None, limit: int, cursor: str | None) -> Page:
        found = sorted(
            (a for a in self.s.allocations.values() if a.org_id == org_id and (state is None or a.state == state)),
            key=lambda a: (a.created_at, a.id),
            reverse=True,
        )
        start = int(cursor) if cursor else 0
        nxt = str(start + limit) if start + limit < len(found) else None
        return Page(found[start : start + limit], nxt)

    def allocation_events(self, allocation_id: str, limit: int, cursor: str | None) -> Page:
        found = [
            {"type": e.type, "subject": e.subject, "data": e.data} for e in self.s.outbox if e.subject == allocation_id
        ]
        start = int(cursor) if cursor else 0
        nxt = str(start + limit) if start + limit < len(found) else None
        return Page(found[start : start + limit], nxt)

    def allocations_on_node(self, node_id: str) -> list[Allocation]:
        return [a for a in self.s.allocations.values() if a.node_id == node_id and a.state not in FINAL_STATES]

    def get_command(self, command_id: str) -> Command | None:
        return self.s.commands.get(command_id)

    def commands_in_flight(self, node_id: str) -> list[Command]:
        return [c for c in self.s.commands.values() if c.node_id == node_id and c.id in self.s.in_flight]


class FakeMeters:
    """provisioning's Metering port, collected into the unit of work that holds it."""

    def __init__(self, ops: list[tuple[Any, ...]]) -> None:
        self._ops = ops

    def open_meter(self, allocation: Allocation) -> None:
        self._ops.append(("meter_open", allocation.id, allocation.activated_at or allocation.updated_at))

    def end_meter(self, allocation_id: str, at: str) -> None:
        self._ops.append(("meter_end", allocation_id, at))


class FakeAllocationUnitOfWork(FakeUnitOfWorkBase[ProvisioningStore]):
    def __init__(self, store: ProvisioningStore) -> None:
        super().__init__(store)
        self.meters = FakeMeters(self.ops)

    def claim(self, allocation: Allocation, slots: tuple[Slot, ...]) -> None:
        self.ops.append(("claim", allocation, slots))

    def save(self, before: Allocation, after: Allocation) -> None:
        self.ops.append(("save", before, after))

    def free_slots(self, allocation: Allocation, node: Node) -> None:
        self.ops.append(("free", allocation, node))

    def hold_slots_for_wipe(self, allocation: Allocation) -> None:
        self.ops.append(("hold", allocation))

    def add_command(self, command: Command) -> None:
        self.ops.append(("command", command))

    def _apply(self, s: ProvisioningStore, op: Op) -> None:
        _write(s, op)


def _write(s: ProvisioningStore, op: Op) -> None:
    kind = op[0]
    if kind == "claim":
        allocation, slots = op[1], op[2]
        for slot in slots:
            current = s.slots.get((slot.node_id, slot.index))
            if current is None or current.state != SLOT_FREE or not s.nodes[slot.node_id].placeable:
                raise errors.SlotUnavailableError()
            s.slots[(slot.node_id, slot.index)] = replace(current, state=SLOT_CLAIMED, allocation_id=allocation.id)
        sku = s.skus[allocation.sku_id]
        if sku.free_slots < len(slots) or sku.status != SKU_ACTIVE:
            raise errors.InsufficientCapacityError()
        s.skus[sku.id] = replace(sku, free_slots=sku.free_slots - len(slots))
        if allocation.id in s.allocations:
            raise errors.ConcurrentUpdateError()
        s.allocations[allocation.id] = allocation
    elif kind == "save":
        before, after = op[1], op[2]
        current = s.allocations.get(before.id)
        if current is None or current.version != before.version:
            raise errors.ConcurrentUpdateError()
        s.allocations[after.id] = after
    elif kind == "free":
        allocation, node = op[1], op[2]
        for claimed in allocation.slots:
            slot = s.slots[(allocation.node_id, claimed.index)]
            if slot.allocation_id != allocation.id:
                raise errors.ConcurrentUpdateError()
            s.slots[(allocation.node_id, claimed.index)] = replace(slot, state=SLOT_FREE, allocation_id=None)
        if s.nodes[node.id].version != node.version:
            raise errors.ConcurrentUpdateError()
        if node.placeable:
            sku = s.skus[allocation.sku_id]
            s.skus[sku.id] = replace(sku, free_slots=sku.free_slots + len(allocation.slots))
    elif kind == "hold":
        allocation = op[1]
        for claimed in allocation.slots:
            slot = s.slots[(allocation.node_id, claimed.index)]
            if slot.allocation_id != allocation.id:
                raise errors.ConcurrentUpdateError()
            s.slots[(allocation.node_id, claimed.index)] = replace(slot, state=SLOT_WIPE_PENDING)
    elif kind == "command":
        command = op[1]
        if command.id in s.commands:
            raise errors.ConcurrentUpdateError()
        s.commands[command.id] = command
    elif kind == "meter_open":
        if op[1] in s.meters:
            raise errors.ConcurrentUpdateError()
        s.meters[op[1]] = FakeMeter(op[1], op[2])
    elif kind == "meter_end":
        meter = s.meters.get(op[1])
        if meter is not None and (meter.ends_at is None or meter.ends_at > op[2]):
            meter.ends_at = op[2]
    else:  # pragma: no cover - a new write kind without its semantics here
        raise AssertionError(f"unknown write {kind}")


class FakeCommandStore:
    def __init__(self, store: ProvisioningStore) -> None:
        self.s = store

    def attach_token(self, command_id: str, task_token: str, document: dict[str, Any]) -> Command:
        with self.s.lock:
            command = self._get(command_id)
            if command.result is not None:
                raise errors.CommandAlreadyReportedError()
            command = replace(command, task_token=task_token, document=document, attempts=command.attempts + 1)
            self.s.commands[command_id] = command
            self.s.in_flight.add(command_id)
            return command

    def record_result(self, command_id: str, result: dict[str, Any], at: str) -> Command:
        with self.s.lock:
            command = self._get(command_id)
            if command.result is not None:
                raise errors.CommandAlreadyReportedError()
            command = replace(command, result=result, reported_at=at)
            self.s.commands[command_id] = command
            self.s.in_flight.discard(command_id)
            return command

    def drop_in_flight(self, command_id: str) -> None:
        self.s.in_flight.discard(command_id)

    def _get(self, command_id: str) -> Command:
        command = self.s.commands.get(command_id)
        if command is None:
            raise errors.CommandNotFoundError()
        return command


class FakeCommandQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    def send(self, node_id: str, document: dict[str, Any], deduplication_id: str) -> None:
        self.sent.append((node_id, document, deduplication_id))

    def kinds(self) -> list[str]:
        return [str(document["type"]) for _, document, _ in self.sent]


class FakeWorkflows:
    """Step Functions as provisioning sees it: one execution per name; a task token resumes once."""

    def __init__(self) -> None:
        self.started: dict[str, tuple[str, dict[str, Any]]] = {}
        self.waiting: set[str] = set()
        self.resumed: list[tuple[str, str, Any]] = []
        self.heartbeats: list[str] = []
        self.unavailable = False

    def start(self, workflow: str, name: str, payload: dict[str, Any]) -> None:
        if self.unavailable:
            raise ConnectionError("Step Functions is unreachable")
        self.started.setdefault(name, (workflow, payload))

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        return self._resume(task_token, "succeed", output)

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        return self._resume(task_token, "fail", (error, cause))

    def heartbeat(self, task_token: str) -> bool:
        self.heartbeats.append(task_token)
        return task_token in self.waiting

    def _resume(self, task_token: str, how: str, what: Any) -> bool:
        if task_token not in self.waiting:
            return False
        self.waiting.discard(task_token)
        self.resumed.append((task_token, how, what))
        return True


class FakeBillingAdmission:
    """Admits every org unless ``refusal`` is set (the error billing would raise)."""

    def __init__(self) -> None:
        self.refusal: errors.AppError | None = None
        self.asked: list[tuple[str, int]] = []

    def check_can_start(self, org_id: str, price_per_hour_micros: int) -> None:
        self.asked.append((org_id, price_per_hour_micros))
        if self.refusal is not None:
            raise self.refusal


class FakeUsageSettlement:
    def __init__(self) -> None:
        self.settled: list[str] = []

    def settle(self, allocation_id: str, until: object) -> object:
        self.settled.append(allocation_id)
        return None
