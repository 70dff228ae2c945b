"""Fleet use cases: an operator issues a bootstrap token; a host's agent registers with it once,
gets a node token, fetches credentials for its own queue, and sends heartbeats."""

from __future__ import annotations

import contextlib
import hmac
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id, ulid
from chalicelib.fleet import payloads
from chalicelib.fleet.models import (
    PROTOCOL_VERSIONS,
    AgentRegistration,
    BootstrapToken,
    Heartbeat,
    HeartbeatAck,
    HeartbeatReport,
    IssuedBootstrapToken,
    NodeCredential,
    QueueAccess,
    RegisteredNode,
)
from chalicelib.fleet.ports import (
    FleetReader,
    FleetUnitOfWorkFactory,
    HeartbeatStore,
    NodeQueues,
    NodeStates,
    NodeWorkloads,
    QueueCredentials,
)
from chalicelib.identity.service import token_hash
from chalicelib.inventory.models import DOWN, HEALTHY, NODE_ACTIVE, SKU_ACTIVE, SUSPECT, Node, partition_into_slots
from chalicelib.inventory.payloads import node_event_data

_BOOTSTRAP_RE = re.compile(r"^gpb_([0-9a-z]{16})_([A-Za-z0-9_-]{43})$")
_NODE_TOKEN_RE = re.compile(r"^gpn_(node_[0-9a-z]{26})_([A-Za-z0-9_-]{43})$")


