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


@dataclass(frozen=True, slots=True)
class IssuedBootstrapToken:
    """A new bootstrap token and its secret, which exists only in this answer."""

    token: BootstrapToken
    secret: str


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


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """Temporary credentials scoped to one node's queue; ``endpoint_url`` only where the agent
    must reach a local cloud rather than AWS."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str
    endpoint_url: str | None = None


@dataclass(frozen=True, slots=True)
class QueueAccess:
    """What an agent needs to long-poll its own command queue."""

    credentials: IssuedCredentials
    queue_url: str
    region: str


@dataclass(frozen=True, slots=True)
class HeartbeatReport:
    """A heartbeat as the agent sends it; telemetry (``nvml``, ``gpus``) is kept as reported."""

    sent_at: str
    agent_version: str
    nvml: dict[str, Any]
    gpus: tuple[dict[str, Any], ...]
    running_commands: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HeartbeatAck:
    next_heartbeat_seconds: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    node_id: str
    received_at: str
    sent_at: str
    agent_version: str
    nvml: dict[str, Any]
    gpus: tuple[dict[str, Any], ...]
    running_commands: tuple[str, ...]
