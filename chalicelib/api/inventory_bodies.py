"""Response bodies of the catalog and inventory routes (doc/openapi.yaml: Sku, OsImage, Node,
NodeWithSlots)."""

from __future__ import annotations

from typing import Any

from chalicelib.inventory.models import Node, OsImage, Sku, Slot


def sku_body(sku: Sku) -> dict[str, Any]:
    return {
        "id": sku.id,
        "name": sku.name,
        "gpu_model": sku.gpu_model,
        "gpus": sku.gpus,
        "vcpus": sku.vcpus,
        "ram_gib": sku.ram_gib,
        "disk_gib": sku.disk_gib,
        "region": sku.region,
        "price_per_hour_micros": sku.price_per_hour_micros,
        "currency": sku.currency,
        "status": sku.status,
        "created_at": sku.created_at,
        "updated_at": sku.updated_at,
        "version": sku.version,
        "total_slots": sku.total_slots,
        "free_slots": sku.free_slots,
        "available": sku.available,
    }


def os_image_body(image: OsImage) -> dict[str, Any]:
    return {
        "id": image.id,
        "name": image.name,
        "family": image.family,
        "version": image.version,
        "container_image": image.container_image,
        "status": image.status,
        "created_at": image.created_at,
        "cuda_version": image.cuda_version,
    }


def node_body(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "hostname": node.hostname,
        "sku_id": node.sku_id,
        "region": node.region,
        "gpu_model": node.gpu_model,
        "gpu_count": node.gpu_count,
        "slot_count": node.slot_count,
        "status": node.status,
        "health": node.health,
        "version": node.version,
        "created_at": node.created_at,
    }


def node_with_slots_body(node: Node) -> dict[str, Any]:
    return {**node_body(node), "slots": [slot_body(s) for s in node.slots]}


def slot_body(slot: Slot) -> dict[str, Any]:
    return {
        "index": slot.index,
        "gpu_indexes": list(slot.gpu_indexes),
        "state": slot.state,
        "allocation_id": slot.allocation_id,
    }
