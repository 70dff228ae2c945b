"""Fleet: how GPU hosts join (single-use bootstrap tokens), prove who they are (node tokens), get
credentials for their own command queue, and report heartbeats with GPU telemetry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSIONS = (1,)


@dataclass(frozen=True, slots=True)
class BootstrapToken:
    id: str
    sku_id: str
    created_by: str
    created_at: str
    expires_at: str
    secret_hash: str
    used_at: str | None = None
    node_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sku_id": self.sku_id,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "used_at": self.used_at,
            "node_id": self.node_id,
        }


@dataclass(frozen=True, slots=True)
class NodeCredential:
    node_id: str
    token_hash: str
    queue_url: str
    queue_arn: str


@dataclass(frozen=True, slots=True)
class AgentRegistration:
    hostname: str
    agent_version: str
    protocol_versions: tuple[int, ...]
    executors: tuple[str, ...]
    gpus: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class RegisteredNode:
    node_id: str
    node_token: str
    queue_url: str
    region: str
    heartbeat_interval_seconds: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "node_token": self.node_token,
            "queue_url": self.queue_url,
            "region": self.region,
            "heartbeat_interval_seconds": self.heartbeat_interval_seconds,
        }


@dataclass(frozen=True, slots=True)
class Heartbeat:
    node_id: str
    received_at: str
    sent_at: str
    agent_version: str
    nvml: dict[str, Any]
    gpus: tuple[dict[str, Any], ...]
    running_commands: tuple[str, ...]
