"""How inventory's objects leave the domain other than through the API: event payloads (the
schemas in events/schemas/common/sku.json, os_image.json, node.json) and audit snapshots.
One function per shape."""

from __future__ import annotations

from typing import Any

from chalicelib.inventory.models import Node, OsImage, Sku, Slot


def sku_event_data(sku: Sku) -> dict[str, Any]:
    """The SKU as ``sku.*`` events carry it: every field, and whether it can be rented now."""
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


def sku_audit(sku: Sku) -> dict[str, Any]:
    """The audit trail keeps a SKU as its events carry it."""
    return sku_event_data(sku)


def os_image_event_data(image: OsImage) -> dict[str, Any]:
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


def os_image_audit(image: OsImage) -> dict[str, Any]:
    return os_image_event_data(image)


def node_event_data(node: Node) -> dict[str, Any]:
    """The node as ``node.*`` events carry it (without its slots)."""
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


def node_audit(node: Node, *, with_slots: bool = False) -> dict[str, Any]:
    """The node as the audit trail keeps it: its event shape, with its slots when they were made."""
    data = node_event_data(node)
    if with_slots:
        data["slots"] = [_slot_audit(s) for s in node.slots]
    return data


def _slot_audit(slot: Slot) -> dict[str, Any]:
    return {
        "index": slot.index,
        "gpu_indexes": list(slot.gpu_indexes),
        "state": slot.state,
        "allocation_id": slot.allocation_id,
    }
