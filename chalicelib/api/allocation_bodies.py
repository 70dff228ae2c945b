"""Response bodies of the allocation routes (doc/openapi.yaml: Allocation, CommandResultAck)."""

from __future__ import annotations

from typing import Any

from chalicelib.provisioning.models import ACTIVE, Allocation, ClaimedSlot, Connection, ResultReceipt


def allocation_body(allocation: Allocation) -> dict[str, Any]:
    """What the customer sees (public key texts are theirs already; the ids say which)."""
    connection = allocation.connection if allocation.state == ACTIVE else None
    return {
        "id": allocation.id,
        "name": allocation.name,
        "org_id": allocation.org_id,
        "created_by": allocation.user_id,
        "sku_id": allocation.sku_id,
        "region": allocation.region,
        "gpu_model": allocation.gpu_model,
        "count": allocation.count,
        "gpus": allocation.gpus,
        "os_image_id": allocation.os_image_id,
        "ssh_key_ids": list(allocation.ssh_key_ids),
        "node_id": allocation.node_id,
        "slots": [claimed_slot_body(s) for s in allocation.slots],
        "price_per_hour_micros": allocation.price_per_hour_micros,
        "currency": allocation.currency,
        "state": allocation.state,
        "reason": allocation.reason,
        "allowed_actions": list(allocation.allowed_actions),
        "connection": connection_body(connection) if connection else None,
        "created_at": allocation.created_at,
        "updated_at": allocation.updated_at,
        "activated_at": allocation.activated_at,
        "release_requested_at": allocation.release_requested_at,
        "released_at": allocation.released_at,
        "failed_at": allocation.failed_at,
        "node_down_at": allocation.node_down_at,
    }


def claimed_slot_body(slot: ClaimedSlot) -> dict[str, Any]:
    return {"index": slot.index, "gpu_indexes": list(slot.gpu_indexes)}


def connection_body(connection: Connection) -> dict[str, Any]:
    """doc/openapi.yaml Connection (inside an Allocation) and SshConnection (GET .../ssh): the same shape."""
    return {
        "host": connection.host,
        "port": connection.port,
        "user": connection.user,
        "command": connection.ssh_command,
        "known_hosts": connection.known_hosts,
        "host_key_fingerprint": connection.host_key_fingerprint,
    }


def result_receipt_body(receipt: ResultReceipt) -> dict[str, Any]:
    return {"command_id": receipt.command_id, "accepted": receipt.accepted, "late": receipt.late}
