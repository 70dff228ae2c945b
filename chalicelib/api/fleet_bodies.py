"""Response bodies of the fleet routes (doc/openapi.yaml: NewBootstrapToken, RegisteredNode,
QueueCredentials, HeartbeatAck)."""

from __future__ import annotations

from typing import Any

from chalicelib.fleet.models import HeartbeatAck, IssuedBootstrapToken, QueueAccess, RegisteredNode


def new_bootstrap_token_body(issued: IssuedBootstrapToken) -> dict[str, Any]:
    token = issued.token
    return {
        "id": token.id,
        "sku_id": token.sku_id,
        "created_by": token.created_by,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "used_at": token.used_at,
        "node_id": token.node_id,
        "token": issued.secret,
    }


def registered_node_body(node: RegisteredNode) -> dict[str, Any]:
    return {
        "node_id": node.node_id,
        "node_token": node.node_token,
        "queue_url": node.queue_url,
        "region": node.region,
        "heartbeat_interval_seconds": node.heartbeat_interval_seconds,
    }


def queue_access_body(access: QueueAccess) -> dict[str, Any]:
    credentials = access.credentials
    body: dict[str, Any] = {
        "access_key_id": credentials.access_key_id,
        "secret_access_key": credentials.secret_access_key,
        "session_token": credentials.session_token,
        "expiration": credentials.expiration,
    }
    if credentials.endpoint_url is not None:
        body["endpoint_url"] = credentials.endpoint_url
    return {**body, "queue_url": access.queue_url, "region": access.region}


def heartbeat_ack_body(ack: HeartbeatAck) -> dict[str, Any]:
    return {"next_heartbeat_seconds": ack.next_heartbeat_seconds}
