"""DynamoDB side of provisioning: allocations, their history, their slot claims and node commands."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.core.events import DomainEvent
from chalicelib.core.page import Page
from chalicelib.inventory.models import SKU_ACTIVE, SLOT_CLAIMED, SLOT_FREE, Node, OsImage, Sku, Slot
from chalicelib.provisioning.models import (
    FINAL_STATES,
    SLOT_WIPE_PENDING,
    Allocation,
    ClaimedSlot,
    Command,
    Connection,
)
from chalicelib.sshkeys.models import SshKey
from chalicelib.storage import keys
from chalicelib.storage.billing_repo import MeterWrites
from chalicelib.storage.inventory_repo import DynamoInventoryReader, numbers, slot_from_item
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.ssh_key_repo import DynamoSshKeys
from chalicelib.storage.table import (
    AllocationEventItem,
    AllocationItem,
    ClaimedSlotAttribute,
    CommandItem,
    NodeItem,
    SkuItem,
    SlotItem,
    TableItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork

# How many free slots placement considers at most: enough for best fit over many nodes, bounded
# so that a SKU with thousands of free slots does not cost thousands of reads per request.
_PLACEMENT_CANDIDATES = 500


def allocation_item(allocation: Allocation) -> AllocationItem:
    pk, sk = keys.allocation(allocation.id)
    on_node = allocation.state not in FINAL_STATES
    connection = allocation.connection
    return AllocationItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.allocations_of_org(allocation.org_id),
        GSI1SK=keys.allocation_by_creation(allocation.created_at, allocation.id),
        # Only allocations that hold slots are listed under their node.
        GSI2PK=keys.allocations_on_node(allocation.node_id) if on_node else None,
        GSI2SK=allocation.id if on_node else None,
        id=allocation.id,
        org_id=allocation.org_id,
        user_id=allocation.user_id,
        name=allocation.name,
        sku_id=allocation.sku_id,
        region=allocation.region,
        gpu_model=allocation.gpu_model,
        slot_count=allocation.count,
        gpus=allocation.gpus,
        os_image_id=allocation.os_image_id,
        container_image=allocation.container_image,
        ssh_user=allocation.ssh_user,
        ssh_key_ids=list(allocation.ssh_key_ids),
        ssh_public_keys=list(allocation.ssh_public_keys),
        node_id=allocation.node_id,
        slots=[_claimed_slot(s) for s in allocation.slots],
        price_per_hour_micros=allocation.price_per_hour_micros,
        currency=allocation.currency,
        state=allocation.state,
        created_at=allocation.created_at,
        updated_at=allocation.updated_at,
        version=allocation.version,
        reason=allocation.reason,
        connection_host=connection.host if connection else None,
        connection_port=connection.port if connection else None,
        connection_user=connection.user if connection else None,
        connection_host_key=connection.host_key if connection else None,
        connection_host_key_fingerprint=connection.host_key_fingerprint if connection else None,
        activated_at=allocation.activated_at,
        release_requested_at=allocation.release_requested_at,
        released_at=allocation.released_at,
        failed_at=allocation.failed_at,
        node_down_at=allocation.node_down_at,
        wiped=allocation.wiped,
        provision_command_id=allocation.provision_command_id,
        release_command_id=allocation.release_command_id,
        startup_script=allocation.startup_script,
    )


def _claimed_slot(slot: ClaimedSlot) -> ClaimedSlotAttribute:
    return ClaimedSlotAttribute(index=slot.index, gpu_indexes=list(slot.gpu_indexes))  # type: ignore[no-untyped-call]


def allocation_from(item: AllocationItem) -> Allocation:
    connection = (
        Connection(
            item.connection_host,
            int(item.connection_port),
            item.connection_user or "",
            item.connection_host_key,
            item.connection_host_key_fingerprint,
        )
        if item.connection_host is not None and item.connection_port is not None
        else None
    )
    return Allocation(
        id=item.id,
        org_id=item.org_id,
        user_id=item.user_id,
        name=item.name,
        sku_id=item.sku_id,
        region=item.region,
        gpu_model=item.gpu_model,
        count=int(item.slot_count),
        gpus=int(item.gpus),
        os_image_id=item.os_image_id,
        container_image=item.container_image,
        ssh_user=item.ssh_user,
        ssh_key_ids=tuple(str(k) for k in item.ssh_key_ids),
        ssh_public_keys=tuple(str(k) for k in item.ssh_public_keys),
        node_id=item.node_id,
        slots=tuple(ClaimedSlot(int(str(s.index)), numbers(s.gpu_indexes)) for s in item.slots),
        price_per_hour_micros=int(item.price_per_hour_micros),
        currency=item.currency,
        state=item.state,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version),
        reason=item.reason,
        connection=connection,
        activated_at=item.activated_at,
        release_requested_at=item.release_requested_at,
        released_at=item.released_at,
        failed_at=item.failed_at,
        node_down_at=item.node_down_at,
        wiped=item.wiped,
        provision_command_id=item.provision_command_id,
        release_command_id=item.release_command_id,
        startup_script=item.startup_script,
    )


# What a change may rewrite (a state change, or an active allocation's keys); the rest is fixed at the claim.
_MUTABLE = (
    AllocationItem.state,
    AllocationItem.updated_at,
    AllocationItem.version,
    AllocationItem.reason,
    AllocationItem.connection_host,
    AllocationItem.connection_port,
    AllocationItem.connection_user,
    AllocationItem.connection_host_key,
    AllocationItem.connection_host_key_fingerprint,
    AllocationItem.ssh_key_ids,
    AllocationItem.ssh_public_keys,
    AllocationItem.activated_at,
    AllocationItem.release_requested_at,
    AllocationItem.released_at,
    AllocationItem.failed_at,
    AllocationItem.node_down_at,
    AllocationItem.wiped,
    AllocationItem.provision_command_id,
    AllocationItem.release_command_id,
)


def command_from(item: CommandItem) -> Command:
    return Command(
        id=item.id,
        node_id=item.node_id,
        allocation_id=item.allocation_id,
        kind=item.kind,
        document=item.document,
        task_token=item.task_token,
        attempts=int(item.attempts or 0),
        result=item.result,
        reported_at=item.reported_at,
    )


class DynamoAllocationReader:
    def __init__(self, inventory: DynamoInventoryReader, ssh_keys: DynamoSshKeys) -> None:
        bind_table()
        self._inventory = inventory
        self._ssh_keys = ssh_keys

    def get_sku(self, sku_id: str) -> Sku | None:
        return self._inventory.get_sku(sku_id)

    def get_os_image(self, image_id: str) -> OsImage | None:
        return self._inventory.get_os_image(image_id)

    def get_node(self, node_id: str) -> Node | None:
        return self._inventory.get_node(node_id)

    def free_slots(self, sku_id: str) -> list[Slot]:
        items, _ = query_page(
            TableItem.gsi1.query, keys.free_slots_of_sku(sku_id), limit=_PLACEMENT_CANDIDATES, start_key=None
        )
        return [slot_from_item(i) for i in items if isinstance(i, SlotItem)]

    def ssh_keys(self, user_id: str) -> list[SshKey]:
        found: list[SshKey] = []
        cursor = None
        while True:
            page = self._ssh_keys.list(user_id, 100, cursor)
            found += page.items
            if not page.next_cursor:
                return found
            cursor = page.next_cursor

    def get_allocation(self, allocation_id: str) -> Allocation | None:
        item = get_item(AllocationItem, keys.allocation(allocation_id), consistent=True)
        return allocation_from(item) if item else None

    def list_allocations(self, org_id: str, state: str | None, limit: int, cursor: str | None) -> Page:
        partition = keys.allocations_of_org(org_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK", "GSI1PK", "GSI1SK"), partition=("GSI1PK", partition))
        items, last = query_page(
            TableItem.gsi1.query,
            partition,
            filter_condition=(AllocationItem.state == state) if state else None,
            limit=limit,
            start_key=start,
            scan_index_forward=False,  # newest first
        )
        return Page([allocation_from(i) for i in items if isinstance(i, AllocationItem)], encode_cursor(last))

    def allocation_events(self, allocation_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.allocation_partition(allocation_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(
            TableItem.query,
            partition,
            range_key_condition=TableItem.SK.startswith(keys.ALLOCATION_EVENT_PREFIX),
            limit=limit,
            start_key=start,
        )
        return Page([i.event for i in items if isinstance(i, AllocationEventItem)], encode_cursor(last))

    def allocations_on_node(self, node_id: str) -> list[Allocation]:
        return [
            allocation_from(i)
            for i in TableItem.gsi2.query(keys.allocations_on_node(node_id))
            if isinstance(i, AllocationItem)
        ]

    def get_command(self, command_id: str) -> Command | None:
        item = get_item(CommandItem, keys.command(command_id), consistent=True)
        return command_from(item) if item else None

    def commands_in_flight(self, node_id: str) -> list[Command]:
        return [
            command_from(i)
            for i in TableItem.gsi1.query(keys.commands_in_flight(node_id))
            if isinstance(i, CommandItem)
        ]


class _AllocationMeters:
    """provisioning's ``Metering``, written by billing's storage into this same transaction."""

    def __init__(self, writes: MeterWrites) -> None:
        self._writes = writes

    def open_meter(self, allocation: Allocation) -> None:
        self._writes.open(
            allocation.id,
            allocation.org_id,
            allocation.sku_id,
            allocation.price_per_hour_micros,
            allocation.currency,
            allocation.activated_at or allocation.updated_at,
        )

    def end_meter(self, allocation_id: str, at: str) -> None:
        self._writes.end(allocation_id, at)


class DynamoAllocationUnitOfWork(DynamoUnitOfWork):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.meters = _AllocationMeters(MeterWrites(self))

    def claim(self, allocation: Allocation, slots: tuple[Slot, ...]) -> None:
        for slot in slots:
            pk, sk = keys.slot(slot.node_id, slot.index)
            self.update(
                SlotItem(PK=pk, SK=sk),
                [
                    SlotItem.state.set(SLOT_CLAIMED),
                    SlotItem.allocation_id.set(allocation.id),
                    SlotItem.GSI1PK.remove(),
                    SlotItem.GSI1SK.remove(),
                ],
                # Still free, and still in the free-slot index (its node still takes new work).
                condition=(SlotItem.state == SLOT_FREE) & SlotItem.GSI1PK.exists(),
                error=errors.SlotUnavailableError,
            )
        pk, sk = keys.sku(allocation.sku_id)
        self.update(
            SkuItem(PK=pk, SK=sk),
            [SkuItem.free_slots.add(-len(slots))],
            condition=(SkuItem.free_slots >= len(slots)) & (SkuItem.status == SKU_ACTIVE),
            error=errors.InsufficientCapacityError,
        )
        self.put(
            allocation_item(allocation),
            condition=AllocationItem.PK.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )

    def save(self, before: Allocation, after: Allocation) -> None:
        item = allocation_item(after)
        actions: list[Action] = []
        for attribute in _MUTABLE:
            value = getattr(item, attribute.attr_name)
            actions.append(attribute.remove() if value is None else attribute.set(value))
        if after.state in FINAL_STATES:  # off its node's index, as allocation_item() leaves it
            actions += [AllocationItem.GSI2PK.remove(), AllocationItem.GSI2SK.remove()]
        pk, sk = keys.allocation(after.id)
        self.update(
            AllocationItem(PK=pk, SK=sk),
            actions,
            condition=AllocationItem.version == before.version,
            error=errors.ConcurrentUpdateError,
        )

    def free_slots(self, allocation: Allocation, node: Node) -> None:
        placeable = node.placeable
        for slot in allocation.slots:
            pk, sk = keys.slot(allocation.node_id, slot.index)
            actions: list[Action] = [SlotItem.state.set(SLOT_FREE), SlotItem.allocation_id.remove()]
            if placeable:
                actions += [
                    SlotItem.GSI1PK.set(keys.free_slots_of_sku(allocation.sku_id)),
                    SlotItem.GSI1SK.set(keys.free_slot_sort_key(allocation.node_id, slot.index)),
                ]
            self.update(
                SlotItem(PK=pk, SK=sk),
                actions,
                condition=SlotItem.allocation_id == allocation.id,
                error=errors.ConcurrentUpdateError,
            )
        if placeable:
            pk, sk = keys.sku(allocation.sku_id)
            self.update(
                SkuItem(PK=pk, SK=sk),
                [SkuItem.free_slots.add(len(allocation.slots))],
                condition=SkuItem.PK.exists(),
                error=errors.SkuNotFoundError,
            )
        # Whether the slots enter the pool depends on the node's state as read: it must not have
        # changed (a drain meanwhile moves free slots out of the pool itself).
        self.check(NodeItem, keys.node(node.id), NodeItem.version == node.version, errors.ConcurrentUpdateError)

    def hold_slots_for_wipe(self, allocation: Allocation) -> None:
        for slot in allocation.slots:
            pk, sk = keys.slot(allocation.node_id, slot.index)
            self.update(
                SlotItem(PK=pk, SK=sk),
                [SlotItem.state.set(SLOT_WIPE_PENDING)],
                condition=SlotItem.allocation_id == allocation.id,
                error=errors.ConcurrentUpdateError,
            )

    def add_command(self, command: Command) -> None:
        pk, sk = keys.command(command.id)
        item = CommandItem(
            PK=pk,
            SK=sk,
            id=command.id,
            node_id=command.node_id,
            allocation_id=command.allocation_id,
            kind=command.kind,
            document=command.document,
            attempts=0,
        )
        self.put(item, condition=CommandItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def emit(self, event: DomainEvent) -> None:
        wrapped = self.outbox(event)
        if event.type.startswith("allocation."):
            # The allocation's own history, readable at once (the event archive is eventually
            # consistent, this is not).
            pk, sk = keys.allocation_event(event.subject, wrapped["time"], event.id)
            self.put(AllocationEventItem(PK=pk, SK=sk, event=wrapped))


class DynamoCommandStore:
    def __init__(self) -> None:
        bind_table()

    def attach_token(self, command_id: str, task_token: str, document: dict[str, Any]) -> Command:
        command = self._item(command_id)
        try:
            command.update(
                actions=[
                    CommandItem.task_token.set(task_token),
                    CommandItem.document.set(document),
                    CommandItem.attempts.add(1),
                    # In flight: the node's heartbeats keep this task alive from now on.
                    CommandItem.GSI1PK.set(keys.commands_in_flight(command.node_id)),
                    CommandItem.GSI1SK.set(command_id),
                ],
                condition=CommandItem.result.does_not_exist(),
                add_version_condition=False,
            )
        except UpdateError as exc:
            _raise_if_conditional(exc, errors.CommandAlreadyReportedError)
        return command_from(command)

    def record_result(self, command_id: str, result: dict[str, Any], at: str) -> Command:
        command = self._item(command_id)
        try:
            command.update(
                actions=[
                    CommandItem.result.set(result),
                    CommandItem.reported_at.set(at),
                    CommandItem.GSI1PK.remove(),
                    CommandItem.GSI1SK.remove(),
                ],
                condition=CommandItem.result.does_not_exist(),
                add_version_condition=False,
            )
        except UpdateError as exc:
            _raise_if_conditional(exc, errors.CommandAlreadyReportedError)
        return command_from(command)

    def drop_in_flight(self, command_id: str) -> None:
        command = self._item(command_id)
        command.update(actions=[CommandItem.GSI1PK.remove(), CommandItem.GSI1SK.remove()], add_version_condition=False)

    @staticmethod
    def _item(command_id: str) -> CommandItem:
        item: CommandItem | None = get_item(CommandItem, keys.command(command_id), consistent=True)
        if item is None:
            raise errors.CommandNotFoundError()
        return item


def _raise_if_conditional(exc: UpdateError, error: type[errors.AppError]) -> None:
    if exc.cause_response_code == "ConditionalCheckFailedException":
        raise error() from exc
    raise exc
