"""Inventory domain: what the operator sells (SKUs, OS images) and what it runs on (nodes, slots).

A SKU is one rentable bundle: ``gpus`` GPUs of ``gpu_model`` with vCPU, RAM and disk, in one
region, at a price per hour in integer micro-units of ``currency``. A node is a GPU server
partitioned into slots of exactly one SKU; an allocation later claims whole slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core.page import Page

__all__ = ["Page"]

SKU_ACTIVE = "active"
SKU_RETIRED = "retired"

NODE_ACTIVE = "active"
# A draining node keeps its running allocations but takes no new ones: its free slots leave the
# free-slot index and the SKU's free count until it is undrained.
NODE_DRAINING = "draining"

# Health follows the agent's heartbeats (the fleet's sweeper sets it); it is apart from the
# operator's status, and a node takes new work only when it is both active and healthy.
HEALTHY, SUSPECT, DOWN = "healthy", "suspect", "down"

SLOT_FREE = "free"
SLOT_CLAIMED = "claimed"

OS_IMAGE_AVAILABLE = "available"


@dataclass(frozen=True, slots=True)
class Sku:
    id: str
    name: str
    gpu_model: str
    gpus: int
    vcpus: int
    ram_gib: int
    disk_gib: int
    region: str
    price_per_hour_micros: int
    currency: str
    status: str
    created_at: str
    updated_at: str
    version: int = 1
    total_slots: int = 0
    free_slots: int = 0

    @property
    def available(self) -> bool:
        return self.status == SKU_ACTIVE and self.free_slots > 0

    def with_changes(self, changes: dict[str, Any], *, now: str) -> tuple[Sku, list[str]]:
        """The SKU after ``changes`` and the names of the fields that really changed."""
        changed = sorted(k for k, v in changes.items() if getattr(self, k) != v)
        if not changed:
            return self, []
        updated = replace(self, **{k: changes[k] for k in changed}, updated_at=now, version=self.version + 1)
        return updated, changed


@dataclass(frozen=True, slots=True)
class OsImage:
    id: str
    name: str
    family: str
    version: str
    container_image: str
    status: str
    created_at: str
    cuda_version: str | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    node_id: str
    index: int
    sku_id: str
    gpu_indexes: tuple[int, ...]
    state: str = SLOT_FREE
    allocation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    hostname: str
    sku_id: str
    region: str
    gpu_model: str
    gpu_count: int
    slot_count: int
    status: str
    created_at: str
    version: int = 1
    slots: tuple[Slot, ...] = field(default=())
    health: str = HEALTHY

    @property
    def placeable(self) -> bool:
        return self.status == NODE_ACTIVE and self.health == HEALTHY


def partition_into_slots(node_id: str, sku: Sku, gpu_count: int) -> tuple[Slot, ...]:
    """Cut a node's GPUs into consecutive bundles of ``sku.gpus`` (GPU 0-1, 2-3, ... for a 2-GPU SKU)."""
    return tuple(
        Slot(
            node_id=node_id,
            index=i,
            sku_id=sku.id,
            gpu_indexes=tuple(range(i * sku.gpus, (i + 1) * sku.gpus)),
        )
        for i in range(gpu_count // sku.gpus)
    )


@dataclass(frozen=True, slots=True)
class CatalogFilter:
    gpu_model: str | None = None
    min_gpus: int | None = None
    region: str | None = None
    max_price_per_hour_micros: int | None = None
    available: bool | None = None
