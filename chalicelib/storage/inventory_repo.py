"""DynamoDB side of the inventory: the reader and the unit of work behind chalicelib.inventory.ports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.inventory.models import (
    SKU_ACTIVE,
    SLOT_FREE,
    CatalogFilter,
    Node,
    OsImage,
    Page,
    Sku,
    Slot,
)
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import (
    NodeItem,
    OsImageItem,
    SkuItem,
    SlotItem,
    TableItem,
    UniqueItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork

_GSI1_KEY = ("PK", "SK", "GSI1PK", "GSI1SK")
_GSI2_KEY = ("PK", "SK", "GSI2PK", "GSI2SK")
_BASE_KEY = ("PK", "SK")


# Item <-> domain --------------------------------------------------------------------------


def sku_item(sku: Sku) -> SkuItem:
    pk, sk = keys.sku(sku.id)
    active = sku.status == SKU_ACTIVE
    return SkuItem(
        PK=pk,
        SK=sk,
        # Retired SKUs leave the catalog index (sparse GSI) but stay in the admin listing.
        GSI1PK=keys.CATALOG_PARTITION if active else None,
        GSI1SK=keys.catalog_sort_key(sku.region, sku.gpu_model, sku.gpus, sku.id) if active else None,
        GSI2PK=keys.ALL_SKUS_PARTITION,
        GSI2SK=sku.id,
        id=sku.id,
        name=sku.name,
        gpu_model=sku.gpu_model,
        gpus=sku.gpus,
        vcpus=sku.vcpus,
        ram_gib=sku.ram_gib,
        disk_gib=sku.disk_gib,
        region=sku.region,
        price_per_hour_micros=sku.price_per_hour_micros,
        currency=sku.currency,
        status=sku.status,
        total_slots=sku.total_slots,
        free_slots=sku.free_slots,
        version=sku.version,
        created_at=sku.created_at,
        updated_at=sku.updated_at,
    )


def sku_from_item(item: SkuItem) -> Sku:
    return Sku(
        id=item.id,
        name=item.name,
        gpu_model=item.gpu_model,
        gpus=int(item.gpus),
        vcpus=int(item.vcpus),
        ram_gib=int(item.ram_gib),
        disk_gib=int(item.disk_gib),
        region=item.region,
        price_per_hour_micros=int(item.price_per_hour_micros),
        currency=item.currency,
        status=item.status,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version),
        total_slots=int(item.total_slots),
        free_slots=int(item.free_slots),
    )


def os_image_item(image: OsImage) -> OsImageItem:
    pk, sk = keys.os_image(image.id)
    return OsImageItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.PUBLIC_OS_IMAGES_PARTITION,
        GSI1SK=keys.os_image_by_name(image.name, image.id),
        GSI2PK=keys.ALL_OS_IMAGES_PARTITION,
        GSI2SK=image.id,
        id=image.id,
        name=image.name,
        family=image.family,
        version_label=image.version,
        cuda_version=image.cuda_version,
        container_image=image.container_image,
        status=image.status,
        created_at=image.created_at,
    )


def os_image_from_item(item: OsImageItem) -> OsImage:
    return OsImage(
        id=item.id,
        name=item.name,
        family=item.family,
        version=item.version_label,
        cuda_version=item.cuda_version,
        container_image=item.container_image,
        status=item.status,
        created_at=item.created_at,
    )


def node_item(node: Node) -> NodeItem:
    pk, sk = keys.node(node.id)
    return NodeItem(
        PK=pk,
        SK=sk,
        GSI1PK=keys.nodes_of_sku(node.sku_id),
        GSI1SK=node.id,
        GSI2PK=keys.ALL_NODES_PARTITION,
        GSI2SK=node.id,
        id=node.id,
        hostname=node.hostname,
        sku_id=node.sku_id,
        region=node.region,
        gpu_model=node.gpu_model,
        gpu_count=node.gpu_count,
        slot_count=node.slot_count,
        status=node.status,
        health=node.health,
        version=node.version,
        created_at=node.created_at,
    )


def slot_item(slot: Slot) -> SlotItem:
    pk, sk = keys.slot(slot.node_id, slot.index)
    free = slot.state == SLOT_FREE
    return SlotItem(
        PK=pk,
        SK=sk,
        # Free slots sit in a sparse index per SKU: placement reads candidates in one query.
        GSI1PK=keys.free_slots_of_sku(slot.sku_id) if free else None,
        GSI1SK=keys.free_slot_sort_key(slot.node_id, slot.index) if free else None,
        node_id=slot.node_id,
        index=slot.index,
        sku_id=slot.sku_id,
        gpu_indexes=list(slot.gpu_indexes),
        state=slot.state,
        allocation_id=slot.allocation_id,
    )


def numbers(values: Iterable[object]) -> tuple[int, ...]:
    """A list attribute of numbers as the domain holds it (DynamoDB hands numbers back as Decimal)."""
    return tuple(int(str(v)) for v in values)


def slot_from_item(item: SlotItem) -> Slot:
    return Slot(
        node_id=item.node_id,
        index=int(item.index),
        sku_id=item.sku_id,
        gpu_indexes=numbers(item.gpu_indexes),
        state=item.state,
        allocation_id=item.allocation_id,
    )


def node_from_item(item: NodeItem, slots: tuple[Slot, ...] = ()) -> Node:
    return Node(
        id=item.id,
        hostname=item.hostname,
        sku_id=item.sku_id,
        region=item.region,
        gpu_model=item.gpu_model,
        gpu_count=int(item.gpu_count),
        slot_count=int(item.slot_count),
        status=item.status,
        version=int(item.version),
        created_at=item.created_at,
        slots=slots,
        health=item.health or "healthy",
    )


# Reader -----------------------------------------------------------------------------------


class DynamoInventoryReader:
    def __init__(self) -> None:
        bind_table()

    def get_sku(self, sku_id: str) -> Sku | None:
        item = get_item(SkuItem, keys.sku(sku_id))
        return sku_from_item(item) if item else None

    def list_catalog(self, query: CatalogFilter, limit: int, cursor: str | None) -> Page:
        prefix = keys.catalog_prefix(query.region, query.gpu_model)
        # Filters that are not part of the sort key are applied server-side in the same request.
        conditions = []
        if query.region is None and query.gpu_model is not None:
            conditions.append(SkuItem.gpu_model == query.gpu_model)
        if query.min_gpus is not None:
            conditions.append(SkuItem.gpus >= query.min_gpus)
        if query.max_price_per_hour_micros is not None:
            conditions.append(SkuItem.price_per_hour_micros <= query.max_price_per_hour_micros)
        if query.available is True:
            conditions.append(SkuItem.free_slots > 0)
        elif query.available is False:
            conditions.append(SkuItem.free_slots <= 0)
        filter_condition = None
        for condition in conditions:
            filter_condition = condition if filter_condition is None else filter_condition & condition
        start = decode_cursor(cursor, key_attributes=_GSI1_KEY, partition=("GSI1PK", keys.CATALOG_PARTITION))
        if start is not None and prefix is not None and not start["GSI1SK"]["S"].startswith(prefix):
            raise errors.InvalidCursorError()
        items, last = query_page(
            TableItem.gsi1.query,
            keys.CATALOG_PARTITION,
            range_key_condition=TableItem.GSI1SK.startswith(prefix) if prefix else None,
            filter_condition=filter_condition,
            limit=limit,
            start_key=start,
        )
        return Page([sku_from_item(i) for i in items if isinstance(i, SkuItem)], encode_cursor(last))

    def list_skus(self, limit: int, cursor: str | None) -> Page:
        items, last = self._list_gsi2(keys.ALL_SKUS_PARTITION, limit, cursor)
        return Page([sku_from_item(i) for i in items if isinstance(i, SkuItem)], encode_cursor(last))

    def get_os_image(self, image_id: str) -> OsImage | None:
        item = get_item(OsImageItem, keys.os_image(image_id))
        return os_image_from_item(item) if item else None

    def list_os_images(self, *, available_only: bool, limit: int, cursor: str | None) -> Page:
        if available_only:
            start = decode_cursor(
                cursor, key_attributes=_GSI1_KEY, partition=("GSI1PK", keys.PUBLIC_OS_IMAGES_PARTITION)
            )
            items, last = query_page(
                TableItem.gsi1.query, keys.PUBLIC_OS_IMAGES_PARTITION, limit=limit, start_key=start
            )
        else:
            items, last = self._list_gsi2(keys.ALL_OS_IMAGES_PARTITION, limit, cursor)
        return Page([os_image_from_item(i) for i in items if isinstance(i, OsImageItem)], encode_cursor(last))

    def get_node(self, node_id: str) -> Node | None:
        # The node and its slots share a partition: one query returns both.
        items, _ = query_page(TableItem.query, keys.node_partition(node_id), limit=200, start_key=None)
        node = next((i for i in items if isinstance(i, NodeItem)), None)
        if node is None:
            return None
        slots = tuple(slot_from_item(i) for i in items if isinstance(i, SlotItem))
        return node_from_item(node, slots)

    def list_nodes(self, limit: int, cursor: str | None) -> Page:
        items, last = self._list_gsi2(keys.ALL_NODES_PARTITION, limit, cursor)
        return Page([node_from_item(i) for i in items if isinstance(i, NodeItem)], encode_cursor(last))

    def count_capacity(self, sku_id: str) -> tuple[int, int]:
        total = sum(
            int(n.slot_count) for n in TableItem.gsi1.query(keys.nodes_of_sku(sku_id)) if isinstance(n, NodeItem)
        )
        free = TableItem.gsi1.count(keys.free_slots_of_sku(sku_id))
        return total, free

    def _list_gsi2(self, partition: str, limit: int, cursor: str | None) -> tuple[list[Any], Any]:
        start = decode_cursor(cursor, key_attributes=_GSI2_KEY, partition=("GSI2PK", partition))
        return query_page(TableItem.gsi2.query, partition, limit=limit, start_key=start)


# Unit of work -----------------------------------------------------------------------------


class DynamoInventoryUnitOfWork(DynamoUnitOfWork):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)

    def add_sku(self, sku: Sku) -> None:
        self._claim_unique("sku_name", sku.name, sku.id, errors.SkuNameTakenError)
        self.put(sku_item(sku), condition=SkuItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def update_sku(self, before: Sku, after: Sku) -> None:
        if before.name != after.name:
            self._claim_unique("sku_name", after.name, after.id, errors.SkuNameTakenError)
            self._release_unique("sku_name", before.name, before.id)
        pk, sk = keys.sku(after.id)
        # Optimistic concurrency: the write holds only if nobody changed the SKU since we read it.
        # Capacity counters are not ours to overwrite (node writes ADD to them), so they are
        # left out of the update.
        actions: list[Action] = [
            SkuItem.name.set(after.name),
            SkuItem.vcpus.set(after.vcpus),
            SkuItem.ram_gib.set(after.ram_gib),
            SkuItem.disk_gib.set(after.disk_gib),
            SkuItem.price_per_hour_micros.set(after.price_per_hour_micros),
            SkuItem.status.set(after.status),
            SkuItem.version.set(after.version),
            SkuItem.updated_at.set(after.updated_at),
        ]
        if after.status != SKU_ACTIVE:  # out of the catalog index, as sku_item() leaves it
            actions += [SkuItem.GSI1PK.remove(), SkuItem.GSI1SK.remove()]
        target = SkuItem(PK=pk, SK=sk)
        self.update(
            target,
            actions,
            condition=SkuItem.version == before.version,
            error=errors.ConcurrentUpdateError,
        )

    def add_os_image(self, image: OsImage) -> None:
        self._claim_unique("os_image_name", image.name, image.id, errors.OsImageNameTakenError)
        self.put(os_image_item(image), condition=OsImageItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def add_node(self, node: Node, slots: tuple[Slot, ...], sku: Sku) -> None:
        self._claim_unique("hostname", node.hostname, node.id, errors.NodeHostnameTakenError)
        self.put(node_item(node), condition=NodeItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)
        for slot in slots:
            self.put(slot_item(slot), condition=SlotItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)
        # ADD keeps concurrent node registrations from losing each other's capacity; the
        # condition keeps capacity from being added to a SKU retired meanwhile.
        pk, sk = keys.sku(sku.id)
        self.update(
            SkuItem(PK=pk, SK=sk),
            [SkuItem.total_slots.add(len(slots)), SkuItem.free_slots.add(len(slots))],
            condition=SkuItem.status == SKU_ACTIVE,
            error=errors.SkuRetiredError,
        )

    def set_node_state(self, before: Node, after: Node) -> None:
        pk, sk = keys.node(after.id)
        self.update(
            NodeItem(PK=pk, SK=sk),
            [NodeItem.status.set(after.status), NodeItem.health.set(after.health), NodeItem.version.set(after.version)],
            condition=NodeItem.version == before.version,
            error=errors.ConcurrentUpdateError,
        )
        if before.placeable == after.placeable:
            return
        placeable = after.placeable
        free_slots = tuple(s for s in before.slots if s.state == SLOT_FREE)
        for slot in free_slots:
            spk, ssk = keys.slot(slot.node_id, slot.index)
            actions: list[Action]
            if placeable:
                actions = [
                    SlotItem.GSI1PK.set(keys.free_slots_of_sku(slot.sku_id)),
                    SlotItem.GSI1SK.set(keys.free_slot_sort_key(slot.node_id, slot.index)),
                ]
            else:
                actions = [SlotItem.GSI1PK.remove(), SlotItem.GSI1SK.remove()]
            # The slot must still be free: a claim that got there first wins, and this change retries.
            self.update(
                SlotItem(PK=spk, SK=ssk),
                actions,
                condition=SlotItem.state == SLOT_FREE,
                error=errors.ConcurrentUpdateError,
            )
        if free_slots:
            skpk, sksk = keys.sku(after.sku_id)
            delta = len(free_slots) if placeable else -len(free_slots)
            self.update(
                SkuItem(PK=skpk, SK=sksk),
                [SkuItem.free_slots.add(delta)],
                condition=SkuItem.PK.exists(),
                error=errors.SkuNotFoundError,
            )

    def correct_capacity(self, sku: Sku, total_slots: int, free_slots: int) -> None:
        pk, sk = keys.sku(sku.id)
        self.update(
            SkuItem(PK=pk, SK=sk),
            [SkuItem.total_slots.set(total_slots), SkuItem.free_slots.set(free_slots)],
            condition=(SkuItem.total_slots == sku.total_slots) & (SkuItem.free_slots == sku.free_slots),
            error=errors.ConcurrentUpdateError,
        )

    def _claim_unique(self, kind: str, value: str, owner_id: str, error: type[errors.AppError]) -> None:
        pk, sk = keys.unique(kind, value)
        self.put(UniqueItem(PK=pk, SK=sk, owner_id=owner_id), condition=UniqueItem.PK.does_not_exist(), error=error)

    def _release_unique(self, kind: str, value: str, owner_id: str) -> None:
        pk, sk = keys.unique(kind, value)
        self.delete(
            UniqueItem(PK=pk, SK=sk, owner_id=owner_id),
            condition=UniqueItem.owner_id == owner_id,
            error=errors.ConcurrentUpdateError,
        )
