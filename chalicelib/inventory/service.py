"""Inventory use cases: the operator's catalog and fleet, and the public catalog read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.inventory import payloads
from chalicelib.inventory.commands import CreateNode, CreateOsImage, CreateSku, UpdateSku
from chalicelib.inventory.models import (
    NODE_ACTIVE,
    NODE_DRAINING,
    OS_IMAGE_AVAILABLE,
    SKU_ACTIVE,
    SKU_RETIRED,
    CatalogFilter,
    Node,
    OsImage,
    Page,
    Sku,
    partition_into_slots,
)
from chalicelib.inventory.ports import InventoryReader, UnitOfWorkFactory

CONTEXT = "inventory"


def _event(event_type: str, subject: str, data: dict[str, Any]) -> DomainEvent:
    return DomainEvent(type=event_type, subject=subject, data=data, context=CONTEXT)


class InventoryService:
    def __init__(self, reader: InventoryReader, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._clock = clock

    def _now(self) -> str:
        return isoformat(self._clock.now())

    # SKUs ---------------------------------------------------------------------------------

    def create_sku(self, actor: Actor, cmd: CreateSku) -> Sku:
        now = self._now()
        sku = Sku(
            id=new_id("sku"),
            name=cmd.name,
            gpu_model=cmd.gpu_model,
            gpus=cmd.gpus,
            vcpus=cmd.vcpus,
            ram_gib=cmd.ram_gib,
            disk_gib=cmd.disk_gib,
            region=cmd.region,
            price_per_hour_micros=cmd.price_per_hour_micros,
            currency=cmd.currency,
            status=SKU_ACTIVE,
            created_at=now,
            updated_at=now,
        )
        uow = self._uow()
        uow.add_sku(sku)
        uow.emit(_event("sku.created", sku.id, {"sku": payloads.sku_event_data(sku)}))
        uow.audit(record("admin:skus:create", sku.id, actor, now, after=payloads.sku_audit(sku)))
        uow.commit()
        return sku

    def get_sku(self, sku_id: str, *, include_retired: bool = False) -> Sku:
        sku = self._reader.get_sku(sku_id)
        if sku is None or (sku.status == SKU_RETIRED and not include_retired):
            raise errors.SkuNotFoundError(f"No SKU with id {sku_id}")
        return sku

    def update_sku(self, actor: Actor, sku_id: str, update: UpdateSku, *, expected_version: int | None) -> Sku:
        before = self.get_sku(sku_id, include_retired=True)
        if expected_version is not None and expected_version != before.version:
            raise errors.PreconditionFailedError(f"SKU {sku_id} is at version {before.version}, not {expected_version}")
        if before.status == SKU_RETIRED:
            raise errors.SkuRetiredError(f"SKU {sku_id} is retired and cannot be changed")
        after, changed = before.with_changes(update.changes(), now=self._now())
        if not changed:
            return before
        uow = self._uow()
        uow.update_sku(before, after)
        uow.emit(_event("sku.updated", sku_id, {"sku": payloads.sku_event_data(after), "changed_fields": changed}))
        before_audit, after_audit = payloads.sku_audit(before), payloads.sku_audit(after)
        uow.audit(record("admin:skus:update", sku_id, actor, after.updated_at, before=before_audit, after=after_audit))
        uow.commit()
        return after

    def retire_sku(self, actor: Actor, sku_id: str, *, expected_version: int | None) -> Sku:
        before = self.get_sku(sku_id, include_retired=True)
        if expected_version is not None and expected_version != before.version:
            raise errors.PreconditionFailedError(f"SKU {sku_id} is at version {before.version}, not {expected_version}")
        if before.status == SKU_RETIRED:
            # Retiring twice is a no-op, not an error: the caller's intent already holds.
            return before
        after, _ = before.with_changes({"status": SKU_RETIRED}, now=self._now())
        uow = self._uow()
        uow.update_sku(before, after)
        uow.emit(_event("sku.retired", sku_id, {"sku": payloads.sku_event_data(after)}))
        before_audit, after_audit = payloads.sku_audit(before), payloads.sku_audit(after)
        uow.audit(record("admin:skus:retire", sku_id, actor, after.updated_at, before=before_audit, after=after_audit))
        uow.commit()
        return after

    def list_catalog(self, query: CatalogFilter, limit: int, cursor: str | None) -> Page:
        return self._reader.list_catalog(query, limit, cursor)

    def list_all_skus(self, limit: int, cursor: str | None) -> Page:
        return self._reader.list_skus(limit, cursor)

    def reconcile_capacity(self, page_size: int) -> list[str]:
        """Repair SKU capacity counters that drifted from the slots; returns the SKU ids corrected.

        Counters change in the same transaction as slots, so drift means a bug or a manual edit.
        The correction is conditional on the counters it read: if a claim moved them meanwhile,
        the correction is skipped and the next run looks again.
        """
        corrected: list[str] = []
        cursor: str | None = None
        while True:
            page = self._reader.list_skus(page_size, cursor)
            for sku in page.items:
                total, free = self._reader.count_capacity(sku.id)
                if (total, free) == (sku.total_slots, sku.free_slots):
                    continue
                uow = self._uow()
                uow.correct_capacity(sku, total, free)
                uow.emit(
                    _event(
                        "sku.capacity_corrected",
                        sku.id,
                        {
                            "sku_id": sku.id,
                            "before": {"total_slots": sku.total_slots, "free_slots": sku.free_slots},
                            "after": {"total_slots": total, "free_slots": free},
                        },
                    )
                )
                try:
                    uow.commit()
                except errors.ConcurrentUpdateError:
                    continue
                corrected.append(sku.id)
            cursor = page.next_cursor
            if cursor is None:
                return corrected

    # OS images ----------------------------------------------------------------------------

    def create_os_image(self, actor: Actor, cmd: CreateOsImage) -> OsImage:
        image = OsImage(
            id=new_id("img"),
            name=cmd.name,
            family=cmd.family,
            version=cmd.version,
            container_image=cmd.container_image,
            cuda_version=cmd.cuda_version,
            status=OS_IMAGE_AVAILABLE,
            created_at=self._now(),
        )
        uow = self._uow()
        uow.add_os_image(image)
        uow.emit(_event("os_image.created", image.id, {"os_image": payloads.os_image_event_data(image)}))
        audit = payloads.os_image_audit(image)
        uow.audit(record("admin:os_images:create", image.id, actor, image.created_at, after=audit))
        uow.commit()
        return image

    def get_os_image(self, image_id: str) -> OsImage:
        image = self._reader.get_os_image(image_id)
        if image is None:
            raise errors.OsImageNotFoundError(f"No OS image with id {image_id}")
        return image

    def list_os_images(self, *, available_only: bool, limit: int, cursor: str | None) -> Page:
        return self._reader.list_os_images(available_only=available_only, limit=limit, cursor=cursor)

    # Nodes --------------------------------------------------------------------------------

    def create_node(self, actor: Actor, cmd: CreateNode) -> Node:
        sku = self._reader.get_sku(cmd.sku_id)
        if sku is None:
            raise errors.SkuNotFoundError(f"No SKU with id {cmd.sku_id}")
        if sku.status == SKU_RETIRED:
            raise errors.SkuRetiredError(f"SKU {sku.id} is retired; nodes cannot be added to it")
        if cmd.gpu_model != sku.gpu_model:
            raise errors.SkuMismatchError(f"Node has {cmd.gpu_model} GPUs but SKU {sku.id} sells {sku.gpu_model}")
        if cmd.gpu_count % sku.gpus != 0:
            raise errors.SkuMismatchError(
                f"{cmd.gpu_count} GPUs cannot be cut into slots of {sku.gpus} GPUs for SKU {sku.id}"
            )
        node_id = new_id("node")
        slots = partition_into_slots(node_id, sku, cmd.gpu_count)
        node = Node(
            id=node_id,
            hostname=cmd.hostname,
            sku_id=sku.id,
            region=sku.region,
            gpu_model=sku.gpu_model,
            gpu_count=cmd.gpu_count,
            slot_count=len(slots),
            status=NODE_ACTIVE,
            created_at=self._now(),
            slots=slots,
        )
        uow = self._uow()
        uow.add_node(node, slots, sku)
        uow.emit(_event("node.created", node.id, {"node": payloads.node_event_data(node)}))
        audit = payloads.node_audit(node, with_slots=True)
        uow.audit(record("admin:nodes:create", node.id, actor, node.created_at, after=audit))
        uow.commit()
        return node

    def drain_node(self, actor: Actor, node_id: str, reason: str) -> Node:
        """Stop placing work on a node; what runs there keeps running. Draining twice is a no-op."""
        return self._set_node_status(
            actor, node_id, NODE_DRAINING, lambda data: _event("node.drained", node_id, {**data, "reason": reason})
        )

    def undrain_node(self, actor: Actor, node_id: str) -> Node:
        """Put a drained node back into placement. Undraining an active node is a no-op."""
        return self._set_node_status(actor, node_id, NODE_ACTIVE, lambda data: _event("node.undrained", node_id, data))

    def _set_node_status(
        self, actor: Actor, node_id: str, status: str, event: Callable[[dict[str, Any]], DomainEvent]
    ) -> Node:
        before = self.get_node(node_id)
        if before.status == status:
            return before
        after = replace(before, status=status, version=before.version + 1)
        now = self._now()
        uow = self._uow()
        # Only a placeable node's free slots count as capacity: they leave with the drain and come
        # back with the undrain, in the same transaction as the status.
        uow.set_node_state(before, after)
        emitted = event({"node": payloads.node_event_data(after)})
        uow.emit(emitted)
        action = "admin:nodes:drain" if status == NODE_DRAINING else "admin:nodes:undrain"
        uow.audit(record(action, node_id, actor, now, before=payloads.node_audit(before), after=emitted.data))
        uow.commit()
        return after

    def set_node_health(self, node_id: str, health: str, last_heartbeat_at: str) -> Node | None:
        """Record what the heartbeats say about a node; returns the node if its health changed."""
        before = self.get_node(node_id)
        if before.health == health:
            return None
        after = replace(before, health=health, version=before.version + 1)
        uow = self._uow()
        uow.set_node_state(before, after)
        uow.emit(
            _event(
                "node.health_changed",
                node_id,
                {
                    "node": payloads.node_event_data(after),
                    "from": before.health,
                    "last_heartbeat_at": last_heartbeat_at,
                },
            )
        )
        uow.commit()
        return after

    def get_node(self, node_id: str) -> Node:
        node = self._reader.get_node(node_id)
        if node is None:
            raise errors.NodeNotFoundError(f"No node with id {node_id}")
        return node

    def list_nodes(self, limit: int, cursor: str | None) -> Page:
        return self._reader.list_nodes(limit, cursor)
