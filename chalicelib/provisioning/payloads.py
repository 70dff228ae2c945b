"""How provisioning's objects leave the domain other than through the API: event payloads (the
schemas in events/schemas/allocation.*.json), audit snapshots, command documents (the agent
protocol, events/agent/) and the workflows' execution input. One function per shape."""

from __future__ import annotations

from typing import Any

from chalicelib.provisioning.models import ACTIVE, Allocation, ClaimedSlot, WorkflowInput


def allocation_event_data(allocation: Allocation) -> dict[str, Any]:
    """The allocation as events carry it (no key texts: consumers need ids, not secrets' neighbours)."""
    return {
        "allocation_id": allocation.id,
        "org_id": allocation.org_id,
        "user_id": allocation.user_id,
        "sku_id": allocation.sku_id,
        "node_id": allocation.node_id,
        "count": allocation.count,
        "gpus": allocation.gpus,
        "price_per_hour_micros": allocation.price_per_hour_micros,
        "currency": allocation.currency,
        "state": allocation.state,
        "reason": allocation.reason,
        "at": allocation.updated_at,
        # Incremented by every change: receivers order a subject's events by it (doc/events.md).
        "version": allocation.version,
    }


def allocation_audit(allocation: Allocation) -> dict[str, Any]:
    """The allocation as the audit trail keeps it before and after an operator's change: what its
    owner could see at that moment."""
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
        "slots": [command_slot(s) for s in allocation.slots],
        "price_per_hour_micros": allocation.price_per_hour_micros,
        "currency": allocation.currency,
        "state": allocation.state,
        "reason": allocation.reason,
        "allowed_actions": list(allocation.allowed_actions),
        "connection": (
            {
                "host": connection.host,
                "port": connection.port,
                "user": connection.user,
                "command": connection.ssh_command,
                "known_hosts": connection.known_hosts,
                "host_key_fingerprint": connection.host_key_fingerprint,
            }
            if connection
            else None
        ),
        "created_at": allocation.created_at,
        "updated_at": allocation.updated_at,
        "activated_at": allocation.activated_at,
        "release_requested_at": allocation.release_requested_at,
        "released_at": allocation.released_at,
        "failed_at": allocation.failed_at,
        "node_down_at": allocation.node_down_at,
    }


def command_slot(slot: ClaimedSlot) -> dict[str, Any]:
    """A claimed slot as a provision command names it (and as the audit snapshot lists it)."""
    return {"index": slot.index, "gpu_indexes": list(slot.gpu_indexes)}


def workflow_input(value: WorkflowInput) -> dict[str, Any]:
    """The execution input the state machines read (statemachines/*.asl.json)."""
    return {
        "allocation_id": value.allocation_id,
        "timeouts": {"heartbeat_seconds": value.heartbeat_seconds, "command_seconds": value.command_seconds},
        "attempts": {"n": value.attempt},
        "max_attempts": value.max_attempts,
    }