class FleetService:
    def __init__(
        self,
        reader: FleetReader,
        unit_of_work: FleetUnitOfWorkFactory,
        queues: NodeQueues,
        credentials: QueueCredentials,
        heartbeats: HeartbeatStore,
        clock: Clock,
        nodes: NodeStates,
        workloads: NodeWorkloads,
        *,
        suspect_after_seconds: int = 90,
        down_after_seconds: int = 300,
        region: str,
        bootstrap_max_ttl_seconds: int,
        heartbeat_interval_seconds: int,
        credentials_ttl_seconds: int,
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._queues = queues
        self._credentials = credentials
        self._heartbeats = heartbeats
        self._nodes = nodes
        self._workloads = workloads
        self._suspect_after = suspect_after_seconds
        self._down_after = down_after_seconds
        self._clock = clock
        self._region = region
        self._bootstrap_max_ttl = bootstrap_max_ttl_seconds
        self._heartbeat_interval = heartbeat_interval_seconds
        self._credentials_ttl = credentials_ttl_seconds

    def issue_bootstrap_token(self, actor: Actor, sku_id: str, ttl_seconds: int) -> IssuedBootstrapToken:
        """A single-use token that lets one host join the fleet as a node of ``sku_id``."""
        if not 60 <= ttl_seconds <= self._bootstrap_max_ttl:
            raise errors.ValidationFailedError(f"ttl_seconds must be between 60 and {self._bootstrap_max_ttl}")
        sku = self._reader.get_sku(sku_id)
        if sku is None:
            raise errors.SkuNotFoundError()
        if sku.status != SKU_ACTIVE:
            raise errors.SkuRetiredError()
        now = self._clock.now()
        token_id = ulid().lower()[-16:]
        secret = secrets.token_urlsafe(32)
        token = BootstrapToken(
            id=f"bst_{token_id}",
            sku_id=sku.id,
            created_by=actor.user_id,
            created_at=isoformat(now),
            expires_at=isoformat(now + timedelta(seconds=ttl_seconds)),
            secret_hash=token_hash(secret),
        )
        uow = self._uow()
        uow.add_bootstrap_token(token)
        audit = payloads.bootstrap_token_audit(token)
        uow.audit(record("admin:bootstrap_tokens:create", token.id, actor, token.created_at, after=audit))
        uow.commit()
        return IssuedBootstrapToken(token, f"gpb_{token_id}_{secret}")

    def register(self, presented: str, registration: AgentRegistration) -> RegisteredNode:
        token = self._valid_bootstrap_token(presented)
        if not set(registration.protocol_versions) & set(PROTOCOL_VERSIONS):
            raise errors.UnsupportedProtocolError(
                f"This control plane speaks protocol {list(PROTOCOL_VERSIONS)}; the agent offered "
                f"{list(registration.protocol_versions)}"
            )
        sku = self._reader.get_sku(token.sku_id)
        if sku is None or sku.status != SKU_ACTIVE:
            raise errors.SkuRetiredError("The SKU this token was issued for is no longer sold")
        gpu_count = len(registration.gpus)
        if gpu_count == 0 or gpu_count % sku.gpus != 0:
            raise errors.SkuMismatchError(f"{gpu_count} GPUs cannot be cut into slots of {sku.gpus} for SKU {sku.id}")
        node_id = new_id("node")
        now = isoformat(self._clock.now())
        slots = partition_into_slots(node_id, sku, gpu_count)
        node = Node(
            id=node_id,
            hostname=registration.hostname,
            sku_id=sku.id,
            region=sku.region,
            gpu_model=sku.gpu_model,
            gpu_count=gpu_count,
            slot_count=len(slots),
            status=NODE_ACTIVE,
            created_at=now,
            slots=slots,
        )
        # The queue exists before the node does: a node without its queue would be unreachable.
        # A registration that then fails leaves an empty queue behind, harmless and reused by no one.
        queue_url, queue_arn = self._queues.ensure(node_id)
        secret = secrets.token_urlsafe(32)
        uow = self._uow()
        uow.consume_bootstrap_token(token, node_id, now)
        uow.add_node(node, slots, sku)
        uow.add_node_credential(NodeCredential(node_id, token_hash(secret), queue_url, queue_arn))
        # The node is inventory's: its event is the one inventory emits when an operator adds a node.
        uow.emit(
            DomainEvent(type="node.created", subject=node.id, data={"node": node_event_data(node)}, context="inventory")
        )
        uow.commit()
        return RegisteredNode(node_id, f"gpn_{node_id}_{secret}", queue_url, self._region, self._heartbeat_interval)

    def authenticate_node(self, presented: str) -> NodeCredential:
        """The node a node token belongs to: one read."""
        match = _NODE_TOKEN_RE.match(presented)
        if match is None:
            raise errors.InvalidTokenError("The node token is malformed")
        credential = self._reader.get_node_credential(match.group(1))
        if credential is None or not hmac.compare_digest(credential.token_hash, token_hash(match.group(2))):
            raise errors.InvalidTokenError("The node token is not valid")
        return credential

    def queue_credentials(self, node_id: str) -> QueueAccess:
        credential = self._reader.get_node_credential(node_id)
        if credential is None:
            raise errors.NodeNotFoundError()
        issued = self._credentials.issue(node_id, credential.queue_arn, self._credentials_ttl)
        return QueueAccess(issued, credential.queue_url, self._region)

    def heartbeat(self, node_id: str, report: HeartbeatReport) -> HeartbeatAck:
        beat = Heartbeat(
            node_id=node_id,
            received_at=isoformat(self._clock.now()),
            sent_at=report.sent_at,
            agent_version=report.agent_version,
            nvml=report.nvml,
            gpus=report.gpus,
            running_commands=report.running_commands,
        )
        self._heartbeats.record(beat)
        faults = gpu_faults(beat.gpus)
        if faults:
            # A GPU that raised an XID or an uncorrectable ECC error must take no new work: drain
            # the node (a no-op when it already is) and let an operator look before undraining.
            # A concurrent change of the node defers the drain to the next heartbeat, which reports
            # the same (cumulative) error counts.
            with contextlib.suppress(errors.ConcurrentUpdateError):
                actor = Actor.system(f"heartbeat:{node_id}:{beat.received_at}")
                self._nodes.drain_node(actor, node_id, "; ".join(faults)[:256])
        # The node is alive: the workflows waiting for its commands hear about it.
        self._workloads.keep_alive(node_id)
        return HeartbeatAck(self._heartbeat_interval)

    def sweep_health(self, now: datetime) -> dict[str, str]:
        """Set each node's health from the age of its last heartbeat; returns the nodes that changed.

        Nodes that never sent a heartbeat (registered by an operator, not an agent) are not swept.
        """
        changed: dict[str, str] = {}
        for node_id, received_at in self._heartbeats.last_seen():
            age = (now - datetime.fromisoformat(received_at.replace("Z", "+00:00"))).total_seconds()
            health = HEALTHY if age <= self._suspect_after else SUSPECT if age <= self._down_after else DOWN
            try:
                if self._nodes.set_node_health(node_id, health, received_at) is not None:
                    changed[node_id] = health
            except (errors.ConcurrentUpdateError, errors.NodeNotFoundError):
                continue  # the next sweep, a minute later, looks again
            if health == DOWN:
                # Allocations on a node that is down stop being billed from its last sign of life;
                # asked on every sweep (idempotent), so a sweep that died half way is completed by
                # the next one.
                self._workloads.node_down(node_id, received_at)
        return changed

    def _valid_bootstrap_token(self, presented: str) -> BootstrapToken:
        match = _BOOTSTRAP_RE.match(presented)
        if match is None:
            raise errors.InvalidTokenError("The bootstrap token is malformed")
        token = self._reader.get_bootstrap_token(f"bst_{match.group(1)}")
        if token is None or not hmac.compare_digest(token.secret_hash, token_hash(match.group(2))):
            raise errors.InvalidTokenError("The bootstrap token is not valid")
        if token.used_at is not None:
            raise errors.InvalidTokenError("The bootstrap token has already been used")
        if token.expires_at <= isoformat(self._clock.now()):
            raise errors.InvalidTokenError("The bootstrap token has expired")
        return replace(token)


def gpu_faults(gpus: tuple[dict[str, Any], ...]) -> list[str]:
    """What in a heartbeat's telemetry makes a node unfit for new work."""
    faults = []
    for gpu in gpus:
        if gpu.get("xid_errors"):
            faults.append(f"GPU {gpu.get('index')} ({gpu.get('uuid')}): {gpu['xid_errors']} XID errors")
        if gpu.get("ecc_uncorrected_errors"):
            faults.append(
                f"GPU {gpu.get('index')} ({gpu.get('uuid')}): {gpu['ecc_uncorrected_errors']} uncorrectable ECC errors"
            )
    return faults
